"""Dark stretches on 3,000 km of road with 86,000 lamps: ``geo.gaps.line_gaps`` against a per-road
shapely loop (the way one writes it without vectorising), on the same data in one run.

    python bench/bench_gaps.py                 # about 20 s on 2 cores, most of it the baseline
    python bench/bench_gaps.py --side 60 --lamps 20000 --baseline-repeats 1   # a quick smoke run

Prints the figures and a Markdown table; asserts nothing on time. Both sides must find the same gaps
(same count, each gap's ends within 1e-6 m, total length within 1e-6 relative), or the script exits with
an error: that is a correctness check, not a timing one.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import statistics
import sys
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyproj
import shapely
from shapely.ops import substring

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import SEED, machine_summary, markdown_table, ratio  # noqa: E402

from geo.crs import metric_crs_for_bounds  # noqa: E402
from geo.gaps import lamp_gap_thresholds, line_gaps, working_points

CENTRE = (113.33, 23.12)  # central Guangzhou, UTM zone 49
POLE_HEIGHT_M = {"arterial": 12.0, "secondary": 10.0, "branch": 8.0, "commercial": 8.0, "alley": 6.0}
SNAP_M = 15.0


# -- data ------------------------------------------------------------------------------------------
def make_city(side: int, n_lamps: int, seed: int = SEED) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """A jittered street grid of ``side`` x ``side`` junctions 100 m apart (2·side·(side-1) streets, each
    with two bent interior vertices) and lamps near 88 % of the streets, 2 % of them too far to count.
    Returned in WGS 84, as stored. Same arguments, same data."""
    rng = np.random.default_rng(seed)
    utm = pyproj.CRS.from_epsg(32649)
    x0, y0 = pyproj.Transformer.from_crs(4326, utm, always_xy=True).transform(*CENTRE)
    gx, gy = np.meshgrid(np.arange(side) * 100.0, np.arange(side) * 100.0, indexing="ij")
    nodes = np.stack([gx, gy], axis=-1) + rng.uniform(-8, 8, (side, side, 2)) + (x0 - side * 50, y0 - side * 50)
    starts = np.concatenate([nodes[:-1, :, :].reshape(-1, 2), nodes[:, :-1, :].reshape(-1, 2)])
    ends = np.concatenate([nodes[1:, :, :].reshape(-1, 2), nodes[:, 1:, :].reshape(-1, 2)])
    # the street (row or column of junctions) each edge belongs to, for its class
    street = np.r_[np.indices((side - 1, side))[1].ravel(), np.indices((side, side - 1))[0].ravel()]
    n = len(starts)
    bends = [starts + (ends - starts) * f + rng.normal(0, 2.0, (n, 2)) for f in (1 / 3, 2 / 3)]
    coords = np.stack([starts, bends[0], bends[1], ends], axis=1)
    roads = shapely.linestrings(coords)
    cls = rng.choice(np.array(["branch", "alley"]), n, p=[0.6, 0.4]).astype(object)
    cls[street % 5 == 0] = "secondary"
    cls[street % 10 == 0] = "arterial"
    cls[(cls == "branch") & (rng.uniform(size=n) < 0.1)] = "commercial"
    lit = rng.uniform(size=n) < 0.88
    lit_idx = np.flatnonzero(lit)
    length = shapely.length(roads[lit_idx])
    on = rng.choice(lit_idx, n_lamps, p=length / length.sum())
    base = shapely.line_interpolate_point(roads[on], rng.uniform(0, 1, n_lamps), normalized=True)
    far = rng.uniform(size=n_lamps) < 0.02
    offset = np.where(far, rng.uniform(20, 40, n_lamps), np.abs(rng.normal(0, 4, n_lamps)).clip(0, 12))
    angle = rng.uniform(0, 2 * np.pi, n_lamps)
    xy = shapely.get_coordinates(base) + offset[:, None] * np.c_[np.cos(angle), np.sin(angle)]
    roads_gdf = gpd.GeoDataFrame(
        {"id": np.arange(n), "name": [f"路{i}" for i in range(n)], "class": cls}, geometry=roads, crs=utm
    ).to_crs(4326)
    lamps_gdf = gpd.GeoDataFrame(
        {"status": np.where(rng.uniform(size=n_lamps) < 0.05, "broken", "working")},
        geometry=shapely.points(xy),
        crs=utm,
    ).to_crs(4326)
    return roads_gdf, lamps_gdf


def make_grid(roads_gdf: gpd.GeoDataFrame, cell_m: float = 1000.0) -> gpd.GeoDataFrame:
    """Square grid cells of ``cell_m`` over the roads, coded like DB11 (15 digits)."""
    utm = pyproj.CRS.from_epsg(32649)
    minx, miny, maxx, maxy = roads_gdf.to_crs(utm).total_bounds
    xs, ys = np.arange(minx, maxx, cell_m), np.arange(miny, maxy, cell_m)
    boxes = [shapely.box(x, y, x + cell_m, y + cell_m) for y in ys[::-1] for x in xs]
    codes = [f"440106003012{i:03d}" for i in range(len(boxes))]
    return gpd.GeoDataFrame({"code": codes}, geometry=boxes, crs=utm).to_crs(4326)


# -- the baseline ------------------------------------------------------------------------------------
def baseline_gaps(lamps_gdf, roads_gdf, thresholds: dict, snap_m: float) -> gpd.GeoDataFrame:
    """For each road: lamps within snap from a spatial index, ``project`` each, sort, walk the stretches,
    ``substring`` the long ones. Plain Python loops over shapely calls; same metric CRS as ours."""
    metric = metric_crs_for_bounds(*roads_gdf.total_bounds)  # the zone ours picks: from the roads
    roads, lamps = roads_gdf.to_crs(metric), lamps_gdf.to_crs(metric)
    lamp_geoms = lamps.geometry.values
    tree = shapely.STRtree(lamp_geoms)
    rows = []
    for road_id, cls, geom in zip(roads["id"], roads["class"], roads.geometry):
        limit = thresholds.get(cls)
        if limit is None or geom is None:
            continue
        for part in getattr(geom, "geoms", [geom]):
            if part.length == 0:
                continue
            near = tree.query(part, predicate="dwithin", distance=snap_m)
            stops = [0.0] + sorted(part.project(lamp_geoms[i]) for i in near) + [part.length]
            for a, b in zip(stops, stops[1:]):
                if b - a > limit + 1e-6:
                    rows.append({"line_id": road_id, "start_m": a, "end_m": b, "length_m": b - a,
                                 "geometry": substring(part, a, b)})  # fmt: skip
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=metric).to_crs(4326)


# -- timing ------------------------------------------------------------------------------------------
def timed(fn, repeats: int) -> tuple[list[float], list[float], object]:
    """Wall-clock and process CPU seconds of each run (CPU time shows when other work shares the cores)."""
    wall, cpu, result = [], [], None
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        result = fn()
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return wall, cpu, result


def same_gaps(ours: gpd.GeoDataFrame, base: gpd.GeoDataFrame) -> float:
    """Largest difference (m) between matching gap ends, after sorting both by line and start."""
    if len(ours) != len(base):
        return float("inf")
    a = ours.sort_values(["line_id", "start_m"])[["start_m", "end_m"]].to_numpy()
    b = base.sort_values(["line_id", "start_m"])[["start_m", "end_m"]].to_numpy()
    return float(np.abs(a - b).max()) if len(a) else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description="Dark stretches on 3,000 km of road: line_gaps vs a per-road loop")
    parser.add_argument("--side", type=int, default=123, help="junctions per side (123: ~30,000 streets, ~3,000 km)")
    parser.add_argument("--lamps", type=int, default=86_000, help="lamps near the streets (2%% too far to count)")
    parser.add_argument("--repeats", type=int, default=5, help="runs of ours (median reported)")
    parser.add_argument("--baseline-repeats", type=int, default=2)
    parser.add_argument("--profile", action="store_true", help="cProfile one run of ours")
    args = parser.parse_args()

    print(machine_summary())
    t0 = time.perf_counter()
    roads, lamps = make_city(args.side, args.lamps)
    grid = make_grid(roads)
    rule = lamp_gap_thresholds(pole_height_m=POLE_HEIGHT_M)
    thresholds = rule["thresholds"]
    km = roads.to_crs(32649).length.sum() / 1000
    print(f"data: {len(roads):,} streets, {km:,.0f} km, {len(lamps):,} lamps, {len(grid)} grid cells "
          f"({time.perf_counter() - t0:.1f} s to build)")  # fmt: skip
    print(f"thresholds: {thresholds}  ({rule['source']['en']})")

    line_gaps(lamps, roads, thresholds, snap_m=SNAP_M)  # warm-up: imports, PROJ database
    ours_s, ours_cpu, (gaps, summary) = timed(lambda: line_gaps(lamps, roads, thresholds, snap_m=SNAP_M), args.repeats)
    grid_s, _, (_, summary_g) = timed(
        lambda: line_gaps(lamps, roads, thresholds, snap_m=SNAP_M, grid_gdf=grid), args.repeats
    )
    working = working_points(lamps)
    work_s, _, (_, summary_w) = timed(lambda: line_gaps(working, roads, thresholds, snap_m=SNAP_M), args.repeats)
    base_s, base_cpu, base = timed(lambda: baseline_gaps(lamps, roads, thresholds, SNAP_M), args.baseline_repeats)

    # Correctness, not timing: both sides must find the same gaps.
    base_total = float(base["length_m"].sum())
    rel = abs(summary["total_gap_m"] - base_total) / max(base_total, 1e-12)
    worst_m = same_gaps(gaps, base)
    if rel > 1e-6 or worst_m > 1e-6:
        raise SystemExit(f"results differ: ours {summary['gaps']} gaps / {summary['total_gap_m']:.6f} m, "
                         f"baseline {len(base)} gaps / {base_total:.6f} m, worst end {worst_m} m")  # fmt: skip
    if abs(summary_g["total_gap_m"] - summary["total_gap_m"]) > 1e-6 * summary["total_gap_m"]:
        raise SystemExit("the grid run found different gaps")
    in_cells = sum(r["gap_m"] for r in summary_g["by_grid"] if r["code"] is not None)
    print(f"gaps: {summary['gaps']:,} ({summary['total_gap_m'] / 1000:,.1f} km of "
          f"{summary['checked_length_m'] / 1000:,.0f} km) on {len(summary['by_line']):,} streets; baseline "
          f"agrees (total {rel:.1e} relative, gap ends within {worst_m:.1e} m); "
          f"{in_cells / 1000:,.1f} km in grid cells")  # fmt: skip
    for row in summary["by_class"]:
        print(f"  {row['class']:<10} {row['length_m'] / 1000:8,.1f} km checked, {row['gap_m'] / 1000:7,.1f} km dark, "
              f"{row['gaps']:6,} gaps")  # fmt: skip
    print(f"working lamps only ({len(working):,}; broken ones count as missing): {summary_w['gaps']:,} gaps, "
          f"{summary_w['total_gap_m'] / 1000:,.1f} km dark")  # fmt: skip

    if args.profile:
        profiler = cProfile.Profile()
        profiler.runcall(line_gaps, lamps, roads, thresholds, snap_m=SNAP_M, grid_gdf=grid)
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(20)

    med, med_g, med_w, med_b = (statistics.median(s) for s in (ours_s, grid_s, work_s, base_s))
    cpu, cpu_b = statistics.median(ours_cpu), statistics.median(base_cpu)
    print(f"ours: median {med:.3f} s (min {min(ours_s):.3f}, CPU {cpu:.3f} s, "
          f"{args.repeats} runs); with grid {med_g:.3f} s; working lamps only {med_w:.3f} s")  # fmt: skip
    print(f"baseline: median {med_b:.3f} s (CPU {cpu_b:.3f} s, {args.baseline_repeats} runs); "
          f"ratio {ratio(med_b, med)}")  # fmt: skip
    print()
    met = lambda seconds: "yes" if seconds <= 1.0 else "no"  # noqa: E731
    print(markdown_table(
        ["measure", "ours", "baseline (per-road shapely loop)", "ratio", "target ≤ 1 s met?"],
        [
            [f"{len(roads):,} streets / {km:,.0f} km, {len(lamps):,} lamps", f"{med * 1000:,.0f} ms",
             f"{med_b * 1000:,.0f} ms", ratio(med_b, med), met(med)],
            ["same run, process CPU time", f"{cpu * 1000:,.0f} ms", f"{cpu_b * 1000:,.0f} ms", ratio(cpu_b, cpu),
             met(cpu)],
            ["same, gaps assigned to grid cells", f"{med_g * 1000:,.0f} ms", "—", "—", met(med_g)],
            ["same, working lamps only", f"{med_w * 1000:,.0f} ms", "—", "—", met(med_w)],
        ],
    ))  # fmt: skip


if __name__ == "__main__":
    main()
