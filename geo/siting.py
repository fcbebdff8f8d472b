"""Where new facilities do the most good: candidate sites along streets, a coverage matrix (straight-line or
street-network distance), and maximum-coverage / set-cover siting, greedy or exact (HiGHS integer programming).
"""

from __future__ import annotations

import math
from numbers import Integral, Real

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.spatial import cKDTree

from geo.crs import metric_crs_for_bounds

__all__ = ["EXACT_NNZ_LIMIT", "candidates_along", "coverage_matrix", "propose_sites"]

# "auto" solves exactly (and "greedy" checks itself against the exact optimum) when the instance, reduced to
# the targets still to cover, has at most this many (candidate, target) pairs: HiGHS then usually proves
# optimality within a second or two on 2 cores.  Larger instances run greedy with a cheap bound instead.
EXACT_NNZ_LIMIT = 100_000
WGS84 = "EPSG:4326"
_TOLERANCE_M = 1e-6  # reprojection round-off: a target at exactly radius_m still counts as covered
_METHODS, _METRICS = ("auto", "greedy", "exact"), ("euclidean", "network")


# -- input checks and projection ----------------------------------------------------------------------
def _check_gdf(gdf: object, name: str) -> None:
    if not isinstance(gdf, gpd.GeoDataFrame):
        raise TypeError(f"{name} must be a GeoDataFrame, got {type(gdf).__name__}")
    if len(gdf) and gdf.crs is None:
        raise ValueError(f"{name} has no CRS: a CRS is required (e.g. gdf.set_crs('EPSG:4326')), never guessed")
    bad = gdf.geometry.isna() | gdf.geometry.is_empty
    if bad.any():
        raise ValueError(f"{name} has missing or empty geometries, e.g. at index {list(gdf.index[bad][:5])}")


def _number(value: object, name: str, *, positive: bool = False) -> float:
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


def _metric(*gdfs: gpd.GeoDataFrame) -> list[np.ndarray]:
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
    _check_gdf(lines_gdf, "lines_gdf")
    spacing = _number(spacing_m, "spacing_m", positive=True)
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
    _check_gdf(candidates_gdf, "candidates_gdf")
    _check_gdf(targets_gdf, "targets_gdf")
    radius = _number(radius_m, "radius_m")
    if metric not in _METRICS:
        raise ValueError(f"metric must be one of {_METRICS}, got {metric!r}")
    if metric == "network":
        return _network_matrix(candidates_gdf, targets_gdf, radius, network)
    return _euclidean_matrix(*_metric(candidates_gdf, targets_gdf), radius)


def _euclidean_matrix(cand: np.ndarray, targ: np.ndarray, radius: float) -> sparse.csr_matrix:
    """From ``_metric`` output: KD-trees when both are points, else an STRtree ``dwithin`` query."""
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


def _as_network(network: object):
    if network is None:
        raise ValueError('metric="network" needs network=: a geo.network.StreetNetwork or a GeoDataFrame of lines')
    if isinstance(network, gpd.GeoDataFrame):
        from geo.network import StreetNetwork  # only network siting needs it

        network = StreetNetwork.from_lines(network)
    if not callable(getattr(network, "within", None)):
        raise TypeError(f"network must have a within(sources, targets, radius_m) method, got {type(network).__name__}")
    return network


def _network_matrix(cand: gpd.GeoDataFrame, targ: gpd.GeoDataFrame, radius: float, network) -> sparse.csr_matrix:
    network = _as_network(network)
    shape = (len(cand), len(targ))
    if not shape[0] or not shape[1]:
        return sparse.csr_matrix(shape, dtype=bool)
    matrix = sparse.csr_matrix(network.within(cand, targ, radius), dtype=bool)
    if matrix.shape != shape:
        raise ValueError(f"network.within returned a {matrix.shape} matrix, expected {shape}")
    matrix.eliminate_zeros()
    return matrix


