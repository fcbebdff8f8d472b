"""A walkable street graph from line geometries: lines noded where they cross or touch, points snapped
onto streets, and distances along the streets (multi-source Dijkstra counting partial edges)."""

from __future__ import annotations

import functools
import uuid
from numbers import Real

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely
from scipy import sparse
from scipy.sparse import csgraph
from scipy.spatial import cKDTree
from shapely.ops import substring

from geo.crs import metric_crs_for_bounds

__all__ = ["RADIUS_TOLERANCE_M", "StreetNetwork", "metric_crs_for_frames", "radius_number", "spatial_order"]

#: A distance counts as within a radius when ``distance_m <= radius_m + RADIUS_TOLERANCE_M``: a facility
#: placed exactly at the radius stays covered despite floating-point noise from projecting.
RADIUS_TOLERANCE_M = 1e-9
_TOUCH_M = 1e-9  # an endpoint this close to a street touches it even when node_tolerance_m is 0
_CELLS_PER_CHUNK = 4_000_000  # float64 cells per dense Dijkstra block in within(): about 32 MB
_LINE_TYPES = {"LineString", "LinearRing", "MultiLineString"}


def radius_number(value: object, name: str) -> float:
    """A finite, non-negative number of metres, or TypeError/ValueError naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"{name} must be a number of metres, got {type(value).__name__}")
    if not np.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be finite and >= 0, got {value!r}")
    return float(value)


def _check_frame(gdf: object, name: str) -> None:
    if not isinstance(gdf, (gpd.GeoDataFrame, gpd.GeoSeries)):
        raise TypeError(f"{name} must be a GeoDataFrame, got {type(gdf).__name__}")
    if gdf.crs is None:
        raise ValueError(f"{name} has no CRS: set one (e.g. .set_crs('EPSG:4326')), it is never guessed")


def metric_crs_for_frames(*frames: gpd.GeoDataFrame | gpd.GeoSeries) -> pyproj.CRS:
    """The WGS 84 / UTM zone for the union of the lon/lat bounds of several layers.

    Parameters
    ----------
    *frames : GeoDataFrame or GeoSeries
        Layers in any CRS (each must have one); empty layers are skipped.

    Returns
    -------
    pyproj.CRS
        A projected CRS in metres (``geo.crs.metric_crs_for_bounds`` of the union).

    Examples
    --------
    >>> from shapely.geometry import Point
    >>> a = gpd.GeoSeries([Point(113.2, 23.1)], crs="EPSG:4326")
    >>> b = gpd.GeoSeries([Point(12600000, 2640000)], crs="EPSG:3857")
    >>> metric_crs_for_frames(a, b).to_epsg()
    32649
    """
    boxes = []
    for k, frame in enumerate(frames):
        _check_frame(frame, f"frames[{k}]")
        bounds = frame.total_bounds
        if not np.all(np.isfinite(bounds)):
            continue
        to_lonlat = pyproj.Transformer.from_crs(frame.crs, "EPSG:4326", always_xy=True)
        boxes.append(to_lonlat.transform_bounds(*bounds, densify_pts=21))
    if not boxes:
        raise ValueError("no layer has a non-empty geometry to choose a metric CRS from")
    b = np.asarray(boxes)
    return metric_crs_for_bounds(b[:, 0].min(), b[:, 1].min(), b[:, 2].max(), b[:, 3].max())


def spatial_order(xy: np.ndarray, cell_m: float = 128.0) -> np.ndarray:
    """An order that visits points cell by cell (row-major cells of ``cell_m``): queried in this order a
    KD-tree keeps hitting the same nodes, about 1.5x faster than random order for a million points."""
    if len(xy) == 0:
        return np.empty(0, np.int64)
    cx = ((xy[:, 0] - xy[:, 0].min()) / cell_m).astype(np.int64)
    cy = ((xy[:, 1] - xy[:, 1].min()) / cell_m).astype(np.int64)
    return np.argsort(cx * (int(cy.max()) + 1) + cy)


def _geometries_in(gdf: gpd.GeoDataFrame | gpd.GeoSeries, crs: pyproj.CRS) -> np.ndarray:
    """The geometries of ``gdf`` as a shapely array in ``crs`` (no reprojection when already there)."""
    series = gdf.geometry if isinstance(gdf, gpd.GeoDataFrame) else gdf
    if not series.crs.equals(crs):
        series = series.to_crs(crs)
    return np.asarray(series.values, dtype=object)


# -- noding ------------------------------------------------------------------------------------------
def _line_parts(lines: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
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


def _project_on_segments(p: np.ndarray, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Parameter t in [0, 1] of the point of segment a-b nearest to p, and the distance to it."""
    ab = b - a
    t = np.clip(np.einsum("ij,ij->i", p - a, ab) / np.einsum("ij,ij->i", ab, ab), 0.0, 1.0)
    return t, np.hypot(*(a + t[:, None] * ab - p).T)


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
            t_on, dist = _project_on_segments(end[other], sa[one], sb[one])
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
            t, dist = _project_on_segments(coords[v], coords[seg_v[s]], coords[seg_v[s] + 1])
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


