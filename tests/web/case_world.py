"""A tiny, hand-checkable community for the case tests: two grid cells side by side, a named road along
their middle, a named building, and users for every role. Coordinates near Guangzhou (lon 113.3, lat 23.1);
at this latitude 0.001° of longitude is ~102.4 m and 0.001° of latitude ~110.8 m."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from tests.conftest import make_user, token_client

WEST, EAST = "440106003012001", "440106003012002"
X0, X1, X2, Y0, Y1 = 113.300, 113.310, 113.320, 23.100, 23.110
ROAD = [[113.300, 23.105], [113.320, 23.105]]  # drawn west to east through both cells
BUILDING = [[113.3050, 23.1060], [113.3060, 23.1060], [113.3060, 23.1070], [113.3050, 23.1070], [113.3050, 23.1060]]


def _square(x0, y0, x1, y1):
    return {"type": "Polygon", "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]}


def seed(client) -> None:
    cells = [
        (WEST, _square(X0, Y0, X1, Y1), "西片网格", "西片网格工作站"),
        (EAST, _square(X1, Y0, X2, Y1), "东片网格", "东片网格工作站"),
    ]
    grid = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": g, "properties": {"code": c, "name": n, "responsible_unit": u}}
        for c, g, n, u in cells]}  # fmt: skip
    assert client.post("/api/layers/grid/features", json=grid).status_code == 201
    road = {"type": "Feature", "geometry": {"type": "LineString", "coordinates": ROAD},
            "properties": {"name": "风情街", "class": "secondary"}}  # fmt: skip
    assert client.post("/api/layers/roads/features", json=road).status_code == 201
    building = {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [BUILDING]},
                "properties": {"name": "新港花园3栋"}}  # fmt: skip
    r = client.post("/api/layers/buildings/features", json=building)
    assert r.status_code == 201, r.get_json()


def users(app) -> dict:
    """Clients for a planner (dispatcher), two field workers (one per cell), an inspector in the west cell and
    a leader."""
    return {
        "planner": token_client(app, make_user(app, "planner1", "planner")),
        "west": token_client(app, make_user(app, "wang_w", "field_worker", grid_codes=[WEST])),
        "east": token_client(app, make_user(app, "li_e", "field_worker", grid_codes=[EAST])),
        "inspector": token_client(app, make_user(app, "zhao_w", "field_worker", grid_codes=[WEST])),
        "leader": token_client(app, make_user(app, "boss", "leader")),
    }


def jpeg(color=(200, 60, 40), size=(640, 480), exif=None) -> bytes:
    """A photo-like JPEG: smooth random blobs seeded by ``color`` (flat images all look alike to a dHash)."""
    rng = np.random.default_rng(color[0] * 65536 + color[1] * 256 + color[2])
    coarse = rng.integers(0, 256, size=(6, 8, 3), dtype=np.uint8)
    image = Image.fromarray(coarse, "RGB").resize(size, Image.Resampling.BICUBIC)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90, **({"exif": exif} if exif is not None else {}))
    return out.getvalue()


def photo_upload(client, fid: int, kind: str, data: bytes, key: str | None = None):
    headers = {"Idempotency-Key": key} if key else {}
    return client.post(f"/api/cases/{fid}/photos", data={"kind": kind, "file": (io.BytesIO(data), "p.jpg")},
                       content_type="multipart/form-data", headers=headers)  # fmt: skip


def report(client, lon=113.305, lat=23.1052, category="0102", **extra):
    return client.post("/api/cases", json={"category": category, "lon": lon, "lat": lat,
                                           "description": "路边堆放垃圾", **extra})  # fmt: skip


def move(client, fid: int, to: str, **extra):
    return client.post(f"/api/cases/{fid}/transitions", json={"to": to, **extra})