# -- solvers ----------------------------------------------------------------------------------------------
def _gather(csr: sparse.csr_matrix, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Column indices of the given rows, and for each the position of its row in ``rows``."""
    starts = csr.indptr[rows]
    lengths = csr.indptr[rows + 1] - starts
    offsets = np.repeat(starts - (np.cumsum(lengths) - lengths), lengths)
    return csr.indices[offsets + np.arange(lengths.sum())], np.repeat(np.arange(len(rows)), lengths)


def _greedy(matrix: sparse.csr_matrix, weights: np.ndarray, covered: np.ndarray, limit: int | None,
            report: np.ndarray):
    """Greedy by marginal ``weights`` with exact gains kept up to date by sparse decrements (each target's
    candidates are touched once, when it is covered).  Returns sites, targets and ``report`` weight each
    adds, and an upper bound on the optimum: for a budget, the least over steps i of f(S_i) + the sum of
    the ``limit`` largest gains (submodularity), at most f/(1 - 1/e); else f itself."""
    by_target = matrix.T.tocsr()
    covered = covered.copy()
    gains = matrix.astype(np.float64) @ np.where(covered, 0.0, weights)
    sites, added, added_weight, value, bound = [], [], [], 0.0, math.inf
    while len(sites) < (matrix.shape[0] if limit is None else limit):
        site = int(np.argmax(gains)) if len(gains) else 0
        if not len(gains) or gains[site] <= 1e-12 * max(1.0, value):
            return sites, added, added_weight, value  # everything coverable with weight is covered
        if limit is not None:
            top = min(limit, len(gains))
            bound = min(bound, value + np.partition(gains, -top)[-top:].sum())
        reach = matrix.indices[matrix.indptr[site]:matrix.indptr[site + 1]]
        new = reach[~covered[reach]]
        covered[new] = True
        candidates, which = _gather(by_target, new)
        np.subtract.at(gains, candidates, weights[new][which])
        gains[site] = 0.0
        sites.append(site)
        added.append(len(new))
        added_weight.append(float(report[new].sum()))
        value += float(weights[new].sum())
    return sites, added, added_weight, min(bound, value / (1 - 1 / math.e)) if limit else value


def _prune(matrix: sparse.csr_matrix, sites: list[int], before: np.ndarray) -> list[int]:
    """Reverse delete: latest first, drop any site whose targets all stay covered without it."""
    times = np.bincount(matrix[sites].indices, minlength=matrix.shape[1]) + before
    keep = []
    for site in reversed(sites):
        reach = matrix.indices[matrix.indptr[site]:matrix.indptr[site + 1]]
        if (times[reach] >= 2).all():
            times[reach] -= 1
        else:
            keep.append(site)
    return keep[::-1]


def _contributions(matrix: sparse.csr_matrix, sites, covered: np.ndarray, weights: np.ndarray):
    """Targets and weight each site adds to those covered before it, in the given order."""
    chosen = matrix[np.asarray(sites, dtype=np.int64)]
    rank = np.repeat(np.arange(len(sites)), np.diff(chosen.indptr))
    fresh = ~covered[chosen.indices]
    first = np.full(matrix.shape[1], len(sites))
    np.minimum.at(first, chosen.indices[fresh], rank[fresh])  # the first site in order that reaches it
    hit = first < len(sites)
    added = np.bincount(first[hit], minlength=len(sites))
    return added.tolist(), np.bincount(first[hit], weights=weights[hit], minlength=len(sites)).tolist()


def _reduce(matrix: sparse.csr_matrix, weights: np.ndarray, todo: np.ndarray):
    """The instance on targets still to cover, identical targets merged (weights summed), idle sites dropped."""
    sub = matrix[:, np.flatnonzero(todo)].tocsc()
    keys = [sub.indices[sub.indptr[j]:sub.indptr[j + 1]].tobytes() for j in range(sub.shape[1])]
    group = pd.factorize(pd.Series(keys, dtype=object))[0]
    _, first = np.unique(group, return_index=True)
    merged = sub[:, first].tocsr()
    used = np.flatnonzero(merged.getnnz(axis=1))
    return merged[used], np.bincount(group, weights=weights[todo], minlength=len(first)), used


def _exact(sub: sparse.csr_matrix, weights: np.ndarray, limit: int | None, time_limit_s: float):
    """HiGHS on the reduced instance: max sum w_t y_t, y_t <= sum_{c covers t} x_c, sum x_c <= limit (y
    continuous, integral at any optimum), or set cover min sum x_c, sum_{c covers t} x_c >= 1.  Returns
    (chosen rows or None, status, bound on the objective in weight or sites)."""
    n_sites, n_targets = sub.shape
    sub = sub.astype(np.float64)
    if limit is None:
        cost, rows = np.ones(n_sites), LinearConstraint(sub.T, 1, np.inf)
        integrality = np.ones(n_sites)
    else:
        cost = np.concatenate([np.zeros(n_sites), -weights])
        cover = sparse.hstack([-sub.T, sparse.identity(n_targets)])
        budget = sparse.hstack([np.ones((1, n_sites)), sparse.csr_matrix((1, n_targets))])
        rows = LinearConstraint(sparse.vstack([cover, budget]).tocsr(), -np.inf, np.append(np.zeros(n_targets), limit))
        integrality = np.concatenate([np.ones(n_sites), np.zeros(n_targets)])
    res = milp(cost, constraints=rows, integrality=integrality, bounds=Bounds(0, 1),
               options={"time_limit": time_limit_s, "mip_rel_gap": 0.0})
    if res.status not in (0, 1):
        raise RuntimeError(f"HiGHS failed on the siting problem: {res.message}")
    status = "optimal" if res.status == 0 else "time_limit"
    dual = getattr(res, "mip_dual_bound", None)
    if dual is None or not np.isfinite(dual):
        dual = 0.0 if limit is None else -weights.sum()
    bound = math.ceil(dual - 1e-6) if limit is None else -dual
    chosen = None if res.x is None else np.flatnonzero(res.x[:n_sites] > 0.5)
    return chosen, status, bound


def _packing_bound(matrix: sparse.csr_matrix, todo: np.ndarray) -> int:
    """Targets no two of which share a candidate each need their own site: a set-cover lower bound.
    Built in rounds (a target joins when it has the best priority at all its candidates; fewest
    candidates first), so it costs a few sparse passes instead of a Python loop over targets."""
    by_target = matrix.T.tocsr()
    degree = np.diff(by_target.indptr)
    priority = np.empty(len(degree))
    priority[np.lexsort((np.arange(len(degree)), -degree))] = np.arange(len(degree), dtype=float)
    alive, used, packed = todo.copy(), np.zeros(matrix.shape[0], bool), 0
    while alive.any():
        p = np.where(alive, priority, -1.0)
        best = np.maximum.reduceat(np.append(p[matrix.indices], -1.0), matrix.indptr[:-1])
        contested = np.maximum.reduceat(np.append(best[by_target.indices], -1.0), by_target.indptr[:-1])
        wins = np.flatnonzero(alive & (p >= contested))  # p <= best everywhere, so p is best at all its sites
        packed += len(wins)
        used[_gather(by_target, wins)[0]] = True
        touched = np.maximum.reduceat(np.append(used[by_target.indices], False), by_target.indptr[:-1])
        alive &= ~touched.astype(bool)
    return packed


def _harmonic(n: int) -> float:
    return float(np.sum(1.0 / np.arange(1, n + 1))) if n > 0 else 1.0


def _solve(matrix: sparse.csr_matrix, weights: np.ndarray, before: np.ndarray, count: int | None,
           method: str, time_limit_s: float) -> dict:
    """Greedy always (cheap, and the fallback); HiGHS when asked or small.  The better answer is returned
    with the best proof of its quality: the optimum, HiGHS's dual bound, or a combinatorial bound."""
    cover, degree = count is None, matrix.getnnz(axis=0)
    todo = ~before & (degree > 0) & (True if cover else weights > 0)
    select = todo.astype(np.float64) if cover else weights
    sites, added, added_w, bound = _greedy(matrix, select, before, count, weights)
    if cover:  # greedy's log bound holds for its own count; then drop what later sites made redundant
        widest = int((matrix @ todo.astype(np.float64)).max(initial=0))
        bound = max(_packing_bound(matrix, todo), math.ceil(len(sites) / _harmonic(widest) - 1e-9))
        sites = _prune(matrix, sites, before)
        added, added_w = _contributions(matrix, sites, before, weights)
    greedy_obj = float(len(sites)) if cover else float(sum(added_w))
    out = {"method": "greedy", "sites": sites, "added": added, "added_weight": added_w, "objective": greedy_obj,
           "greedy_objective": greedy_obj, "exact_objective": None, "exact_status": "not_run", "optimum": None,
           "bound": bound, "bound_source": "packing" if cover else "submodular"}
    if not todo.any() or count == 0 or (method != "exact" and degree[todo].sum() > EXACT_NNZ_LIMIT):
        return out
    sub, sub_w, used = _reduce(matrix, select, todo)
    chosen, status, exact_bound = _exact(sub, sub_w, count, time_limit_s)
    out["exact_status"] = status
    if (exact_bound > bound) if cover else (exact_bound < bound):
        out["bound"], out["bound_source"] = exact_bound, "highs"
    if chosen is None:
        return out
    rows = used[chosen]
    order, e_added, e_added_w, _ = _greedy(matrix[rows], select, before, None, weights)
    exact_obj = float(len(order)) if cover else float(sum(e_added_w))
    out["exact_objective"] = exact_obj
    if status == "optimal":
        out["optimum"] = exact_obj
    if method != "greedy" and (exact_obj <= greedy_obj if cover else exact_obj >= greedy_obj):
        out.update(method="exact", sites=rows[order].tolist(), added=e_added, added_weight=e_added_w,
                   objective=exact_obj)
    return out


# -- the public siting call ---------------------------------------------------------------------------------
def propose_sites(
    targets_gdf: gpd.GeoDataFrame, candidates_gdf: gpd.GeoDataFrame, radius_m: float, *, count: int | None = None,
    existing_gdf: gpd.GeoDataFrame | None = None, metric: str = "euclidean", network: object = None,
    weight_column: str | None = "households", method: str = "auto", time_limit_s: float = 10.0,
    matrix: sparse.spmatrix | None = None,
) -> tuple[gpd.GeoDataFrame, dict]:
    """Choose new sites among candidates: maximum coverage with ``count`` sites, or the fewest that cover all.

    Parameters
    ----------
    targets_gdf : GeoDataFrame
        What must be within reach (households, buildings, blackspots); any CRS.
    candidates_gdf : GeoDataFrame
        Where a site may go (e.g. ``candidates_along(roads, 25)``); the index label is the candidate id.
    radius_m : float
        Service radius in metres (inclusive), straight-line or along streets, see ``coverage_matrix``.
    count : int, optional
        Sites to add: choose up to ``count`` maximising the (weighted) targets newly covered, stopping
        early once every coverable target is covered.  None: the fewest sites covering every coverable
        target (set cover; every target counts, whatever its weight).
    existing_gdf : GeoDataFrame, optional
        Facilities already there: targets they reach are covered before and count for nothing.
    metric, network
        As in ``coverage_matrix``.
    weight_column : str or None
        Target weights (>= 0; missing is 0) when the column exists, e.g. households per building; else
        every target weighs 1.
    method : {"auto", "greedy", "exact"}
        "greedy": marginal-gain greedy with sparse gain updates (any size).  "exact": integer programming
        with ``scipy.optimize.milp`` (HiGHS) within ``time_limit_s``; if it stops at the limit, the better
        of its incumbent and greedy is returned.  "auto": exact when the instance reduced to the targets
        still to cover has at most ``EXACT_NNZ_LIMIT`` candidate-target pairs, else greedy.  On a small
        instance "greedy" also runs the exact solver, to measure its own gap.
    time_limit_s : float
        Wall-clock limit for HiGHS, in seconds.
    matrix : sparse matrix, optional
        A ready ``coverage_matrix(candidates_gdf, targets_gdf, radius_m, ...)``, to reuse across calls.

    Returns
    -------
    proposals_gdf : GeoDataFrame
        Points in WGS 84, best first: ``rank`` (1..), ``candidate_id``, ``newly_covered`` (targets this
        site adds after the sites ranked before it), ``newly_covered_weight``, then the candidate's columns.
    summary : dict
        ``method`` (that produced the answer), ``problem`` ("max_coverage" or "set_cover"), ``status``
        ("optimal" when proved, "time_limit" when HiGHS stopped at the limit, else "heuristic"),
        ``targets``, ``coverable`` (reachable from some candidate), ``uncoverable`` and ``uncoverable_ids``
        (reached by no candidate nor existing facility), ``covered_before``, ``covered_after``,
        ``weight_total``, ``weight_before``, ``weight_after``, ``count``, ``objective`` (weight newly covered,
        or sites for set cover), ``quality`` (``reference`` "optimum" or "bound", its ``value`` and
        ``source``, ``gap``, ``gap_ratio`` = gap / value), ``gap_ratio``, ``greedy_objective``,
        ``exact_objective`` and ``exact_status`` ("optimal", "time_limit" or "not_run").

    Examples
    --------
    >>> from shapely.geometry import Point
    >>> gdf = lambda xs: gpd.GeoDataFrame(geometry=[Point(740000 + x, 2560000) for x in xs], crs=32649)
    >>> sites, summary = propose_sites(gdf([0, 10, 20, 300]), gdf([0, 12, 300]), 12.0, count=1)
    >>> sites["candidate_id"].tolist(), summary["covered_after"], summary["status"]
    ([1], 3, 'optimal')
    """
    for gdf, name in ((targets_gdf, "targets_gdf"), (candidates_gdf, "candidates_gdf")):
        _check_gdf(gdf, name)
    if existing_gdf is not None:
        _check_gdf(existing_gdf, "existing_gdf")
    radius = _number(radius_m, "radius_m")
    if count is not None and (isinstance(count, bool) or not isinstance(count, Integral) or count < 0):
        raise ValueError(f"count must be None or an integer >= 0, got {count!r}")
    if method not in _METHODS:
        raise ValueError(f"method must be one of {_METHODS}, got {method!r}")
    time_limit = _number(time_limit_s, "time_limit_s", positive=True)
    weights, weight_name = _weights(targets_gdf, weight_column)
    matrix, before = _matrices(targets_gdf, candidates_gdf, existing_gdf, radius, metric, network, matrix)
    result = _solve(matrix, weights, before, None if count is None else int(count), method, time_limit)
    return _proposals(candidates_gdf, result), _summary(targets_gdf, matrix, before, weights, weight_name, count,
                                                       result, {"metric": metric, "radius_m": radius})


def _weights(targets_gdf: gpd.GeoDataFrame, column: str | None) -> tuple[np.ndarray, str | None]:
    if column is None or column not in targets_gdf.columns:
        return np.ones(len(targets_gdf)), None
    values = targets_gdf[column]
    if pd.api.types.is_bool_dtype(values) or not pd.api.types.is_numeric_dtype(values):
        raise TypeError(f"targets_gdf[{column!r}] must be numeric weights, got dtype {values.dtype}")
    weights = values.to_numpy(dtype=np.float64, na_value=0.0)  # a building without households has none
    bad = ~np.isfinite(weights) | (weights < 0)
    if bad.any():
        raise ValueError(f"targets_gdf[{column!r}] must be finite and >= 0, got {weights[bad][0]!r} "
                         f"at index {targets_gdf.index[bad][0]!r}")
    return weights, column


def _matrices(targets_gdf, candidates_gdf, existing_gdf, radius, metric, network, matrix):
    """The candidate x target matrix (given or built) and which targets existing facilities cover, all
    measured in one metric CRS chosen for the union of the three layers."""
    if metric not in _METRICS:
        raise ValueError(f"metric must be one of {_METRICS}, got {metric!r}")
    existing = existing_gdf if existing_gdf is not None else candidates_gdf.iloc[:0]
    if metric == "network":
        network = _as_network(network)  # built once from lines, used for candidates and existing
        build = lambda sources: _network_matrix(sources, targets_gdf, radius, network)  # noqa: E731
    elif matrix is None or len(existing):
        cand_m, targ_m, exist_m = _metric(candidates_gdf, targets_gdf, existing)
        build = lambda sources: _euclidean_matrix(  # noqa: E731
            cand_m if sources is candidates_gdf else exist_m, targ_m, radius)
    shape = (len(candidates_gdf), len(targets_gdf))
    if matrix is None:
        matrix = build(candidates_gdf)
    elif not sparse.issparse(matrix) or matrix.shape != shape:
        raise ValueError(f"matrix must be a sparse {shape} coverage matrix, got {getattr(matrix, 'shape', matrix)!r}")
    matrix = sparse.csr_matrix(matrix, dtype=bool)
    matrix.eliminate_zeros()
    before = build(existing).getnnz(axis=0) > 0 if len(existing) else np.zeros(shape[1], bool)
    return matrix, before


def _proposals(candidates_gdf: gpd.GeoDataFrame, result: dict) -> gpd.GeoDataFrame:
    chosen = candidates_gdf.iloc[np.asarray(result["sites"], dtype=np.int64)]
    chosen = chosen.to_crs(WGS84) if len(chosen) else chosen.set_crs(WGS84, allow_override=True)
    columns = {
        "rank": np.arange(1, len(chosen) + 1), "candidate_id": chosen.index.to_numpy(),
        "newly_covered": np.asarray(result["added"], dtype=np.int64),
        "newly_covered_weight": np.asarray(result["added_weight"], dtype=np.float64),
    }
    own = chosen.drop(columns=[c for c in chosen.columns if c in columns or c == chosen.geometry.name])
    out = pd.concat([pd.DataFrame(columns), own.reset_index(drop=True)], axis=1)
    return gpd.GeoDataFrame(out, geometry=chosen.geometry.to_numpy(), crs=WGS84)


def _summary(targets_gdf, matrix, before, weights, weight_name, count, result, extra) -> dict:
    reach = matrix.getnnz(axis=0) > 0
    after = before | (matrix[np.asarray(result["sites"], dtype=np.int64)].getnnz(axis=0) > 0)
    cover = count is None
    objective, optimum = result["objective"], result["optimum"]
    reference = optimum if optimum is not None else result["bound"]
    gap = max((objective - reference) if cover else (reference - objective), 0.0)
    proved = gap <= 1e-9 * max(1.0, abs(reference))  # at the optimum, or greedy met its own bound
    status = "optimal" if proved else "time_limit" if result["exact_status"] == "time_limit" else "heuristic"
    quality = {"reference": "optimum" if optimum is not None else "bound", "value": float(reference),
               "source": "highs" if optimum is not None else result["bound_source"], "objective": objective,
               "gap": float(gap), "gap_ratio": float(gap / reference) if reference > 0 else 0.0}
    unreached = ~reach & ~before
    return {
        "method": result["method"], "problem": "set_cover" if cover else "max_coverage", "status": status,
        **extra, "targets": len(targets_gdf), "coverable": int(reach.sum()), "uncoverable": int(unreached.sum()),
        "uncoverable_ids": targets_gdf.index[unreached].tolist(),
        "covered_before": int(before.sum()), "covered_after": int(after.sum()), "weight_column": weight_name,
        "weight_total": float(weights.sum()), "weight_before": float(weights[before].sum()),
        "weight_after": float(weights[after].sum()), "count": len(result["sites"]), "count_requested": count,
        "objective": objective, "quality": quality, "gap_ratio": quality["gap_ratio"],
        "greedy_objective": result["greedy_objective"], "exact_objective": result["exact_objective"],
        "exact_status": result["exact_status"],
    }
