"""Check GeoJSON geometries (RFC 7946) before they are stored: structure, WGS 84 ranges, likely
latitude/longitude swaps or projected coordinates, emptiness, vertex limits and OGC validity.

Problems come back as plain dicts ``{"field", "code", "reason"}`` (plus ``location`` where known) so the
caller can report every problem at once; nothing is ever repaired silently.
"""

from __future__ import annotations

import math
import re
from typing import Any

import shapely
from shapely.geometry import shape

GEOMETRY_TYPES = ("Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon")
# How deep the coordinate arrays nest for each type: Point=position, LineString=list of positions, ...
_DEPTH = {"Point": 0, "MultiPoint": 1, "LineString": 1, "MultiLineString": 2, "Polygon": 2, "MultiPolygon": 3}
_REASON_RE = re.compile(r"^(?P<what>[^\[]+)\[(?P<x>[-0-9.eE+]+) (?P<y>[-0-9.eE+]+)\]")


def _problem(field: str, code: str, reason: str, **extra: Any) -> dict:
    return {"field": field, "code": code, "reason": reason, **extra}


def _is_number(value: Any) -> bool:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:  # an int too large for a float
        return False


class _Walk:
    """Collect positions from nested coordinate arrays, recording the first structural problem."""

    def __init__(self, field: str) -> None:
        self.field = field
        self.positions: list[tuple[float, float]] = []
        self.paths: list[str] = []
        self.problem: dict | None = None

    def fail(self, path: str, code: str, reason: str) -> None:
        if self.problem is None:
            self.problem = _problem(path, code, reason)

    def position(self, value: Any, path: str) -> None:
        if not isinstance(value, list) or len(value) not in (2, 3):
            self.fail(path, "invalid_position", "a position is an array of 2 or 3 numbers [longitude, latitude]")
        elif not all(_is_number(v) for v in value):
            self.fail(path, "invalid_position", "positions hold finite numbers only")
        else:
            self.positions.append((float(value[0]), float(value[1])))
            self.paths.append(path)

    def nested(self, value: Any, depth: int, path: str, kind: str) -> None:
        if depth == 0:
            self.position(value, path)
            return
        if not isinstance(value, list):
            self.fail(path, "invalid_coordinates", f"expected an array for a {kind}")
            return
        for i, item in enumerate(value):
            self.nested(item, depth - 1, f"{path}[{i}]", kind)


def _check_parts(kind: str, coords: list, field: str) -> dict | None:
    """Minimum sizes and closed rings, which shapely would otherwise reject with an exception."""
    if kind in ("LineString", "MultiLineString"):
        lines = [coords] if kind == "LineString" else coords
        for i, line in enumerate(lines):
            path = field if kind == "LineString" else f"{field}[{i}]"
            if len(line) < 2:
                return _problem(path, "too_few_positions", "a line needs at least 2 positions")
    if kind in ("Polygon", "MultiPolygon"):
        polygons = [coords] if kind == "Polygon" else coords
        for i, rings in enumerate(polygons):
            base = field if kind == "Polygon" else f"{field}[{i}]"
            if not rings:
                return _problem(base, "empty_geometry", "a polygon needs an outer ring")
            for j, ring in enumerate(rings):
                if len(ring) < 4:
                    return _problem(f"{base}[{j}]", "too_few_positions", "a polygon ring needs at least 4 positions")
                if ring[0][:2] != ring[-1][:2]:
                    return _problem(
                        f"{base}[{j}]", "ring_not_closed", "the first and last positions of a ring must be the same"
                    )
    return None


def _range_problem(walk: _Walk, field: str, extent: tuple | None) -> dict | None:
    for (lon, lat), path in zip(walk.positions, walk.paths):
        lon_ok, lat_ok = -180 <= lon <= 180, -90 <= lat <= 90
        if lon_ok and lat_ok:
            continue
        if -180 <= lat <= 180 and -90 <= lon <= 90:
            return _problem(
                path,
                "coordinates_swapped",
                f"latitude and longitude look swapped: got [{lon}, {lat}]; GeoJSON positions are [longitude, latitude]",
            )
        if abs(lon) > 360 or abs(lat) > 360:
            return _problem(
                path,
                "wrong_crs",
                f"[{lon}, {lat}] looks like projected coordinates (metres), not WGS 84 degrees; "
                "convert to EPSG:4326 longitude/latitude",
            )
        which = "longitude" if not lon_ok else "latitude"
        limit = "-180..180" if not lon_ok else "-90..90"
        return _problem(path, "coordinates_out_of_range", f"{which} out of range {limit}: got [{lon}, {lat}]")
    if extent is None:
        return None
    minx, miny, maxx, maxy = extent
    for (lon, lat), path in zip(walk.positions, walk.paths):
        inside = minx <= lon <= maxx and miny <= lat <= maxy
        swapped_inside = minx <= lat <= maxx and miny <= lon <= maxy
        if not inside and swapped_inside:
            return _problem(
                path,
                "coordinates_swapped",
                f"[{lon}, {lat}] is outside the project area but [{lat}, {lon}] is inside: "
                "latitude and longitude look swapped",
            )
    return None


