"""Reverse geocoding against the project's own named features: a Chinese address for each point, such
as "风情街12号附近", "新港小学", "新港花园旁" or "…第三网格（新港花园片）内"."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from geo import i18n
from geo.network import metric_crs_for_frames, radius_number
from geo.numeric import real_number

__all__ = ["HOUSE_NUMBER_STEP_M", "reverse_geocode", "reverse_geocode_one"]

#: Metres of road per house number on each side: numbers 1, 3, 5… on the left of the road's drawing
#: direction and 2, 4, 6… on the right, one pair per 12 m from its first vertex.  The convention of
#: the demo community (``layers.demo.roads.Addresser``); real doorplates follow no single rule.
HOUSE_NUMBER_STEP_M = 6.0
_SIDE_PROBE_M = 0.5  # the road's direction at a point: the chord from 0.5 m before to 0.5 m after it


def _check_layer(gdf: object, name: str, *, optional: bool = True) -> None:
    if gdf is None and optional:
        return
    if not isinstance(gdf, gpd.GeoDataFrame):
        raise TypeError(f"{name} must be a GeoDataFrame, got {type(gdf).__name__}")
    if gdf.crs is None:
        raise ValueError(f"{name} has no CRS: set one (e.g. .set_crs('EPSG:4326')), it is never guessed")


def _named(gdf: gpd.GeoDataFrame | None, kinds: tuple[str, ...], name: str) -> gpd.GeoDataFrame | None:
    """The rows with a non-blank name and a geometry, the name stripped; None when there are none."""
    if gdf is None or len(gdf) == 0 or "name" not in gdf.columns:  # a layer whose features have no names
        return None
    names = gdf["name"].map(lambda v: str(v).strip() if isinstance(v, str) else "")
    keep = (names != "").to_numpy() & ~(gdf.geometry.isna() | gdf.geometry.is_empty).to_numpy()
    if not keep.any():
        return None
    rows = gpd.GeoDataFrame({"name": names[keep].to_numpy()}, geometry=gdf.geometry.values[keep], crs=gdf.crs)
    wrong = sorted(set(rows.geom_type) - set(kinds))
    if wrong:
        raise ValueError(f"{name} must hold {'/'.join(kinds)} geometries, got {wrong}")
    return rows


def _metric(gdf: gpd.GeoDataFrame, crs: pyproj.CRS) -> np.ndarray:
    series = gdf.geometry if gdf.crs.equals(crs) else gdf.geometry.to_crs(crs)
    return np.asarray(series.values, dtype=object)


def _first_hits(point: np.ndarray, hit: np.ndarray, rank: np.ndarray, n: int) -> np.ndarray:
    """For each of ``n`` points the hit with the lowest ``rank`` (then lowest position), or -1."""
    out = np.full(n, -1)
    if len(point):
        order = np.lexsort((hit, rank[hit], point))
        first = np.r_[True, point[order][1:] != point[order][:-1]]
        out[point[order][first]] = hit[order][first]
    return out


def _road_parts(lines: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each road as merged as it will go: single lines, the road each belongs to, and where it starts.

    Parts drawn head to tail merge in their drawn direction; otherwise any chain merges.  A road that
    stays in pieces is measured along its pieces in their order, gaps not counted.
    """
    merged = shapely.line_merge(lines, directed=True)
    loose = shapely.get_num_geometries(merged) > 1
    merged[loose] = shapely.line_merge(lines[loose])
    parts, owner = shapely.get_parts(merged, return_index=True)
    length_m = shapely.length(parts)
    start_m = pd.Series(length_m).groupby(owner).cumsum().to_numpy() - length_m
    return parts, owner, start_m


