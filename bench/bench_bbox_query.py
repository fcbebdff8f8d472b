"""Benchmark: bounding-box queries on 1,000,000 stored points, ours against a GeoJSON-file server (SQLite)
and against pygeoapi with its PostgreSQL provider (PostGIS, with ``BENCH_STORE_URL``).

Ours: a custom point layer in the SQLite + R*Tree store (``layers/store/sqlite/store.py``), queried through the
real server (``python server.py --data DIR --port P --no-demo`` as a subprocess) with
``GET /api/layers/bench_points/features?bbox=...&limit=10000`` over loopback, timing each request from
sending it to the last byte of the body (once without and once with ``Accept-Encoding: gzip``); and the
store alone (``store.query(...)`` in-process).

Baseline, in the same run on the same points: a GeoJSON-file server the way pygeoapi's GeoJSON provider
works (the whole file is read and parsed on every request; there is no index): the points written once to
a ``.geojson`` file, then per request ``geopandas.read_file(path)``, ``gdf.cx[...]`` for the bbox and
``to_json()``. It takes seconds per request, so only a few requests are made.

On PostGIS (``BENCH_STORE_URL=postgresql://...``: a schema of its own in that database, dropped at the end)
the same points are stored through the store's bulk create, our server runs with ``--store`` and answers
the same boxes; the baseline there is the peer a city would otherwise deploy: pygeoapi (``bench/_pygeoapi.py``,
installed apart, see ``bench/requirements-baseline.txt``) under waitress with its PostgreSQL provider on a
plain view of the same ``version`` table (the layer's live rows; its GiST index serves the bbox), asked
``/collections/bench_points/items?bbox=...&limit=10000&f=json`` for the same features.

Targets (from the issues): SQLite p50 <= 50 ms; PostGIS p50 <= 10 ms and p95 <= 15 ms, at least 5x faster
than pygeoapi at p50, for a bbox returning about 2,000 of 1,000,000 points. Nothing here asserts on time;
the script prints the figures and Markdown tables.

    python bench/bench_bbox_query.py [--points 1000000] [--queries 200] [--per-box 2000]
                                     [--baseline-queries 3] [--no-gzip] [--profile] [--keep DIR]
"""

from __future__ import annotations

import argparse
import cProfile
import gzip
import io
import json
import pstats
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as c  # noqa: E402

from layers.store.sqlite.store import SQLiteStore

LAYER_ID = "bench_points"
LIMIT = 10_000
TARGET_P50_S = 0.050
PG_TARGET_P50_S, PG_TARGET_P95_S = 0.010, 0.015
PG_PROPERTIES = {"category": "text", "status": "text", "count": "integer"}


def make_boxes(n_points: int, per_box: int, count: int, seed: int) -> list[tuple[float, float, float, float]]:
    """Random boxes inside the extent, shaped like the extent, sized so that the expected number of
    (uniformly spread) points inside is ``per_box``."""
    minx, miny, maxx, maxy = c.EXTENT
    share = min(1.0, per_box / n_points)
    w, h = (maxx - minx) * share**0.5, (maxy - miny) * share**0.5
    rng = np.random.default_rng(seed)
    x0 = rng.uniform(minx, maxx - w, count)
    y0 = rng.uniform(miny, maxy - h, count)
    return [(round(a, 6), round(b, 6), round(a + w, 6), round(b + h, 6)) for a, b in zip(x0.tolist(), y0.tolist())]


def bbox_param(box) -> str:
    return ",".join(f"{v:.6f}" for v in box)


def run_store(store: SQLiteStore, boxes) -> tuple[list[float], list[int]]:
    times, counts = [], []
    for box in boxes:
        t0 = time.perf_counter()
        page = store.query(LAYER_ID, bbox=box, limit=LIMIT)
        times.append(time.perf_counter() - t0)
        counts.append(len(page.features))
    return times, counts


def run_http(server: c.Server, boxes, accept_gzip: bool = False) -> tuple[list[float], list[int], list[int]]:
    """Sequential requests on one kept-alive connection, as a browser would make them. With ``accept_gzip``
    the request says ``Accept-Encoding: gzip`` as browsers do, and the server compresses the JSON."""
    headers = server.auth | ({"Accept-Encoding": "gzip"} if accept_gzip else {})
    conn = server.connection()
    try:
        times, counts, sizes = [], [], []
        for box in boxes:
            elapsed, status, got, body = c.timed_get(
                conn, f"/api/layers/{LAYER_ID}/features?bbox={bbox_param(box)}&limit={LIMIT}", headers
            )
            if status != 200:
                raise RuntimeError(f"HTTP {status}: {body[:500]!r}")
            times.append(elapsed)
            sizes.append(len(body))
            if got.get("content-encoding") == "gzip":
                body = gzip.decompress(body)
            doc = json.loads(body)  # outside the timed part: check what came back
            if doc["numberReturned"] != doc["numberMatched"]:
                raise RuntimeError(f"limit cut the page: {doc['numberReturned']} of {doc['numberMatched']}")
            counts.append(doc["numberReturned"])
        return times, counts, sizes
    finally:
        conn.close()


