"""Noding street lines for the street network: split lines where they cross, touch or share a vertex,
merge close ends into nodes, and build the symmetric graph of the pieces."""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely
from scipy import sparse
from scipy.sparse import csgraph
from scipy.spatial import cKDTree

from geo.network.snapping import project_on_segments

_TOUCH_M = 1e-9  # an endpoint this close to a street touches it even when node_tolerance_m is 0
_LINE_TYPES = {"LineString", "LinearRing", "MultiLineString"}


def line_parts(lines: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Single LineStrings of the (metric) line geometries, with the row each came from."""
    present = ~(shapely.is_missing(lines) | shapely.is_empty(lines))
    types = set(shapely.get_type_id(lines[present]).tolist())
    if not types <= {1, 2, 5}:
        names = sorted({shapely.geometry.base.GEOMETRY_TYPES[t] for t in types} - _LINE_TYPES)
        raise ValueError(f"lines_gdf must hold LineString/MultiLineString geometries, got {names}")
    parts, rows = shapely.get_parts(lines[present], return_index=True)
    rows = np.flatnonzero(present)[rows]
    if not np.all(np.isfinite(shapely.get_coordinates(parts))):
        raise ValueError("lines_gdf has non-finite coordinates")
    return parts, rows


def _candidate_pairs(sa: np.ndarray, sb: np.ndarray, reach_m: float) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (i < j) of segments whose envelopes, grown by ``reach_m``, overlap.

    Segments are cut into pieces of at most 4 median lengths first (a long diagonal's envelope would
    otherwise meet half the city); one STRtree query of the pieces against themselves does the rest.
    """
    seg_m = np.hypot(*(sb - sa).T)
    n_sub = np.maximum(np.ceil(seg_m / (4 * max(float(np.median(seg_m)), 1.0))), 1).astype(np.int64)
    parent = np.repeat(np.arange(len(sa)), n_sub)
    k = np.arange(len(parent)) - np.repeat(np.cumsum(n_sub) - n_sub, n_sub)
    step = (sb - sa)[parent] / n_sub[parent, None]
    start = sa[parent] + k[:, None] * step
    low, high = np.minimum(start, start + step) - reach_m, np.maximum(start, start + step) + reach_m
    tree = shapely.STRtree(_segments(low, high))  # a diagonal's envelope is the grown box
    i, j = tree.query(tree.geometries)
    i, j = parent[i], parent[j]
    keep = i < j
    i, j = i[keep], j[keep]
    repeated = (n_sub[i] > 1) | (n_sub[j] > 1)  # a long segment's pieces may meet one neighbour twice
    if repeated.any():
        pair = np.unique(i[repeated] * len(sa) + j[repeated])
        i, j = np.r_[i[~repeated], pair // len(sa)], np.r_[j[~repeated], pair % len(sa)]
    return i, j


def _crossing_cuts(sa, sb, i, j) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cuts (segment, t, point) where segments i and j cross or overlap; one point is shared by both."""
    r, s, q = sb[i] - sa[i], sb[j] - sa[j], sa[j] - sa[i]
    den = r[:, 0] * s[:, 1] - r[:, 1] * s[:, 0]
    parallel = np.abs(den) <= 1e-12 * np.hypot(*r.T) * np.hypot(*s.T)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = (q[:, 0] * s[:, 1] - q[:, 1] * s[:, 0]) / den
        u = (q[:, 0] * r[:, 1] - q[:, 1] * r[:, 0]) / den
    eps = 1e-9
    hit = ~parallel & (t >= -eps) & (t <= 1 + eps) & (u >= -eps) & (u <= 1 + eps)
    t, u, i_hit, j_hit = np.clip(t[hit], 0, 1), np.clip(u[hit], 0, 1), i[hit], j[hit]
    point = sa[i_hit] + t[:, None] * r[hit]
    cuts = [(i_hit, t, point), (j_hit, u, point)]
    pi, pj = i[parallel], j[parallel]  # collinear overlaps: cut each at the other's end vertices
    for one, other in ((pi, pj), (pj, pi)):
        for end, t_end in ((sa, 0.0), (sb, 1.0)):
            t_on, dist = project_on_segments(end[other], sa[one], sb[one])
            on = (dist <= _TOUCH_M) & (t_on > 0) & (t_on < 1)
            cuts += [(one[on], t_on[on], end[other][on]), (other[on], np.full(on.sum(), t_end), end[other][on])]
    return tuple(np.concatenate(c) for c in zip(*cuts))


def _touch_cuts(coords, seg_v, is_end, i, j, reach_m) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cuts where a line's end lies on (within ``reach_m`` of) the other segment of a pair: T-junctions
    and undershoots.  The cut point is the end's own point, so both lines meet in exactly one."""
    cuts = []
    for one, other in ((i, j), (j, i)):
        for v in (seg_v[one], seg_v[one] + 1):
            v, s = v[is_end[v]], other[is_end[v]]
            t, dist = project_on_segments(coords[v], coords[seg_v[s]], coords[seg_v[s] + 1])
            near = dist <= reach_m
            cuts.append((s[near], t[near], coords[v[near]]))
    return tuple(np.concatenate(c) for c in zip(*cuts))


def _exact_labels(xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A label per row shared by exactly equal rows (hashing, not sorting), and whether it is shared."""
    codes, uniques = pd.factorize(np.ascontiguousarray(xy, dtype=np.float64).view(np.complex128).ravel())
    return codes, np.bincount(codes, minlength=len(uniques))[codes] > 1


def _node_labels(xy: np.ndarray, tol_m: float) -> np.ndarray:
    """Node ids of points: equal points share one, and so do chains of points within ``tol_m``."""
    exact, _ = _exact_labels(xy)
    n_exact = exact.max() + 1 if len(xy) else 0
    if tol_m <= 0 or n_exact < 2:
        return exact
    first = np.zeros(n_exact, np.int64)
    first[exact[::-1]] = np.arange(len(xy))[::-1]
    pairs = cKDTree(xy[first]).query_pairs(tol_m, output_type="ndarray")
    adjacency = sparse.coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n_exact, n_exact))
    _, merged = csgraph.connected_components(adjacency, directed=False)
    return merged[exact]


def _noded_sequence(parts: np.ndarray, tol_m: float, node_crossings: bool):
    """Every line's vertices plus its cut points in order along it, and which of them are nodes."""
    coords, vpart = shapely.get_coordinates(parts, return_index=True)
    repeat = np.r_[False, (vpart[1:] == vpart[:-1]) & np.all(coords[1:] == coords[:-1], axis=1)]
    coords, vpart = coords[~repeat], vpart[~repeat]
    first = np.r_[True, vpart[1:] != vpart[:-1]]
    last = np.r_[first[1:], True]
    is_node = first | last
    cut_v, cut_t, cut_xy = np.empty(0, np.int64), np.empty(0), np.empty((0, 2))
    if node_crossings and len(coords) > 2:
        label, shared = _exact_labels(coords)
        is_node |= shared  # a vertex shared by two lines (OSM junctions)
        seg_v = np.flatnonzero(~last)
        sa, sb = coords[seg_v], coords[seg_v + 1]
        reach = max(tol_m, _TOUCH_M)
        i, j = _candidate_pairs(sa, sb, reach)
        ai, bi, aj, bj = label[seg_v[i]], label[seg_v[i] + 1], label[seg_v[j]], label[seg_v[j] + 1]
        apart = (ai != aj) & (ai != bj) & (bi != aj) & (bi != bj)  # sharing an end: a node already
        i, j = i[apart], j[apart]
        s1, t1, p1 = _crossing_cuts(sa, sb, i, j)
        s2, t2, p2 = _touch_cuts(coords, seg_v, first | last, i, j, reach)
        cut_v, cut_t, cut_xy = seg_v[np.r_[s1, s2]], np.r_[t1, t2], np.concatenate([p1, p2])
    order = np.lexsort((np.r_[np.zeros(len(coords)), cut_t], np.r_[np.arange(len(coords)), cut_v]))
    seq_xy = np.concatenate([coords, cut_xy])[order]
    seq_part = np.r_[vpart, vpart[cut_v]][order]
    seq_node = np.r_[is_node, np.ones(len(cut_v), bool)][order]
    return seq_xy, seq_part, seq_node


def _segments(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Two-point LineStrings a-b."""
    coords = np.stack([a, b], axis=1).reshape(-1, 2)
    return shapely.from_ragged_array(shapely.GeometryType.LINESTRING, coords, (np.arange(len(a) + 1) * 2,))


def pieces(parts, part_rows, tol_m, node_crossings):
    """Noded pieces: geometry, end node ids, source row, plus the node coordinates."""
    if len(parts) == 0:
        nothing = np.empty(0, np.int64)
        return np.empty(0, dtype=object), nothing, nothing, nothing, np.empty((0, 2))
    seq_xy, seq_part, seq_node = _noded_sequence(parts, tol_m, node_crossings)
    cand = np.flatnonzero(seq_node)
    labels = _node_labels(seq_xy[cand], tol_m)
    node_of = np.full(len(seq_xy), -1)
    node_of[cand] = labels
    same = seq_part[cand[:-1]] == seq_part[cand[1:]]
    start, end = cand[:-1][same], cand[1:][same]
    n_points = end - start + 1
    offsets = np.r_[0, np.cumsum(n_points)]
    take = np.arange(offsets[-1]) - np.repeat(offsets[:-1] - start, n_points)
    geoms = shapely.from_ragged_array(shapely.GeometryType.LINESTRING, seq_xy[take], (offsets,))
    node_xy = np.zeros((labels.max() + 1 if len(labels) else 0, 2))
    node_xy[labels[::-1]] = seq_xy[cand][::-1]
    return geoms, node_of[start], node_of[end], part_rows[seq_part[start]], node_xy


def graph_matrix(u: np.ndarray, v: np.ndarray, length_m: np.ndarray, n_nodes: int) -> sparse.csr_matrix:
    """Symmetric CSR of the shortest edge between each pair of distinct nodes; loops add nothing."""
    a, b = np.minimum(u, v), np.maximum(u, v)
    keep = a != b
    a, b, w = a[keep], b[keep], length_m[keep]
    order = np.lexsort((w, b, a))
    a, b, w = a[order], b[order], w[order]
    first = np.ones(len(a), bool)
    first[1:] = (a[1:] != a[:-1]) | (b[1:] != b[:-1])
    a, b, w = a[first], b[first], w[first]
    # Explicit zeros would still be edges for csgraph, but no zero-length edge survives noding anyway.
    return sparse.csr_matrix((np.r_[w, w], (np.r_[a, b], np.r_[b, a])), shape=(n_nodes, n_nodes))
