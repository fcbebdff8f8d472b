"""Benchmark: generating the synthetic city (``python server.py demo-city``) at a scale, against the same
generator writing one feature per ``Store.create`` call, on the same data in one run.

Ours: ``layers.demo.city.generate_city`` as the command runs it: every feature checked with the API's
parser, then one transaction of bulk creates (base layers in batches of 50,000, cases in their 10-minute
batches) and each case's later steps as updates in time order. Baseline: the same generator with bulk
writes off (``CHUNK = 1``: one ``Store.create`` per base-layer feature), into a second empty store. Both
on SQLite (``synchronous=FULL``, the default) and, with ``--store postgresql://…``, on PostGIS too (each run
in a new schema of that database, dropped afterwards). Nothing asserts on time; the script prints the
figures and a Markdown table. Target: ``--scale 0.01`` in under two minutes.

    python bench/bench_demo_city.py [--scale 0.01] [--store postgresql://…] [--no-baseline]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as c  # noqa: E402

from layers.catalogue import load_catalogue
from layers.demo.city import generate_city
from layers.demo.city import write as city_write
from layers.store import open_store

NOW_US = 1_796_000_000_000_000


def _schema_url(url: str, schema: str) -> str:
    parts = urlsplit(url)
    query = "&".join(p for p in [parts.query, urlencode({"schema": schema})] if p)
    return urlunsplit(parts._replace(query=query))


def _drop_schema(url: str, schema: str) -> None:
    import psycopg

    parts = urlsplit(url)
    with psycopg.connect(urlunsplit(parts._replace(query="")), autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def run(url: str, work: Path, scale: float, chunk: int) -> tuple[float, dict]:
    store = open_store(url)
    store.sync_builtin_layers(load_catalogue())
    saved = city_write.CHUNK
    city_write.CHUNK = chunk
    try:
        t0 = time.perf_counter()
        summary = generate_city(store, scale=scale, data_dir=work, now_us=NOW_US, progress=lambda _: None)
        return time.perf_counter() - t0, summary
    finally:
        city_write.CHUNK = saved
        store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=float, default=0.01)
    parser.add_argument("--store", help="a postgresql:// URL: measure PostGIS too (new schemas, dropped after)")
    parser.add_argument("--no-baseline", action="store_true", help="measure ours only")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="cw-bench-city-"))
    rows = []
    try:
        print(c.machine_summary())
        backends = [("SQLite", lambda name: (f"sqlite:///{work / name}", None))]
        if args.store:
            backends.append(("PostGIS", lambda name: (_schema_url(args.store, name), name)))
        for label, make in backends:
            figures = {}
            for side, chunk in (("ours", city_write.CHUNK), ("baseline", 1)):
                if side == "baseline" and args.no_baseline:
                    continue
                url, schema = make(f"bench_city_{side}_{uuid.uuid4().hex[:8]}")
                try:
                    seconds, summary = run(url, work, args.scale, chunk)
                finally:
                    if schema:
                        _drop_schema(args.store, schema)
                figures[side] = seconds
                print(f"{label} {side}: {seconds:.1f} s, {summary['cells']:,} cells, {summary['versions']:,} versions,"
                      f" {summary['layers']}", flush=True)  # fmt: skip
            base = figures.get("baseline")
            rows.append([label, f"{args.scale:g}", f"{summary['cells']:,}", f"{summary['versions']:,}",
                         f"{figures['ours']:.1f} s", f"{base:.1f} s" if base else "not run",
                         c.ratio(base, figures["ours"]) if base else "n/a"])  # fmt: skip
        print(c.markdown_table(["store", "scale", "cells", "versions", "ours: generate_city",
                                "baseline: one create per feature", "baseline / ours"], rows))  # fmt: skip
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
