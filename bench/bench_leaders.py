"""Benchmark: the leaders' compare and dashboard endpoints on a year of history with 100,000 cases, on SQLite
and (with ``BENCH_STORE_URL``) PostGIS side by side.

Seeding: 100,000 cases over 365 days in 48 grid cells, each moved through its workflow (filed, dispatched,
in progress, fixed, closed; some rejected, some left open) with back-dated versions written through the
Store interface (about 5.6 versions a case) into a fresh SQLite store; for PostGIS the same feature and
version rows are copied into a new schema (COPY), so both backends hold the very same history.

Ours: the real server (``python server.py --data DIR --port P --no-demo [--store URL]``), timed from
request to last byte: ``GET /api/compare?from&to`` (six months) and ``GET /api/dashboard``. The server
reads the cases as they stood at the instants asked (``Tallies.rows_at``: indexed queries), so the first
request after a start costs about what a later one does. A write moves the case layer's revision, so the
request after it reads from the store again ("after a write": the figure to judge); the same request
repeated with no write between is answered from a small per-app cache of those tables ("repeated").

Baseline, in the same run on the same store: today's in-memory timeline, the way the server answered
before -- every version of the case layer read once into a table (``layers/cases/timeline.py``,
``Store.version_rows``), patched from the versions written since, and the same view code
(``compare_view``/``dashboard_view``) computing from it, in-process (no HTTP, which favours it). The
summaries of both are compared, so the baseline is known to compute the same answer.

Targets (from the issues): compare and dashboard <= 300 ms on PostGIS (100,000 cases); <= 1 s on SQLite.
Nothing here asserts on time.

    BENCH_STORE_URL=postgresql://... python bench/bench_leaders.py [--cases 100000] [--repeats 5] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (  # noqa: E402
    Server,
    bench_stores,
    machine_summary,
    markdown_table,
    ms,
    open_bench_store,
    p50,
    ratio,
)

from layers.accounts import CASE_LAYER
from layers.cases.timeline import CaseTimeline
from layers.leaders import Filters, Leaders, compare_view, dashboard_view
from layers.store import NewFeature
from layers.store.sqlite.store import SQLiteStore
from server import _sync_catalogue  # noqa: E402

TZ = ZoneInfo("Asia/Shanghai")
DAY = 86_400_000_000
HOUR = 3_600_000_000
CATEGORIES = ("0102", "0104", "0201", "0404", "0504", "0507", "0101", "0401")
EXTENT = (113.30, 23.10, 113.36, 23.14)  # a street of 48 cells, ~6 km x 4.4 km


def iso(us: int) -> str:
    return pd.Timestamp(us, unit="us", tz="UTC").tz_convert(TZ).isoformat(timespec="seconds")


def _cells() -> list[NewFeature]:
    out = []
    minx, miny, maxx, maxy = EXTENT
    dx, dy = (maxx - minx) / 8, (maxy - miny) / 6
    for r in range(6):
        for c in range(8):
            x0, y0 = minx + c * dx, maxy - (r + 1) * dy
            ring = [[x0, y0], [x0 + dx, y0], [x0 + dx, y0 + dy], [x0, y0 + dy], [x0, y0]]
            n = r * 8 + c + 1
            props = {"code": f"440106003012{n:03d}", "name": f"第{n}网格", "responsible_unit": f"第{n}网格工作站"}
            out.append(NewFeature({"type": "Polygon", "coordinates": [ring]}, props, (x0, y0, x0 + dx, y0 + dy)))
    return out


def seed(data_dir: Path, n_cases: int, now_us: int) -> tuple[float, int]:
    """Write the history; return (seconds, versions written)."""
    rng = np.random.default_rng(20261129)
    store = SQLiteStore(data_dir, synchronous="OFF")
    _sync_catalogue(store)
    start = now_us - 365 * DAY
    store.create("grid", _cells(), "bench", at=start - DAY)
    t0 = time.perf_counter()
    reported = np.sort(start + rng.integers(0, 365 * DAY, n_cases))
    xs = rng.uniform(EXTENT[0] + 1e-4, EXTENT[2] - 1e-4, n_cases)
    ys = rng.uniform(EXTENT[1] + 1e-4, EXTENT[3] - 1e-4, n_cases)
    events: list[tuple[int, int, str]] = []  # (instant, case index, status)
    for i, t in enumerate(reported.tolist()):
        roll, steps = rng.random(), []
        if roll < 0.05:
            steps = [(t + 3 * HOUR, "rejected")]
        else:
            d = t + int(rng.uniform(1, 8) * HOUR)
            steps = [(t + HOUR // 2, "filed"), (d, "dispatched")]
            if roll > 0.12:
                w = d + int(rng.uniform(2, 30) * HOUR)
                f = w + int(rng.lognormal(np.log(30), 0.7) * HOUR)
                steps += [(w, "in_progress"), (f, "fixed"), (f + int(rng.uniform(12, 72) * HOUR), "closed")]
        events += [(at, i, status) for at, status in steps if at < now_us - HOUR]
    events.sort()
    fids = np.zeros(n_cases, dtype=np.int64)
    props: list[dict] = []
    versions, e, batch = 0, 0, 5000
    for i in range(n_cases):
        col, row = (
            int((xs[i] - EXTENT[0]) / (EXTENT[2] - EXTENT[0]) * 8),
            int((EXTENT[3] - ys[i]) / (EXTENT[3] - EXTENT[1]) * 6),
        )
        cell = row * 8 + col + 1
        props.append({"category": CATEGORIES[int(rng.integers(0, len(CATEGORIES)))], "status": "reported",
                      "reported_at": iso(int(reported[i])), "grid_code": f"440106003012{cell:03d}",
                      "responsible_unit": f"第{cell}网格工作站", "description": "基准测试问题"})  # fmt: skip
    # Replay creations and transitions in time order, a few thousand writes per transaction.
    creations = [(int(t), i, "create") for i, t in enumerate(reported.tolist())]
    timeline = sorted(creations + events)
    for k in range(0, len(timeline), batch):
        with store.atomic():
            for at, i, what in timeline[k : k + batch]:
                point = {"type": "Point", "coordinates": [round(float(xs[i]), 6), round(float(ys[i]), 6)]}
                box = (point["coordinates"][0], point["coordinates"][1]) * 2
                if what == "create":
                    [v] = store.create("blackspots", [NewFeature(point, dict(props[i]), box)], "bench", at=at)
                    fids[i] = v.fid
                else:
                    p = dict(props[i], status=what)
                    if what == "dispatched":
                        p |= {"dispatched_at": iso(at), "deadline": iso(at + 48 * HOUR)}
                    elif what == "fixed":
                        p |= {"fixed_by": "bench", "fixed_at": iso(at)}
                    elif what == "closed":
                        p["closed_at"] = iso(at)
                    props[i] = p
                    store.update("blackspots", int(fids[i]), NewFeature(point, p, box), None, "bench", at=at)
                versions += 1
        e += 1
        if e % 40 == 0:
            print(f"  {k + batch:,} / {len(timeline):,} versions ({time.perf_counter() - t0:.0f} s)", flush=True)
    store.close()
    return time.perf_counter() - t0, versions


class TimelineLeaders(Leaders):
    """The baseline: the leaders' figures as they were computed before, from the whole history in memory."""

    def __init__(self) -> None:
        super().__init__()
        self.timeline = CaseTimeline()

    def history(self, store, tz, filters, instants):
        return self.timeline.history(store, tz)


