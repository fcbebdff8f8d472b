"""Siting inputs and reach: input checks, one UTM zone for all layers, candidate sites every N metres along
streets, and the candidate x target coverage matrix (straight-line or street-network distance).
"""

from __future__ import annotations

import math
from numbers import Real

import geopandas as gpd
import numpy as np
import pyproj
import shapely
from scipy import sparse
from scipy.spatial import cKDTree

from geo.checks import check_geometries
from geo.crs import metric_crs_for_bounds

__all__ = ["candidates_along", "coverage_matrix"]

WGS84 = "EPSG:4326"
_TOLERANCE_M = 1e-6  # reprojection round-off: a target at exactly radius_m still counts as covered
METRICS = ("euclidean", "network")


# -- input checks and projection ----------------------------------------------------------------------
def number(value: object, name: str, *, positive: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(value):
        raise TypeError(f"{name} must be a finite real number, got {value!r}")
    if value < 0 or (positive and value == 0):
        raise ValueError(f"{name} must be {'> 0' if positive else '>= 0'}, got {value!r}")
    return float(value)


def _metric_crs(*gdfs: gpd.GeoDataFrame) -> pyproj.CRS:
    """The UTM zone for the union of the lon/lat bounds of the (non-empty) frames."""
    bounds = np.array([pyproj.Transformer.from_crs(g.crs, WGS84, always_xy=True).transform_bounds(
        *g.total_bounds, densify_pts=21) for g in gdfs if len(g)])
    return metric_crs_for_bounds(*bounds[:, :2].min(axis=0), *bounds[:, 2:].max(axis=0))


def in_metric_crs(*gdfs: gpd.GeoDataFrame) -> list[np.ndarray]:
    """Each frame in the one UTM zone chosen for the union of their lon/lat bounds: an (n, 2) array of x, y
    for a point layer (projected straight from the coordinates, no geometry objects), else geometries."""
    if not any(len(g) for g in gdfs):
        return [np.empty((0, 2)) for _ in gdfs]
    crs, out = _metric_crs(*gdfs), []
    for g in gdfs:
        if not len(g) or (shapely.get_type_id(g.geometry.values) == 0).all():
            xy = shapely.get_coordinates(g.geometry.values)
            to_metric = pyproj.Transformer.from_crs(g.crs, crs, always_xy=True) if len(g) else None
            out.append(np.column_stack(to_metric.transform(xy[:, 0], xy[:, 1])) if len(g) else xy)
        else:
            out.append(np.asarray(g.geometry.to_crs(crs).values))
    return out


# -- candidates and coverage ----------------------------------------------------------------------------
def candidates_along(lines_gdf: gpd.GeoDataFrame, spacing_m: float) -> gpd.GeoDataFrame:
    """Candidate sites every ``spacing_m`` metres along each line, both ends included once.

    Parameters
    ----------
    lines_gdf : GeoDataFrame
        LineStrings or MultiLineStrings in any CRS; distances are measured in the UTM zone of the data.
    spacing_m : float
        Metres between consecutive points along a line (> 0).

    Returns
    -------
    GeoDataFrame
        Points in WGS 84 with ``line_id`` (the line's index label), ``part`` (of a MultiLineString) and
        ``distance_m`` along the part: 0, N, 2N, ... and the far end unless it falls on the last point
        (or, for a closed line, on the start).  The index 0..n-1 is the candidate id.

    Examples
    --------
    >>> from shapely.geometry import LineString
    >>> line = gpd.GeoDataFrame(geometry=[LineString([(740000, 2560000), (740250, 2560000)])], crs=32649)
    >>> candidates_along(line, 100.0)["distance_m"].round(6).tolist()
    [0.0, 100.0, 200.0, 250.0]
    """
    check_geometries(lines_gdf, "lines_gdf")
    spacing = number(spacing_m, "spacing_m", positive=True)
    empty = gpd.GeoDataFrame({"line_id": [], "part": [], "distance_m": []}, geometry=[], crs=WGS84)
    if not len(lines_gdf):
        return empty
    kinds = set(lines_gdf.geom_type)
    if not kinds <= {"LineString", "LinearRing", "MultiLineString"}:
        raise ValueError(f"lines_gdf must hold LineStrings or MultiLineStrings, got {sorted(kinds)}")
    lines_m = lines_gdf.geometry.to_crs(_metric_crs(lines_gdf))
    parts = lines_m.explode(index_parts=True)
    geoms, lengths = parts.values, parts.length.to_numpy()
    closed = shapely.is_closed(geoms)
    steps = np.floor(lengths / spacing + 1e-9).astype(np.int64) + 1  # 0, N, ..., kN <= length
    steps -= closed & (steps > 1) & ((steps - 1) * spacing > lengths - _TOLERANCE_M)  # kN would be the start
    part_of = np.repeat(np.arange(len(parts)), steps)
    dist = (np.arange(steps.sum()) - np.repeat(np.cumsum(steps) - steps, steps)) * spacing
    with_end = (lengths - (steps - 1) * spacing > _TOLERANCE_M) & ~closed
    part_of = np.concatenate([part_of, np.flatnonzero(with_end)])
    dist = np.concatenate([np.minimum(dist, np.repeat(lengths, steps)), lengths[with_end]])
    order = np.lexsort((dist, part_of))
    part_of, dist = part_of[order], dist[order]
    points = shapely.line_interpolate_point(geoms[part_of], dist)
    labels = parts.index.to_frame(index=False)
    out = gpd.GeoDataFrame(
        {"line_id": labels.iloc[part_of, 0].to_numpy(), "part": labels.iloc[part_of, 1].to_numpy(), "distance_m": dist},
        geometry=points, crs=lines_m.crs,
    )
    return out.to_crs(WGS84)


def coverage_matrix(
    candidates_gdf: gpd.GeoDataFrame, targets_gdf: gpd.GeoDataFrame, radius_m: float, *,
    metric: str = "euclidean", network: object = None,
) -> sparse.csr_matrix:
    """Which candidate reaches which target: a boolean ``len(candidates) x len(targets)`` sparse matrix.

    Parameters
    ----------
    candidates_gdf, targets_gdf : GeoDataFrame
        Any CRS.  Targets may be points or areas (buildings): the distance is to the target geometry.
    radius_m : float
        Service radius in metres; a target at exactly ``radius_m`` is covered.
    metric : {"euclidean", "network"}
        Straight-line distance in the UTM zone chosen for both layers together (KD-tree for points,
        STRtree ``dwithin`` otherwise), or street-network distance from ``network.within``.
    network : StreetNetwork or GeoDataFrame, optional
        For ``metric="network"``: anything with ``within(sources_gdf, targets_gdf, radius_m)`` returning a
        sparse matrix (``geo.network.StreetNetwork``), or street lines to build one from.

    Returns
    -------
    scipy.sparse.csr_matrix
        ``True`` where the candidate covers the target.

    Examples
    --------
    >>> from shapely.geometry import Point
    >>> gdf = lambda xs: gpd.GeoDataFrame(geometry=[Point(740000 + x, 2560000) for x in xs], crs=32649)
    >>> coverage_matrix(gdf([0, 100]), gdf([50, 60, 200]), 50.0).toarray().astype(int).tolist()
    [[1, 0, 0], [1, 1, 0]]
    """
    check_geometries(candidates_gdf, "candidates_gdf")
    check_geometries(targets_gdf, "targets_gdf")
    radius = number(radius_m, "radius_m")
    if metric not in METRICS:
        raise ValueError(f"metric must be one of {METRICS}, got {metric!r}")
    if metric == "network":
        return network_matrix(candidates_gdf, targets_gdf, radius, network)
    return euclidean_matrix(*in_metric_crs(candidates_gdf, targets_gdf), radius)


def euclidean_matrix(cand: np.ndarray, targ: np.ndarray, radius: float) -> sparse.csr_matrix:
    """From ``in_metric_crs`` output: KD-trees when both are points, else an STRtree ``dwithin`` query."""
    shape = (len(cand), len(targ))
    if not shape[0] or not shape[1]:
        return sparse.csr_matrix(shape, dtype=bool)
    if cand.dtype != object and targ.dtype != object:
        pairs = cKDTree(cand).sparse_distance_matrix(cKDTree(targ), radius + _TOLERANCE_M, output_type="ndarray")
        rows, cols = pairs["i"], pairs["j"]
    else:
        cand, targ = (g if g.dtype == object else shapely.points(g) for g in (cand, targ))
        cols, rows = shapely.STRtree(cand).query(targ, predicate="dwithin", distance=radius + _TOLERANCE_M)
    return sparse.csr_matrix((np.ones(len(rows), bool), (rows, cols)), shape=shape)


def as_network(network: object):
    if network is None:
        raise ValueError('metric="network" needs network=: a geo.network.StreetNetwork or a GeoDataFrame of lines')
    if isinstance(network, gpd.GeoDataFrame):
        from geo.network import StreetNetwork  # only network siting needs it

        network = StreetNetwork.from_lines(network)
    if not callable(getattr(network, "within", None)):
        raise TypeError(f"network must have a within(sources, targets, radius_m) method, got {type(network).__name__}")
    return network


def network_matrix(cand: gpd.GeoDataFrame, targ: gpd.GeoDataFrame, radius: float, network) -> sparse.csr_matrix:
    network = as_network(network)
    shape = (len(cand), len(targ))
    if not shape[0] or not shape[1]:
        return sparse.csr_matrix(shape, dtype=bool)
    matrix = sparse.csr_matrix(network.within(cand, targ, radius), dtype=bool)
    if matrix.shape != shape:
        raise ValueError(f"network.within returned a {matrix.shape} matrix, expected {shape}")
    matrix.eliminate_zeros()
    return matrix