def _road_addresses(xy: np.ndarray, roads: gpd.GeoDataFrame, crs: pyproj.CRS, reach_m: float) -> np.ndarray:
    """Addresses on the nearest named road ("<road><n>号附近") for points within ``reach_m``, else ""."""
    parts, owner, start_m = _road_parts(_metric(roads, crs))
    points = shapely.points(xy)
    pt, part = shapely.STRtree(parts).query_nearest(points, max_distance=reach_m, all_matches=True)
    part = _first_hits(pt, part, owner, len(xy))  # equally near: the first road, then its first part
    out = np.full(len(xy), "", dtype=object)
    hit = np.flatnonzero(part >= 0)
    if len(hit) == 0:
        return out
    line, p = parts[part[hit]], xy[hit]
    along_m = shapely.line_locate_point(line, points[hit])
    length_m = shapely.length(line)
    a = shapely.get_coordinates(shapely.line_interpolate_point(line, np.maximum(along_m - _SIDE_PROBE_M, 0.0)))
    b = shapely.get_coordinates(shapely.line_interpolate_point(line, np.minimum(along_m + _SIDE_PROBE_M, length_m)))
    left = (b[:, 0] - a[:, 0]) * (p[:, 1] - a[:, 1]) - (b[:, 1] - a[:, 1]) * (p[:, 0] - a[:, 0]) > 0
    d = start_m[part[hit]] + along_m
    number = 2 * np.floor_divide(d, 2 * HOUSE_NUMBER_STEP_M).astype(np.int64) + np.where(left, 1, 2)
    names = roads["name"].to_numpy()[owner[part[hit]]]
    out[hit] = [i18n.text("places.address.near_number", road=name, number=n) for name, n in zip(names, number.tolist())]
    return out


def reverse_geocode(
    points_gdf: gpd.GeoDataFrame,
    roads_gdf: gpd.GeoDataFrame,
    buildings_gdf: gpd.GeoDataFrame | None = None,
    cells_gdf: gpd.GeoDataFrame | None = None,
    *,
    road_reach_m: float = 60.0,
    building_reach_m: float = 20.0,
) -> pd.Series:
    """A Chinese address for each point from the named roads, buildings and grid cells around it.

    The first rule that applies wins:

    1. inside (or on the wall of) a named building: ``"<building>"`` (the smallest, if nested);
    2. within ``road_reach_m`` of a named road: ``"<road><n>号附近"``, n the house number there, measured
       along the road from its first vertex, ``2 * (d // 12) + 1`` on the left of its drawing direction
       and ``+ 2`` on the right (:data:`HOUSE_NUMBER_STEP_M`);
    3. within ``building_reach_m`` of a named building: ``"<building>旁"``;
    4. inside a grid cell: ``"<cell>内"``;
    5. otherwise ``""`` (also for missing or empty points).

    Rows whose ``name`` is missing, blank or not a string are ignored (a layer without a ``name``
    column names nothing); equally near candidates go to the first row.
    Everything is measured in the UTM zone of the data, with vectorised STRtree queries.

    Parameters
    ----------
    points_gdf : GeoDataFrame
        Points in any CRS.
    roads_gdf : GeoDataFrame
        LineString/MultiLineString roads with a ``name`` column (may be empty).
    buildings_gdf, cells_gdf : GeoDataFrame, optional
        Polygon/MultiPolygon layers with a ``name`` column.  Geometry types are checked on named rows.
    road_reach_m, building_reach_m : float
        How far (inclusive) a road or building still names a point.

    Returns
    -------
    pandas.Series
        Address strings, indexed like ``points_gdf``.

    Examples
    --------
    >>> from shapely.geometry import LineString, Point
    >>> road = gpd.GeoDataFrame({"name": ["风情街"]}, geometry=[LineString([(500000, 2550000),
    ...     (500100, 2550000)])], crs="EPSG:32649")
    >>> pts = gpd.GeoDataFrame(geometry=[Point(500030, 2550005), Point(500030, 2549995)], crs="EPSG:32649")
    >>> reverse_geocode(pts, road).tolist()
    ['风情街5号附近', '风情街6号附近']
    """
    _check_layer(points_gdf, "points_gdf", optional=False)
    _check_layer(roads_gdf, "roads_gdf", optional=False)
    _check_layer(buildings_gdf, "buildings_gdf")
    _check_layer(cells_gdf, "cells_gdf")
    road_reach, building_reach = (
        radius_number(road_reach_m, "road_reach_m"),
        radius_number(building_reach_m, "building_reach_m"),
    )
    roads = _named(roads_gdf, ("LineString", "MultiLineString"), "roads_gdf")
    buildings = _named(buildings_gdf, ("Polygon", "MultiPolygon"), "buildings_gdf")
    cells = _named(cells_gdf, ("Polygon", "MultiPolygon"), "cells_gdf")
    out = pd.Series("", index=points_gdf.index, dtype=object)
    geoms = np.asarray(points_gdf.geometry.values, dtype=object)
    present = np.flatnonzero(~(shapely.is_missing(geoms) | shapely.is_empty(geoms)))
    if len(present) and set(shapely.get_type_id(geoms[present]).tolist()) != {0}:
        raise ValueError("points_gdf must hold Point geometries")
    layers = [g for g in (roads, buildings, cells) if g is not None]
    if len(present) == 0 or not layers:
        return out
    crs = metric_crs_for_frames(points_gdf.iloc[present], *layers)
    xy = shapely.get_coordinates(_metric(points_gdf.iloc[present], crs))
    address = _addresses(xy, roads, buildings, cells, crs, road_reach, building_reach)
    out.iloc[present] = address
    return out


