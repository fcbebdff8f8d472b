"""A walkable street graph from line geometries: lines noded where they cross or touch, points snapped
onto streets, and distances along the streets (multi-source Dijkstra counting partial edges)."""

from __future__ import annotations

import uuid

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely
from scipy import sparse
from scipy.sparse import csgraph
from shapely.ops import substring

from geo.network.edges import merge_intervals, same_edge_nearest
from geo.network.inputs import RADIUS_TOLERANCE_M, check_frame, geometries_in, metric_crs_for_frames, radius_number
from geo.network.noding import graph_matrix, line_parts, pieces
from geo.network.snapping import SegmentIndex, spatial_order

__all__ = ["RADIUS_TOLERANCE_M", "StreetNetwork", "metric_crs_for_frames", "radius_number", "spatial_order"]

_CELLS_PER_CHUNK = 4_000_000  # float64 cells per dense Dijkstra block in within(): about 32 MB


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
        self._index = SegmentIndex(self._geoms)
        edges_gdf["length_m"] = self._len = self._index.length_m  # the sums snapping offsets are measured on
        self._u, self._v = edges_gdf["u"].to_numpy(), edges_gdf["v"].to_numpy()
        self.graph = graph_matrix(self._u, self._v, self._len, len(node_xy))
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
        check_frame(lines_gdf, "lines_gdf")
        tol = radius_number(node_tolerance_m, "node_tolerance_m")
        if not isinstance(node_crossings, bool):
            raise TypeError(f"node_crossings must be True or False, got {type(node_crossings).__name__}")
        metric = metric_crs_for_frames(lines_gdf) if crs is None else pyproj.CRS(crs)
        if not metric.is_projected:
            raise ValueError(f"crs must be a projected CRS in metres, got {metric.name!r}")
        parts, rows = line_parts(geometries_in(lines_gdf, metric))
        geoms, u, v, piece_rows, node_xy = pieces(parts, rows, tol, node_crossings)
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
        check_frame(points_gdf, "points_gdf")
        limit = None if max_snap_m is None else radius_number(max_snap_m, "max_snap_m")
        points = shapely.point_on_surface(geometries_in(points_gdf, self.crs))
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
        check_frame(frame, name)
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
        same_d, same_src = same_edge_nearest(s_edge, s_off, e, b)
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
        return self._stretch_frame(merge_intervals(intervals[intervals["end_m"] > intervals["start_m"]]))

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