def copy_to_postgis(sqlite_path: Path, url: str) -> float:
    """The SQLite store's layers' features and versions, row for row, into the (new) PostGIS store at
    ``url``; returns seconds. The derived columns (geometry, jsonb) are computed by PostgreSQL as usual."""
    store = open_bench_store(url)
    _sync_catalogue(store)
    store.close()
    from layers.store.postgis.connect import Connections

    db = Connections(url)
    t0 = time.perf_counter()
    src = sqlite3.connect(f"file:{sqlite_path}?mode=ro", uri=True)
    with db.connect() as conn, conn.transaction():
        with conn.cursor().copy("COPY feature (fid, layer, vid, version, deleted) FROM STDIN") as copy:
            rows = src.execute("SELECT fid, layer, vid, version, deleted FROM feature")
            for fid, layer, vid, version, deleted in rows:
                copy.write_row((fid, layer, vid, version, bool(deleted)))
        columns = "vid, fid, layer, version, op, valid_from, valid_to, author, {}, {}, minx, miny, maxx, maxy, " \
                  "layer_rev"  # fmt: skip
        with conn.cursor().copy(f"COPY version ({columns.format('geojson', 'props')}) FROM STDIN") as copy:
            for row in src.execute(f"SELECT {columns.format('geometry', 'properties')} FROM version"):
                copy.write_row(row)
        for layer, revision, count in src.execute("SELECT id, revision, feature_count FROM layer"):
            conn.execute("UPDATE layer SET revision = %s, feature_count = %s WHERE id = %s", (revision, count, layer))
        conn.execute("ANALYZE feature")
        conn.execute("ANALYZE version")
    src.close()
    return time.perf_counter() - t0