def _addresses(xy, roads, buildings, cells, crs, road_reach_m, building_reach_m) -> np.ndarray:
    """The rules of :func:`reverse_geocode` in order, each on the points still without an address."""
    address = np.full(len(xy), "", dtype=object)
    todo = np.arange(len(xy))  # the points still without an address
    if buildings is not None:
        polygons, names = _metric(buildings, crs), buildings["name"].to_numpy()
        tree = shapely.STRtree(polygons)
        by_area = np.argsort(np.argsort(shapely.area(polygons), kind="stable"), kind="stable")
        inside = tree.query(shapely.points(xy), predicate="covered_by")
        todo = _fill(address, todo, _label(inside, by_area, names, None, len(todo)))
    if roads is not None and len(todo):
        todo = _fill(address, todo, _road_addresses(xy[todo], roads, crs, road_reach_m))
    if buildings is not None and len(todo):
        near = tree.query_nearest(shapely.points(xy[todo]), max_distance=building_reach_m, all_matches=True)
        todo = _fill(address, todo, _label(near, np.arange(len(names)), names, "places.address.beside", len(todo)))
    if cells is not None and len(todo):
        cell_names = cells["name"].to_numpy()
        inside = shapely.STRtree(_metric(cells, crs)).query(shapely.points(xy[todo]), predicate="covered_by")
        _fill(address, todo, _label(inside, np.arange(len(cell_names)), cell_names, "places.address.in_cell",
                                    len(todo)))  # fmt: skip
    return address


def _fill(address: np.ndarray, todo: np.ndarray, found: np.ndarray) -> np.ndarray:
    """Write the addresses found for the rows ``todo``; return the rows still without one."""
    address[todo] = found
    return todo[found == ""]


def _label(pairs: np.ndarray, rank: np.ndarray, names: np.ndarray, key: str | None, n: int) -> np.ndarray:
    """The name of the best-ranked hit per point from STRtree (point, item) pairs, in the address words of
    ``key`` ("<name>旁"), else ""."""
    best = _first_hits(pairs[0], pairs[1], rank, n)
    return np.array([(names[k] if key is None else i18n.text(key, name=names[k])) if k >= 0 else ""
                     for k in best.tolist()], dtype=object)  # fmt: skip


def reverse_geocode_one(
    lon: float,
    lat: float,
    roads_gdf: gpd.GeoDataFrame,
    buildings_gdf: gpd.GeoDataFrame | None = None,
    cells_gdf: gpd.GeoDataFrame | None = None,
    **kw: float,
) -> str:
    """The address of one WGS 84 point; see :func:`reverse_geocode` for the rules and keywords.

    Examples
    --------
    >>> from shapely.geometry import LineString
    >>> road = gpd.GeoDataFrame({"name": ["袁茄路"]}, geometry=[LineString([(113.33, 23.13), (113.33, 23.14)])],
    ...     crs="EPSG:4326")
    >>> reverse_geocode_one(113.3299, 23.1302, road)  # 22 m along, 10 m to the west: the left side
    '袁茄路3号附近'
    """
    lon_f, lat_f = real_number(lon, "lon"), real_number(lat, "lat")
    if not (-180.0 <= lon_f <= 180.0 and -90.0 <= lat_f <= 90.0):
        raise ValueError(f"lon, lat must be WGS 84 degrees, got {(lon, lat)!r}")
    point = gpd.GeoDataFrame(geometry=shapely.points([(lon_f, lat_f)]), crs="EPSG:4326")
    return str(reverse_geocode(point, roads_gdf, buildings_gdf, cells_gdf, **kw).iloc[0])
