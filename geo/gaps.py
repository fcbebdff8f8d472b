"""Gaps along lines: stretches of road with no streetlight (dark alleys) or no litter bin within the
required spacing, measured in metres along each line, with the thresholds and where they come from.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from numbers import Real
from typing import NamedTuple

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from geo._numeric import real_number
from geo.crs import metric_crs_for_bounds

__all__ = ["BIN_CATEGORY_OF_CLASS", "CJJ27_BIN_SPACING_M", "CJJ45_SPACING_FACTORS", "ROAD_CLASSES",
           "bin_gap_thresholds", "lamp_gap_thresholds", "line_gaps", "working_points"]  # fmt: skip

ROAD_CLASSES = ("arterial", "secondary", "branch", "alley", "commercial")  # layers/catalogue/roads.json
# Presets mirroring the layer catalogue (streetlights.json rules.spacing, bins.json rules.service_distance;
# the tests check they agree): pass the catalogue's figures in to use edited ones.
CJJ45_SPACING_FACTORS = {"cutoff": 3.0, "semi_cutoff": 3.5, "non_cutoff": 4.0}
CJJ27_BIN_SPACING_M = {"commercial": (25.0, 50.0), "arterial": (50.0, 80.0), "ordinary": (80.0, 100.0)}
BIN_CATEGORY_OF_CLASS = {"commercial": "commercial", "arterial": "arterial", "secondary": "ordinary",
                         "branch": "ordinary", "alley": "ordinary"}  # fmt: skip
_LABELS = {"cutoff": ("截光型", "cut-off"), "semi_cutoff": ("半截光型", "semi-cut-off"),
           "non_cutoff": ("非截光型", "non-cut-off"), "commercial": ("商业街", "commercial street"),
           "arterial": ("主干路", "arterial"), "ordinary": ("一般道路", "ordinary road")}  # fmt: skip
# A stretch must beat its threshold by more than this to be a gap: a WGS 84 round trip moves ~1e-9 m.
_LENGTH_TOL_M = 1e-6
_WGS84 = pyproj.CRS.from_epsg(4326)


def lamp_gap_thresholds(
    pole_height_m: float | Mapping[str, float] = 8.0,
    distribution: str = "semi_cutoff",
    factor_of_spacing: float = 2.0,
    classes: Iterable[str] = ROAD_CLASSES,
    spacing_factors: Mapping[str, float] | None = None,
) -> dict:
    """Dark-stretch thresholds per road class from the CJJ 45-2015 lamp spacing.

    CJJ 45-2015: spacing S ≤ 3H (cut-off), 3.5H (semi-cut-off), 4H (non-cut-off), H = pole height.
    Calling a stretch dark when it is longer than ``factor_of_spacing × S`` is this tool's choice, not
    the standard; ``source`` says so in zh-CN and en.

    Parameters
    ----------
    pole_height_m : float or dict
        H in metres, one for all classes or ``{road class: H}`` covering every class in `classes`.
    distribution : str
        ``"cutoff"``, ``"semi_cutoff"`` or ``"non_cutoff"`` (streetlights.json ``cutoff``).
    factor_of_spacing : float
        A stretch longer than this many spacings S is a gap.
    classes : iterable of str
        Road classes to give a threshold.
    spacing_factors : dict, optional
        ``{distribution: S / H}``, by default `CJJ45_SPACING_FACTORS` (streetlights.json
        ``rules.spacing.max_spacing_factor``).

    Returns
    -------
    dict
        ``thresholds`` ``{class: metres}`` for `line_gaps`, ``spacing_m`` ``{class: S}``,
        ``factor_of_spacing``, ``distribution``, ``source`` ``{"zh-CN": str, "en": str}``.

    Examples
    --------
    >>> lamp_gap_thresholds()["thresholds"]["alley"]  # 2 x 3.5 x 8 m
    56.0
    """
    factors = CJJ45_SPACING_FACTORS if spacing_factors is None else spacing_factors
    if distribution not in factors:
        raise ValueError(f"distribution must be one of {sorted(factors)}, got {distribution!r}")
    per_h = _positive(factors[distribution], f"spacing_factors[{distribution!r}]")
    factor, classes = _positive(factor_of_spacing, "factor_of_spacing"), _class_list(classes)
    if isinstance(pole_height_m, Mapping):
        missing = [c for c in classes if c not in pole_height_m]
        if missing:
            raise ValueError(f"pole_height_m has no height for classes {missing}, got keys {sorted(pole_height_m)}")
        height = {c: _positive(pole_height_m[c], f"pole_height_m[{c!r}]") for c in classes}
    else:
        height = dict.fromkeys(classes, _positive(pole_height_m, "pole_height_m"))
    sizes = sorted({(h, per_h * h) for h in height.values()})
    zh_sizes = "；".join(f"H = {h:g} 米时 S = {s:g} 米，阈值 {factor * s:g} 米" for h, s in sizes)
    en_sizes = "; ".join(f"H = {h:g} m: S = {s:g} m, threshold {factor * s:g} m" for h, s in sizes)
    zh, en = _LABELS.get(distribution, (distribution, distribution))
    return {
        "thresholds": {c: factor * per_h * h for c, h in height.items()},
        "spacing_m": {c: per_h * h for c, h in height.items()},
        "factor_of_spacing": factor,
        "distribution": distribution,
        "source": {
            "zh-CN": f"CJJ 45-2015：灯间距 S ≤ {per_h:g}H（{zh}），H 为灯杆高度（{zh_sizes}）。"
            f"“连续超过 {factor:g} × S 无路灯即为暗段”是本工具的选择，并非标准规定。",
            "en": f"CJJ 45-2015: lamp spacing S ≤ {per_h:g}H ({en}), H = pole height ({en_sizes}). Calling a "
            f"stretch longer than {factor:g} × S without a lamp dark is this tool's choice, not the standard.",
        },
    }


def bin_gap_thresholds(
    by_road_class: Mapping[str, float | Iterable[float]] | None = None, classes: Iterable[str] = ROAD_CLASSES
) -> dict:
    """Bin-gap thresholds per road class: the upper bounds of the CJJ 27-2005 / GB 50337-2003 spacing.

    Commercial street 25–50 m, arterial 50–80 m, ordinary road 80–100 m.  Our classes map onto those
    kinds of road as `BIN_CATEGORY_OF_CLASS` says: commercial → commercial, arterial → arterial,
    secondary / branch / alley → ordinary.  A stretch longer than the upper bound with no bin is a gap.

    Parameters
    ----------
    by_road_class : dict, optional
        ``{"commercial" | "arterial" | "ordinary": metres or [min, max]}``, the shape of bins.json
        ``rules.service_distance.by_road_class``; by default `CJJ27_BIN_SPACING_M`.  A kind of road
        left out leaves its classes without a threshold (unchecked by `line_gaps`).
    classes : iterable of str
        Road classes to give a threshold, among the keys of `BIN_CATEGORY_OF_CLASS`.

    Returns
    -------
    dict
        ``thresholds`` ``{class: metres}``, ``category`` ``{class: kind of road}``, ``source``
        ``{"zh-CN": str, "en": str}``.

    Examples
    --------
    >>> bin_gap_thresholds()["thresholds"]["branch"]
    100.0
    """
    spacing = CJJ27_BIN_SPACING_M if by_road_class is None else by_road_class
    if not isinstance(spacing, Mapping):
        raise TypeError(f"by_road_class must be a dict, got {type(spacing).__name__}")
    classes = _class_list(classes)
    for got, allowed, name in ((list(spacing), CJJ27_BIN_SPACING_M, "by_road_class keys"),
                               (classes, BIN_CATEGORY_OF_CLASS, "classes")):  # fmt: skip
        unknown = [k for k in got if k not in allowed]
        if unknown:
            raise ValueError(f"{name} must be among {sorted(allowed)}, got {unknown}")
    upper = {k: _upper_bound(v, f"by_road_class[{k!r}]") for k, v in spacing.items()}
    category = {c: BIN_CATEGORY_OF_CLASS[c] for c in classes}
    zh = "，".join(f"{_LABELS[k][0]} ≤ {v:g} 米" for k, v in upper.items())
    en = ", ".join(f"{_LABELS[k][1]} ≤ {v:g} m" for k, v in upper.items())
    return {
        "thresholds": {c: upper[k] for c, k in category.items() if k in upper},
        "category": category,
        "source": {
            "zh-CN": f"CJJ 27-2005 / GB 50337-2003 废物箱设置间距上限：{zh}；次干路、支路、巷道按一般道路计。",
            "en": f"CJJ 27-2005 / GB 50337-2003 litter-bin spacing, upper bounds: {en}; secondary roads, "
            "branch roads and alleys count as ordinary roads.",
        },
    }


def working_points(
    points_gdf: gpd.GeoDataFrame, status_column: str = "status", broken_values: Iterable[object] = ("broken",)
) -> gpd.GeoDataFrame:
    """The points not known to be broken, so that broken lamps count as missing in `line_gaps`.

    `line_gaps` counts every point it is given; filtering first keeps that choice with the caller.
    A point with no status (null) is kept: it is not known to be broken.

    Examples
    --------
    >>> from shapely.geometry import Point
    >>> lamps = gpd.GeoDataFrame({"status": ["working", "broken"]}, geometry=[Point(0, 0)] * 2, crs=4326)
    >>> len(working_points(lamps))
    1
    """
    _check_gdf(points_gdf, "points_gdf")
    if status_column not in points_gdf.columns:
        raise ValueError(f"points_gdf has no column {status_column!r}, got columns {list(points_gdf.columns)}")
    if isinstance(broken_values, str) or not isinstance(broken_values, Iterable):
        raise TypeError(f"broken_values must be a collection of statuses, got {broken_values!r}")
    return points_gdf[~points_gdf[status_column].isin(list(broken_values))].copy()


def line_gaps(
    points_gdf: gpd.GeoDataFrame,
    lines_gdf: gpd.GeoDataFrame,
    max_gap_m: float | Mapping[object, float],
    *,
    snap_m: float = 15.0,
    snap_edge_m: float | None = None,
    width_column: str = "width_m",
    class_column: str = "class",
    id_column: str = "id",
    name_column: str = "name",
    grid_gdf: gpd.GeoDataFrame | None = None,
    grid_code_column: str = "code",
) -> tuple[gpd.GeoDataFrame, dict]:
    """Stretches of each line longer than `max_gap_m` with no point (lamp, bin) along them.

    Every point within `snap_m` of a line is projected onto it (its nearest position along the line,
    in metres); a point counts for *every* line within `snap_m`, so a lamp at a crossing serves all the
    roads that meet there.  The stretches between consecutive positions, and from each end of the line
    to its nearest point (the whole line if it has none), that are longer than the threshold are gaps;
    one exactly as long is not.  Each part of a MultiLineString is handled on its own; null and
    zero-length lines are skipped.  Points count as given: pass `working_points` to count broken lamps
    as missing.  Distances are measured in the UTM zone of the lines' bounds, one CRS for all inputs
    (the lines' bounds, because points farther than `snap_m` from every line never count: a mistyped
    point far away must not move the zone).

    Parameters
    ----------
    points_gdf : GeoDataFrame
        Points with a CRS; missing or empty geometries are refused.
    lines_gdf : GeoDataFrame
        LineStrings / MultiLineStrings with a CRS.
    max_gap_m : float or dict
        Metres, one for all lines or ``{road class: metres}``; lines of classes missing from the dict
        are not checked, their classes listed in ``summary["unchecked_classes"]``.
    snap_m : float
        How far (m) a point may be from a line and count for it.
    snap_edge_m : float, optional
        For lines with a width (`width_column`, metres): how far beyond the line's edge a point may stand
        and count, so a line counts points within ``max(snap_m, width / 2 + snap_edge_m)``. Lamps and
        bins stand on the pavement of a wide road, farther from its centre line than `snap_m`; without
        this they would be missed and the road reported dark. None: `snap_m` for every line.
    width_column : str
        Column of `lines_gdf` with each line's width in metres (missing or non-positive: `snap_m`).
    class_column, id_column, name_column : str
        Columns of `lines_gdf`; an absent id column gives the index, an absent name or class column
        gives None (a dict `max_gap_m` needs the class column).
    grid_gdf : GeoDataFrame, optional
        Grid-cell polygons; a gap gets the `grid_code_column` of the first cell covering its midpoint.
    grid_code_column : str
        Column of `grid_gdf` with the cell code.

    Returns
    -------
    gaps_gdf : GeoDataFrame
        One LineString per gap in WGS 84: ``line_id``, ``line_name``, ``line_class``, ``part`` (part of
        a MultiLineString), ``start_m``, ``end_m`` (positions along that part), ``length_m`` and, with
        a grid, ``grid_code``.
    summary : dict
        ``total_gap_m``, ``gaps``, ``lines_checked``, ``lines_skipped`` (null or zero length),
        ``lines_unchecked``, ``checked_length_m``, ``unchecked_classes``, ``by_class``, ``by_line``
        (lines with a gap), ``by_grid`` with a grid (largest gap total first), ``max_gap_m``,
        ``snap_m``, ``snap_edge_m``, ``lines_snapped_by_width`` (lines whose width widened the snap),
        ``crs`` (the metric CRS used).

    Examples
    --------
    >>> from shapely.geometry import LineString, Point
    >>> road = gpd.GeoDataFrame(geometry=[LineString([(500000, 2550000), (500200, 2550000)])], crs=32649)
    >>> lamps = gpd.GeoDataFrame(geometry=[Point(500000 + x, 2550003) for x in (0, 30, 60, 150)], crs=32649)
    >>> gaps, summary = line_gaps(lamps, road, 56.0)
    >>> gaps[["start_m", "end_m", "length_m"]].values.tolist(), summary["total_gap_m"]
    ([[60.0, 150.0, 90.0]], 90.0)
    """
    snap, thresholds = _check_inputs(points_gdf, lines_gdf, max_gap_m, snap_m, class_column, grid_gdf,
                                     grid_code_column)  # fmt: skip
    edge = None if snap_edge_m is None else _positive(snap_edge_m, "snap_edge_m")
    lines = _line_table(lines_gdf, thresholds, class_column, id_column, name_column)
    snap_by_line = _snap_by_line(lines_gdf, snap, edge, width_column)
    metric = _metric_crs(lines_gdf)
    net = _network(lines_gdf, lines["threshold"].to_numpy(), metric)
    part, position = _positions(net, _xy(points_gdf.geometry.values, points_gdf.crs, metric), snap_by_line[net.owner])
    gap_part, start, end = _stretches(net, part, position)
    i0, start_xy = _locate(net, gap_part, start, "right")
    i1, end_xy = _locate(net, gap_part, end, "left")
    geometry = _substrings(net, i0, i1, start_xy, end_xy, metric)
    row = net.owner[gap_part]
    gaps = gpd.GeoDataFrame(
        {"line_id": lines["id"].to_numpy()[row], "line_name": lines["name"].to_numpy()[row],
         "line_class": lines["class"].to_numpy()[row], "part": net.part_no[gap_part],
         "start_m": start, "end_m": end, "length_m": end - start},
        geometry=geometry, crs=_WGS84,
    )  # fmt: skip
    if grid_gdf is not None:
        mid_xy = _locate(net, gap_part, (start + end) / 2.0, "right")[1]
        gaps["grid_code"] = _grid_codes(grid_gdf, grid_code_column, _to(mid_xy, metric, grid_gdf.crs))
    summary = _summary(lines, net, row, gaps, thresholds, snap, metric, grid_gdf is not None)
    summary["snap_edge_m"] = edge
    summary["lines_snapped_by_width"] = int((snap_by_line[np.unique(net.owner)] > snap).sum())
    return gaps, summary


def _snap_by_line(lines_gdf: gpd.GeoDataFrame, snap: float, edge: float | None, width_column: str) -> np.ndarray:
    """Each line's snap distance: ``snap``, or half its width plus ``edge`` where that is farther."""
    out = np.full(len(lines_gdf), snap)
    if edge is None or width_column not in lines_gdf.columns:
        return out
    width = pd.to_numeric(lines_gdf[width_column], errors="coerce").to_numpy(dtype=float)
    known = np.isfinite(width) & (width > 0)
    out[known] = np.maximum(snap, width[known] / 2.0 + edge)
    return out


