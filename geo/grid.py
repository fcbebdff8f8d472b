"""Grid cells (单元网格): which cell contains a point."""

from __future__ import annotations

from collections.abc import Iterable

import shapely
from shapely.geometry import Point, shape


def cell_containing(lon: float, lat: float, cells: Iterable[tuple[str, dict]]) -> str | None:
    """The code of the first cell whose polygon covers the point (boundary included), or None.

    ``cells`` are ``(code, GeoJSON geometry)`` pairs in WGS 84.

    >>> square = {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]]}
    >>> cell_containing(0.5, 0.5, [("440106003012001", square)])
    '440106003012001'
    >>> cell_containing(2, 2, [("440106003012001", square)]) is None
    True
    """
    point = Point(lon, lat)
    for code, geometry in cells:
        polygon = shape(geometry)
        if shapely.covers(polygon, point):
            return code
    return None
