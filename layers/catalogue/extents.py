"""The bounding box of each layer, read through the Store interface only and kept until the layer changes.

The store offers one extent for everything (``Store.extent``); OGC API collections need one per layer.
A layer's ``revision`` increases with every write, so a box stays valid exactly as long as its revision.
"""

from __future__ import annotations

import threading

import numpy as np
import shapely

from layers.store import Bbox, Store

PAGE = 50_000  # large pages: SQLite walks past an OFFSET row by row


class LayerExtents:
    """``get(layer)`` is the box of the layer's live features (None when it has none).

    Point layers come from ``Store.points`` as of now (one indexed read, no GeoJSON to parse: 200,000
    points take ~0.4 s); other layers are paged through ``Store.query`` and parsed by shapely in bulk.
    """

    def __init__(self, store: Store, page: int = PAGE) -> None:
        if page < 1:
            raise ValueError(f"page must be at least 1, got {page}")
        self._store = store
        self._page = page
        self._boxes: dict[str, tuple[int, Bbox | None]] = {}
        self._lock = threading.Lock()

    def get(self, layer: dict) -> Bbox | None:
        """The box of ``layer`` (a definition from ``Store.layers()``/``layer()``, with its ``revision``)."""
        layer_id, revision = layer["id"], layer["revision"]
        with self._lock:
            cached = self._boxes.get(layer_id)
        if cached is not None and cached[0] == revision:
            return cached[1]
        if layer.get("feature_count") == 0:
            box = None
        elif layer["geometry_types"] == ["Point"]:
            box = self._points_box(layer_id)
        else:
            box = self._paged_box(layer_id)
        with self._lock:
            self._boxes[layer_id] = (revision, box)
        return box

    def _points_box(self, layer_id: str) -> Bbox | None:
        # ``at=now`` reads the live points straight from the versions (the same set as the live features).
        arrays = self._store.points(layer_id, at=self._store.now())
        if len(arrays.x) == 0:
            return None
        return _box(arrays.x.min(), arrays.y.min(), arrays.x.max(), arrays.y.max())

    def _paged_box(self, layer_id: str) -> Bbox | None:
        bounds, offset = [], 0
        while True:
            page = self._store.query(layer_id, limit=self._page, offset=offset)
            texts = [f.geometry for f in page.features if f.geometry]
            if texts:
                bounds.append(shapely.bounds(shapely.from_geojson(texts)))
            offset += len(page.features)
            if len(page.features) < self._page or offset >= page.total:
                break
        if not bounds:
            return None
        every = np.vstack(bounds)
        if np.isnan(every).all():
            return None
        return _box(*np.nanmin(every[:, :2], axis=0), *np.nanmax(every[:, 2:], axis=0))


def _box(minx, miny, maxx, maxy) -> Bbox:
    return (float(minx), float(miny), float(maxx), float(maxy))
