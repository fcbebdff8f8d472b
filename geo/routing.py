"""Planning a field worker's round through open cases ("plan my round"): a visiting order (nearest
neighbour, then 2-opt and Or-opt moves) and the walk along the streets, straight where streets do not reach."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from numbers import Integral

import geopandas as gpd
import numpy as np
import pyproj
import shapely
from scipy.sparse import csgraph
from scipy.spatial.distance import cdist
from shapely.geometry import LineString
from shapely.ops import substring

from geo._numeric import real_number
from geo.network import StreetNetwork, metric_crs_for_frames, radius_number

__all__ = ["RoundPlan", "UnreachableLegWarning", "order_stops", "path_length_m", "plan_round"]

_ALL_STARTS_MAX = 300  # nearest neighbour from every stop up to this many stops, else from a sample
_SAMPLED_STARTS = 32
_CELLS_PER_CHUNK = 4_000_000  # float64 cells per Dijkstra block: about 32 MB
_WGS84 = pyproj.CRS("EPSG:4326")
_LEG_KEYS = ("from", "to", "length_m", "method", "reason")


class UnreachableLegWarning(RuntimeWarning):
    """An order had to use a pair of stops with an infinite distance (no way between them)."""


# -- ordering ------------------------------------------------------------------------------------------
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


# -- street legs --------------------------------------------------------------------------------------
class _StreetLegs:
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


# -- the round ----------------------------------------------------------------------------------------
@dataclass
class RoundPlan:
    """A planned round.

    Attributes
    ----------
    order : list
        Stop ids in visiting order.
    legs : list of dict
        One per leg: ``from`` (stop id, None for the start position), ``to``, ``length_m``, ``method``
        (``"network"`` or ``"straight"``) and ``reason`` (None, or why the leg is straight:
        ``"no_roads"``, ``"off_network"`` when a stop is farther than ``max_snap_m`` from every road,
        ``"disconnected"`` when the two lie on street networks with no link between them).
    length_m, straight_length_m : float
        The round's length, and the sum of straight lines between the same stops in the same order.
    method : str
        ``"network"`` if any leg follows the streets, else ``"straight"``.
    route : shapely.LineString
        The walk in WGS 84: along the streets for network legs (with the access leg from each stop to
        the street and back), straight otherwise; empty when there is no leg.
    """

    order: list
    legs: list[dict]
    length_m: float
    straight_length_m: float
    method: str
    route: LineString


def _check_stops(stops_gdf: object) -> list:
    if not isinstance(stops_gdf, gpd.GeoDataFrame):
        raise TypeError(f"stops_gdf must be a GeoDataFrame, got {type(stops_gdf).__name__}")
    if stops_gdf.crs is None:
        raise ValueError("stops_gdf has no CRS: set one (e.g. .set_crs('EPSG:4326')), it is never guessed")
    if "id" not in stops_gdf.columns:
        raise ValueError("stops_gdf needs an 'id' column")
    geoms, ids = np.asarray(stops_gdf.geometry.values, dtype=object), stops_gdf["id"]
    bad = shapely.is_missing(geoms) | shapely.is_empty(geoms) | (shapely.get_type_id(geoms) != 0)
    if bad.any():
        raise ValueError(f"stops_gdf must hold one Point per stop, not so for ids {ids[bad].tolist()[:5]}")
    if ids.duplicated().any():
        raise ValueError(f"stops_gdf has duplicate ids: {ids[ids.duplicated()].tolist()[:5]}")
    return ids.tolist()


def _check_start(start: object) -> tuple[float, float] | None:
    if start is None:
        return None
    if isinstance(start, (str, bytes)) or not hasattr(start, "__len__") or len(start) != 2:
        raise TypeError(f"start must be a (lon, lat) pair or None, got {start!r}")
    lon, lat = real_number(start[0], "start lon"), real_number(start[1], "start lat")
    if not (-180.0 <= lon <= 180.0 and -90.0 <= lat <= 90.0):
        raise ValueError(f"start must be WGS 84 (lon, lat) degrees, got {tuple(start)!r}")
    return lon, lat


def _check_roads(roads: object) -> None:
    if roads is not None and not isinstance(roads, (gpd.GeoDataFrame, StreetNetwork)):
        raise TypeError(f"roads_gdf must be a GeoDataFrame, a StreetNetwork or None, got {type(roads).__name__}")
    if isinstance(roads, gpd.GeoDataFrame) and roads.crs is None:
        raise ValueError("roads_gdf has no CRS: set one (e.g. .set_crs('EPSG:4326')), it is never guessed")


def _network(roads: object, frames: list) -> tuple[StreetNetwork | None, pyproj.CRS]:
    """The street network (None without usable roads) and the metric CRS to work in."""
    if isinstance(roads, StreetNetwork):
        return (roads if len(roads.edges_gdf) else None), roads.crs
    if roads is None or (roads.geometry.is_empty | roads.geometry.isna()).all():
        return None, metric_crs_for_frames(*frames)
    crs = metric_crs_for_frames(*frames, roads)
    net = StreetNetwork.from_lines(roads, crs=crs)
    return (net if len(net.edges_gdf) else None), crs


def plan_round(
    stops_gdf: gpd.GeoDataFrame,
    roads_gdf: gpd.GeoDataFrame | StreetNetwork | None = None,
    start: tuple[float, float] | None = None,
    *,
    max_snap_m: float = 150.0,
) -> RoundPlan:
    """Plan a walk through every stop (open cases), along the streets when roads are given.

    Parameters
    ----------
    stops_gdf : GeoDataFrame
        Points (WGS 84, or any CRS) with a unique ``id`` column.
    roads_gdf : GeoDataFrame or StreetNetwork, optional
        Road lines, or a network already built from them.  Without roads, legs are straight lines.
    start : (lon, lat), optional
        Where the worker stands (WGS 84); the round then starts there.  Else it starts at a stop.
    max_snap_m : float
        A stop (or the start) farther than this from every road, or on a part of the network with no
        link to the other stop, is reached by a straight leg for that pair, and the leg says so.

    Returns
    -------
    RoundPlan
        Its ``route`` is as long as ``length_m`` (measured in the metric CRS of the data).

    Examples
    --------
    >>> from shapely.geometry import Point
    >>> stops = gpd.GeoDataFrame({"id": ["a", "b", "c"]}, crs="EPSG:32649",
    ...     geometry=[Point(735000, 2556000), Point(735300, 2556000), Point(735100, 2556000)]).to_crs(4326)
    >>> plan = plan_round(stops)
    >>> plan.order, round(plan.length_m, 3), plan.method
    (['a', 'c', 'b'], 300.0, 'straight')
    """
    ids, lonlat = _check_stops(stops_gdf), _check_start(start)
    max_snap = radius_number(max_snap_m, "max_snap_m")
    _check_roads(roads_gdf)
    if not ids:
        return RoundPlan([], [], 0.0, 0.0, "straight", LineString())
    start_gs = gpd.GeoSeries(shapely.points([lonlat] if lonlat else np.empty((0, 2))), crs=_WGS84)
    net, crs = _network(roads_gdf, [stops_gdf, start_gs])
    points = np.r_[start_gs.to_crs(crs).values, stops_gdf.geometry.to_crs(crs).values]
    xy = shapely.get_coordinates(np.asarray(points, dtype=object))
    straight = cdist(xy, xy)
    streets = None if net is None else _StreetLegs(net, xy, max_snap)
    dist = straight if streets is None else np.where(np.isfinite(streets.dist_m), streets.dist_m, straight)
    order = order_stops(dist, start=0 if lonlat else None)
    pairs = list(zip(order[:-1], order[1:]))
    reasons = [("no_roads" if streets is None else streets.reason(i, j)) for i, j in pairs]
    walked = [pair for pair, reason in zip(pairs, reasons) if reason is None]
    walks = dict(zip(walked, streets.walks(walked) if walked else []))
    labels = ([None] if lonlat else []) + ids
    legs = [
        dict(zip(_LEG_KEYS, (labels[i], labels[j], float(dist[i, j]), "straight" if why else "network", why)))
        for (i, j), why in zip(pairs, reasons)
    ]
    return RoundPlan(
        order=[labels[k] for k in order if not (lonlat and k == 0)],
        legs=legs,
        length_m=float(sum(leg["length_m"] for leg in legs)),
        straight_length_m=float(sum(straight[i, j] for i, j in pairs)),
        method="network" if walked else "straight",
        route=_route([walks[p] if p in walks else xy[list(p)] for p in pairs], crs),
    )


def _route(coords: list[np.ndarray], crs: pyproj.CRS) -> LineString:
    """One WGS 84 line through the legs' metric coordinates (points within 1 micrometre of the last dropped)."""
    xy = np.concatenate(coords) if coords else np.empty((0, 2))
    xy = xy[np.r_[True, np.hypot(*(xy[1:] - xy[:-1]).T) > 1e-6]] if len(xy) else xy
    if len(xy) < 2:
        return LineString()
    lon, lat = pyproj.Transformer.from_crs(crs, _WGS84, always_xy=True).transform(xy[:, 0], xy[:, 1])
    return LineString(np.column_stack([lon, lat]))
