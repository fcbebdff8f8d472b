"""Benchmark: the payload the map needs to draw 200,000 points, ours against GeoJSON.

Ours: ``GET /api/layers/{id}/points`` with ``Accept-Encoding: gzip`` (the compact ``CWP1`` format of
``geo/pointpack.py``) from the real server (``python server.py --data DIR --port P --no-demo`` as a
subprocess), timed from sending the request to the last byte. Cold = the first request after a write (the
server caches the payload per layer revision, so a write makes the next request rebuild it): the first
request to a freshly started server, then again after each of a few unchanged ``PUT`` writes through the
API. Warm = repeated requests served from the cache. Also in-process: ``store.points`` +
``pointpack.encode`` + ``gzip.compress(level 6)``, the same steps the endpoint runs, timed stage by stage.

The layer is styled ``by`` a property (as every clustered built-in point layer is), so the payload carries
a class byte per point and ``store.points`` reads that property.

Baseline, in the same run on the same points: ``GeoDataFrame.to_json()`` of the 200,000 points with the
same information (id, the style property, the position), and its size gzipped at the same level.

Targets (from the issue): <= 2 MB gzipped and <= 150 ms to produce.
Nothing here asserts on time; the script prints the figures and a Markdown table.

    python bench/bench_point_payload.py [--points 200000] [--queries 20] [--cold 5]
                                        [--baseline-repeats 3] [--no-style] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import gzip
import io
import json
import math
import pstats
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as c  # noqa: E402

from geo import pointpack  # noqa: E402
from layers.store.sqlite.store import SQLiteStore

LAYER_ID = "bench_payload"
GZIP_LEVEL = 6  # what web/api.py uses
TARGET_BYTES = 2_000_000
TARGET_S = 0.150


def m_per_deg_x() -> float:
    return 111_320.0 * math.cos(math.radians((c.EXTENT[1] + c.EXTENT[3]) / 2))


def in_process(store: SQLiteStore, style_by: str | None, repeats: int) -> dict:
    """The endpoint's steps without HTTP, timed per stage (medians over ``repeats``)."""
    stages = {"store.points": [], "pointpack.encode": [], "gzip": [], "total": []}
    raw = packed = None
    for _ in range(repeats):
        t0 = time.perf_counter()
        arrays = store.points(LAYER_ID, value_property=style_by)
        t1 = time.perf_counter()
        raw = pointpack.encode(arrays.fids, arrays.x, arrays.y, arrays.values)
        t2 = time.perf_counter()
        packed = gzip.compress(raw, compresslevel=GZIP_LEVEL)
        t3 = time.perf_counter()
        for name, value in zip(stages, (t1 - t0, t2 - t1, t3 - t2, t3 - t0)):
            stages[name].append(value)
    return {
        "p50": {k: c.p50(v) for k, v in stages.items()},
        "raw": len(raw),
        "gzip": len(packed),
        "count": len(arrays.fids),
        "decoded": pointpack.decode(raw),
    }


def write_once(server: c.Server) -> None:
    """An unchanged PUT of feature 1 through the API: a write that bumps the layer revision."""
    status, headers, body = server.get(f"/api/layers/{LAYER_ID}/features/1")
    if status != 200:
        raise RuntimeError(f"GET feature 1: HTTP {status}: {body[:300]!r}")
    feature = json.loads(body)
    conn = server.connection()
    try:
        conn.request(
            "PUT",
            f"/api/layers/{LAYER_ID}/features/1",
            body=json.dumps({"type": "Feature", "geometry": feature["geometry"], "properties": feature["properties"]}),
            headers=server.auth | {"Content-Type": "application/geo+json", "If-Match": headers["etag"]},
        )
        resp = conn.getresponse()
        answer = resp.read()
        if resp.status != 200:
            raise RuntimeError(f"PUT feature 1: HTTP {resp.status}: {answer[:300]!r}")
    finally:
        conn.close()


def over_http(server: c.Server, cold: int, warm: int) -> dict:
    path = f"/api/layers/{LAYER_ID}/points"
    headers = server.auth | {"Accept-Encoding": "gzip"}
    cold_t, warm_t, sizes = [], [], set()
    body = b""
    for i in range(cold):
        if i:
            write_once(server)
        conn = server.connection()
        try:
            elapsed, status, got, body = c.timed_get(conn, path, headers)
        finally:
            conn.close()
        if status != 200 or got.get("content-encoding") != "gzip":
            raise RuntimeError(f"HTTP {status}, Content-Encoding {got.get('content-encoding')}: {body[:300]!r}")
        cold_t.append(elapsed)
        sizes.add(len(body))
    conn = server.connection()
    try:
        for _ in range(warm):
            elapsed, status, got, body = c.timed_get(conn, path, headers)
            warm_t.append(elapsed)
            sizes.add(len(body))
    finally:
        conn.close()
    decoded = pointpack.decode(gzip.decompress(body))
    return {"cold": cold_t, "warm": warm_t, "gzip": max(sizes), "count": len(decoded["fids"])}


