"""The features of an area: cases (and grid cells) by their grid code's prefix, every other layer by its
geometry meeting the area's boundary; paged like the store's own queries."""

from __future__ import annotations

import json

import numpy as np
import shapely
from shapely.geometry import shape

from layers.accounts import CASE_LAYER
from layers.areas.hierarchy import GRID_LAYER, Area, hierarchy
from layers.store import Bbox, Page, PointArrays, Store

MAX_SCAN = 5_000_000
# the property that places a feature of a layer in a cell, for the layers placed by code
CODE_PROPERTY = {CASE_LAYER: "grid_code", GRID_LAYER: "code"}


def _overlap(a: Bbox | None, b: Bbox | None) -> Bbox | None:
    if a is None:
        return b
    if b is None:
        return a
    box = (max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3]))
    return box if box[0] <= box[2] and box[1] <= box[3] else None


def area_query(
    store: Store,
    layer_id: str,
    area: Area | None,
    *,
    bbox: Bbox | None = None,
    at: int | None = None,
    filters: dict | None = None,
    limit: int = 1000,
    offset: int = 0,
    during: tuple[int | None, int | None] | None = None,
) -> Page:
    """``store.query`` restricted to an area (None: the whole city, the plain query)."""
    filters = dict(filters or {})
    if area is None:
        return store.query(layer_id, bbox=bbox, at=at, filters=filters, limit=limit, offset=offset, during=during)
    tree = hierarchy(store)
    if layer_id in CODE_PROPERTY:
        name = CODE_PROPERTY[layer_id]
        cells = set(tree.cell_codes(area.code))
        if name in filters:
            asked = filters[name] if isinstance(filters[name], (list, tuple, set)) else [filters[name]]
            cells &= set(asked)
        if not cells:
            return Page([], 0)
        filters[name] = sorted(cells)
        return store.query(layer_id, bbox=bbox, at=at, filters=filters, limit=limit, offset=offset, during=during)
    box = _overlap(bbox, area.bbox)
    if box is None:
        return Page([], 0)
    inside = tree.contains(area.code)
    found = store.query(layer_id, bbox=box, at=at, filters=filters, limit=MAX_SCAN, during=during).features
    kept = [v for v in found if v.geometry and inside(shape(json.loads(v.geometry)))]
    return Page(kept[offset : offset + limit], len(kept))


def area_cells(store: Store, area: Area | None, grids: set[str] | None = None) -> set[str] | None:
    """The grid cells a request about ``area`` may see, narrowed to ``grids`` when given (None: no limit)."""
    if area is None:
        return grids
    cells = set(hierarchy(store).cell_codes(area.code))
    return cells if grids is None else cells & set(grids)


def area_points(store: Store, arrays: PointArrays, area: Area | None) -> PointArrays:
    """The points of ``arrays`` that lie in the area's boundary (its edge included); all of them for None."""
    if area is None:
        return arrays
    boundary = hierarchy(store).boundary(area.code)
    if boundary is None:
        keep = np.zeros(len(arrays.fids), dtype=bool)
    else:
        shapely.prepare(boundary)
        keep = shapely.intersects_xy(boundary, arrays.x, arrays.y)
    values = None if arrays.values is None else [v for v, k in zip(arrays.values, keep.tolist()) if k]
    return PointArrays(arrays.fids[keep], arrays.x[keep], arrays.y[keep], values)