def check_geometry(
    geometry: Any,
    allowed_types: tuple | list = GEOMETRY_TYPES,
    *,
    field: str = "geometry",
    max_vertices: int = 100_000,
    extent: tuple | None = None,
) -> list[dict]:
    """Return the problems of a GeoJSON geometry (an empty list when it may be stored).

    Parameters
    ----------
    geometry : the parsed ``geometry`` member of a Feature.
    allowed_types : geometry types the target layer accepts.
    field : path used in problem reports, e.g. ``features[3].geometry``.
    max_vertices : refuse geometries with more positions than this.
    extent : optional (minLon, minLat, maxLon, maxLat) of the project, used to spot swaps that stay
        within the valid ranges.

    Examples
    --------
    >>> check_geometry({"type": "Point", "coordinates": [113.3, 23.1]})
    []
    >>> check_geometry({"type": "Point", "coordinates": [23.1, 113.3]})[0]["code"]
    'coordinates_swapped'
    """
    if not isinstance(geometry, dict):
        return [_problem(field, "invalid_geojson", "a geometry must be a GeoJSON object")]
    kind = geometry.get("type")
    if kind not in GEOMETRY_TYPES:
        return [_problem(f"{field}.type", "invalid_geojson", f"unknown or unsupported geometry type {kind!r}")]
    if kind not in allowed_types:
        return [
            _problem(
                f"{field}.type", "geometry_type_mismatch", f"this layer takes {', '.join(allowed_types)}, got {kind}"
            )
        ]
    coords = geometry.get("coordinates")
    cfield = f"{field}.coordinates"
    if coords is None or coords == []:
        return [_problem(cfield, "empty_geometry", "the geometry has no coordinates")]
    walk = _Walk(cfield)
    walk.nested(coords, _DEPTH[kind], cfield, kind)
    if walk.problem:
        return [walk.problem]
    if not walk.positions:
        return [_problem(cfield, "empty_geometry", "the geometry has no coordinates")]
    if len(walk.positions) > max_vertices:
        return [
            _problem(
                cfield, "too_many_vertices", f"{len(walk.positions)} positions; at most {max_vertices} are allowed"
            )
        ]
    structural = _check_parts(kind, coords, cfield) if kind != "Point" else None
    if structural:
        return [structural]
    ranged = _range_problem(walk, field, extent)
    if ranged:
        return [ranged]
    return _validity(geometry, cfield)


def _validity(geometry: dict, field: str) -> list[dict]:
    try:
        geom = shape(geometry)
    except (ValueError, TypeError, shapely.errors.ShapelyError) as exc:
        return [_problem(field, "invalid_geometry", f"not a valid geometry: {exc}")]
    if geom.is_empty:
        return [_problem(field, "empty_geometry", "the geometry is empty")]
    if geom.is_valid:
        if geom.geom_type in ("LineString", "MultiLineString") and geom.length == 0:
            return [_problem(field, "invalid_geometry", "the line has zero length (all positions equal)")]
        return []
    reason = shapely.is_valid_reason(geom)
    match = _REASON_RE.match(reason)
    if match:
        x, y = float(match["x"]), float(match["y"])
        what = match["what"].strip().lower()
        return [_problem(field, "invalid_geometry", f"{what} at [{x}, {y}]", location=[x, y])]
    return [_problem(field, "invalid_geometry", reason)]


def bounds(geometry: dict) -> tuple[float, float, float, float]:
    """(minx, miny, maxx, maxy) of a geometry already passed by :func:`check_geometry`.

    >>> bounds({"type": "LineString", "coordinates": [[1, 2], [3, 0]]})
    (1.0, 0.0, 3.0, 2.0)
    """
    walk = _Walk("geometry")
    walk.nested(geometry["coordinates"], _DEPTH[geometry["type"]], "geometry", geometry["type"])
    xs = [p[0] for p in walk.positions]
    ys = [p[1] for p in walk.positions]
    return (min(xs), min(ys), max(xs), max(ys))