# -- input checks -----------------------------------------------------------------------------------
def _check_gdf(gdf: object, name: str) -> None:
    if not isinstance(gdf, gpd.GeoDataFrame):
        raise TypeError(f"{name} must be a GeoDataFrame, got {type(gdf).__name__}")
    if gdf.crs is None:
        raise ValueError(f"{name} has no CRS: a CRS is required (e.g. gdf.set_crs('EPSG:4326')), never guessed")


def _check_inputs(points_gdf, lines_gdf, max_gap_m, snap_m, class_column, grid_gdf, grid_code_column):
    for gdf, name in ((points_gdf, "points_gdf"), (lines_gdf, "lines_gdf")):
        _check_gdf(gdf, name)
    _check_types(points_gdf, "points_gdf", ("Point",), allow_null=False)
    _check_types(lines_gdf, "lines_gdf", ("LineString", "LinearRing", "MultiLineString"), allow_null=True)
    if grid_gdf is not None:
        _check_gdf(grid_gdf, "grid_gdf")
        _check_types(grid_gdf, "grid_gdf", ("Polygon", "MultiPolygon"), allow_null=True)
        if grid_code_column not in grid_gdf.columns:
            raise ValueError(f"grid_gdf has no column {grid_code_column!r}, got columns {list(grid_gdf.columns)}")
    snap = real_number(snap_m, "snap_m")
    if snap < 0:
        raise ValueError(f"snap_m must be >= 0, got {snap_m!r}")
    if not isinstance(max_gap_m, Mapping):
        return snap, _positive(max_gap_m, "max_gap_m")
    if not max_gap_m:
        raise ValueError("max_gap_m is an empty dict: no road class would be checked")
    if class_column not in lines_gdf.columns:
        raise ValueError(f"max_gap_m is given by class but lines_gdf has no column {class_column!r}, "
                         f"got columns {list(lines_gdf.columns)}")  # fmt: skip
    return snap, {k: _positive(v, f"max_gap_m[{k!r}]") for k, v in max_gap_m.items()}


