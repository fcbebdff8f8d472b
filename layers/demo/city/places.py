"""The places of a generated city, drawn on its local grid in metres and converted to WGS 84: grid cells,
roads along the cell edges, buildings in a jittered lattice inside each cell, and facilities of every kind
(bins, streetlights, toilets, collection points) along the streets."""

from __future__ import annotations

import numpy as np
from pyproj import Transformer

from layers.demo.city.plan import CELL_M, CityPlan

ORIGIN_LONLAT = (104.00, 30.60)  # the south-west corner of the city, near Chengdu
METRIC_CRS = "EPSG:32648"  # UTM zone 48N, where Chengdu lies
SEGMENT_CELLS = 8  # roads are cut into stretches of this many cells
BUILDING_LATTICE = (7, 6)  # columns × rows of building lots per cell


class Projection:
    """Local metres (x east, y north from the city's south-west corner) to WGS 84, 7 decimals."""

    def __init__(self) -> None:
        x0, y0 = Transformer.from_crs("EPSG:4326", METRIC_CRS, always_xy=True).transform(*ORIGIN_LONLAT)
        self.x0, self.y0 = x0, y0
        self._to_wgs = Transformer.from_crs(METRIC_CRS, "EPSG:4326", always_xy=True)

    def lonlat(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        lon, lat = self._to_wgs.transform(np.asarray(x, float) + self.x0, np.asarray(y, float) + self.y0)
        return np.round(np.column_stack([lon, lat]), 7)


def _rings(proj: Projection, x0, y0, x1, y1) -> list[dict]:
    """Axis-aligned rectangles as GeoJSON Polygons (outer ring counter-clockwise)."""
    xs = np.column_stack([x0, x1, x1, x0, x0]).ravel()
    ys = np.column_stack([y0, y0, y1, y1, y0]).ravel()
    coords = proj.lonlat(xs, ys).reshape(-1, 5, 2).tolist()
    return [{"type": "Polygon", "coordinates": [ring]} for ring in coords]


def _points(proj: Projection, x, y) -> list[dict]:
    return [{"type": "Point", "coordinates": c} for c in proj.lonlat(x, y).tolist()]


def grid_cells(plan: CityPlan, proj: Projection) -> list[tuple[dict, dict]]:
    x0, y0 = plan.cell_xy[:, 0], plan.cell_xy[:, 1]
    rings = _rings(proj, x0, y0, x0 + CELL_M, y0 + CELL_M)
    out = []
    for code, ring in zip(plan.cells, rings):
        community = plan.names[code[:12]]
        props = {"code": code, "name": f"{community}第{int(code[12:])}网格",
                 "responsible_unit": f"{plan.names[code[:9]]}城管中队"}  # fmt: skip
        out.append((ring, props))
    return out


def roads(plan: CityPlan, proj: Projection) -> list[tuple[dict, dict]]:
    """Every grid line of the city in stretches of :data:`SEGMENT_CELLS` cells; every eighth line an arterial,
    every fourth a secondary road, every second a branch road, the rest alleys."""
    out = []
    kinds = ((8, "arterial", 30.0), (4, "secondary", 18.0), (2, "branch", 10.0), (1, "alley", 5.0))
    for axis, extent, other in (("x", plan.width_m, plan.height_m), ("y", plan.height_m, plan.width_m)):
        for k in range(int(round(extent / CELL_M)) + 1):
            road_class, width = next((c, w) for n, c, w in kinds if k % n == 0)
            name = f"{'纵' if axis == 'x' else '横'}{k + 1}{'路' if road_class != 'alley' else '巷'}"
            for start in np.arange(0.0, other, SEGMENT_CELLS * CELL_M):
                end = min(start + SEGMENT_CELLS * CELL_M, other)
                along = np.array([start, end])
                fixed = np.full(2, k * CELL_M)
                xy = proj.lonlat(fixed, along) if axis == "x" else proj.lonlat(along, fixed)
                props = {"name": name, "class": road_class, "lit": road_class != "alley", "width_m": width}
                out.append(({"type": "LineString", "coordinates": xy.tolist()}, props))
    return out


def buildings(plan: CityPlan, proj: Projection, rng: np.random.Generator) -> list[tuple[dict, dict]]:
    cols, rows = BUILDING_LATTICE
    n = len(plan.cells)
    lot_w, lot_h = CELL_M / cols, CELL_M / rows
    gx, gy = np.meshgrid(np.arange(cols), np.arange(rows))
    gx, gy = np.tile(gx.ravel(), n), np.tile(gy.ravel(), n)
    cell = np.repeat(np.arange(n), cols * rows)
    keep = rng.random(cell.size) < 0.94
    w = rng.uniform(9.0, lot_w - 6.0, cell.size)
    h = rng.uniform(9.0, lot_h - 6.0, cell.size)
    x0 = plan.cell_xy[cell, 0] + gx * lot_w + rng.uniform(3.0, 3.0 + (lot_w - 6.0 - w).clip(0))
    y0 = plan.cell_xy[cell, 1] + gy * lot_h + rng.uniform(3.0, 3.0 + (lot_h - 6.0 - h).clip(0))
    uses = np.array(["residential", "compound", "village_house", "commercial", "school", "market", "public",
                     "industrial"])  # fmt: skip
    use = uses[rng.choice(len(uses), cell.size, p=[0.5, 0.15, 0.12, 0.12, 0.02, 0.02, 0.04, 0.03])]
    households = rng.integers(4, 60, cell.size)
    keep_idx = np.flatnonzero(keep)
    rings = _rings(proj, x0[keep], y0[keep], x0[keep] + w[keep], y0[keep] + h[keep])
    out = []
    for ring, i in zip(rings, keep_idx.tolist()):
        props = {"use": str(use[i])}
        if use[i] in ("residential", "compound", "village_house"):
            props["households"] = int(households[i])
        out.append((ring, props))
    return out


def _along_edges(plan: CityPlan, rng: np.random.Generator, per_cell: float, inset_m: float):
    """Cell indices and positions ``inset_m`` inside a random edge of the cell, ``per_cell`` on average."""
    n = len(plan.cells)
    count = rng.poisson(per_cell, n)
    cell = np.repeat(np.arange(n), count)
    t = rng.uniform(0.05, 0.95, cell.size) * CELL_M
    edge = rng.integers(0, 4, cell.size)
    x = np.where(edge == 0, inset_m, np.where(edge == 1, CELL_M - inset_m, t))
    y = np.where(edge == 2, inset_m, np.where(edge == 3, CELL_M - inset_m, t))
    return cell, plan.cell_xy[cell, 0] + x, plan.cell_xy[cell, 1] + y


def facilities(plan: CityPlan, proj: Projection, rng: np.random.Generator) -> dict[str, list[tuple[dict, dict]]]:
    """Bins (4 a cell), streetlights (6), collection points (1 in 2 cells) and toilets (1 in 3 cells)."""
    out: dict[str, list[tuple[dict, dict]]] = {}
    _, x, y = _along_edges(plan, rng, 4.0, 3.0)
    capacity = rng.choice([120, 240, 660], x.size, p=[0.3, 0.6, 0.1])
    sorted_ = rng.random(x.size) < 0.4
    status = np.where(rng.random(x.size) < 0.96, "ok", "damaged")
    out["bins"] = [(g, {"capacity_l": int(c), "sorted": bool(s), "status": str(t)})
                   for g, c, s, t in zip(_points(proj, x, y), capacity, sorted_, status)]  # fmt: skip
    _, x, y = _along_edges(plan, rng, 6.0, 1.5)
    broken = rng.random(x.size) < 0.05
    height = rng.choice([8.0, 10.0, 12.0], x.size)
    out["streetlights"] = [(g, {"status": "broken" if b else "working", "pole_height_m": float(h),
                                "cutoff": "semi_cutoff"})
                           for g, b, h in zip(_points(proj, x, y), broken, height)]  # fmt: skip
    _, x, y = _along_edges(plan, rng, 0.5, 8.0)
    kinds = rng.choice(["room", "station", "point"], x.size, p=[0.5, 0.2, 0.3])
    out["collection_points"] = [(g, {"type": str(k), "sorted": True}) for g, k in zip(_points(proj, x, y), kinds)]
    _, x, y = _along_edges(plan, rng, 1 / 3, 10.0)
    flush = np.where(rng.random(x.size) < 0.92, "flush", "dry")
    out["toilets"] = [(g, {"flush": str(f), "grade": "II" if f == "flush" else "none"})
                      for g, f in zip(_points(proj, x, y), flush)]  # fmt: skip
    return out
