"""Which targets (households, buildings) have a facility (bin, toilet, collection point) within a radius,
by straight line or walking along the streets, with counts per grid cell; and service areas to draw."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely
from scipy.spatial import cKDTree

from geo.network import RADIUS_TOLERANCE_M, StreetNetwork, metric_crs_for_frames, radius_number, spatial_order

__all__ = ["METRICS", "RESULT_COLUMNS", "coverage", "service_areas"]

METRICS = ("euclidean", "network")
RESULT_COLUMNS = ("covered", "reachable", "distance_m", "nearest_id")
_WGS84 = pyproj.CRS("EPSG:4326")


def _check_layer(gdf: object, name: str) -> None:
    if not isinstance(gdf, gpd.GeoDataFrame):
        raise TypeError(f"{name} must be a GeoDataFrame, got {type(gdf).__name__}")
    if gdf.crs is None:
        raise ValueError(f"{name} has no CRS: set one (e.g. .set_crs('EPSG:4326')), it is never guessed")


def _check_metric(metric: object, network: object, max_snap_m: object = None) -> None:
    if max_snap_m is not None:
        radius_number(max_snap_m, "max_snap_m")
        if metric == "euclidean":
            raise ValueError("max_snap_m is only used with metric='network'")
    if metric not in METRICS:
        raise ValueError(f"metric must be one of {METRICS}, got {metric!r}")
    if metric == "network" and network is None:
        raise ValueError("metric='network' needs network= (a StreetNetwork or a GeoDataFrame of street lines)")
    if metric == "euclidean" and network is not None:
        raise ValueError("network= is only used with metric='network'")
    if network is not None and not isinstance(network, (StreetNetwork, gpd.GeoDataFrame)):
        raise TypeError(f"network must be a StreetNetwork or a GeoDataFrame of lines, got {type(network).__name__}")


def _present(geoms: np.ndarray) -> np.ndarray:
    return ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))


def _metric_geometries(gdf: gpd.GeoDataFrame, rows: np.ndarray, crs: pyproj.CRS) -> np.ndarray:
    series = gdf.geometry.iloc[rows]
    return np.asarray((series if series.crs.equals(crs) else series.to_crs(crs)).values, dtype=object)


def _metric_points_xy(gdf: gpd.GeoDataFrame, rows: np.ndarray, crs: pyproj.CRS) -> np.ndarray:
    """Projected coordinates of the Point rows ``rows``, without building projected geometries."""
    geoms = np.asarray(gdf.geometry.values, dtype=object)
    xy = shapely.get_coordinates(geoms if len(rows) == len(geoms) else geoms[rows])
    if not gdf.crs.equals(crs):
        x, y = pyproj.Transformer.from_crs(gdf.crs, crs, always_xy=True).transform(xy[:, 0], xy[:, 1])
        xy = np.column_stack([x, y])
    return xy


def _facility_xy(facilities_gdf: gpd.GeoDataFrame, crs: pyproj.CRS) -> np.ndarray:
    """Metric coordinates of each facility; polygons and lines count by their representative point."""
    geoms = _metric_geometries(facilities_gdf, np.arange(len(facilities_gdf)), crs)
    return shapely.get_coordinates(shapely.point_on_surface(geoms)).reshape(-1, 2)


def _nearest_to_points(tree: cKDTree, xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Exact distance from each point to its nearest facility, and that facility's position.

    Queried in spatial order (cells of 128 m) so that neighbouring queries hit the same tree nodes.
    """
    order = spatial_order(xy)
    dist, pos = np.empty(len(xy)), np.empty(len(xy), np.int64)
    dist[order], pos[order] = tree.query(xy[order], k=1, workers=-1)
    return dist, pos


def _keep_closer(dist, pos, row, cand, d) -> None:
    """Per row, replace (dist, pos) in place by the closest candidate when it is strictly closer."""
    order = np.lexsort((d, row))
    first = order[np.r_[True, row[order][1:] != row[order][:-1]]] if len(order) else order
    better = d[first] < dist[row[first]]
    dist[row[first][better]], pos[row[first][better]] = d[first][better], cand[first][better]


