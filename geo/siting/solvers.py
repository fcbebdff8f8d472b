"""Siting solvers on a boolean candidate x target matrix: greedy with sparse gain updates, reverse-delete
pruning, the exact HiGHS integer programme on a reduced instance, and lower/upper bounds on the optimum.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp


def _gather(csr: sparse.csr_matrix, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Column indices of the given rows, and for each the position of its row in ``rows``."""
    starts = csr.indptr[rows]
    lengths = csr.indptr[rows + 1] - starts
    offsets = np.repeat(starts - (np.cumsum(lengths) - lengths), lengths)
    return csr.indices[offsets + np.arange(lengths.sum())], np.repeat(np.arange(len(rows)), lengths)


def greedy(matrix: sparse.csr_matrix, weights: np.ndarray, covered: np.ndarray, limit: int | None,
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


def prune(matrix: sparse.csr_matrix, sites: list[int], before: np.ndarray) -> list[int]:
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


def contributions(matrix: sparse.csr_matrix, sites, covered: np.ndarray, weights: np.ndarray):
    """Targets and weight each site adds to those covered before it, in the given order."""
    chosen = matrix[np.asarray(sites, dtype=np.int64)]
    rank = np.repeat(np.arange(len(sites)), np.diff(chosen.indptr))
    fresh = ~covered[chosen.indices]
    first = np.full(matrix.shape[1], len(sites))
    np.minimum.at(first, chosen.indices[fresh], rank[fresh])  # the first site in order that reaches it
    hit = first < len(sites)
    added = np.bincount(first[hit], minlength=len(sites))
    return added.tolist(), np.bincount(first[hit], weights=weights[hit], minlength=len(sites)).tolist()


def reduce(matrix: sparse.csr_matrix, weights: np.ndarray, todo: np.ndarray):
    """The instance on targets still to cover, identical targets merged (weights summed), idle sites dropped."""
    sub = matrix[:, np.flatnonzero(todo)].tocsc()
    keys = [sub.indices[sub.indptr[j]:sub.indptr[j + 1]].tobytes() for j in range(sub.shape[1])]
    group = pd.factorize(pd.Series(keys, dtype=object))[0]
    _, first = np.unique(group, return_index=True)
    merged = sub[:, first].tocsr()
    used = np.flatnonzero(merged.getnnz(axis=1))
    return merged[used], np.bincount(group, weights=weights[todo], minlength=len(first)), used


def exact(sub: sparse.csr_matrix, weights: np.ndarray, limit: int | None, time_limit_s: float):
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


def packing_bound(matrix: sparse.csr_matrix, todo: np.ndarray) -> int:
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


def harmonic(n: int) -> float:
    return float(np.sum(1.0 / np.arange(1, n + 1))) if n > 0 else 1.0
