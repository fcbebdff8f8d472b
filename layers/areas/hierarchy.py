"""The area hierarchy of a deployment: every district, street office, community and cell named by the grid
layer's cell codes or by the stored areas, with names, bounding boxes and boundaries (a stored boundary, or
else the union of the area's cells). Built once per revision of the grid layer and of the stored areas."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass

import shapely
from shapely.geometry import shape
from shapely.prepared import prep

from layers.areas.codes import LEVEL_DIGITS, level_of, lineage, parent_of
from layers.store import Store

GRID_LAYER = "grid"
REVISION_META = "areas_revision"
_MAX_CELLS = 10_000_000


@dataclass(frozen=True)
class Area:
    """One area: ``bbox`` is None for an area with neither cells nor a stored boundary; ``cells`` counts its
    grid cells; ``stored_boundary`` tells whether its boundary was imported (else it is its cells' union)."""

    code: str
    level: str
    parent: str | None
    name: str | None
    bbox: tuple[float, float, float, float] | None
    cells: int
    stored_boundary: bool

    def to_json(self) -> dict:
        return {
            "code": self.code, "name": self.name, "level": self.level, "parent": self.parent,
            "bbox": list(self.bbox) if self.bbox else None, "cells": self.cells,
            "boundary": "stored" if self.stored_boundary else "cells",
        }  # fmt: skip


def _merge(a, b):
    if a is None:
        return b
    return (min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3]))


class Hierarchy:
    """The areas of one revision of the data; read-only once built."""

    def __init__(self, cells: dict[str, tuple[str | None, object]], stored: list[dict]) -> None:
        self._cell_shapes = {code: geom for code, (_, geom) in cells.items()}
        self._stored = {a["code"]: a for a in stored}
        boxes: dict[str, tuple | None] = {}
        counts: dict[str, int] = {}
        names: dict[str, str | None] = {}
        for code, (name, geom) in cells.items():
            box = tuple(shapely.bounds(geom).tolist())
            names[code] = name
            for prefix in lineage(code):
                boxes[prefix] = _merge(boxes.get(prefix), box)
                counts[prefix] = counts.get(prefix, 0) + 1
        for code in self._stored:
            for prefix in lineage(code):
                boxes.setdefault(prefix, None)
        self.areas: dict[str, Area] = {}
        for code in sorted(boxes):
            stored = self._stored.get(code)
            bbox = tuple(stored["bbox"]) if stored and stored.get("bbox") else boxes[code]
            name = stored["name"] if stored else names.get(code)
            self.areas[code] = Area(code, level_of(code), parent_of(code), name, bbox, counts.get(code, 0),
                                    bool(stored and stored.get("geometry")))  # fmt: skip
        self._children: dict[str | None, list[str]] = {}
        for code, area in self.areas.items():
            self._children.setdefault(area.parent, []).append(code)
        self._boundaries: dict[str, object] = {}
        self._lock = threading.Lock()

    def get(self, code: str) -> Area | None:
        return self.areas.get(code)

    def children(self, code: str | None) -> list[Area]:
        """The areas one level down (the districts for None, the city)."""
        return [self.areas[c] for c in self._children.get(code, [])]

    def path(self, code: str) -> list[Area]:
        """The areas from the district down to ``code``."""
        return [self.areas[c] for c in lineage(code) if c in self.areas]

    def listing(self, level: str | None = None, parent: str | None = None, within: str | None = None) -> list[Area]:
        """Areas by code, of one level and/or one parent, inside the area ``within`` when given."""
        found = self.areas.values() if parent is None else self.children(parent)
        return [
            a for a in found if (level is None or a.level == level) and (within is None or a.code.startswith(within))
        ]

    def cell_codes(self, code: str) -> list[str]:
        """The codes of the grid cells of an area, in order."""
        if len(code) == LEVEL_DIGITS["cell"]:
            return [code] if code in self._cell_shapes else []
        return sorted(c for c in self._cell_shapes if c.startswith(code))

    def boundary(self, code: str):
        """The area's boundary as a shapely geometry (WGS 84), or None when it has neither."""
        with self._lock:
            if code in self._boundaries:
                return self._boundaries[code]
        stored = self._stored.get(code)
        if stored and stored.get("geometry"):
            geom = shape(stored["geometry"])
        else:
            parts = [self._cell_shapes[c] for c in self.cell_codes(code)]
            geom = shapely.union_all(parts) if parts else None
        with self._lock:
            self._boundaries[code] = geom
        return geom

    def contains(self, code: str):
        """A predicate telling whether a shapely geometry meets the area's boundary."""
        geom = self.boundary(code)
        if geom is None:
            return lambda _: False
        prepared = prep(geom)
        return prepared.intersects


_cache: dict[str, tuple[tuple, Hierarchy]] = {}
_cache_lock = threading.Lock()


def _cells(store: Store) -> dict[str, tuple[str | None, object]]:
    if store.layer(GRID_LAYER) is None:
        return {}
    cells = {}
    for version in store.query(GRID_LAYER, limit=_MAX_CELLS).features:
        props = json.loads(version.properties or "{}")
        code = props.get("code")
        if level_of(code) == "cell" and version.geometry:
            cells[code] = (props.get("name"), shape(json.loads(version.geometry)))
    return cells


def hierarchy(store: Store) -> Hierarchy:
    """The hierarchy of the store's current data (rebuilt when the grid layer or the stored areas change)."""
    grid = store.layer(GRID_LAYER)
    key = (grid["revision"] if grid else None, store.get_meta(REVISION_META))
    with _cache_lock:
        cached = _cache.get(store.key)
        if cached is not None and cached[0] == key:
            return cached[1]
    built = Hierarchy(_cells(store), store.areas())
    with _cache_lock:
        _cache[store.key] = (key, built)
    return built


def bump_revision(store: Store) -> None:
    """Mark the stored areas changed (call inside the block that writes them)."""
    store.set_meta(REVISION_META, int(store.get_meta(REVISION_META) or 0) + 1)