def run_pygeoapi(port: int, boxes) -> tuple[list[float], list[int]]:
    """The same boxes asked of pygeoapi on one kept-alive connection, timed to the last byte."""
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    times, counts = [], []
    try:
        for box in boxes:
            path = f"/collections/{LAYER_ID}/items?bbox={bbox_param(box)}&limit={LIMIT}&f=json"
            elapsed, status, _, body = c.timed_get(conn, path, {"Accept-Encoding": "identity"})
            if status != 200:
                raise RuntimeError(f"pygeoapi HTTP {status}: {body[:500]!r}")
            times.append(elapsed)
            counts.append(len(json.loads(body)["features"]))
    finally:
        conn.close()
    return times, counts


def measure_postgis(url: str, points: dict, warm, measured, tmp: Path) -> list[list]:
    """Ours and pygeoapi on PostGIS, the same boxes; rows of the summary table."""
    import _pygeoapi

    store = c.open_bench_store(url)
    print(f"PostGIS: seeding {len(points['x']):,} points (bulk create: COPY) ...", flush=True)
    seed_s = c.seed_points(store, c.point_layer_definition(LAYER_ID), points)
    store.close()
    print(f"PostGIS: seeded in {seed_s:.1f} s", flush=True)
    # What autovacuum does to a freshly loaded table within minutes: statistics, hint bits, visibility map.
    t0 = time.perf_counter()
    c.vacuum_analyze(url)
    print(f"PostGIS: VACUUM (ANALYZE) in {time.perf_counter() - t0:.1f} s (both sides read it settled)", flush=True)
    data_dir = tmp / "pgdata"
    data_dir.mkdir()
    with c.Server(data_dir, tmp / "server-postgis.log", store_url=url) as server:
        http_t, http_n, _ = run_http(server, warm + measured)
    http_t, http_n = http_t[len(warm) :], http_n[len(warm) :]
    print(f"PostGIS ours: p50 {c.ms(c.p50(http_t))}, p95 {c.ms(c.p95(http_t))}", flush=True)
    schema = _pygeoapi.make_view(url, LAYER_ID, PG_PROPERTIES)
    try:
        with _pygeoapi.PygeoapiServer(tmp, url, schema, LAYER_ID, c.free_port(), c.EXTENT) as peer:
            run_pygeoapi(peer.port, warm)
            base_t, base_n = run_pygeoapi(peer.port, measured)
    finally:
        _pygeoapi.drop_view_schema(url, schema)
    same = base_n == http_n
    print(f"PostGIS pygeoapi: p50 {c.ms(c.p50(base_t))}, p95 {c.ms(c.p95(base_t))}; same feature counts: {same}")
    if not same:
        raise RuntimeError(f"pygeoapi and ours differ: {base_n[:5]} vs {http_n[:5]}")
    ours50, ours95 = c.p50(http_t), c.p95(http_t)
    met = ours50 <= PG_TARGET_P50_S and ours95 <= PG_TARGET_P95_S and c.p50(base_t) >= 5 * ours50
    return [["PostGIS", c.ms(ours50), c.ms(ours95), c.ms(c.p50(base_t)), c.ms(c.p95(base_t)),
             "pygeoapi 0.21 PostgreSQL provider (HTTP)", c.ratio(c.p50(base_t), ours50),
             "p50 <= 10 ms, p95 <= 15 ms, >= 5x", "yes" if met else "NO"]]  # fmt: skip


def write_geojson(store: SQLiteStore, points: dict, path: Path) -> float:
    import geopandas

    fids = store.points(LAYER_ID).fids  # the store's own ids, in insertion order (ascending)
    gdf = geopandas.GeoDataFrame(
        {
            "id": fids,
            "category": np.asarray(c.CATEGORIES, dtype=object)[points["category"]],
            "status": np.asarray(c.STATUSES, dtype=object)[points["status"]],
            "count": points["count"],
        },
        geometry=geopandas.points_from_xy(points["x"], points["y"]),
        crs="EPSG:4326",
    )
    t0 = time.perf_counter()
    gdf.to_file(path, driver="GeoJSON", engine="pyogrio")
    return time.perf_counter() - t0