def timed(server: Server, path: str) -> tuple[float, dict]:
    t0 = time.perf_counter()
    status, _, body = server.get(path, {"Accept-Encoding": "identity"})
    elapsed = time.perf_counter() - t0
    if status != 200:
        raise RuntimeError(f"{path}: {status} {body[:300]!r}")
    return elapsed, json.loads(body)


def write_note(server: Server) -> None:
    """One write through the API: a note on an open case (a new version, the layer's revision moves)."""
    _, _, body = server.get("/api/cases?group=open&limit=1")
    fid = json.loads(body)["features"][0]["id"]
    conn = server.connection()
    conn.request("POST", f"/api/cases/{fid}/notes", body=json.dumps({"note": "基准测试备注"}),
                 headers=server.auth | {"Content-Type": "application/json"})  # fmt: skip
    assert conn.getresponse().status == 201
    conn.close()


def measure_ours(data_dir: Path, url: str, log: Path, query: str, at_query: str, repeats: int) -> dict:
    with Server(data_dir, log, store_url=url) as server:
        first_compare, body = timed(server, f"/api/compare?{query}")
        out = {"first_compare": first_compare, "compare": body}
        out["warm_compare"] = [timed(server, f"/api/compare?{query}")[0] for _ in range(repeats)]
        out["warm_dash"] = [timed(server, f"/api/dashboard?{at_query}")[0] for _ in range(repeats)]
        out["dashboard"] = timed(server, f"/api/dashboard?{at_query}")[1]
        out["after_write"], out["compare_after_write"] = [], []
        for _ in range(repeats):  # a write moves the revision: nothing cached answers the next request
            write_note(server)
            out["after_write"].append(timed(server, "/api/dashboard")[0])
            write_note(server)
            out["compare_after_write"].append(timed(server, f"/api/compare?{query}")[0])
    return out


def write_case(store) -> None:
    v = store.query(CASE_LAYER, filters={"status": "dispatched"}, limit=1).features[0]
    props = json.loads(v.properties) | {"note": "基准测试备注"}
    point = json.loads(v.geometry)
    store.update(CASE_LAYER, v.fid, NewFeature(point, props, tuple(point["coordinates"]) * 2), None, "bench")


