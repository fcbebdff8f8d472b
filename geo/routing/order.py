"""The visiting order of a round (``geo.routing``): an open path through a distance matrix, built by nearest
neighbour and improved by 2-opt reversals and Or-opt moves of single stops."""

from __future__ import annotations

import warnings
from numbers import Integral

import numpy as np

__all__ = ["UnreachableLegWarning", "order_stops", "path_length_m"]

_ALL_STARTS_MAX = 300  # nearest neighbour from every stop up to this many stops, else from a sample
_SAMPLED_STARTS = 32


class UnreachableLegWarning(RuntimeWarning):
    """An order had to use a pair of stops with an infinite distance (no way between them)."""


def _check_matrix(dist_m: object) -> np.ndarray:
    d = np.asarray(dist_m)
    if d.dtype.kind not in "iuf":
        raise TypeError(f"dist_m must be a numeric array, got {type(dist_m).__name__} (dtype {d.dtype})")
    if d.ndim != 2 or d.shape[0] != d.shape[1]:
        raise ValueError(f"dist_m must be a square matrix, got shape {d.shape}")
    d = d.astype(np.float64)
    if np.isnan(d).any() or (d < 0).any():
        raise ValueError("dist_m must hold distances >= 0 (inf for unreachable pairs), not NaN or negative")
    return d


