"""Offsets along street network edges: the nearest source on a target's own edge, and the union of
reached intervals per edge."""

from __future__ import annotations

import numpy as np
import pandas as pd


def same_edge_nearest(s_edge, s_off, t_edge, t_off) -> tuple[np.ndarray, np.ndarray]:
    """For each target, |a - b| to the nearest source on its own edge (inf if none) and that source."""
    m = len(s_edge)
    edge, off = np.r_[s_edge, t_edge], np.r_[s_off, t_off]
    is_target = np.r_[np.zeros(m, bool), np.ones(len(t_edge), bool)]
    order = np.lexsort((is_target, off, edge))
    edge, off, is_target = edge[order], off[order], is_target[order]
    pos = np.arange(len(order))
    before = np.maximum.accumulate(np.where(is_target, -1, pos))
    after = np.minimum.accumulate(np.where(is_target, len(pos), pos)[::-1])[::-1]
    dist = np.full(len(pos), np.inf)
    src = np.full(len(pos), -1)
    for near in (before, after):
        valid = (near >= 0) & (near < len(pos))
        near_c = np.clip(near, 0, len(pos) - 1)
        d = np.where(valid & (edge[near_c] == edge), np.abs(off - off[near_c]), np.inf)
        better = d < dist
        dist[better], src[better] = d[better], order[near_c[better]]
    t_dist, t_src = np.empty(len(t_edge)), np.empty(len(t_edge), np.int64)
    t_dist[order[is_target] - m], t_src[order[is_target] - m] = dist[is_target], src[is_target]
    return t_dist, t_src


def merge_intervals(intervals: pd.DataFrame) -> pd.DataFrame:
    """Union of [start_m, end_m] intervals per edge."""
    iv = intervals.sort_values(["edge", "start_m"], kind="stable").reset_index(drop=True)
    reach = iv.groupby("edge")["end_m"].cummax()
    prev_reach = reach.groupby(iv["edge"]).shift()
    group = (prev_reach.isna() | (iv["start_m"] > prev_reach)).cumsum()
    return iv.groupby(group).agg(edge=("edge", "first"), start_m=("start_m", "min"), end_m=("end_m", "max"))
