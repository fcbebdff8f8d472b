"""Street legs of a round (``geo.routing``): network distances between a few points, the access leg from each
point to its street included, and the coordinates of the walk along the streets."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely
from scipy.sparse import csgraph
from shapely.geometry import LineString
from shapely.ops import substring

from geo.network import StreetNetwork

__all__ = ["StreetLegs"]

_CELLS_PER_CHUNK = 4_000_000  # float64 cells per Dijkstra block: about 32 MB


class StreetLegs:
    """Street distances between a few points, access legs to the street included, and the walk itself.

    A point on edge (u, v) at offset a reaches u after a and v after ``length - a``; Dijkstra runs from
    those end nodes only, so partial edges count at both ends of every leg.
    """

    def __init__(self, net: StreetNetwork, xy: np.ndarray, max_snap_m: float) -> None:
        edges = net.edges_gdf
        self.graph, self.geoms = net.graph, np.asarray(edges.geometry.values, dtype=object)
        self.u, self.v, self.len = (edges[c].to_numpy() for c in ("u", "v", "length_m"))
        self.n_nodes = net.n_nodes
        by_pair = np.lexsort((self.len, np.maximum(self.u, self.v), np.minimum(self.u, self.v)))
        keys = self._pair_key(self.u[by_pair], self.v[by_pair])
        first = np.r_[True, keys[1:] != keys[:-1]]  # the graph keeps the shortest of parallel edges: so do we
        self.pair_keys, self.pair_edge = keys[first], by_pair[first]
        snapped = net.snap(gpd.GeoDataFrame(geometry=shapely.points(xy), crs=net.crs), max_snap_m=max_snap_m)
        self.xy, self.edge = xy, snapped["edge"].to_numpy(np.int64)
        self.off, self.snap_m = snapped["offset_m"].to_numpy(), snapped["snap_m"].to_numpy()
        self.ok = self.edge >= 0
        self.snap_xy = np.full_like(xy, np.nan)
        self.snap_xy[self.ok] = shapely.get_coordinates(snapped.geometry.values[self.ok])
        e = np.where(self.ok, self.edge, 0)
        self.ends = np.column_stack([self.u[e], self.v[e]])
        self.cost = np.where(self.ok[:, None], np.column_stack([self.off, self.len[e] - self.off]), np.inf)
        self.dist_m, self.choice = self._matrix()

    def _matrix(self) -> tuple[np.ndarray, np.ndarray]:
        k = len(self.xy)
        nodes = np.unique(self.ends[self.ok])
        dn = np.full((1, 1), np.inf) if len(nodes) == 0 else self._node_distances(nodes)
        at = np.searchsorted(nodes, self.ends).clip(0, max(len(nodes) - 1, 0))
        via = self.cost[:, :, None, None] + dn[at[:, :, None, None], at[None, None, :, :]] + self.cost[None, None]
        same = self.ok[:, None] & self.ok[None, :] & (self.edge[:, None] == self.edge[None, :])
        direct = np.where(same, np.abs(self.off[:, None] - self.off[None, :]), np.inf)
        options = np.concatenate([via.transpose(0, 2, 1, 3).reshape(k, k, 4), direct[:, :, None]], axis=2)
        choice = np.argmin(options, axis=2)  # 2 * (end of the first point) + end of the second, 4 = direct
        dist = np.take_along_axis(options, choice[:, :, None], axis=2)[:, :, 0]
        dist = dist + np.nan_to_num(self.snap_m)[:, None] + np.nan_to_num(self.snap_m)[None, :]
        np.fill_diagonal(dist, 0.0)
        return dist, choice

    def _node_distances(self, nodes: np.ndarray) -> np.ndarray:
        out = np.empty((len(nodes), len(nodes)))
        chunk = max(1, _CELLS_PER_CHUNK // self.graph.shape[0])
        for s in range(0, len(nodes), chunk):
            out[s : s + chunk] = csgraph.dijkstra(self.graph, directed=True, indices=nodes[s : s + chunk])[:, nodes]
        return out

    def reason(self, i: int, j: int) -> str | None:
        """Why the pair is not walked along the streets (None when it is)."""
        if np.isfinite(self.dist_m[i, j]):
            return None
        return "off_network" if not (self.ok[i] and self.ok[j]) else "disconnected"

    def walks(self, pairs: list[tuple[int, int]]) -> list[np.ndarray]:
        """Metric coordinates of the walk for each (reachable) pair: access leg, streets, access leg."""
        via_nodes = [(i, j) for i, j in pairs if self.choice[i, j] < 4]
        heads = [(self.ends[i, self.choice[i, j] // 2], self.ends[j, self.choice[i, j] % 2]) for i, j in via_nodes]
        node_paths = dict(zip(via_nodes, self._node_paths(heads)))
        walks = []
        for i, j in pairs:
            c, ei, ej = self.choice[i, j], self.edge[i], self.edge[j]
            parts = [self.xy[i : i + 1], self.snap_xy[i : i + 1]]
            if c == 4:  # along their shared edge
                parts.append(_piece(self.geoms[ei], self.off[i], self.off[j]))
            else:
                parts.append(_piece(self.geoms[ei], self.off[i], 0.0 if c // 2 == 0 else self.len[ei]))
                parts += self._along(node_paths[i, j])
                parts.append(_piece(self.geoms[ej], 0.0 if c % 2 == 0 else self.len[ej], self.off[j]))
            walks.append(np.concatenate(parts + [self.snap_xy[j : j + 1], self.xy[j : j + 1]]))
        return walks

    def _node_paths(self, heads: list[tuple[int, int]]) -> list[list[int]]:
        sources = sorted({a for a, _ in heads})
        paths: dict[tuple[int, int], list[int]] = {}
        chunk = max(1, _CELLS_PER_CHUNK // self.graph.shape[0])
        for s in range(0, len(sources), chunk):
            block = sources[s : s + chunk]
            _, pred = csgraph.dijkstra(self.graph, directed=True, indices=block, return_predecessors=True)
            for a, b in heads:
                if a in block and (a, b) not in paths:
                    row, path = pred[block.index(a)], [b]
                    while path[-1] != a:
                        path.append(int(row[path[-1]]))
                    paths[a, b] = path[::-1]
        return [paths[h] for h in heads]

    def _pair_key(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return np.minimum(a, b) * self.n_nodes + np.maximum(a, b)

    def _along(self, nodes: list[int]) -> list[np.ndarray]:
        """Coordinates of the shortest edge joining each pair of consecutive nodes, in walking order."""
        a = np.asarray(nodes[:-1])
        edges = self.pair_edge[np.searchsorted(self.pair_keys, self._pair_key(a, np.asarray(nodes[1:])))]
        coords = [shapely.get_coordinates(self.geoms[e]) for e in edges]
        return [xy if self.u[e] == start else xy[::-1] for xy, e, start in zip(coords, edges, a)]


def _piece(line: LineString, start_m: float, end_m: float) -> np.ndarray:
    """Coordinates along ``line`` from ``start_m`` to ``end_m`` (reversed when start > end)."""
    return shapely.get_coordinates(substring(line, start_m, end_m))