def _nearest_to_shapes(tree: cKDTree, fac_points: np.ndarray, geoms: np.ndarray) -> tuple[np.ndarray, ...]:
    """Exact distance from each polygon or line (0 inside a polygon) to its nearest facility.

    The facility nearest the envelope centre c gives an upper bound D; a facility f can only be closer
    if |f - c| - r < D, with r the envelope's half diagonal.  The second nearest to c settles most small
    shapes at once; the others take more candidates in order of |f - c| until that bound rules the rest
    out.  Only candidates get exact GEOS distances.
    """
    box = shapely.bounds(geoms)
    centre, half_diag = (box[:, :2] + box[:, 2:]) / 2, np.hypot(*(box[:, 2:] - box[:, :2]).T) / 2
    order, k = spatial_order(centre), min(2, tree.n)  # neighbours queried together (see _nearest_to_points)
    near, cand = np.empty((len(geoms), k)), np.empty((len(geoms), k), np.int64)
    found = tree.query(centre[order], k=k, workers=-1)
    near[order], cand[order] = (a.reshape(len(geoms), k) for a in found)
    pos = cand[:, 0].copy()
    dist = shapely.distance(geoms, fac_points[pos])
    rows = np.flatnonzero(near[:, -1] - half_diag < dist) if k > 1 else np.empty(0, np.int64)
    k = min(8, tree.n)
    while len(rows) and k <= 1024:
        near, cand = (a.reshape(len(rows), k) for a in tree.query(centre[rows], k=k, workers=-1))
        lower = near - half_diag[rows, None]
        r, c = np.nonzero((lower < dist[rows, None]) & (cand != pos[rows, None]))
        _keep_closer(dist, pos, rows[r], cand[r, c], shapely.distance(geoms[rows[r]], fac_points[cand[r, c]]))
        complete = (lower[:, -1] >= dist[rows]) | (k >= tree.n)
        rows, k = rows[~complete], min(4 * k, tree.n)
    if len(rows):  # huge shapes among dense facilities: GEOS searches for these few
        (_, pos[rows]), dist[rows] = shapely.STRtree(fac_points).query_nearest(
            geoms[rows], return_distance=True, all_matches=False
        )
    return dist, pos


def _euclidean(facilities_gdf, targets_gdf, crs) -> tuple[np.ndarray, np.ndarray]:
    """Distance from each target to its nearest facility in metres (NaN without geometry) and its position."""
    n = len(targets_gdf)
    dist, pos = np.full(n, np.nan), np.full(n, -1)
    fac_xy = _facility_xy(facilities_gdf, crs)
    geoms = np.asarray(targets_gdf.geometry.values, dtype=object)
    present = _present(geoms)
    if len(fac_xy) == 0 or not present.any():
        return dist, pos
    tree = cKDTree(fac_xy)
    is_point = present & (shapely.get_type_id(geoms) == 0)
    points, shapes = np.flatnonzero(is_point), np.flatnonzero(present & ~is_point)
    if len(points):
        dist[points], pos[points] = _nearest_to_points(tree, _metric_points_xy(targets_gdf, points, crs))
    if len(shapes):
        metric = _metric_geometries(targets_gdf, shapes, crs)
        dist[shapes], pos[shapes] = _nearest_to_shapes(tree, shapely.points(fac_xy), metric)
    return dist, pos


def _street_network(network, *layers: gpd.GeoDataFrame) -> StreetNetwork:
    """The given StreetNetwork, or one built from lines in the UTM zone of the lines and all layers."""
    if isinstance(network, StreetNetwork):
        return network
    _check_layer(network, "network")
    return StreetNetwork.from_lines(network, crs=metric_crs_for_frames(network, *layers))