_TYPE_IDS = {"Point": 0, "LineString": 1, "LinearRing": 2, "Polygon": 3, "MultiLineString": 5, "MultiPolygon": 6}


def _check_types(gdf: gpd.GeoDataFrame, name: str, allowed: tuple[str, ...], allow_null: bool) -> None:
    geoms = gdf.geometry.values
    kinds = np.asarray(shapely.get_type_id(geoms))
    bad = ~np.isin(kinds, [_TYPE_IDS[k] for k in allowed])
    bad = bad & (kinds != -1) if allow_null else bad | np.asarray(shapely.is_empty(geoms))
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        geom = geoms[first]
        got = "no geometry" if geom is None else ("an empty geometry" if geom.is_empty else geom.geom_type)
        raise ValueError(f"{name} must hold {'/'.join(allowed)} geometries; {int(bad.sum())} rows do not, "
                         f"the first (index {gdf.index[first]!r}) has {got}")  # fmt: skip


def _positive(value: object, name: str) -> float:
    number = real_number(value, name)
    if number <= 0:
        raise ValueError(f"{name} must be > 0, got {value!r}")
    return number


def _upper_bound(value: object, name: str) -> float:
    if isinstance(value, Real):
        return _positive(value, name)
    if isinstance(value, str) or not isinstance(value, Iterable) or len(pair := list(value)) != 2:
        raise TypeError(f"{name} must be metres or a [min, max] pair, got {value!r}")
    low, high = _positive(pair[0], name), _positive(pair[1], name)
    if low > high:
        raise ValueError(f"{name} must be [min, max] with min <= max, got {pair!r}")
    return high