def measure_baseline(url: str, from_us: int, to_us: int, repeats: int) -> dict:
    """Today's in-memory timeline on the same store, in-process: the first request reads every version."""
    store = open_bench_store(url)
    leaders, filters = TimelineLeaders(), Filters()
    try:
        t0 = time.perf_counter()
        compare = compare_view(leaders, store, TZ, from_us, to_us, filters)
        out = {"first_compare": time.perf_counter() - t0, "compare": compare, "warm_compare": [], "warm_dash": []}
        for _ in range(repeats):
            t0 = time.perf_counter()
            compare_view(leaders, store, TZ, from_us, to_us, filters)
            out["warm_compare"].append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            out["dashboard"] = dashboard_view(leaders, store, TZ, to_us, filters)
            out["warm_dash"].append(time.perf_counter() - t0)
        out["after_write"], out["compare_after_write"] = [], []
        for _ in range(repeats):  # a write moves the revision: the next figures patch the table first
            write_case(store)
            t0 = time.perf_counter()
            dashboard_view(leaders, store, TZ, store.now(), filters)
            out["after_write"].append(time.perf_counter() - t0)
            write_case(store)
            t0 = time.perf_counter()
            compare_view(leaders, store, TZ, from_us, to_us, filters)
            out["compare_after_write"].append(time.perf_counter() - t0)
    finally:
        store.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--keep", type=Path, help="reuse (or create) this data directory (SQLite seeding)")
    parser.add_argument("--only", choices=("sqlite", "postgis"), help="measure one backend")
    args = parser.parse_args()
    print(machine_summary())
    data_dir = args.keep or Path(tempfile.mkdtemp(prefix="bench-leaders-"))
    now_us = int(pd.Timestamp("2026-11-29T12:00:00+08:00").value // 1000)
    db_path = data_dir / "chuangwei.sqlite3"
    if not db_path.exists():
        print(f"seeding {args.cases:,} cases into {data_dir} ...", flush=True)
        seconds, versions = seed(data_dir, args.cases, now_us)
        print(f"seeded {versions:,} versions in {seconds:.1f} s")
    from_us = now_us - 182 * DAY
    to_us = min(now_us, int(time.time() * 1e6))
    query = urlencode({"from": iso(from_us), "to": iso(to_us)})
    at_query = urlencode({"at": iso(to_us)})
    rows = []
    try:
        with bench_stores(data_dir, args.only) as stores:
            for name, url in stores:
                if name == "PostGIS":
                    print(f"copying the history into PostGIS ({copy_to_postgis(db_path, url):.1f} s)", flush=True)
                ours = measure_ours(data_dir, url, data_dir / f"server-{name}.log", query, at_query, args.repeats)
                base = measure_baseline(url, from_us, to_us, args.repeats)
                same = ours["compare"]["summary"] == base["compare"]["summary"] and \
                    ours["dashboard"]["by_status"] == base["dashboard"]["by_status"]  # fmt: skip
                print(f"{name}: the baseline computes the same figures: {same}", flush=True)
                if not same:
                    print("  ours:    ", ours["compare"]["summary"], ours["dashboard"]["by_status"])
                    print("  baseline:", base["compare"]["summary"], base["dashboard"]["by_status"])
                for label, key in (("compare, first request after start", "first_compare"),
                                   ("compare after a write (p50)", "compare_after_write"),
                                   ("dashboard after a write (p50)", "after_write"),
                                   ("compare repeated, no write between (p50)", "warm_compare"),
                                   ("dashboard repeated, no write between (p50)", "warm_dash")):  # fmt: skip
                    a = ours[key] if isinstance(ours[key], float) else p50(ours[key])
                    b = base[key] if isinstance(base[key], float) else p50(base[key])
                    rows.append((name, label, ms(a), ms(b), ratio(b, a)))
    finally:
        if not args.keep:
            shutil.rmtree(data_dir, ignore_errors=True)
    print()
    print(markdown_table(("store", "", "ours (HTTP)", "baseline: in-memory timeline (in-process)", "ratio"), rows))


if __name__ == "__main__":
    main()