def coverage(
    facilities_gdf: gpd.GeoDataFrame,
    targets_gdf: gpd.GeoDataFrame,
    radius_m: float,
    *,
    metric: str = "euclidean",
    network: StreetNetwork | gpd.GeoDataFrame | None = None,
    id_column: str | None = "id",
    weight_column: str | None = "households",
    grid_gdf: gpd.GeoDataFrame | None = None,
    grid_code_column: str = "code",
    max_snap_m: float | None = None,
) -> tuple[gpd.GeoDataFrame, dict]:
    """Which targets have a facility within ``radius_m``, by straight line or along the streets.

    Parameters
    ----------
    facilities_gdf : GeoDataFrame
        Bins, toilets... in any CRS; polygons count by their representative point; rows without
        geometry are ignored.
    targets_gdf : GeoDataFrame
        Households or buildings in any CRS.  Straight line: the exact distance to the geometry (0 inside
        a polygon).  Network: the target's representative point snapped to the nearest street.
    radius_m : float
        Covered means ``distance_m <= radius_m + RADIUS_TOLERANCE_M`` (1e-9 m): the radius is inclusive.
    metric : {"euclidean", "network"}
        Straight line in the UTM zone of all inputs, or along the streets (access legs from a point to
        its street are not counted; use ``max_snap_m`` to leave far points unsnapped).
    network : StreetNetwork or GeoDataFrame, optional
        The streets for ``metric="network"``; lines are noded with the defaults of
        ``StreetNetwork.from_lines``.  Build one StreetNetwork to reuse it across calls.
    id_column : str or None
        Facility column reported as ``nearest_id``; None uses the index.
    weight_column : str or None
        Numeric target column summed into ``<weight_column>_total``/``_covered`` when it exists.
    grid_gdf : GeoDataFrame, optional
        Grid cells (单元网格); each target counts in the first cell covering its representative point.
    grid_code_column : str
        The cell code column of ``grid_gdf``.
    max_snap_m : float, optional
        Network only: targets and facilities farther than this from every street are unreachable.

    Returns
    -------
    result_gdf : GeoDataFrame
        The targets in WGS 84 with their columns, plus ``covered``, ``reachable`` (a facility can be
        reached at all: always, by straight line, when there are facilities; on the network, one lies
        on the same connected piece), ``distance_m`` to the nearest facility (NaN when unreachable;
        computed for every target, within the radius or not) and ``nearest_id`` (None when none).
    summary : dict
        ``targets``, ``covered``, ``uncovered`` (includes unreachable), ``unreachable``,
        ``coverage_ratio`` (None without targets), ``radius_m``, ``metric``, weight sums, and ``by_grid``
        (None without ``grid_gdf``): one dict per cell, plus ``code`` None for targets outside all cells.

    Examples
    --------
    >>> from shapely.geometry import Point
    >>> bins = gpd.GeoDataFrame({"id": ["b1"]}, geometry=[Point(500000, 2550000)], crs="EPSG:32649")
    >>> homes = gpd.GeoDataFrame({"households": [3, 5]}, crs="EPSG:32649",
    ...     geometry=[Point(500070, 2550000), Point(500000, 2550080)])
    >>> result, summary = coverage(bins, homes, 70)
    >>> result["covered"].tolist(), result["distance_m"].round(6).tolist(), summary["households_covered"]
    ([True, False], [70.0, 80.0], 3)
    """
    radius = radius_number(radius_m, "radius_m")
    _check_layer(facilities_gdf, "facilities_gdf")
    _check_layer(targets_gdf, "targets_gdf")
    _check_metric(metric, network, max_snap_m)
    _facility_ids(facilities_gdf, id_column)  # checks the column before any work
    weights = _weights(targets_gdf, weight_column)
    clash = sorted(set(RESULT_COLUMNS) & set(targets_gdf.columns))
    if clash:
        raise ValueError(f"targets_gdf already has columns {clash} that the result would overwrite")
    if grid_gdf is not None:
        _check_grid(grid_gdf, grid_code_column)
    facilities = facilities_gdf[_present(np.asarray(facilities_gdf.geometry.values, dtype=object))]
    dist, pos = np.full(len(targets_gdf), np.nan), np.full(len(targets_gdf), -1)
    reachable = np.zeros(len(targets_gdf), bool)
    if len(facilities) and len(targets_gdf) and metric == "network":
        near = _street_network(network, facilities, targets_gdf).nearest(facilities, targets_gdf, max_snap_m=max_snap_m)
        dist, pos, reachable = near["distance_m"].to_numpy(), near["source"].to_numpy(), near["reachable"].to_numpy()
    elif len(facilities) and len(targets_gdf):
        dist, pos = _euclidean(facilities, targets_gdf, metric_crs_for_frames(facilities, targets_gdf))
        reachable = pos >= 0
    result = _result_frame(targets_gdf, dist, pos, reachable, _facility_ids(facilities, id_column), radius)
    covered = result["covered"].to_numpy()
    summary = _summary(covered, reachable, radius, metric, weights, weight_column)
    summary["by_grid"] = None
    if grid_gdf is not None:
        summary["by_grid"] = _by_grid(targets_gdf, covered, weights, weight_column, grid_gdf, grid_code_column)
    return result, summary