def baseline_request(path: Path, box) -> tuple[str, int]:
    """What a GeoJSON-file server does for one bbox request: read the whole file, filter, serialise."""
    import geopandas

    gdf = geopandas.read_file(path)
    minx, miny, maxx, maxy = box
    found = gdf.cx[minx:maxx, miny:maxy]
    return found.to_json(), len(found)


def run_baseline(path: Path, boxes) -> tuple[list[float], list[int], list[int]]:
    times, counts, sizes = [], [], []
    for box in boxes:
        t0 = time.perf_counter()
        body, n = baseline_request(path, box)
        times.append(time.perf_counter() - t0)
        counts.append(n)
        sizes.append(len(body.encode("utf-8")))
        print(f"  baseline request: {c.ms(times[-1])}, {n:,} features", flush=True)
    return times, counts, sizes


def profile_requests(data_dir: Path, boxes, top: int = 25) -> str:
    """cProfile of in-process requests through Flask's test client (same app, no sockets)."""
    from server import create_app

    app = create_app({"DATA_DIR": str(data_dir)})
    client = app.test_client()
    urls = [f"/api/layers/{LAYER_ID}/features?bbox={bbox_param(b)}&limit={LIMIT}" for b in boxes]
    for url in urls[:3]:
        client.get(url)
    prof = cProfile.Profile()
    prof.enable()
    for url in urls:
        client.get(url).get_data()
    prof.disable()
    app.extensions["store"].close()
    out = io.StringIO()
    stats = pstats.Stats(prof, stream=out).strip_dirs()
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top)
    return out.getvalue()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--points", type=int, default=1_000_000, help="points to store (default 1,000,000)")
    parser.add_argument("--queries", type=int, default=200, help="measured bbox queries for ours (default 200)")
    parser.add_argument("--per-box", type=int, default=2_000, help="expected features per bbox (default 2,000)")
    parser.add_argument("--baseline-queries", type=int, default=3, help="baseline requests (default 3)")
    parser.add_argument("--warmup", type=int, default=10, help="unmeasured warm-up queries (default 10)")
    parser.add_argument(
        "--no-gzip",
        dest="gzip",
        action="store_false",
        help="skip the second HTTP pass that sends Accept-Encoding: gzip",
    )
    parser.add_argument("--profile", action="store_true", help="also cProfile in-process requests")
    parser.add_argument("--keep", metavar="DIR", help="use DIR (new) instead of a temporary directory and keep it")
    args = parser.parse_args(argv)
    if min(args.points, args.queries, args.per_box, args.baseline_queries) < 1 or args.warmup < 0:
        parser.error("--points, --queries, --per-box and --baseline-queries must be at least 1")

    print(f"bench_bbox_query: {args.points:,} points, {args.queries} queries of ~{args.per_box:,} features")
    print(c.machine_summary(), flush=True)
    tmp = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="cw-bench-bbox-"))
    data_dir = tmp / "data"
    if data_dir.exists():
        parser.error(f"{data_dir} exists; --keep needs a new directory")
    tmp.mkdir(parents=True, exist_ok=True)
    try:
        points = c.make_points(args.points)
        boxes = make_boxes(args.points, args.per_box, args.queries + args.warmup, c.SEED + 1)
        warm, measured = boxes[: args.warmup], boxes[args.warmup :]

        # -- seed ------------------------------------------------------------------------------------
        store = SQLiteStore(data_dir, synchronous="NORMAL")
        print(f"seeding {args.points:,} points in chunks of {c.CHUNK:,} with store.create ...", flush=True)
        seed_s = c.seed_points(store, c.point_layer_definition(LAYER_ID), points)
        store.close()  # checkpoints the write-ahead log into the database file
        db_mb = sum(p.stat().st_size for p in data_dir.glob("chuangwei.sqlite3*")) / 1e6
        print(f"seeded in {seed_s:.1f} s ({args.points / seed_s:,.0f} points/s); database {db_mb:,.0f} MB", flush=True)

        # -- ours: store only (in-process) -------------------------------------------------------------
        store = SQLiteStore(data_dir)
        store_t, store_n = run_store(store, warm + measured)
        store_t, store_n = store_t[len(warm) :], store_n[len(warm) :]
        print(
            f"store.query: p50 {c.ms(c.p50(store_t))}, p95 {c.ms(c.p95(store_t))}, "
            f"mean {np.mean(store_n):,.0f} features (min {min(store_n):,}, max {max(store_n):,})",
            flush=True,
        )

        # -- baseline file, written once (the store stays open only to read the ids) --------------------
        geojson = tmp / "points.geojson"
        print("writing the baseline GeoJSON file ...", flush=True)
        write_s = write_geojson(store, points, geojson)
        store.close()
        print(f"wrote {geojson.name}: {geojson.stat().st_size / 1e6:,.0f} MB in {write_s:.1f} s", flush=True)

        # -- ours: the real server over HTTP --------------------------------------------------------------
        with c.Server(data_dir, tmp / "server.log") as server:
            http_t, http_n, http_sizes = run_http(server, warm + measured)
            gz_t, _, gz_sizes = run_http(server, warm + measured, accept_gzip=True) if args.gzip else ([], [], [])
        http_t, http_n, http_sizes = http_t[len(warm) :], http_n[len(warm) :], http_sizes[len(warm) :]
        print(
            f"HTTP GET /features: p50 {c.ms(c.p50(http_t))}, p95 {c.ms(c.p95(http_t))}, "
            f"mean {np.mean(http_n):,.0f} features, mean body {np.mean(http_sizes) / 1e6:.2f} MB",
            flush=True,
        )
        if args.gzip:
            gz_t, gz_sizes = gz_t[len(warm) :], gz_sizes[len(warm) :]
            print(
                f"HTTP GET /features, Accept-Encoding: gzip: p50 {c.ms(c.p50(gz_t))}, p95 {c.ms(c.p95(gz_t))}, "
                f"mean body {np.mean(gz_sizes) / 1e6:.2f} MB",
                flush=True,
            )

        # -- baseline requests ------------------------------------------------------------------------------
        print(f"baseline: {args.baseline_queries} requests (read_file + cx + to_json) ...", flush=True)
        base_boxes = measured[: args.baseline_queries]
        base_t, base_n, base_sizes = run_baseline(geojson, base_boxes)
        same = base_n == http_n[: len(base_n)]
        print(
            f"baseline feature counts {'match' if same else 'DIFFER from'} ours for the same boxes "
            f"(baseline {base_n}, ours {http_n[: len(base_n)]})"
        )

        if args.profile:
            print("\ncProfile of in-process requests (Flask test client):", flush=True)
            print(profile_requests(data_dir, measured[:50]))

        # -- summary ------------------------------------------------------------------------------------------
        ours_p50 = c.p50(http_t)
        base_p50 = c.p50(base_t)
        print(f"\n## bbox query: 1 request for ~{args.per_box:,} of {args.points:,} points\n")
        print(
            c.markdown_table(
                ["measure", "requests", "mean features", "p50", "p95", "mean body"],
                [
                    [
                        "ours: HTTP GET /api/layers/{id}/features",
                        len(http_t),
                        f"{np.mean(http_n):,.0f}",
                        c.ms(ours_p50),
                        c.ms(c.p95(http_t)),
                        c.mb(np.mean(http_sizes)),
                    ],
                    *(
                        [
                            [
                                "ours: same, with Accept-Encoding: gzip",
                                len(gz_t),
                                f"{np.mean(http_n):,.0f}",
                                c.ms(c.p50(gz_t)),
                                c.ms(c.p95(gz_t)),
                                c.mb(np.mean(gz_sizes)),
                            ]
                        ]
                        if args.gzip
                        else []
                    ),
                    [
                        "ours: store.query in-process",
                        len(store_t),
                        f"{np.mean(store_n):,.0f}",
                        c.ms(c.p50(store_t)),
                        c.ms(c.p95(store_t)),
                        "-",
                    ],
                    [
                        "baseline: read_file + cx + to_json",
                        len(base_t),
                        f"{np.mean(base_n):,.0f}",
                        c.ms(base_p50),
                        c.ms(c.p95(base_t)) if len(base_t) > 1 else "-",
                        c.mb(np.mean(base_sizes)),
                    ],
                ],
            )
        )
        rows = [["SQLite", c.ms(ours_p50), c.ms(c.p95(http_t)), c.ms(base_p50),
                 c.ms(c.p95(base_t)) if len(base_t) > 1 else "-", "GeoJSON file: read_file + cx + to_json (in-process)",
                 c.ratio(base_p50, ours_p50), "p50 <= 50 ms", "yes" if ours_p50 <= TARGET_P50_S else "NO"]]  # fmt: skip
        with c.bench_stores(data_dir, "postgis") as stores:
            for _, url in stores:
                rows += measure_postgis(url, points, warm, measured, tmp)
        print()
        header = ["store", "ours p50 (HTTP)", "ours p95", "baseline p50", "baseline p95", "named baseline",
                  "ratio (baseline / ours, p50)", "target", "met"]  # fmt: skip
        print(c.markdown_table(header, rows))
        print(f"\nseeding: {seed_s:.1f} s for {args.points:,} points; baseline file written in {write_s:.1f} s")
        return 0
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