def _class_list(classes: Iterable[str]) -> list[str]:
    if isinstance(classes, str) or not isinstance(classes, Iterable):
        raise TypeError(f"classes must be a collection of road classes, got {classes!r}")
    return list(classes)


# -- geometry: all in metres, coordinates as numpy arrays -------------------------------------------------
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


def _metric_crs(lines_gdf: gpd.GeoDataFrame) -> pyproj.CRS:
    bounds = lines_gdf.total_bounds
    if not np.all(np.isfinite(bounds)):
        return metric_crs_for_bounds(0.0, 0.0, 0.0, 0.0)  # no line: nothing is measured
    if not lines_gdf.crs.equals(_WGS84):
        to_wgs84 = pyproj.Transformer.from_crs(lines_gdf.crs, _WGS84, always_xy=True)
        bounds = to_wgs84.transform_bounds(*bounds, densify_pts=21)
    return metric_crs_for_bounds(*(float(b) for b in bounds))


def _to(xy: np.ndarray, src: pyproj.CRS, dst: pyproj.CRS) -> np.ndarray:
    if len(xy) == 0 or pyproj.CRS(src).equals(dst):
        return xy
    x, y = pyproj.Transformer.from_crs(src, dst, always_xy=True).transform(xy[:, 0], xy[:, 1])
    return np.column_stack([x, y])