def _facility_ids(facilities_gdf: gpd.GeoDataFrame, id_column: str | None) -> np.ndarray:
    if id_column is None:
        return facilities_gdf.index.to_numpy(dtype=object)
    if not isinstance(id_column, str):
        raise TypeError(f"id_column must be a column name or None, got {type(id_column).__name__}")
    if id_column not in facilities_gdf.columns:
        raise ValueError(
            f"facilities_gdf has no column {id_column!r} (columns: {list(facilities_gdf.columns)}); "
            "pass id_column=None to report the index"
        )
    return facilities_gdf[id_column].to_numpy(dtype=object)


def _weights(targets_gdf: gpd.GeoDataFrame, weight_column: str | None) -> np.ndarray | None:
    if weight_column is None or weight_column not in targets_gdf.columns:
        return None
    column = targets_gdf[weight_column]
    if not (pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column)):
        raise TypeError(f"weight column {weight_column!r} must be numeric, got dtype {column.dtype}")
    return column.fillna(0).to_numpy()


def _result_frame(targets_gdf, dist, pos, reachable, ids, radius_m) -> gpd.GeoDataFrame:
    result = targets_gdf if targets_gdf.crs.equals(_WGS84) else targets_gdf.to_crs(_WGS84)
    result = result.copy()
    nearest_id = np.full(len(pos), None, dtype=object)
    nearest_id[pos >= 0] = ids[pos[pos >= 0]]
    with np.errstate(invalid="ignore"):
        result["covered"] = dist <= radius_m + RADIUS_TOLERANCE_M  # NaN (unreachable) compares False
    result["reachable"] = reachable.astype(bool)
    result["distance_m"] = dist.astype(np.float64)
    result["nearest_id"] = pd.Series(nearest_id, index=result.index, dtype=object)  # None stays None
    return result


def _plain(value) -> int | float:
    """A numpy sum as a JSON-friendly int or float."""
    value = float(value)
    return int(value) if value.is_integer() and abs(value) < 2**53 else value


def _counts(n, n_covered, weight_total, weight_covered, weight_column) -> dict:
    n, n_covered = int(n), int(n_covered)
    counts = {
        "targets": n,
        "covered": n_covered,
        "uncovered": n - n_covered,
        "coverage_ratio": n_covered / n if n else None,
    }
    if weight_total is not None:
        counts[f"{weight_column}_total"] = _plain(weight_total)
        counts[f"{weight_column}_covered"] = _plain(weight_covered)
    return counts


def _summary(covered, reachable, radius_m, metric, weights, weight_column) -> dict:
    sums = (None, None) if weights is None else (weights.sum(), weights[covered].sum())
    summary = _counts(len(covered), covered.sum(), *sums, weight_column)
    summary.update(unreachable=int((~reachable).sum()), radius_m=radius_m, metric=metric)
    return summary


def _check_grid(grid_gdf: object, code_column: object) -> None:
    _check_layer(grid_gdf, "grid_gdf")
    if len(grid_gdf) and code_column not in grid_gdf.columns:  # an empty grid layer may lack columns
        raise ValueError(f"grid_gdf has no column {code_column!r} (columns: {list(grid_gdf.columns)})")


