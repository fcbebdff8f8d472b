"""The area port: names and boundaries of the areas above the grid cells (district, street office,
community) and of cells that carry a name of their own, keyed by their grid-code prefix."""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Sequence

AREA_LEVELS = ("district", "street", "community", "cell")


def area_record(row: tuple | None) -> dict | None:
    """An area record from a row of the backends' area columns (code, level, parent, name, the geometry as
    GeoJSON text, minx, miny, maxx, maxy, updated_at, author), or None for no row."""
    if row is None:
        return None
    code, level, parent, name, geojson, minx, miny, maxx, maxy, updated_at, author = row
    return {
        "code": code, "level": level, "parent": parent, "name": name,
        "geometry": None if geojson is None else json.loads(geojson),
        "bbox": None if minx is None else [minx, miny, maxx, maxy],
        "updated_at": updated_at, "author": author,
    }  # fmt: skip


def area_row(area: dict, now: int, author: str) -> tuple:
    """The row of an area record written at ``now`` by ``author``, in the order :func:`area_record` reads."""
    bbox = area.get("bbox") or [None] * 4
    geometry = area.get("geometry")
    return (
        area["code"], area["level"], area.get("parent"), area["name"],
        None if geometry is None else json.dumps(geometry, ensure_ascii=False), *bbox, now, author,
    )  # fmt: skip


class AreaStore(ABC):
    """The stored part of the area hierarchy. An area record is a dict with ``code`` (the prefix of its
    cells' 15-digit codes: 6, 9, 12 or 15 digits), ``level`` (one of :data:`AREA_LEVELS`), ``parent`` (the
    parent's code, None for a district), ``name``, ``geometry`` (a GeoJSON Polygon or MultiPolygon in
    WGS 84 as a dict, or None when the area's boundary is the union of its cells), ``bbox`` (``[minx, miny,
    maxx, maxy]`` of that geometry, or None), ``updated_at`` (an instant) and ``author``.

    The store keeps what it is given: the codes, levels and parents are checked above it
    (``layers.areas``). Writes join the caller's :meth:`Store.atomic` block."""

    @abstractmethod
    def put_areas(self, areas: Sequence[dict], author: str) -> int:
        """Add the areas whose code is new and replace the stored ones (name, level, parent, geometry and
        bbox) of those known, all in one transaction, at the store's clock; return how many were written.
        Each input dict has ``code``, ``level``, ``parent``, ``name``, ``geometry`` and ``bbox``."""

    @abstractmethod
    def areas(self, *, level: str | None = None, parent: str | None = None) -> list[dict]:
        """The stored areas ordered by code, those of one ``level`` and/or one ``parent`` when given."""

    @abstractmethod
    def area(self, code: str) -> dict | None:
        """One stored area by code, or None."""

    @abstractmethod
    def delete_area(self, code: str) -> bool:
        """Forget the stored name and boundary of one area; True when there was one."""
