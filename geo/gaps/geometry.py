"""The numpy core of `geo.gaps.line_gaps`: lines as flat vertex arrays in a metric CRS, points snapped to
positions along them, the long stretches between positions and their geometry back in WGS 84.
"""

from __future__ import annotations

from typing import NamedTuple

import geopandas as gpd
import numpy as np
import pyproj
import shapely

from geo.crs import metric_crs_for_bounds
from geo.gaps.checks import TYPE_IDS

# A stretch must beat its threshold by more than this to be a gap: a WGS 84 round trip moves ~1e-9 m.
_LENGTH_TOL_M = 1e-6
WGS84 = pyproj.CRS.from_epsg(4326)


class _Network(NamedTuple):
    """The checked parts (non-zero length, with a threshold) as flat vertex arrays in metres."""

    xy: np.ndarray  # vertices
    vertex_part: np.ndarray  # part of each vertex (sorted)
    along: np.ndarray  # distance of each vertex along its part
    keyed: np.ndarray  # `along` + `offset` of its part, increasing over all parts: one searchsorted for all
    offset: np.ndarray  # per part: 1 m more than the total length of the parts before it
    first: np.ndarray  # per part: its first vertex (its last is the next part's first - 1)
    owner: np.ndarray  # row of lines_gdf of each part
    part_no: np.ndarray  # index of each part within its (Multi)LineString
    length: np.ndarray
    limit: np.ndarray


def metric_crs(lines_gdf: gpd.GeoDataFrame) -> pyproj.CRS:
    bounds = lines_gdf.total_bounds
    if not np.all(np.isfinite(bounds)):
        return metric_crs_for_bounds(0.0, 0.0, 0.0, 0.0)  # no line: nothing is measured
    if not lines_gdf.crs.equals(WGS84):
        to_wgs84 = pyproj.Transformer.from_crs(lines_gdf.crs, WGS84, always_xy=True)
        bounds = to_wgs84.transform_bounds(*bounds, densify_pts=21)
    return metric_crs_for_bounds(*(float(b) for b in bounds))


def reproject_xy(xy: np.ndarray, src: pyproj.CRS, dst: pyproj.CRS) -> np.ndarray:
    if len(xy) == 0 or pyproj.CRS(src).equals(dst):
        return xy
    x, y = pyproj.Transformer.from_crs(src, dst, always_xy=True).transform(xy[:, 0], xy[:, 1])
    return np.column_stack([x, y])


def vertices_xy(geoms: np.ndarray, src: pyproj.CRS, dst: pyproj.CRS) -> np.ndarray:
    xy = reproject_xy(shapely.get_coordinates(geoms), src, dst)
    return xy[np.isfinite(xy).all(axis=1)]  # a point the projection cannot reach is nowhere near a line


def network(lines_gdf: gpd.GeoDataFrame, limit_by_line: np.ndarray, metric: pyproj.CRS) -> _Network:
    geoms = lines_gdf.geometry.values
    if (shapely.get_type_id(geoms) == TYPE_IDS["MultiLineString"]).any():
        parts, owner = shapely.get_parts(geoms, return_index=True)
    else:  # get_parts copies every geometry: skip it when there is no multi-part line
        owner = np.flatnonzero(~shapely.is_missing(geoms))
        parts = np.asarray(geoms)[owner]
    part_no = np.arange(len(owner)) - np.searchsorted(owner, owner)
    xy, vertex_part = shapely.get_coordinates(parts, return_index=True)
    xy = reproject_xy(xy, lines_gdf.crs, metric)
    step = np.zeros(len(xy))
    step[1:] = np.hypot(*np.diff(xy, axis=0).T)
    step[np.diff(vertex_part, prepend=-1) != 0] = 0.0  # a part's first vertex starts it
    length = np.bincount(vertex_part, weights=step, minlength=len(parts))
    keep = (length > 0) & np.isfinite(length) & np.isfinite(limit_by_line[owner])
    on_kept = keep[vertex_part]
    xy, step, vertex_part = xy[on_kept], step[on_kept], (np.cumsum(keep) - 1)[vertex_part[on_kept]]
    walked = np.cumsum(step)
    along = walked - walked[np.searchsorted(vertex_part, vertex_part)]
    owner, length = owner[keep], length[keep]
    offset = np.r_[0.0, np.cumsum(length + 1.0)[:-1]]
    first = np.searchsorted(vertex_part, np.arange(len(length) + 1))
    return _Network(xy, vertex_part, along, along + offset[vertex_part], offset, first, owner, part_no[keep],
                    length, limit_by_line[owner])  # fmt: skip