def _by_grid(targets_gdf, covered, weights, weight_column, grid_gdf, code_column) -> list[dict]:
    """Counts per grid cell; a target belongs to the first cell covering its representative point."""
    geoms = np.asarray(targets_gdf.geometry.to_crs(grid_gdf.crs).values, dtype=object)
    points = np.where(shapely.get_type_id(geoms) == 0, geoms, shapely.point_on_surface(geoms))
    cells = np.asarray(grid_gdf.geometry.values, dtype=object)
    t, g = shapely.STRtree(cells).query(points, predicate="covered_by")
    order = np.lexsort((g, t))
    first = order[np.r_[True, t[order][1:] != t[order][:-1]]] if len(order) else order
    slot = np.zeros(len(geoms), np.int64)  # 0: outside every cell, k + 1: cell k
    slot[t[first]] = g[first] + 1
    size = len(cells) + 1
    n, n_covered = np.bincount(slot, minlength=size), np.bincount(slot, weights=covered, minlength=size)
    w_total = w_covered = [None] * size
    if weights is not None:
        w_total = np.bincount(slot, weights=weights, minlength=size)
        w_covered = np.bincount(slot, weights=np.where(covered, weights, 0), minlength=size)
    codes = [None, *(grid_gdf[code_column].tolist() if len(grid_gdf) else [])]
    rows = [
        {"code": codes[k], **_counts(n[k], n_covered[k], w_total[k], w_covered[k], weight_column)}
        for k in range(1, size)
    ]
    if n[0]:
        rows.append({"code": None, **_counts(n[0], n_covered[0], w_total[0], w_covered[0], weight_column)})
    return rows


def service_areas(
    facilities_gdf: gpd.GeoDataFrame,
    radius_m: float,
    *,
    metric: str = "euclidean",
    network: StreetNetwork | gpd.GeoDataFrame | None = None,
    max_snap_m: float | None = None,
) -> gpd.GeoDataFrame:
    """What the facilities serve within ``radius_m``, to draw on the map.

    Parameters
    ----------
    facilities_gdf : GeoDataFrame
        Any CRS; polygons count by their representative point.
    radius_m : float
        Metres.
    metric : {"euclidean", "network"}
        Circles (one per facility, its columns kept, drawn in the UTM zone of the facilities with 16
        segments per quarter) or the reachable street stretches (``StreetNetwork.reachable_stretches``).
    network : StreetNetwork or GeoDataFrame, optional
        The streets for ``metric="network"``.
    max_snap_m : float, optional
        Network only: facilities farther than this from every street serve nothing.

    Returns
    -------
    GeoDataFrame
        WGS 84.

    Examples
    --------
    >>> from shapely.geometry import Point
    >>> bins = gpd.GeoDataFrame({"id": [1]}, geometry=[Point(113.3, 23.1)], crs="EPSG:4326")
    >>> area = service_areas(bins, 70).to_crs("EPSG:32649").area.iloc[0]
    >>> round(float(area) / (3.141592653589793 * 70**2), 3)  # a 64-gon fills 99.8 % of its circle
    0.998
    """
    radius = radius_number(radius_m, "radius_m")
    _check_layer(facilities_gdf, "facilities_gdf")
    _check_metric(metric, network, max_snap_m)
    facilities = facilities_gdf[_present(np.asarray(facilities_gdf.geometry.values, dtype=object))]
    if metric == "network":
        if not len(facilities):
            return gpd.GeoDataFrame(
                {"edge": [], "line_id": [], "start_m": [], "end_m": [], "length_m": []}, geometry=[], crs=_WGS84
            )
        return _street_network(network, facilities).reachable_stretches(facilities, radius, max_snap_m=max_snap_m)
    if not len(facilities):
        return gpd.GeoDataFrame(facilities.drop(columns=facilities.geometry.name), geometry=[], crs=_WGS84)
    crs = metric_crs_for_frames(facilities)
    circles = shapely.buffer(shapely.points(_facility_xy(facilities, crs)), radius, quad_segs=16)
    areas = gpd.GeoDataFrame(facilities.drop(columns=facilities.geometry.name), geometry=circles, crs=crs)
    return areas.to_crs(_WGS84)
