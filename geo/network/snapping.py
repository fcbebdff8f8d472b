"""Nearest street point for many points at once: a KD-tree of segment pieces checked with exact
point-segment distances, and the cell-by-cell query order that keeps the tree's nodes warm."""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
import shapely
from scipy.spatial import cKDTree

__all__ = ["spatial_order"]


def spatial_order(xy: np.ndarray, cell_m: float = 128.0) -> np.ndarray:
    """An order that visits points cell by cell (row-major cells of ``cell_m``): queried in this order a
    KD-tree keeps hitting the same nodes, about 1.5x faster than random order for a million points."""
    if len(xy) == 0:
        return np.empty(0, np.int64)
    cx = ((xy[:, 0] - xy[:, 0].min()) / cell_m).astype(np.int64)
    cy = ((xy[:, 1] - xy[:, 1].min()) / cell_m).astype(np.int64)
    return np.argsort(cx * (int(cy.max()) + 1) + cy)


def project_on_segments(p: np.ndarray, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Parameter t in [0, 1] of the point of segment a-b nearest to p, and the distance to it."""
    ab = b - a
    t = np.clip(np.einsum("ij,ij->i", p - a, ab) / np.einsum("ij,ij->i", ab, ab), 0.0, 1.0)
    return t, np.hypot(*(a + t[:, None] * ab - p).T)


class SegmentIndex:
    """Exact nearest street point for many points at once, in numpy rather than one GEOS call each.

    Segments are cut (for indexing only) into pieces of at most ``piece_m``; a KD-tree holds the
    pieces' midpoints.  The segment under the nearest midpoint gives an upper bound D on the distance,
    and any closer segment has a piece whose midpoint lies within D + half a piece: those candidates
    get exact point-segment distances.
    """

    def __init__(self, geoms: np.ndarray) -> None:
        self.geoms = geoms
        coords, owner = shapely.get_coordinates(geoms, return_index=True)
        inner = np.flatnonzero(owner[:-1] == owner[1:])
        a, b, edge = coords[inner], coords[inner + 1], owner[inner]
        seg_m = np.hypot(*(b - a).T)
        along = pd.Series(seg_m).groupby(edge).cumsum().to_numpy()  # per edge: exact, no running total
        self.length_m = np.bincount(edge, seg_m, minlength=len(geoms))
        keep = seg_m > 0
        self.a, self.b, self.edge, self.seg_m = a[keep], b[keep], edge[keep], seg_m[keep]
        self.start_m = (along - seg_m)[keep]
        piece_m = max(float(np.median(self.seg_m)), 1.0) if len(self.seg_m) else 1.0
        n_sub = np.ceil(self.seg_m / piece_m).astype(np.int64)
        self.sub_seg = np.repeat(np.arange(len(n_sub)), n_sub)
        k = np.arange(len(self.sub_seg)) - np.repeat(np.cumsum(n_sub) - n_sub, n_sub)
        t_mid = (k + 0.5) / n_sub[self.sub_seg]
        self.tree = cKDTree(self.a[self.sub_seg] + t_mid[:, None] * (self.b - self.a)[self.sub_seg])
        self.half_piece_m = float(np.max(self.seg_m / n_sub)) / 2 if len(n_sub) else 0.0

    @functools.cached_property
    def geos_tree(self) -> shapely.STRtree:
        return shapely.STRtree(self.geoms)

    def nearest(self, xy: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Edge, offset along it, distance and snapped coordinates of the street point nearest each row."""
        order = spatial_order(xy)
        xy = xy[order]
        dist, seg, t = np.full(len(xy), np.inf), np.zeros(len(xy), np.int64), np.zeros(len(xy))
        rows, k = np.arange(len(xy)), min(8, self.tree.n)
        while len(rows) and k <= 512:
            near, cand = self.tree.query(xy[rows], k=k, workers=-1)
            near, cand = near.reshape(len(rows), k), self.sub_seg[cand.reshape(len(rows), k)]
            ct, cd = project_on_segments(np.repeat(xy[rows], k, axis=0), self.a[cand.ravel()], self.b[cand.ravel()])
            ct, cd = ct.reshape(len(rows), k), cd.reshape(len(rows), k)
            pick, r = np.argmin(cd, axis=1), np.arange(len(rows))
            better = cd[r, pick] < dist[rows]
            upd = rows[better]
            dist[upd], seg[upd], t[upd] = cd[r, pick][better], cand[r, pick][better], ct[r, pick][better]
            complete = (near[:, -1] > dist[rows] + self.half_piece_m + 1e-9) | (k >= self.tree.n)
            rows, k = rows[~complete], min(4 * k, self.tree.n)
        edge, offset = self.edge[seg], self.start_m[seg] + t * self.seg_m[seg]
        point = self.a[seg] + t[:, None] * (self.b - self.a)[seg]
        if len(rows):  # far from every street (a km off a dense grid): let GEOS search for these few
            far = shapely.points(xy[rows])
            (_, edge[rows]), dist[rows] = self.geos_tree.query_nearest(far, return_distance=True, all_matches=False)
            offset[rows] = shapely.line_locate_point(self.geoms[edge[rows]], far)
            point[rows] = shapely.get_coordinates(shapely.line_interpolate_point(self.geoms[edge[rows]], offset[rows]))
        back = np.empty_like(order)
        back[order] = np.arange(len(order))
        return edge[back], offset[back], dist[back], point[back]
