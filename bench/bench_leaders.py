"""Benchmark: the leaders' compare and dashboard endpoints on a year of history with 100,000 cases.

Seeding: 100,000 cases over 365 days in 48 grid cells, each moved through its workflow (filed, dispatched,
in progress, fixed, closed; some rejected, some left open) with back-dated versions written through the
Store interface (about 5 versions a case), into a fresh data directory.

Ours: the real server (``python server.py --data DIR --port P --no-demo``), timed from request to last
byte: ``GET /api/compare?from&to`` and ``GET /api/dashboard``. The first request after start reads the
whole history once (cold); later requests answer from the in-memory table (warm); after a write the next
request patches the table with the versions written since (after write).

Baseline, in the same run on the same database: recomputing from the full history with pandas each time
-- ``pandas.read_sql`` of every version of the case layer, its properties parsed from JSON
(``pandas.json_normalize``), then the same statistics (``geo/casestats.py``). The figures of both are
compared, so the baseline is known to compute the same answer.

Target (from the issue): <= 1 s for each endpoint. Nothing here asserts on time.

    python bench/bench_leaders.py [--cases 100000] [--repeats 5] [--keep DIR]
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
from _common import Server, machine_summary, markdown_table, ms, p50, ratio  # noqa: E402

from geo import casestats  # noqa: E402
from layers.cases.timeline import TIMES
from layers.cases.workflow import CLOCK_STATES
from layers.leaders import GROUPS
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


def baseline_history(db_path: Path) -> pd.DataFrame:
    """The baseline's first step on every request: the full history read and parsed with pandas."""
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        raw = pd.read_sql("SELECT fid, op, valid_from, valid_to, geometry, properties FROM version"
                          " WHERE layer = 'blackspots' ORDER BY fid, version", conn)  # fmt: skip
    finally:
        conn.close()
    props = pd.json_normalize([json.loads(p) if p else {} for p in raw["properties"]])
    coords = [json.loads(g)["coordinates"] if g else [np.nan, np.nan] for g in raw["geometry"]]
    history = pd.DataFrame({
        "fid": raw["fid"], "valid_from": raw["valid_from"],
        "valid_to": raw["valid_to"].fillna(-1).astype(np.int64).replace(-1, casestats.OPEN_END),
        "deleted": raw["op"] == "delete", "x": [c[0] for c in coords], "y": [c[1] for c in coords],
    })  # fmt: skip
    for name in ("status", "category", "grid_code", "responsible_unit"):
        history[name] = props.get(name)
    for text, column in TIMES.items():
        if text in props:
            stamps = pd.to_datetime(props[text], format="ISO8601", utc=True)
            history[column] = np.where(stamps.isna(), -1, stamps.astype("int64") // 1000)
        else:
            history[column] = -1
    history["recurrence"] = props["recurrence"].fillna(0).astype(int) if "recurrence" in props else 0
    return history[list(casestats.COLUMNS)]


def timed(server: Server, path: str) -> tuple[float, dict]:
    t0 = time.perf_counter()
    status, _, body = server.get(path, {"Accept-Encoding": "identity"})
    elapsed = time.perf_counter() - t0
    if status != 200:
        raise RuntimeError(f"{path}: {status} {body[:300]!r}")
    return elapsed, json.loads(body)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--keep", type=Path, help="reuse (or create) this data directory")
    args = parser.parse_args()
    print(machine_summary())
    data_dir = args.keep or Path(tempfile.mkdtemp(prefix="bench-leaders-"))
    now_us = int(pd.Timestamp("2026-11-29T12:00:00+08:00").value // 1000)
    if not (data_dir / "chuangwei.sqlite3").exists():
        print(f"seeding {args.cases:,} cases into {data_dir} ...", flush=True)
        seconds, versions = seed(data_dir, args.cases, now_us)
        print(f"seeded {versions:,} versions in {seconds:.1f} s")
    from_us, to_us = now_us - 182 * DAY, now_us
    query = urlencode({"from": iso(from_us), "to": iso(to_us)})
    if True:
        with Server(data_dir, data_dir / "bench-server.log") as server:
            cold_compare, ours_compare = timed(server, f"/api/compare?{query}")
            warm_compare = [timed(server, f"/api/compare?{query}")[0] for _ in range(args.repeats)]
            cold_dash, _ = timed(server, "/api/dashboard")  # the table is already read: "cold" is the first call
            warm_dash = [timed(server, "/api/dashboard")[0] for _ in range(args.repeats)]
            # a write through the store moves the layer's revision: the next answer patches the table
            patched = []
            for _ in range(args.repeats):
                status, _, body = server.get("/api/cases?group=open&limit=1")
                fid = json.loads(body)["features"][0]["id"]
                conn = server.connection()
                conn.request("POST", f"/api/cases/{fid}/notes", body=json.dumps({"note": "基准测试备注"}),
                             headers=server.auth | {"Content-Type": "application/json"})  # fmt: skip
                assert conn.getresponse().status == 201
                conn.close()
                patched.append(timed(server, "/api/dashboard?" + urlencode({"at": iso(now_us + DAY)}))[0])
            _, dash_at = timed(server, "/api/dashboard?" + urlencode({"at": ours_compare["to"]}))
    db_path = data_dir / "chuangwei.sqlite3"
    to_us = int(pd.Timestamp(ours_compare["to"]).value // 1000)  # the server caps "to" at its own now
    base_compare_times, base_dash_times = [], []
    for _ in range(max(1, args.repeats // 2)):
        t0 = time.perf_counter()
        history = baseline_history(db_path)
        read = time.perf_counter() - t0
        t0 = time.perf_counter()
        base_compare = casestats.compare(history, from_us, to_us, GROUPS)
        base_compare_times.append(read + time.perf_counter() - t0)
        t0 = time.perf_counter()
        base_dash = casestats.dashboard(history, to_us, GROUPS, set(CLOCK_STATES), tz=str(TZ))
        base_dash_times.append(read + time.perf_counter() - t0)
    same = base_compare["summary"] == ours_compare["summary"] and base_dash["by_status"] == dash_at["by_status"]
    print(f"baseline computes the same figures: {same}")
    if not same:
        print("  ours:    ", ours_compare["summary"], dash_at["by_status"])
        print("  baseline:", base_compare["summary"], base_dash["by_status"])
    bc, bd = p50(base_compare_times), p50(base_dash_times)
    rows = [
        ("compare, first request (reads the history)", ms(cold_compare), "", ""),
        ("compare, warm (p50)", ms(p50(warm_compare)), ms(bc), ratio(bc, p50(warm_compare))),
        ("dashboard, first request", ms(cold_dash), "", ""),
        ("dashboard, warm (p50)", ms(p50(warm_dash)), ms(bd), ratio(bd, p50(warm_dash))),
        ("dashboard after a write (p50)", ms(p50(patched)), ms(bd), ratio(bd, p50(patched))),
    ]
    print(markdown_table(("", "ours (HTTP)", "baseline: pandas from the full history", "ratio"), rows))
    if not args.keep:
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