def _xy(geoms: np.ndarray, src: pyproj.CRS, dst: pyproj.CRS) -> np.ndarray:
    xy = _to(shapely.get_coordinates(geoms), src, dst)
    return xy[np.isfinite(xy).all(axis=1)]  # a point the projection cannot reach is nowhere near a line


def _line_table(lines_gdf, thresholds, class_column: str, id_column: str, name_column: str) -> pd.DataFrame:
    """Id, name, class and threshold (NaN: not checked) of every line, in row order; None for nulls."""

    def column(name: str) -> np.ndarray:
        values = np.full(len(lines_gdf), None, dtype=object)
        if name in lines_gdf.columns:
            known = lines_gdf[name].notna().to_numpy()
            values[known] = lines_gdf[name].to_numpy(dtype=object)[known]
        return values

    classes = column(class_column)
    if isinstance(thresholds, dict):
        limit = np.array([thresholds.get(c, np.nan) for c in classes], dtype=float)
    else:
        limit = np.full(len(lines_gdf), thresholds)
    ids = column(id_column) if id_column in lines_gdf.columns else lines_gdf.index.to_numpy(dtype=object)
    text = {"id": ids, "name": column(name_column), "class": classes}  # object dtype keeps None as None
    return pd.DataFrame({k: pd.Series(v, dtype=object) for k, v in text.items()} | {"threshold": limit})


