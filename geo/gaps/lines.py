"""Gaps along lines: stretches of road with no streetlight (dark alleys) or no litter bin within the
required spacing, measured in metres along each line, with the thresholds and where they come from.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.gaps.checks import check_gdf, check_inputs, positive
from geo.gaps.geometry import (
    WGS84,
    grid_codes,
    locate,
    metric_crs,
    network,
    positions,
    reproject_xy,
    stretches,
    substrings,
    vertices_xy,
)
from geo.gaps.thresholds import (
    BIN_CATEGORY_OF_CLASS,
    CJJ27_BIN_SPACING_M,
    CJJ45_SPACING_FACTORS,
    ROAD_CLASSES,
    bin_gap_thresholds,
    lamp_gap_thresholds,
)

__all__ = ["BIN_CATEGORY_OF_CLASS", "CJJ27_BIN_SPACING_M", "CJJ45_SPACING_FACTORS", "ROAD_CLASSES",
           "bin_gap_thresholds", "lamp_gap_thresholds", "line_gaps", "working_points"]  # fmt: skip


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
    check_gdf(points_gdf, "points_gdf")
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
    snap, thresholds = check_inputs(points_gdf, lines_gdf, max_gap_m, snap_m, class_column, grid_gdf,
                                     grid_code_column)  # fmt: skip
    edge = None if snap_edge_m is None else positive(snap_edge_m, "snap_edge_m")
    lines = _line_table(lines_gdf, thresholds, class_column, id_column, name_column)
    snap_by_line = _snap_by_line(lines_gdf, snap, edge, width_column)
    metric = metric_crs(lines_gdf)
    net = network(lines_gdf, lines["threshold"].to_numpy(), metric)
    points_xy = vertices_xy(points_gdf.geometry.values, points_gdf.crs, metric)
    part, position = positions(net, points_xy, snap_by_line[net.owner])
    gap_part, start, end = stretches(net, part, position)
    i0, start_xy = locate(net, gap_part, start, "right")
    i1, end_xy = locate(net, gap_part, end, "left")
    geometry = substrings(net, i0, i1, start_xy, end_xy, metric)
    row = net.owner[gap_part]
    gaps = gpd.GeoDataFrame(
        {"line_id": lines["id"].to_numpy()[row], "line_name": lines["name"].to_numpy()[row],
         "line_class": lines["class"].to_numpy()[row], "part": net.part_no[gap_part],
         "start_m": start, "end_m": end, "length_m": end - start},
        geometry=geometry, crs=WGS84,
    )  # fmt: skip
    if grid_gdf is not None:
        mid_xy = locate(net, gap_part, (start + end) / 2.0, "right")[1]
        gaps["grid_code"] = grid_codes(grid_gdf, grid_code_column, reproject_xy(mid_xy, metric, grid_gdf.crs))
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


# -- tables: the lines in, the summary out ----------------------------------------------------------------
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
