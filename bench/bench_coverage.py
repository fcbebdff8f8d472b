"""Benchmark: coverage of households by bins, by straight line and along the streets, ours against
GeoPandas and networkx.

(a) Straight line: ``geo.coverage.coverage(bins, homes, 70)`` for 1,000,000 households and 50,000 bins,
    WGS 84 in, WGS 84 out (choosing the UTM zone, projecting, nearest bin with its exact distance for
    every household, the result frame and the summary).  Households are points by default: the
    registers planners count (门牌/户) are address points, and a building's footprint (10-20 m) shifts a
    70 m answer little; ``--polygons`` runs the same with 12 m square buildings instead.
    Baseline in the same run on the same data: ``to_crs`` of both layers to the same UTM zone, then
    ``geopandas.sjoin_nearest(homes, bins, max_distance=70, distance_col="distance_m")``.  The baseline
    returns distances only within 70 m (ours: for every household), which favours it.
(b) Along the streets: a synthetic street grid of about 250,000 edges (jittered 80 m blocks, a bend in
    each block, 3 % of blocks missing, 60 long avenues crossing without nodes) in WGS 84, 50,000 bins and
    200,000 households.  Ours: ``StreetNetwork.from_lines`` (noding included) + ``snap`` of the bins
    (one-time, target <= 5 s); then the query ``nearest(bins, homes)`` on snapped layers (target <= 0.3
    s).  Baseline: networkx ``multi_source_dijkstra_path_length`` on the same noded graph with the snapped
    bins and households added as nodes (each edge cut at the points on it); its graph building is
    reported apart.  Both answers are compared household by household.

Data are random but deterministic (numpy ``default_rng`` with a fixed seed) over central Guangzhou
(``_common.EXTENT``).  Nothing here asserts on time; the script prints the figures and a Markdown table.

    python bench/bench_coverage.py [--buildings 1000000] [--bins 50000] [--edges 250000]
                                   [--facilities 50000] [--targets 200000] [--repeats 3] [--polygons]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as c  # noqa: E402

from geo.coverage import coverage  # noqa: E402
from geo.network import StreetNetwork, metric_crs_for_frames

RADIUS_M = 70.0
UTM49 = "EPSG:32649"
ORIGIN = (735_000.0, 2_546_000.0)  # south-west corner of the street grid in UTM 49N (central Guangzhou)


def best_of(fn, repeats: int):
    """Fastest of ``repeats`` runs (seconds) and the last result."""
    times, result = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return min(times), result


def lonlat_points(n: int, rng: np.random.Generator) -> np.ndarray:
    minx, miny, maxx, maxy = c.EXTENT
    return np.c_[rng.uniform(minx, maxx, n), rng.uniform(miny, maxy, n)]


# -- (a) straight line ---------------------------------------------------------------------------------
def straight_line(args) -> dict:
    rng = np.random.default_rng(c.SEED)
    homes_xy, bins_xy = lonlat_points(args.buildings, rng), lonlat_points(args.bins, rng)
    geoms = shapely.points(homes_xy)
    if args.polygons:  # 12 m squares around the points, drawn in metres
        metric = gpd.GeoSeries(geoms, crs="EPSG:4326").to_crs(UTM49)
        geoms = gpd.GeoSeries(metric.buffer(6.0, cap_style="square"), crs=UTM49).to_crs("EPSG:4326").values
    homes = gpd.GeoDataFrame({"households": rng.integers(1, 40, args.buildings)}, geometry=geoms, crs="EPSG:4326")
    bins = gpd.GeoDataFrame({"id": np.arange(args.bins)}, geometry=shapely.points(bins_xy), crs="EPSG:4326")
    kind = "12 m square buildings" if args.polygons else "household points"
    print(f"\n(a) straight line: {args.buildings:,} {kind} x {args.bins:,} bins, {RADIUS_M:g} m", flush=True)

    t_ours, (result, summary) = best_of(lambda: coverage(bins, homes, RADIUS_M), args.repeats)
    print(f"  ours coverage(): {c.ms(t_ours)}  covered {summary['covered']:,} ({summary['coverage_ratio']:.1%})")

    def baseline():
        crs = metric_crs_for_frames(bins, homes)
        return gpd.sjoin_nearest(homes.to_crs(crs), bins.to_crs(crs), max_distance=RADIUS_M, distance_col="distance_m")

    t_base, joined = best_of(baseline, max(1, args.baseline_repeats))
    base_covered = joined.index.unique()
    print(
        f"  baseline to_crs + sjoin_nearest: {c.ms(t_base)}  covered {len(base_covered):,}  "
        f"ratio {c.ratio(t_base, t_ours)}"
    )
    same = set(base_covered) == set(result.index[result["covered"]])
    gap = np.abs(joined.groupby(level=0)["distance_m"].min() - result.loc[base_covered, "distance_m"]).max()
    print(f"  same covered set: {same}; max distance difference {gap:.2e} m")
    return {"ours": t_ours, "baseline": t_base, "kind": kind, "same": same}


# -- (b) along the streets -----------------------------------------------------------------------------
def street_grid(n_edges: int, rng: np.random.Generator) -> gpd.GeoDataFrame:
    """A jittered 80 m grid, a bend in each block, 3 % of blocks missing, and 60 avenues crossing it
    without nodes; sized so that noding gives about ``n_edges`` edges (each crossing adds two)."""
    # edges ~ 1.94 side**2 blocks + about 76 side from crossings (measured with this seed)
    side = int((-76 + np.sqrt(76**2 + 4 * 1.94 * n_edges)) / (2 * 1.94)) + 1
    gx, gy = np.meshgrid(np.arange(side) * 80.0, np.arange(side) * 80.0)
    gx, gy = gx + rng.normal(0, 6, gx.shape) + ORIGIN[0], gy + rng.normal(0, 6, gy.shape) + ORIGIN[1]
    node = np.arange(side * side).reshape(side, side)
    a = np.r_[node[:, :-1].ravel(), node[:-1, :].ravel()]
    b = np.r_[node[:, 1:].ravel(), node[1:, :].ravel()]
    keep = rng.random(len(a)) > 0.03
    a, b, x, y = a[keep], b[keep], gx.ravel(), gy.ravel()
    bend = np.c_[(x[a] + x[b]) / 2, (y[a] + y[b]) / 2] + rng.normal(0, 3, (len(a), 2))
    blocks = shapely.linestrings(np.stack([np.c_[x[a], y[a]], bend, np.c_[x[b], y[b]]], axis=1))
    extent = side * 80.0
    ends = rng.uniform(0, extent, (60, 2, 2)) + ORIGIN
    avenues = shapely.linestrings(ends)
    return gpd.GeoDataFrame(geometry=np.r_[blocks, avenues], crs=UTM49).to_crs("EPSG:4326")


def grid_points(n: int, lines: gpd.GeoDataFrame, rng: np.random.Generator) -> gpd.GeoDataFrame:
    minx, miny, maxx, maxy = lines.to_crs(UTM49).total_bounds
    xy = np.c_[rng.uniform(minx, maxx, n), rng.uniform(miny, maxy, n)]
    return gpd.GeoDataFrame({"id": np.arange(n)}, geometry=shapely.points(xy), crs=UTM49).to_crs("EPSG:4326")


def networkx_graph(net: StreetNetwork, bins_s: gpd.GeoDataFrame, homes_s: gpd.GeoDataFrame) -> nx.Graph:
    """The same noded graph for networkx, each edge cut at the snapped points on it."""
    on_edge: dict[int, list] = {}
    for kind, frame in (("b", bins_s), ("h", homes_s)):
        for k, (e, a) in enumerate(zip(frame["edge"].tolist(), frame["offset_m"].tolist())):
            on_edge.setdefault(e, []).append((a, (kind, k)))
    graph = nx.Graph()
    for e, (u, v, length) in enumerate(net.edges_gdf[["u", "v", "length_m"]].itertuples(index=False)):
        chain = [(0.0, u), *sorted(on_edge.get(e, [])), (length, v)]
        for (a, p), (b, q) in zip(chain, chain[1:]):
            if p != q and (not graph.has_edge(p, q) or graph.edges[p, q]["weight"] > b - a):
                graph.add_edge(p, q, weight=b - a)
    return graph


def along_streets(args) -> dict:
    rng = np.random.default_rng(c.SEED + 1)
    lines = street_grid(args.edges, rng)
    bins, homes = grid_points(args.facilities, lines, rng), grid_points(args.targets, lines, rng)
    print(
        f"\n(b) along the streets: {len(lines):,} input lines, {args.facilities:,} bins, {args.targets:,} households",
        flush=True,
    )

    def build():
        net = StreetNetwork.from_lines(lines)
        t1 = time.perf_counter()
        return net, net.snap(bins), time.perf_counter() - t1

    t_build, (net, bins_s, t_snap) = best_of(build, args.repeats)
    print(
        f"  ours build + snap bins: {c.ms(t_build)} (snap {c.ms(t_snap)}): {len(net.edges_gdf):,} edges, "
        f"{net.n_nodes:,} nodes, {net.n_components} component(s)"
    )
    t_snap_homes, homes_s = best_of(lambda: net.snap(homes), args.repeats)
    print(f"  ours snap households: {c.ms(t_snap_homes)}")
    t_query, near = best_of(lambda: net.nearest(bins_s, homes_s), args.repeats)
    covered = int((near["distance_m"] <= RADIUS_M).sum())
    print(f"  ours query nearest(): {c.ms(t_query)}  covered within {RADIUS_M:g} m: {covered:,}")
    t_full, _ = best_of(lambda: coverage(bins, homes, RADIUS_M, metric="network", network=net), args.repeats)
    print(f"  ours coverage(metric='network') with the built network (snaps both layers): {c.ms(t_full)}")
    candidates = bins.iloc[: args.candidates]
    t_within, hits = best_of(lambda: net.within(candidates, homes_s, RADIUS_M), args.repeats)
    print(
        f"  ours within({len(candidates):,} sites x {len(homes):,} households): {c.ms(t_within)} ({hits.nnz:,} pairs)"
    )

    t0 = time.perf_counter()
    graph = networkx_graph(net, bins_s, homes_s)
    t_nx_build = time.perf_counter() - t0
    sources = [("b", k) for k in range(len(bins_s))]
    t_nx, found = best_of(lambda: nx.multi_source_dijkstra_path_length(graph, sources), max(1, args.baseline_repeats))
    theirs = np.array([found.get(("h", k), np.nan) for k in range(len(homes_s))])
    gap = np.nanmax(np.abs(near["distance_m"].to_numpy() - theirs))
    print(
        f"  networkx graph building: {c.ms(t_nx_build)}; multi_source_dijkstra_path_length: {c.ms(t_nx)}  "
        f"ratio {c.ratio(t_nx, t_query)}; max difference {gap:.2e} m"
    )
    return {
        "build": t_build,
        "snap": t_snap,
        "query": t_query,
        "nx": t_nx,
        "nx_build": t_nx_build,
        "full": t_full,
        "within": t_within,
        "gap": gap,
        "edges": len(net.edges_gdf),
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--buildings", type=int, default=1_000_000, help="households in (a) (default 1,000,000)")
    parser.add_argument("--bins", type=int, default=50_000, help="bins in (a) (default 50,000)")
    parser.add_argument("--edges", type=int, default=250_000, help="street blocks in (b) (default 250,000)")
    parser.add_argument("--facilities", type=int, default=50_000, help="bins in (b) (default 50,000)")
    parser.add_argument("--targets", type=int, default=200_000, help="households in (b) (default 200,000)")
    parser.add_argument("--candidates", type=int, default=1_000, help="sites for within() in (b) (default 1,000)")
    parser.add_argument("--polygons", action="store_true", help="(a) with 12 m square buildings, not points")
    parser.add_argument("--repeats", type=int, default=3, help="runs of ours, fastest kept (default 3)")
    parser.add_argument("--baseline-repeats", type=int, default=1, help="runs of the baselines (default 1)")
    parser.add_argument("--skip", choices=("a", "b"), help="skip one part")
    args = parser.parse_args(argv)
    print(c.machine_summary(), flush=True)
    rows = []
    if args.skip != "a":
        rows += straight_line_rows(args, straight_line(args))
    if args.skip != "b":
        rows += along_streets_rows(args, along_streets(args))
    print()
    print(c.markdown_table(["measure", "size", "target", "ours", "baseline", "ratio", "met?"], rows))
    return 0


def met(seconds: float, target_s: float) -> str:
    return "yes" if seconds <= target_s else "no"


def straight_line_rows(args, a: dict) -> list[list]:
    size = f"{args.buildings:,} x {args.bins:,}"
    baseline = f"{c.ms(a['baseline'])} (to_crs + sjoin_nearest)"
    ratio = c.ratio(a["baseline"], a["ours"])
    return [
        [
            f"(a) straight line, {a['kind']}",
            size,
            "≤ 1 s",
            f"**{c.ms(a['ours'])}**",
            baseline,
            ratio,
            met(a["ours"], 1.0),
        ]
    ]


def along_streets_rows(args, b: dict) -> list[list]:
    networkx = f"{c.ms(b['nx'])} (networkx; + {c.ms(b['nx_build'])} to build its graph)"
    return [
        [
            "(b) build + snap bins, once",
            f"{b['edges']:,} edges, {args.facilities:,} bins",
            "≤ 5 s",
            f"**{c.ms(b['build'])}**",
            "—",
            "—",
            met(b["build"], 5.0),
        ],
        [
            "(b) query: nearest bin of every household",
            f"{args.targets:,} households",
            "≤ 0.3 s",
            f"**{c.ms(b['query'])}**",
            networkx,
            c.ratio(b["nx"], b["query"]),
            met(b["query"], 0.3),
        ],
        [
            "(b) coverage() with a built network (snaps both layers)",
            f"{args.targets:,} households",
            "—",
            c.ms(b["full"]),
            "—",
            "—",
            "—",
        ],
        [
            "(b) within(): sites x households",
            f"{args.candidates:,} x {args.targets:,}",
            "—",
            c.ms(b["within"]),
            "—",
            "—",
            "—",
        ],
    ]


if __name__ == "__main__":
    sys.exit(main())