def _network(lines_gdf: gpd.GeoDataFrame, limit_by_line: np.ndarray, metric: pyproj.CRS) -> _Network:
    geoms = lines_gdf.geometry.values
    if (shapely.get_type_id(geoms) == _TYPE_IDS["MultiLineString"]).any():
        parts, owner = shapely.get_parts(geoms, return_index=True)
    else:  # get_parts copies every geometry: skip it when there is no multi-part line
        owner = np.flatnonzero(~shapely.is_missing(geoms))
        parts = np.asarray(geoms)[owner]
    part_no = np.arange(len(owner)) - np.searchsorted(owner, owner)
    xy, vertex_part = shapely.get_coordinates(parts, return_index=True)
    xy = _to(xy, lines_gdf.crs, metric)
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


def _positions(net: _Network, points_xy: np.ndarray, snap_m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
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


def _stretches(net: _Network, part: np.ndarray, position: np.ndarray) -> tuple[np.ndarray, ...]:
    """(part, start, end) of every stretch longer than its part's threshold."""
    n = len(net.length)  # each part's ends are positions too: end stretches need no special case
    key = np.concatenate([part, np.arange(n), np.arange(n)])
    position = np.concatenate([position, np.zeros(n), net.length])
    order = np.argsort(position + net.offset[key], kind="stable")  # by part, then position
    key, position = key[order], position[order]
    gap = (key[1:] == key[:-1]) & (np.diff(position) > net.limit[key[:-1]] + _LENGTH_TOL_M)
    first = np.flatnonzero(gap)
    return key[first], position[first], position[first + 1]


def _locate(net: _Network, part: np.ndarray, distance: np.ndarray, side: str) -> tuple[np.ndarray, np.ndarray]:
    """End vertex of the segment holding each distance along its part, and the point there."""
    first, last = net.first[part], net.first[part + 1] - 1
    i = np.clip(np.searchsorted(net.keyed, distance + net.offset[part], side=side), first + 1, last)
    seg = net.along[i] - net.along[i - 1]
    t = np.clip(np.divide(distance - net.along[i - 1], seg, out=np.zeros_like(seg), where=seg > 0), 0.0, 1.0)
    return i, net.xy[i - 1] + t[:, None] * (net.xy[i] - net.xy[i - 1])


def _substrings(net, i0, i1, start_xy, end_xy, metric) -> np.ndarray:
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
    return shapely.linestrings(_to(out, metric, _WGS84), indices=np.repeat(np.arange(len(i0)), count))


def _grid_codes(grid_gdf: gpd.GeoDataFrame, code_column: str, mid_xy: np.ndarray) -> np.ndarray:
    """Code of the first cell (row order) covering each midpoint, in the grid's own CRS; else None."""
    codes = np.full(len(mid_xy), None, dtype=object)
    if len(mid_xy):
        mid, cell = shapely.STRtree(grid_gdf.geometry.values).query(shapely.points(mid_xy), "covered_by")
        order = np.lexsort((cell, mid))
        first = order[np.diff(mid[order], prepend=-1) != 0]
        codes[mid[first]] = grid_gdf[code_column].to_numpy(dtype=object)[cell[first]]
    return codes


# -- summary ----------------------------------------------------------------------------------------
def _summary(lines, net, row, gaps, thresholds, snap_m, metric, with_grid) -> dict:
    n = len(lines)
    gap_m = gaps["length_m"].to_numpy()
    checked_m = np.bincount(net.owner, weights=net.length, minlength=n)
    has_limit = np.isfinite(lines["threshold"].to_numpy())
    per_line = lines.assign(length_m=checked_m, gap_m=np.bincount(row, weights=gap_m, minlength=n),
                            gaps=np.bincount(row, minlength=n))[checked_m > 0]  # fmt: skip
    unchecked = pd.unique(lines.loc[~has_limit, "class"].to_numpy(dtype=object))
    summary = {
        "total_gap_m": float(gap_m.sum()),
        "gaps": len(gaps),
        "lines_checked": int((checked_m > 0).sum()),
        "lines_skipped": int(((checked_m == 0) & has_limit).sum()),
        "lines_unchecked": int((~has_limit).sum()),
        "checked_length_m": float(checked_m.sum()),
        "unchecked_classes": sorted((c for c in unchecked if c is not None), key=str) + [None] * (None in unchecked),
        "by_class": _records(per_line.groupby("class", dropna=False, sort=False).agg(
            lines=("id", "size"), length_m=("length_m", "sum"), gap_m=("gap_m", "sum"), gaps=("gaps", "sum"))),
        "by_line": _records(per_line[per_line["gaps"] > 0].set_index("id").rename_axis("line_id")
                            [["name", "class", "length_m", "gap_m", "gaps"]]),
        "max_gap_m": thresholds,
        "snap_m": snap_m,
        "crs": metric.to_string(),
    }  # fmt: skip
    if with_grid:
        cells = pd.DataFrame({"code": gaps["grid_code"].to_numpy(), "gap_m": gap_m})
        summary["by_grid"] = _records(cells.groupby("code", dropna=False, sort=False).agg(
            gap_m=("gap_m", "sum"), gaps=("gap_m", "size")))  # fmt: skip
    return summary


def _records(frame: pd.DataFrame) -> list[dict]:
    """Rows as plain dicts (index first), the largest gap total first; missing values as None."""
    frame = frame.sort_values("gap_m", ascending=False, kind="stable").reset_index()
    columns = []
    for name in frame.columns:
        missing = frame[name].isna().to_numpy()
        plain = frame[name].dtype.kind in "biuf" and not missing.any()  # an all-None key groups as NaN
        values = frame[name].to_numpy(dtype=None if plain else object, copy=True)
        if not plain:
            values[missing] = None
        columns.append(values.tolist())  # numpy's tolist gives plain Python numbers, fast
    names = frame.columns.tolist()
    return [dict(zip(names, row)) for row in zip(*columns)]
