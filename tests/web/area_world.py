"""A tiny city for the area tests: two districts (510104, 510105), each with two street offices of two
communities of two grid cells, so 16 cells of 0.01° side by side near Chengdu (lon 104.0, lat 30.6).
Cell ``DDDDDD SSS CCC NNN`` lies at column ``4 × (district) + 2 × (street) + cell`` and row ``community``."""

from __future__ import annotations

X0, Y0, STEP = 104.00, 30.60, 0.01
DISTRICTS = ("510104", "510105")


def square(x0, y0, x1, y1):
    return {"type": "Polygon", "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]}


def cells() -> dict[str, tuple[float, float]]:
    """``{cell code: (west, south)}``."""
    out = {}
    for d, district in enumerate(DISTRICTS):
        for s in range(2):
            for c in range(2):
                for n in range(2):
                    code = f"{district}{s + 1:03d}{c + 1:03d}{n + 1:03d}"
                    out[code] = (round(X0 + STEP * (4 * d + 2 * s + n), 6), round(Y0 + STEP * c, 6))
    return out


def centre(code: str) -> tuple[float, float]:
    west, south = cells()[code]
    return round(west + STEP / 2, 6), round(south + STEP / 2, 6)


def seed(client) -> None:
    grid = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": square(x, y, round(x + STEP, 6), round(y + STEP, 6)),
         "properties": {"code": code, "name": f"网格{code[-3:]}", "responsible_unit": "工作站"}}
        for code, (x, y) in cells().items()]}  # fmt: skip
    r = client.post("/api/layers/grid/features", json=grid)
    assert r.status_code == 201, r.get_json()


NAMES_CSV = (
    "code,name,parent\n510104,锦江区,\n510104001,督院街街道,510104\n510104001001,东城根社区,510104001\n510105,青羊区,\n"
).encode()