def _pieces(parts, part_rows, tol_m, node_crossings):
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


def _graph(u: np.ndarray, v: np.ndarray, length_m: np.ndarray, n_nodes: int) -> sparse.csr_matrix:
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


class _SegmentIndex:
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
            ct, cd = _project_on_segments(np.repeat(xy[rows], k, axis=0), self.a[cand.ravel()], self.b[cand.ravel()])
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


def _same_edge_nearest(s_edge, s_off, t_edge, t_off) -> tuple[np.ndarray, np.ndarray]:
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


class StreetNetwork:
    """An undirected street graph in metres; walking ignores one-way rules.

    Build it with :meth:`from_lines`.  Nodes are where lines end, cross or touch; each edge is a piece of
    one input line between two nodes, weighted by its length.  Attributes: ``crs`` (the metric CRS of
    everything stored), ``edges_gdf`` (columns ``u``, ``v``, ``length_m``, ``line_id`` = the input
    line's index label, ``component``), ``node_xy``, ``graph`` (SciPy CSR), ``node_component`` and
    ``n_components``.

    Methods that take points (``snap``, ``nearest``, ``within``, ``reachable_stretches``) accept point
    GeoDataFrames in any CRS (polygons and lines count by their ``representative_point()``), or the
    result of :meth:`snap` on this network, which is then not snapped again.

    Examples
    --------
    >>> from shapely.geometry import LineString, Point
    >>> streets = gpd.GeoDataFrame(geometry=[LineString([(500000, 2550000), (500100, 2550000)]),
    ...     LineString([(500050, 2549950), (500050, 2550050)])], crs="EPSG:32649")  # a crossing
    >>> net = StreetNetwork.from_lines(streets)
    >>> len(net.edges_gdf), net.n_components
    (4, 1)
    >>> bins = gpd.GeoDataFrame(geometry=[Point(500010, 2550003)], crs="EPSG:32649")
    >>> homes = gpd.GeoDataFrame(geometry=[Point(500052, 2550040)], crs="EPSG:32649")
    >>> round(float(net.nearest(bins, homes)["distance_m"].iloc[0]), 6)  # 40 east, then 40 north
    80.0
    """

    def __init__(self, edges_gdf: gpd.GeoDataFrame, node_xy: np.ndarray) -> None:
        self.crs = edges_gdf.crs
        self.node_xy = node_xy
        self._geoms = np.asarray(edges_gdf.geometry.values, dtype=object)
        self._index = _SegmentIndex(self._geoms)
        edges_gdf["length_m"] = self._len = self._index.length_m  # the sums snapping offsets are measured on
        self._u, self._v = edges_gdf["u"].to_numpy(), edges_gdf["v"].to_numpy()
        self.graph = _graph(self._u, self._v, self._len, len(node_xy))
        self.n_components, self.node_component = csgraph.connected_components(self.graph, directed=False)
        self._component = self.node_component[self._u] if len(node_xy) else np.empty(0, np.int64)
        edges_gdf["component"] = self._component
        self.edges_gdf = edges_gdf
        self._token = uuid.uuid4().hex  # marks frames made by this network's snap()

    @property
    def n_nodes(self) -> int:
        return len(self.node_xy)

    @classmethod
    def from_lines(
        cls,
        lines_gdf: gpd.GeoDataFrame,
        *,
        node_tolerance_m: float = 0.5,
        node_crossings: bool = True,
        crs: pyproj.CRS | str | None = None,
    ) -> StreetNetwork:
        """Node street lines and build the graph.

        Parameters
        ----------
        lines_gdf : GeoDataFrame
            LineString/MultiLineString geometries in any CRS; missing and empty geometries are skipped.
        node_tolerance_m : float
            Line ends closer than this share one node (chains of close ends merge), and a line end this
            close to another line splits it there (T-junctions, undershoots).
        node_crossings : bool
            Split lines where they cross, touch or share a vertex (default).  False keeps each line
            whole, joined only at its ends: the input as if already noded.
        crs : CRS, optional
            A metric CRS to work in; default the UTM zone of the lines (``metric_crs_for_frames``).

        Returns
        -------
        StreetNetwork
            Zero-length pieces, and loops no longer than twice the tolerance (two close cut points merged),
            are dropped; other loops and parallel pieces are kept as edges.
        """
        _check_frame(lines_gdf, "lines_gdf")
        tol = radius_number(node_tolerance_m, "node_tolerance_m")
        if not isinstance(node_crossings, bool):
            raise TypeError(f"node_crossings must be True or False, got {type(node_crossings).__name__}")
        metric = metric_crs_for_frames(lines_gdf) if crs is None else pyproj.CRS(crs)
        if not metric.is_projected:
            raise ValueError(f"crs must be a projected CRS in metres, got {metric.name!r}")
        parts, rows = _line_parts(_geometries_in(lines_gdf, metric))
        geoms, u, v, piece_rows, node_xy = _pieces(parts, rows, tol, node_crossings)
        length_m = shapely.length(geoms)
        keep = (length_m > 0) & ((u != v) | (length_m > 2 * tol))  # loops that merging ends made: noise
        edges = gpd.GeoDataFrame(
            {"u": u[keep], "v": v[keep], "line_id": lines_gdf.index[piece_rows[keep]]},
            geometry=geoms[keep],
            crs=metric,
        )
        return cls(edges, node_xy)

    # -- snapping -------------------------------------------------------------------------------------
    def snap(self, points_gdf: gpd.GeoDataFrame, *, max_snap_m: float | None = None) -> gpd.GeoDataFrame:
        """The nearest point on the nearest street for each point.

        Parameters
        ----------
        points_gdf : GeoDataFrame
            Any CRS; polygons and lines are represented by their ``representative_point()``.
        max_snap_m : float, optional
            Points farther than this from every street stay unsnapped (unreachable).

        Returns
        -------
        GeoDataFrame
            In ``self.crs``, indexed like ``points_gdf``: ``edge`` (row of ``edges_gdf``, -1 when
            unsnapped), ``offset_m`` along that edge from its ``u`` end, ``snap_m`` (distance to the
            street; NaN for missing geometries) and the snapped point as geometry.
        """
        _check_frame(points_gdf, "points_gdf")
        limit = None if max_snap_m is None else radius_number(max_snap_m, "max_snap_m")
        points = shapely.point_on_surface(_geometries_in(points_gdf, self.crs))
        n = len(points)
        edge, offset, snap_m = np.full(n, -1), np.full(n, np.nan), np.full(n, np.nan)
        snapped = np.full(n, None, dtype=object)
        present = np.flatnonzero(~(shapely.is_missing(points) | shapely.is_empty(points)))
        if len(present) and len(self._geoms):
            e, off, dist, xy = self._index.nearest(shapely.get_coordinates(points[present]))
            snap_m[present] = dist
            ok = slice(None) if limit is None else dist <= limit
            ip = present[ok]
            edge[ip], offset[ip] = e[ok], np.clip(off[ok], 0.0, self._len[e[ok]])
            snapped[ip] = shapely.points(xy[ok])
        out = gpd.GeoDataFrame(
            {"edge": edge, "offset_m": offset, "snap_m": snap_m}, geometry=snapped, crs=self.crs, index=points_gdf.index
        )
        out.attrs["street_network"] = self._token
        return out

    def _snapped(self, frame: object, name: str, max_snap_m: float | None) -> tuple[np.ndarray, np.ndarray]:
        _check_frame(frame, name)
        mine = isinstance(frame, gpd.GeoDataFrame) and frame.attrs.get("street_network") == self._token
        snapped = frame if mine else self.snap(frame, max_snap_m=max_snap_m)
        edge = snapped["edge"].to_numpy(dtype=np.int64, copy=True)
        if mine and max_snap_m is not None:
            edge[~(snapped["snap_m"].to_numpy() <= radius_number(max_snap_m, "max_snap_m"))] = -1
        return edge, snapped["offset_m"].to_numpy(dtype=np.float64)

    # -- distances -------------------------------------------------------------------------------------
    def _seeded_graph(self, s_edge: np.ndarray, s_off: np.ndarray) -> sparse.csr_matrix:
        """The graph plus one virtual node per source (rows n..n+m-1) with edges only out of it, to
        both ends of its edge weighted by the partial lengths, so sources never route through another."""
        u, v, length = self._u[s_edge], self._v[s_edge], self._len[s_edge]
        loop = u == v
        cols = np.stack([u, v], axis=1)
        weights = np.stack([np.where(loop, np.minimum(s_off, length - s_off), s_off), length - s_off], axis=1)
        present = np.stack([np.ones(len(u), bool), ~loop], axis=1)  # one entry per loop edge
        g, total = self.graph, self.n_nodes + len(u)
        indptr = np.r_[g.indptr, g.indptr[-1] + np.cumsum(present.sum(axis=1))]
        data = np.r_[g.data, weights[present]]  # a 0 weight (source on a node) is an explicit edge
        return sparse.csr_matrix((data, np.r_[g.indices, cols[present]], indptr), shape=(total, total))

    def _node_distances(self, s_edge, s_off, limit_m: float) -> tuple[np.ndarray, np.ndarray]:
        """Distance from every node to its nearest source (inf beyond ``limit_m``) and that source."""
        n = self.n_nodes
        if len(s_edge) == 0 or n == 0:
            return np.full(n, np.inf), np.full(n, -1)
        graph = self._seeded_graph(s_edge, s_off)
        dist, _, src = csgraph.dijkstra(
            graph,
            directed=True,
            indices=n + np.arange(len(s_edge)),
            min_only=True,
            limit=limit_m,
            return_predecessors=True,
        )
        return dist[:n], np.where(src[:n] >= 0, src[:n] - n, -1)

    def _nearest_arrays(self, s_edge, s_off, t_edge, t_off, limit_m):
        """Distance from each (snapped) target to its nearest source and that source's position."""
        node_d, node_src = self._node_distances(s_edge, s_off, limit_m)
        dist, src = np.full(len(t_edge), np.inf), np.full(len(t_edge), -1)
        ok = np.flatnonzero(t_edge >= 0)
        if len(ok) == 0 or len(s_edge) == 0:
            return dist, src
        e, b = t_edge[ok], t_off[ok]
        u, v, length = self._u[e], self._v[e], self._len[e]
        via_u, via_v = node_d[u] + b, node_d[v] + (length - b)
        best = np.minimum(via_u, via_v)
        best_src = np.where(via_u <= via_v, node_src[u], node_src[v])
        same_d, same_src = _same_edge_nearest(s_edge, s_off, e, b)
        closer = same_d < best
        best[closer], best_src[closer] = same_d[closer], same_src[closer]
        best[best > limit_m] = np.inf
        dist[ok], src[ok] = best, np.where(np.isfinite(best), best_src, -1)
        return dist, src

    def nearest(
        self,
        sources: gpd.GeoDataFrame,
        targets: gpd.GeoDataFrame,
        *,
        limit_m: float | None = None,
        max_snap_m: float | None = None,
    ) -> pd.DataFrame:
        """Distance along the streets from each target to its nearest source.

        Partial edges count at both ends: a source at offset a on edge (u, v) reaches u after a and v
        after ``length_m - a``; a source and a target on the same edge are ``|a - b|`` apart (or less
        round the block).  Access legs (``snap_m``) are not added.

        Parameters
        ----------
        sources, targets : GeoDataFrame
            Points in any CRS, or :meth:`snap` results of this network.
        limit_m : float, optional
            Stop searching beyond this distance (faster); farther targets get NaN but stay ``reachable``.
        max_snap_m : float, optional
            Passed to :meth:`snap`.

        Returns
        -------
        DataFrame
            Indexed like ``targets``: ``distance_m`` (NaN when unreachable or beyond ``limit_m``),
            ``source`` (row position in ``sources``, -1 if none), ``source_id`` (its index label or None)
            and ``reachable`` (a snapped source lies in the target's connected component).
        """
        limit = np.inf if limit_m is None else radius_number(limit_m, "limit_m")
        s_edge, s_off = self._snapped(sources, "sources", max_snap_m)
        t_edge, t_off = self._snapped(targets, "targets", max_snap_m)
        s_pos = np.flatnonzero(s_edge >= 0)
        dist, src = self._nearest_arrays(s_edge[s_pos], s_off[s_pos], t_edge, t_off, limit)
        found = src >= 0
        src[found] = s_pos[src[found]]
        has_source = np.zeros(self.n_components, bool)
        has_source[self._component[s_edge[s_pos]]] = True
        reachable = np.zeros(len(t_edge), bool)
        reachable[t_edge >= 0] = has_source[self._component[t_edge[t_edge >= 0]]]
        source_id = np.full(len(src), None, dtype=object)
        source_id[found] = sources.index.to_numpy(dtype=object)[src[found]]
        frame = pd.DataFrame({"distance_m": np.where(found, dist, np.nan), "source": src}, index=targets.index)
        frame["source_id"] = pd.Series(source_id, index=targets.index, dtype=object)  # None stays None
        frame["reachable"] = reachable
        return frame

    def within(
        self,
        sources: gpd.GeoDataFrame,
        targets: gpd.GeoDataFrame,
        radius_m: float,
        *,
        max_snap_m: float | None = None,
    ) -> sparse.csr_matrix:
        """Which targets each source reaches along the streets within ``radius_m`` (inclusive).

        For siting: ``net.within(candidates_gdf, homes_gdf, 70.0)`` tells, per candidate site, the homes
        it would serve.  Unsnapped sources and targets have empty rows and columns.  Meant for service
        radii: the work grows with the (source, street node) pairs within the radius, and one
        Dijkstra per source fills a row over all nodes (in blocks of about 32 MB).

        Parameters
        ----------
        sources, targets : GeoDataFrame
            Points in any CRS, or :meth:`snap` results of this network (snap once, query many radii).
        radius_m : float
            Metres along the streets; ``distance_m <= radius_m + RADIUS_TOLERANCE_M`` counts.
        max_snap_m : float, optional
            Passed to :meth:`snap`.

        Returns
        -------
        scipy.sparse.csr_matrix
            Boolean, shape ``(len(sources), len(targets))``, rows and columns by position.
        """
        radius = radius_number(radius_m, "radius_m") + RADIUS_TOLERANCE_M
        s_edge, s_off = self._snapped(sources, "sources", max_snap_m)
        t_edge, t_off = self._snapped(targets, "targets", max_snap_m)
        src, tgt = np.flatnonzero(s_edge >= 0), np.flatnonzero(t_edge >= 0)
        rows, cols = [np.empty(0, np.int64)], [np.empty(0, np.int64)]
        if len(src) and len(tgt):
            reached = self._reached(s_edge[src], s_off[src], radius)  # (sources x nodes) distances + 1
            e, b = t_edge[tgt], t_off[tgt]
            for ends, extra in ((self._u[e], b), (self._v[e], self._len[e] - b)):
                via = reached[:, ends].tocoo()
                d = via.data - 1.0 + extra[via.col]
                rows.append(src[via.row[d <= radius]])
                cols.append(tgt[via.col[d <= radius]])
            pairs = pd.DataFrame({"e": s_edge[src], "a": s_off[src], "s": src}).merge(
                pd.DataFrame({"e": e, "b": b, "t": tgt}), on="e"
            )
            pairs = pairs[np.abs(pairs["a"] - pairs["b"]) <= radius]
            rows.append(pairs["s"].to_numpy())
            cols.append(pairs["t"].to_numpy())
        rows, cols = np.concatenate(rows), np.concatenate(cols)
        hits = sparse.coo_matrix((np.ones(len(rows), np.int8), (rows, cols)), shape=(len(s_edge), len(t_edge)))
        return hits.tocsr() > 0

    def _reached(self, s_edge, s_off, radius_m: float) -> sparse.csc_matrix:
        """Distance + 1 m (so that 0 stays stored) from each source to each node within ``radius_m``."""
        graph, n = self._seeded_graph(s_edge, s_off), self.n_nodes
        chunk = max(1, _CELLS_PER_CHUNK // graph.shape[0])  # Dijkstra fills a dense row per source
        found = []
        for start in range(0, len(s_edge), chunk):
            block = np.arange(start, min(start + chunk, len(s_edge)))
            d = csgraph.dijkstra(graph, directed=True, indices=n + block, limit=radius_m)[:, :n]
            r, c = np.nonzero(d <= radius_m)
            found.append((block[r], c, d[r, c] + 1.0))
        r, c, d = (np.concatenate(x) for x in zip(*found))
        return sparse.csc_matrix((d, (r, c)), shape=(len(s_edge), n))

    def reachable_stretches(
        self, sources: gpd.GeoDataFrame, radius_m: float, *, max_snap_m: float | None = None
    ) -> gpd.GeoDataFrame:
        """The network service area: street pieces within ``radius_m`` along the streets of any source.

        Parameters
        ----------
        sources : GeoDataFrame
            Points in any CRS, or :meth:`snap` results of this network.
        radius_m : float
            Metres along the streets.
        max_snap_m : float, optional
            Passed to :meth:`snap`.

        Returns
        -------
        GeoDataFrame
            WGS 84 lines, one per reached stretch of an edge, with ``edge``, ``line_id``, ``start_m`` and
            ``end_m`` (offsets along the edge from its ``u`` end) and ``length_m``.
        """
        radius = radius_number(radius_m, "radius_m")
        s_edge, s_off = self._snapped(sources, "sources", max_snap_m)
        ok = s_edge >= 0
        node_d, _ = self._node_distances(s_edge[ok], s_off[ok], radius + RADIUS_TOLERANCE_M)
        du, dv, length = node_d[self._u], node_d[self._v], self._len
        edges = np.arange(len(length))
        intervals = pd.DataFrame(
            {
                "edge": np.r_[edges, edges, s_edge[ok]],
                "start_m": np.r_[np.zeros(len(length)), np.maximum(length - (radius - dv), 0), s_off[ok] - radius],
                "end_m": np.r_[np.minimum(radius - du, length), length, s_off[ok] + radius],
            }
        )
        intervals["start_m"] = intervals["start_m"].clip(lower=0)
        intervals["end_m"] = np.minimum(intervals["end_m"], length[intervals["edge"]])
        return self._stretch_frame(_merge_intervals(intervals[intervals["end_m"] > intervals["start_m"]]))

    def _stretch_frame(self, stretches: pd.DataFrame) -> gpd.GeoDataFrame:
        e, start, end = (stretches[c].to_numpy() for c in ("edge", "start_m", "end_m"))
        geoms = self._geoms[e].copy()
        for k in np.flatnonzero((start > 0) | (end < self._len[e])):
            geoms[k] = substring(geoms[k], start[k], end[k])  # no vectorised substring in shapely 2.2
        frame = gpd.GeoDataFrame(
            {
                "edge": e,
                "line_id": self.edges_gdf["line_id"].to_numpy()[e],
                "start_m": start,
                "end_m": end,
                "length_m": end - start,
            },
            geometry=geoms,
            crs=self.crs,
        )
        return frame.to_crs("EPSG:4326")


def _merge_intervals(intervals: pd.DataFrame) -> pd.DataFrame:
    """Union of [start_m, end_m] intervals per edge."""
    iv = intervals.sort_values(["edge", "start_m"], kind="stable").reset_index(drop=True)
    reach = iv.groupby("edge")["end_m"].cummax()
    prev_reach = reach.groupby(iv["edge"]).shift()
    group = (prev_reach.isna() | (iv["start_m"] > prev_reach)).cumsum()
    return iv.groupby(group).agg(edge=("edge", "first"), start_m=("start_m", "min"), end_m=("end_m", "max"))
