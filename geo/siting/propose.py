"""Where new facilities do the most good: ``propose_sites`` (maximum coverage or set cover, greedy or exact with
HiGHS) and its summary; candidate sites and the coverage matrix come from geo.siting.coverage and are re-exported.
"""

from __future__ import annotations

import math
from numbers import Integral

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy import sparse

from geo.checks import check_geometries
from geo.siting.coverage import (
    METRICS,
    WGS84,
    as_network,
    candidates_along,
    coverage_matrix,
    euclidean_matrix,
    in_metric_crs,
    network_matrix,
    number,
)
from geo.siting.solvers import contributions, exact, greedy, harmonic, packing_bound, prune, reduce

__all__ = ["EXACT_NNZ_LIMIT", "candidates_along", "coverage_matrix", "propose_sites"]

# "auto" solves exactly (and "greedy" checks itself against the exact optimum) when the instance, reduced to
# the targets still to cover, has at most this many (candidate, target) pairs: HiGHS then usually proves
# optimality within a second or two on 2 cores.  Larger instances run greedy with a cheap bound instead.
EXACT_NNZ_LIMIT = 100_000
_METHODS = ("auto", "greedy", "exact")


# -- choosing between greedy and exact ----------------------------------------------------------------------
def _solve(matrix: sparse.csr_matrix, weights: np.ndarray, before: np.ndarray, count: int | None,
           method: str, time_limit_s: float) -> dict:
    """Greedy always (cheap, and the fallback); HiGHS when asked or small.  The better answer is returned
    with the best proof of its quality: the optimum, HiGHS's dual bound, or a combinatorial bound."""
    cover, degree = count is None, matrix.getnnz(axis=0)
    todo = ~before & (degree > 0) & (True if cover else weights > 0)
    select = todo.astype(np.float64) if cover else weights
    sites, added, added_w, bound = greedy(matrix, select, before, count, weights)
    if cover:  # greedy's log bound holds for its own count; then drop what later sites made redundant
        widest = int((matrix @ todo.astype(np.float64)).max(initial=0))
        bound = max(packing_bound(matrix, todo), math.ceil(len(sites) / harmonic(widest) - 1e-9))
        sites = prune(matrix, sites, before)
        added, added_w = contributions(matrix, sites, before, weights)
    greedy_obj = float(len(sites)) if cover else float(sum(added_w))
    out = {"method": "greedy", "sites": sites, "added": added, "added_weight": added_w, "objective": greedy_obj,
           "greedy_objective": greedy_obj, "exact_objective": None, "exact_status": "not_run", "optimum": None,
           "bound": bound, "bound_source": "packing" if cover else "submodular"}
    if not todo.any() or count == 0 or (method != "exact" and degree[todo].sum() > EXACT_NNZ_LIMIT):
        return out
    sub, sub_w, used = reduce(matrix, select, todo)
    chosen, status, exact_bound = exact(sub, sub_w, count, time_limit_s)
    out["exact_status"] = status
    if (exact_bound > bound) if cover else (exact_bound < bound):
        out["bound"], out["bound_source"] = exact_bound, "highs"
    if chosen is None:
        return out
    rows = used[chosen]
    order, e_added, e_added_w, _ = greedy(matrix[rows], select, before, None, weights)
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
        check_geometries(gdf, name)
    if existing_gdf is not None:
        check_geometries(existing_gdf, "existing_gdf")
    radius = number(radius_m, "radius_m")
    if count is not None and (isinstance(count, bool) or not isinstance(count, Integral) or count < 0):
        raise ValueError(f"count must be None or an integer >= 0, got {count!r}")
    if method not in _METHODS:
        raise ValueError(f"method must be one of {_METHODS}, got {method!r}")
    time_limit = number(time_limit_s, "time_limit_s", positive=True)
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
    if metric not in METRICS:
        raise ValueError(f"metric must be one of {METRICS}, got {metric!r}")
    existing = existing_gdf if existing_gdf is not None else candidates_gdf.iloc[:0]
    if metric == "network":
        network = as_network(network)  # built once from lines, used for candidates and existing
        build = lambda sources: network_matrix(sources, targets_gdf, radius, network)  # noqa: E731
    elif matrix is None or len(existing):
        cand_m, targ_m, exist_m = in_metric_crs(candidates_gdf, targets_gdf, existing)
        build = lambda sources: euclidean_matrix(  # noqa: E731
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