def _nearest_neighbour(d: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Nearest-neighbour paths from each start at once (one row each); ties go to the lower index."""
    n, rows = len(d), np.arange(len(starts))
    paths = np.empty((len(starts), n), np.int64)
    paths[:, 0] = starts
    visited = np.zeros((len(starts), n), bool)
    visited[rows, starts] = True
    for k in range(1, n):
        paths[:, k] = np.argmin(np.where(visited, np.inf, d[paths[:, k - 1]]), axis=1)
        visited[rows, paths[:, k]] = True
    return paths


def _best_two_opt(p: np.ndarray, lo: int) -> tuple[float, tuple[int, int]]:
    """Best reversal of positions i..j (i >= lo) on the path matrix ``p`` (p[a, b] = d[order[a], order[b]]).

    The edges inside the reversed stretch change direction; their change is counted too, so the gain
    stays exact for an asymmetric matrix.
    """
    n = len(p)
    fwd, bwd = np.diag(p, 1), np.diag(p, -1)
    turned = np.r_[0.0, np.cumsum(bwd - fwd)]  # turned[j] - turned[i]: reversing i..j inside
    delta = turned[None, :] - turned[:, None] - np.r_[0.0, fwd][:, None] - np.r_[fwd, 0.0][None, :]
    delta[1:, :] += p[:-1, :]  # new edge order[i-1] -> order[j]
    delta[:, :-1] += p[:, 1:]  # new edge order[i] -> order[j+1]
    i, j = np.indices((n, n))
    delta[(j <= i) | (i < lo)] = np.inf
    k = int(np.argmin(delta))
    return float(delta.flat[k]), divmod(k, n)


def _best_move(p: np.ndarray, lo: int) -> tuple[float, tuple[int, int]]:
    """Best Or-opt move of one stop from position q (q >= lo) into slot s (between s-1 and s, s >= lo)."""
    n = len(p)
    fwd = np.diag(p, 1)
    bridge = np.zeros(n)
    bridge[1:-1] = p[np.arange(n - 2), np.arange(2, n)]
    out_gain = np.r_[0.0, fwd] + np.r_[fwd, 0.0] - bridge
    into = np.zeros((n, n + 1))
    into[:, 1:] += p.T  # order[s-1] -> stop
    into[:, :n] += p  # stop -> order[s]
    into[:, 1:n] -= fwd[None, :]  # the edge order[s-1] -> order[s] goes
    delta = into - out_gain[:, None]
    q, s = np.indices((n, n + 1))
    delta[(s == q) | (s == q + 1) | (q < lo) | (s < lo)] = np.inf
    k = int(np.argmin(delta))
    return float(delta.flat[k]), divmod(k, n + 1)


def _improve(d: np.ndarray, order: np.ndarray, lo: int) -> np.ndarray:
    """2-opt and single-stop Or-opt, best move first, until no move shortens the path."""
    n = len(order)
    if n - lo < 2:
        return order
    for _ in range(50 * n * n):  # every move gains; this bound only guards against a float loop
        p = d[np.ix_(order, order)]
        tol = 1e-9 * max(1.0, float(np.trace(p, 1)))
        (gain2, (i, j)), (gain1, (q, s)) = _best_two_opt(p, lo), _best_move(p, lo)
        if min(gain2, gain1) >= -tol:
            break
        if gain2 <= gain1:
            order[i : j + 1] = order[i : j + 1][::-1].copy()
        else:
            rest = np.delete(order, q)
            order = np.insert(rest, s if s < q else s - 1, order[q])
    return order


def order_stops(dist_m: np.ndarray, start: int | None = None) -> list[int]:
    """An open path (no return) through every stop of a distance matrix, short but not always shortest.

    Nearest neighbour builds the path (from ``start``, or from every stop up to 300 stops, keeping the
    shortest); 2-opt reversals and Or-opt moves of single stops then improve it until no move helps.
    Deterministic: ties go to the lower index.  Meant for a worker's round, up to a few hundred stops.

    Parameters
    ----------
    dist_m : ndarray
        Square matrix, ``dist_m[a, b]`` metres from stop a to stop b; need not be symmetric.  ``inf``
        marks an unreachable pair: it counts as longer than any path without one, and an
        :class:`UnreachableLegWarning` says how many such legs the order could not avoid.
    start : int, optional
        Index of the stop that comes first and stays first.

    Returns
    -------
    list of int
        Every index once, in visiting order.

    Examples
    --------
    >>> xs = np.array([0.0, 30.0, 10.0, 20.0])
    >>> order_stops(np.abs(xs[:, None] - xs[None, :]))
    [0, 2, 3, 1]
    """
    d = _check_matrix(dist_m)
    n = len(d)
    if start is not None:
        if isinstance(start, bool) or not isinstance(start, Integral):
            raise TypeError(f"start must be an int index or None, got {type(start).__name__}")
        if not 0 <= start < n:
            raise ValueError(f"start must be an index in [0, {n}), got {start}")
    if n == 0:
        return []
    unreachable = np.isinf(d)
    big = 4.0 * n * max(float(d[~unreachable].max(initial=0.0)), 1.0)  # longer than any finite path
    d = np.where(unreachable, big, d)
    if start is not None:
        starts = np.array([int(start)])
    else:
        starts = np.arange(n) if n <= _ALL_STARTS_MAX else np.linspace(0, n - 1, _SAMPLED_STARTS).astype(np.int64)
    paths = _nearest_neighbour(d, starts)
    lengths = d[paths[:, :-1], paths[:, 1:]].sum(axis=1)
    order = _improve(d, paths[int(np.argmin(lengths))].copy(), 0 if start is None else 1)
    if used := int(unreachable[order[:-1], order[1:]].sum()):
        warnings.warn(f"{used} leg(s) of the order join unreachable stops", UnreachableLegWarning, stacklevel=2)
    return order.tolist()


def path_length_m(dist_m: np.ndarray, order: list[int]) -> float:
    """Length of the open path ``order`` through ``dist_m`` (inf if it uses an unreachable pair).

    Examples
    --------
    >>> path_length_m(np.array([[0.0, 3.0], [4.0, 0.0]]), [1, 0])
    4.0
    """
    d = _check_matrix(dist_m)
    idx = np.asarray(order)
    if idx.size and (idx.dtype.kind not in "iu" or idx.ndim != 1 or idx.min() < 0 or idx.max() >= len(d)):
        raise ValueError(f"order must be a list of indexes into dist_m (0..{len(d) - 1}), got {order!r}")
    return float(d[idx[:-1], idx[1:]].sum()) if idx.size > 1 else 0.0
