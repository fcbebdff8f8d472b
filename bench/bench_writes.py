"""Benchmark: acknowledged writes per second from 16 concurrent clients creating and updating cases through
the API, with two app processes on one store against one app process (the baseline: how the product ran
before it had a database server), on SQLite and (with ``BENCH_STORE_URL``) PostGIS side by side.

Each client is a thread with its own kept-alive HTTP connection to one of the app processes (the clients are
spread evenly over them) and repeats for ``--seconds``: report a case (``POST /api/cases``), then add a note
to it (``POST /api/cases/{id}/notes``, a new version). A write counts when it is acknowledged (201); any
other answer is counted and printed, and after the run every acknowledged write is looked for in the store
(the case layer must hold every acknowledged case and one version per acknowledged note). Two SQLite
processes share one database file (each with its own data directory and lock); two PostGIS processes
share one schema.

Nothing asserts on time; the script prints the figures and a Markdown table.

    [BENCH_STORE_URL=postgresql://...] python bench/bench_writes.py [--clients 16] [--seconds 10]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as c  # noqa: E402

from layers.accounts import CASE_LAYER
from layers.store import open_store


def client_loop(server: c.Server, seconds: float, seed: int, out: dict, lock: threading.Lock) -> None:
    """Report, then note, until the time is up; acknowledged ids and every other answer into ``out``."""
    conn = server.connection()
    headers = server.auth | {"Content-Type": "application/json"}
    acked, notes, other = [], 0, Counter()
    deadline = time.monotonic() + seconds
    k = 0
    try:
        while time.monotonic() < deadline:
            k += 1
            lon, lat = 113.30 + (seed * 7919 + k * 104729) % 10_000 / 1e6, 23.10 + (seed * 31 + k * 17) % 1000 / 1e5
            report = {"category": "0102", "lon": round(lon, 6), "lat": round(lat, 6), "description": "基准测试写入"}
            conn.request("POST", "/api/cases", body=json.dumps(report), headers=headers)
            resp = conn.getresponse()
            body = resp.read()
            if resp.status != 201:
                other[resp.status] += 1
                continue
            fid = json.loads(body)["id"]
            acked.append(fid)
            conn.request("POST", f"/api/cases/{fid}/notes", body=json.dumps({"note": f"第{k}条"}), headers=headers)
            resp = conn.getresponse()
            resp.read()
            if resp.status == 201:
                notes += 1
            else:
                other[resp.status] += 1
    finally:
        conn.close()
    with lock:
        out["cases"] += acked
        out["notes"] += notes
        out["other"] += other


def run(servers: list[c.Server], clients: int, seconds: float) -> dict:
    out = {"cases": [], "notes": 0, "other": Counter()}
    lock = threading.Lock()
    threads = [threading.Thread(target=client_loop, args=(servers[i % len(servers)], seconds, i, out, lock))
               for i in range(clients)]  # fmt: skip
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    out["elapsed"] = time.perf_counter() - t0
    out["writes"] = len(out["cases"]) + out["notes"]
    return out


def check(url: str, result: dict, before: int) -> str:
    """Every acknowledged write in the store: the cases, and as many versions as cases plus notes."""
    store = open_store(url)
    try:
        _, rows = store.version_rows(CASE_LAYER, ())
    finally:
        store.close()
    fids = {r[0] for r in rows}
    missing = [f for f in result["cases"] if f not in fids]
    versions = len(rows) - before
    ok = not missing and versions == result["writes"]
    return "yes" if ok else f"NO ({len(missing)} cases missing, {versions} versions for {result['writes']} writes)"


def measure(name: str, url: str, tmp: Path, processes: int, clients: int, seconds: float) -> dict:
    store = open_store(url)
    try:
        before = len(store.version_rows(CASE_LAYER, ())[1]) if store.layer(CASE_LAYER) else 0
    finally:
        store.close()
    servers = []
    try:
        for k in range(processes):
            data_dir = tmp / f"{name}-{processes}-{k}"
            data_dir.mkdir()
            servers.append(c.Server(data_dir, data_dir / "server.log", store_url=url))
        result = run(servers, clients, seconds)
    finally:
        for server in servers:
            server.stop()
    result["present"] = check(url, result, before)
    rate = result["writes"] / result["elapsed"]
    print(f"{name}, {processes} process(es): {result['writes']:,} acknowledged writes in {result['elapsed']:.1f} s "
          f"= {rate:,.0f}/s; other answers {dict(result['other']) or 'none'}; all present: {result['present']}",
          flush=True)  # fmt: skip
    return result | {"rate": rate}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args(argv)
    print(c.machine_summary(), flush=True)
    tmp = Path(tempfile.mkdtemp(prefix="cw-bench-writes-"))
    rows = []
    try:
        with c.bench_stores(tmp / "sqlite") as stores:
            for name, url in stores:
                if name == "SQLite":  # one database file, named absolutely, shared by both processes' folders
                    url = c.default_store_url((tmp / "sqlite").resolve())
                one = measure(name, url, tmp, 1, args.clients, args.seconds)
                two = measure(name, url, tmp, 2, args.clients, args.seconds)
                rows.append([name, args.clients, f"{two['rate']:,.0f} writes/s", f"{one['rate']:,.0f} writes/s",
                             c.ratio(two["rate"], one["rate"]) if one["rate"] else "n/a",
                             sum((one["other"] + two["other"]).values()),
                             "yes" if one["present"] == two["present"] == "yes" else "NO"])  # fmt: skip
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print()
    header = ["store", "clients", "ours: two app processes", "baseline: one app process", "two / one",
              "answers other than 201", "every acknowledged write present"]  # fmt: skip
    print(c.markdown_table(header, rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