def positions(net: _Network, points_xy: np.ndarray, snap_m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(part, position) of every point within its part's snap_m of a part, on its nearest segment of that
    part."""
    seg = np.flatnonzero((net.vertex_part[1:] == net.vertex_part[:-1]) & (np.diff(net.along) > 0))
    if len(seg) == 0 or len(points_xy) == 0:
        return np.empty(0, dtype=np.intp), np.empty(0)
    a, b = net.xy[seg], net.xy[seg + 1]
    snap_seg = np.asarray(snap_m, dtype=float)[net.vertex_part[seg]]
    # Envelopes first, then exact distances in numpy. A diagonal of each segment's envelope grown by
    # its snap has that grown envelope, and two-point lines are cheaper to build than boxes.
    grow = snap_seg[:, None]
    grown = np.stack([np.minimum(a, b) - grow, np.maximum(a, b) + grow], axis=1)
    s, p = shapely.STRtree(shapely.points(points_xy)).query(shapely.linestrings(grown))
    a, d, rel = a[s], b[s] - a[s], points_xy[p] - a[s]
    t = np.clip(np.einsum("ij,ij->i", rel, d) / np.einsum("ij,ij->i", d, d), 0.0, 1.0)
    off = rel - t[:, None] * d
    dist2 = np.einsum("ij,ij->i", off, off)
    near = dist2 <= snap_seg[s] ** 2
    s, p, t, dist2 = s[near], p[near], t[near], dist2[near]
    part = net.vertex_part[seg[s]]
    pair = p.astype(np.int64) * len(net.length) + part
    order = np.lexsort((dist2, pair))  # stable: per (point, part) the nearest segment, the first on ties
    first = order[np.diff(pair[order], prepend=-1) != 0]
    i = seg[s[first]]
    return part[first], net.along[i] + t[first] * (net.along[i + 1] - net.along[i])


def stretches(net: _Network, part: np.ndarray, position: np.ndarray) -> tuple[np.ndarray, ...]:
    """(part, start, end) of every stretch longer than its part's threshold."""
    n = len(net.length)  # each part's ends are positions too: end stretches need no special case
    key = np.concatenate([part, np.arange(n), np.arange(n)])
    position = np.concatenate([position, np.zeros(n), net.length])
    order = np.argsort(position + net.offset[key], kind="stable")  # by part, then position
    key, position = key[order], position[order]
    gap = (key[1:] == key[:-1]) & (np.diff(position) > net.limit[key[:-1]] + _LENGTH_TOL_M)
    first = np.flatnonzero(gap)
    return key[first], position[first], position[first + 1]


def locate(net: _Network, part: np.ndarray, distance: np.ndarray, side: str) -> tuple[np.ndarray, np.ndarray]:
    """End vertex of the segment holding each distance along its part, and the point there."""
    first, last = net.first[part], net.first[part + 1] - 1
    i = np.clip(np.searchsorted(net.keyed, distance + net.offset[part], side=side), first + 1, last)
    seg = net.along[i] - net.along[i - 1]
    t = np.clip(np.divide(distance - net.along[i - 1], seg, out=np.zeros_like(seg), where=seg > 0), 0.0, 1.0)
    return i, net.xy[i - 1] + t[:, None] * (net.xy[i] - net.xy[i - 1])


def substrings(net, i0, i1, start_xy, end_xy, metric) -> np.ndarray:
    """``shapely.ops.substring`` for every gap at once, as WGS 84 LineStrings."""
    inner = np.maximum(i1 - i0, 0)  # vertices strictly between the two ends
    count = inner + 2
    offset = np.cumsum(count) - count
    out = np.empty((int(count.sum()), 2))
    out[offset], out[offset + count - 1] = start_xy, end_xy
    gap = np.repeat(np.arange(len(i0)), inner)
    k = np.arange(len(gap)) - np.repeat(np.cumsum(inner) - inner, inner)
    out[offset[gap] + 1 + k] = net.xy[i0[gap] + k]
    if len(out) == 0:
        return np.empty(0, dtype=object)
    return shapely.linestrings(reproject_xy(out, metric, WGS84), indices=np.repeat(np.arange(len(i0)), count))


def grid_codes(grid_gdf: gpd.GeoDataFrame, code_column: str, mid_xy: np.ndarray) -> np.ndarray:
    """Code of the first cell (row order) covering each midpoint, in the grid's own CRS; else None."""
    codes = np.full(len(mid_xy), None, dtype=object)
    if len(mid_xy) and len(grid_gdf):
        mid, cell = shapely.STRtree(grid_gdf.geometry.values).query(shapely.points(mid_xy), "covered_by")
        order = np.lexsort((cell, mid))
        first = order[np.diff(mid[order], prepend=-1) != 0]
        codes[mid[first]] = grid_gdf[code_column].to_numpy(dtype=object)[cell[first]]
    return codes
