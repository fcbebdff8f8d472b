"""Where a case is: its grid cell with the responsible unit, an address from the project's own named
roads, buildings and cells, and the roads for planning a round. The layers are read once per revision."""

from __future__ import annotations

import json
import threading

import geopandas as gpd
import shapely
from shapely.geometry import Point

from geo.revgeo import reverse_geocode_one
from layers.catalogue.frames import layer_frame
from layers.store import Store

GRID, ROADS, BUILDINGS = "grid", "roads", "buildings"


class Places:
    """The grid, roads and buildings layers as they are now, re-read when a layer's revision changes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._frames: dict[str, tuple[int, gpd.GeoDataFrame]] = {}
        self._cells: tuple[int, list[tuple[dict, object]], object] | None = None

    def frame(self, store: Store, layer_id: str) -> gpd.GeoDataFrame:
        layer = store.layer(layer_id)
        revision = layer["revision"] if layer else -1
        with self._lock:
            cached = self._frames.get(layer_id)
            if cached and cached[0] == revision:
                return cached[1]
        frame = layer_frame(store, layer_id) if layer else gpd.GeoDataFrame(geometry=[], crs="EPSG:4326")
        with self._lock:
            self._frames[layer_id] = (revision, frame)
        return frame

    def _grid(self, store: Store):
        layer = store.layer(GRID)
        revision = layer["revision"] if layer else -1
        with self._lock:
            if self._cells and self._cells[0] == revision:
                return self._cells[1], self._cells[2]
        page = store.query(GRID, limit=100_000) if layer else None
        cells = (
            [(json.loads(v.properties or "{}"), shapely.from_geojson(v.geometry)) for v in page.features]
            if page
            else []
        )
        tree = shapely.STRtree([g for _, g in cells]) if cells else None
        with self._lock:
            self._cells = (revision, cells, tree)
        return cells, tree

    def cell(self, store: Store, lon: float, lat: float) -> dict | None:
        """The properties of the grid cell covering the point (the lowest code on a shared edge), or None."""
        cells, tree = self._grid(store)
        if tree is None:
            return None
        hits = [cells[i][0] for i in tree.query(Point(lon, lat), predicate="intersects").tolist()]
        hits = [h for h in hits if h.get("code")]
        return min(hits, key=lambda h: h["code"]) if hits else None

    def area(self, store: Store) -> tuple[float, float, float, float] | None:
        """The deployment's area: the box of the grid cells, else of all data (None for an empty store)."""
        cells, _ = self._grid(store)
        if cells:
            return tuple(float(v) for v in shapely.total_bounds([g for _, g in cells]))
        return store.extent()

    def cell_names(self, store: Store) -> dict[str, str]:
        cells, _ = self._grid(store)
        return {p["code"]: p.get("name") or p["code"] for p, _ in cells if p.get("code")}

    def address(self, store: Store, lon: float, lat: float) -> str:
        return reverse_geocode_one(
            lon, lat, self.frame(store, ROADS), self.frame(store, BUILDINGS), self.frame(store, GRID)
        )


def place_of(ctx, lon: float, lat: float) -> dict:
    """``{"address", "grid_code", "grid_name"}`` of a point (``ctx``: a CaseContext): the nearest address the
    roads and buildings give, and the grid cell covering it (None outside every cell)."""
    cell = ctx.places.cell(ctx.store, lon, lat) or {}
    return {"lon": lon, "lat": lat, "address": ctx.places.address(ctx.store, lon, lat) or None,
            "grid_code": cell.get("code"), "grid_name": cell.get("name") or cell.get("code")}