def baseline(points: dict, fids: np.ndarray, style_by: str | None, repeats: int) -> dict:
    """``GeoDataFrame.to_json()`` of the same points with the same information, and its gzipped size."""
    import geopandas

    columns = {"status": np.asarray(c.STATUSES, dtype=object)[points["status"]]} if style_by else {}
    gdf = geopandas.GeoDataFrame(
        columns, geometry=geopandas.points_from_xy(points["x"], points["y"]), crs="EPSG:4326", index=fids
    )
    to_json_t, gzip_t = [], []
    text = packed = None
    for _ in range(repeats):
        t0 = time.perf_counter()
        text = gdf.to_json()
        t1 = time.perf_counter()
        packed = gzip.compress(text.encode("utf-8"), compresslevel=GZIP_LEVEL)
        t2 = time.perf_counter()
        to_json_t.append(t1 - t0)
        gzip_t.append(t2 - t1)
        print(f"  baseline: to_json {c.ms(t1 - t0)}, gzip {c.ms(t2 - t1)}", flush=True)
    return {
        "to_json": c.p50(to_json_t),
        "gzip_time": c.p50(gzip_t),
        "raw": len(text.encode("utf-8")),
        "gzip": len(packed),
        "count": len(json.loads(text)["features"]),
    }


def profile_cold(data_dir: Path, style_by: str | None, top: int = 20) -> str:
    """cProfile of the endpoint's cold path (store.points + encode + gzip) in-process."""
    store = SQLiteStore(data_dir)
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(3):
        arrays = store.points(LAYER_ID, value_property=style_by)
        gzip.compress(pointpack.encode(arrays.fids, arrays.x, arrays.y, arrays.values), compresslevel=GZIP_LEVEL)
    prof.disable()
    store.close()
    out = io.StringIO()
    pstats.Stats(prof, stream=out).strip_dirs().sort_stats("tottime").print_stats(top)
    return out.getvalue()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--points", type=int, default=200_000, help="points in the layer (default 200,000)")
    parser.add_argument("--queries", type=int, default=20, help="warm (cached) HTTP requests (default 20)")
    parser.add_argument(
        "--cold", type=int, default=5, help="cold HTTP requests: first after start, then after each write (default 5)"
    )
    parser.add_argument("--repeats", type=int, default=5, help="in-process repeats (default 5)")
    parser.add_argument("--baseline-repeats", type=int, default=3, help="baseline repeats (default 3)")
    parser.add_argument("--no-style", action="store_true", help="layer without style.by (no class byte)")
    parser.add_argument("--profile", action="store_true", help="also cProfile the cold path in-process")
    args = parser.parse_args(argv)
    if min(args.points, args.queries, args.cold, args.repeats, args.baseline_repeats) < 1:
        parser.error("every count must be at least 1")
    style_by = None if args.no_style else "status"

    print(f"bench_point_payload: {args.points:,} points, style by {style_by or 'nothing'}")
    print(c.machine_summary(), flush=True)
    tmp = Path(tempfile.mkdtemp(prefix="cw-bench-points-"))
    data_dir = tmp / "data"
    try:
        points = c.make_points(args.points, seed=c.SEED + 7)
        store = SQLiteStore(data_dir, synchronous="NORMAL")
        print(f"seeding {args.points:,} points in chunks of {c.CHUNK:,} with store.create ...", flush=True)
        seed_s = c.seed_points(store, c.point_layer_definition(LAYER_ID, style_by), points)
        print(f"seeded in {seed_s:.1f} s", flush=True)

        # -- ours over HTTP: a fresh server, so the first request is cold ---------------------------------
        store.close()
        with c.Server(data_dir, tmp / "server.log") as server:
            http = over_http(server, args.cold, args.queries)
        print(
            f"HTTP cold: {', '.join(c.ms(t) for t in http['cold'])}; warm p50 {c.ms(c.p50(http['warm']))}; "
            f"{c.mb(http['gzip'])} gzipped, {http['count']:,} points",
            flush=True,
        )

        # -- ours in-process ----------------------------------------------------------------------------------
        store = SQLiteStore(data_dir)
        mine = in_process(store, style_by, args.repeats)
        fids = store.points(LAYER_ID).fids
        store.close()
        err_m = max(
            np.abs(mine["decoded"]["x"] - points["x"]).max() * m_per_deg_x(),
            np.abs(mine["decoded"]["y"] - points["y"]).max() * 111_320.0,
        )
        print(
            "in-process: "
            + ", ".join(f"{k} {c.ms(v)}" for k, v in mine["p50"].items())
            + f"; raw {c.mb(mine['raw'])}, gzip {c.mb(mine['gzip'])}; {mine['decoded']['bits']}-bit positions, "
            f"max error {err_m:.2f} m",
            flush=True,
        )

        # -- baseline ----------------------------------------------------------------------------------------
        print(f"baseline: GeoDataFrame.to_json() x {args.baseline_repeats} ...", flush=True)
        base = baseline(points, fids, style_by, args.baseline_repeats)

        if args.profile:
            print("\ncProfile of the cold path in-process (3 runs):", flush=True)
            print(profile_cold(data_dir, style_by))

        # -- summary -------------------------------------------------------------------------------------------
        cold, warm = c.p50(http["cold"]), c.p50(http["warm"])
        produce = mine["p50"]["total"]
        print(f"\n## point payload: {args.points:,} points\n")
        print(
            c.markdown_table(
                ["measure", "points", "time (p50)", "size gzipped", "size raw"],
                [
                    [
                        "ours: HTTP GET /points, cold (first after start/write)",
                        f"{http['count']:,}",
                        f"{c.ms(cold)} (n={len(http['cold'])}, max {c.ms(max(http['cold']))})",
                        c.mb(http["gzip"]),
                        "-",
                    ],
                    [
                        "ours: HTTP GET /points, warm (cached)",
                        f"{http['count']:,}",
                        f"{c.ms(warm)} (n={len(http['warm'])}, p95 {c.ms(c.p95(http['warm']))})",
                        c.mb(http["gzip"]),
                        "-",
                    ],
                    [
                        "ours: store.points + encode + gzip, in-process",
                        f"{mine['count']:,}",
                        c.ms(produce),
                        c.mb(mine["gzip"]),
                        c.mb(mine["raw"]),
                    ],
                    ["  - store.points", "", c.ms(mine["p50"]["store.points"]), "", ""],
                    ["  - pointpack.encode", "", c.ms(mine["p50"]["pointpack.encode"]), "", ""],
                    ["  - gzip level 6", "", c.ms(mine["p50"]["gzip"]), "", ""],
                    [
                        "baseline: GeoDataFrame.to_json()",
                        f"{base['count']:,}",
                        c.ms(base["to_json"]),
                        c.mb(base["gzip"]),
                        c.mb(base["raw"]),
                    ],
                    [
                        "baseline: to_json() + gzip level 6",
                        f"{base['count']:,}",
                        c.ms(base["to_json"] + base["gzip_time"]),
                        c.mb(base["gzip"]),
                        c.mb(base["raw"]),
                    ],
                ],
            )
        )
        print()
        print(
            c.markdown_table(
                ["figure", "ours", "baseline", "ratio (baseline / ours)", "target", "met"],
                [
                    [
                        "size gzipped",
                        c.mb(http["gzip"]),
                        c.mb(base["gzip"]),
                        c.ratio(base["gzip"], http["gzip"]),
                        "<= 2 MB",
                        "yes" if http["gzip"] <= TARGET_BYTES else "NO",
                    ],
                    [
                        "time to produce, cold HTTP (ours) vs to_json() (baseline)",
                        c.ms(cold),
                        c.ms(base["to_json"]),
                        c.ratio(base["to_json"], cold),
                        "<= 150 ms",
                        "yes" if cold <= TARGET_S else "NO",
                    ],
                    [
                        "time to produce, in-process (ours) vs to_json() (baseline)",
                        c.ms(produce),
                        c.ms(base["to_json"]),
                        c.ratio(base["to_json"], produce),
                        "<= 150 ms",
                        "yes" if produce <= TARGET_S else "NO",
                    ],
                    ["time, warm HTTP (cached)", c.ms(warm), "-", "-", "-", "-"],
                ],
            )
        )
        print(f"\nseeding: {seed_s:.1f} s for {args.points:,} points")
        return 0
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
