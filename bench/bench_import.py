"""Benchmark: importing a CSV of 1,000,000 points through preview and commit, against GeoPandas reading the
same file and writing it to a GeoPackage, in the same run.

Ours: ``layers.imports.Imports`` on a real SQLite store (``synchronous=FULL``, the default), and with
``BENCH_STORE_URL`` also on PostGIS (a new schema in that database, dropped afterwards): ``create``
(sniffing, decoding, the CSV read as text, strict number parsing, range and swap checks, the extent,
duplicates within the file and of stored features in metres, the column mapping and the schema check of
every cell) and ``commit`` (the features built and stored with one all-or-nothing ``Store.create``), with
the store's share of the commit timed on its own. Baseline: ``geopandas.read_file`` (pyogrio, x/y columns)
plus ``GeoDataFrame.to_file`` to a GeoPackage: reading and writing, without any check.

The CSV is UTF-8 with a byte-order mark and Chinese headers (名称, 经度, 纬度, 容量（升）, 状态), points spread
deterministically over central Guangzhou (``_common.EXTENT``), 0.1 % of them repeated. Nothing asserts on
time; the script prints the figures and a Markdown table.

    [BENCH_STORE_URL=postgresql://...] python bench/bench_import.py [--rows 1000000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as c  # noqa: E402

from layers.catalogue import load_catalogue
from layers.imports import ImportLimits, Imports

HEADER = "名称,经度,纬度,容量（升）,状态"


def write_csv(path: Path, rows: int) -> None:
    rng = np.random.default_rng(c.SEED)
    minx, miny, maxx, maxy = c.EXTENT
    x = np.round(rng.uniform(minx, maxx, rows), 6)
    y = np.round(rng.uniform(miny, maxy, rows), 6)
    repeat = rng.choice(rows, rows // 1000, replace=False)
    x[repeat], y[repeat] = x[repeat - 1], y[repeat - 1]
    capacity = rng.choice([120, 240, 660], rows).tolist()
    status = np.array(["ok", "damaged", "missing"])[rng.integers(0, 3, rows)].tolist()
    x, y = x.tolist(), y.tolist()
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        out.write(HEADER + "\n")
        for start in range(0, rows, 100_000):
            stop = min(rows, start + 100_000)
            out.write("".join(f"垃圾箱{i},{x[i]!r},{y[i]!r},{capacity[i]},{status[i]}\n"
                              for i in range(start, stop)))  # fmt: skip


def ours(csv_path: Path, work: Path, url: str) -> dict:
    store = c.open_bench_store(url, sqlite_synchronous="FULL")  # the server's default durability
    store.sync_builtin_layers(load_catalogue())
    imports = Imports(store, tz=ZoneInfo("Asia/Shanghai"), limits=ImportLimits(max_bytes=2**32))
    user = {"name": "bench", "role": "admin"}
    timed = {"store": 0.0}
    create = store.create

    def timed_create(*args, **kwargs):
        t0 = time.perf_counter()
        try:
            return create(*args, **kwargs)
        finally:
            timed["store"] += time.perf_counter() - t0

    store.create = timed_create
    data = csv_path.read_bytes()
    t0 = time.perf_counter()
    view = imports.create(data, csv_path.name, user, {"layer": "bins"})
    timed["preview"] = time.perf_counter() - t0
    print(f"  preview: {timed['preview']:.1f} s, counts {view['counts']}, mapping "
          f"{ {k: v for k, v in view['mapping'].items() if v} }", flush=True)  # fmt: skip
    t0 = time.perf_counter()
    result = imports.commit(view["id"], user)
    timed["commit"] = time.perf_counter() - t0
    print(f"  commit: {timed['commit']:.1f} s (Store.create {timed['store']:.1f} s), created {result['created']:,}")
    store.close()
    return timed | {"created": result["created"], "refused": result["refused"]}


def baseline(csv_path: Path, work: Path) -> dict:
    import geopandas as gpd

    t0 = time.perf_counter()
    gdf = gpd.read_file(csv_path, engine="pyogrio", X_POSSIBLE_NAMES="经度", Y_POSSIBLE_NAMES="纬度")
    gdf = gdf.set_crs("EPSG:4326")
    read_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    gdf.to_file(work / "baseline.gpkg", layer="bins", driver="GPKG")
    write_s = time.perf_counter() - t0
    print(f"  baseline: read_file {read_s:.1f} s + to_file GPKG {write_s:.1f} s ({len(gdf):,} rows)")
    return {"read": read_s, "write": write_s, "rows": len(gdf)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--keep", type=Path, help="work in this new folder and keep it")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="cw-bench-import-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        print(c.machine_summary())
        csv_path = work / "bins.csv"
        t0 = time.perf_counter()
        write_csv(csv_path, args.rows)
        print(f"wrote {args.rows:,} rows, {c.mb(csv_path.stat().st_size)} in {time.perf_counter() - t0:.1f} s",
              flush=True)  # fmt: skip
        print("baseline (geopandas.read_file + to_file GPKG):", flush=True)
        base = baseline(csv_path, work)
        rows = []
        with c.bench_stores(work / "data") as stores:
            for name, url in stores:
                print(f"ours on {name} (layers.imports: preview + commit):", flush=True)
                mine = ours(csv_path, work, url)
                total, base_total = mine["preview"] + mine["commit"], base["read"] + base["write"]
                print(f"{name}: ours {total:.1f} s vs baseline {base_total:.1f} s: ratio {base_total / total:.2f}x "
                      f"(>1 means ours is faster); target <= 30 s", flush=True)  # fmt: skip
                rows.append([name, f"{args.rows:,}", f"{mine['preview']:.1f} s",
                             f"{mine['commit']:.1f} s ({mine['store']:.1f} s)", f"{total:.1f} s",
                             f"{base['read']:.1f} s", f"{base['write']:.1f} s", f"{base_total:.1f} s",
                             f"{base_total / total:.2f}x"])  # fmt: skip
        print(c.markdown_table(
            ["store", "rows", "ours: preview", "ours: commit (of which Store.create)", "ours: total",
             "baseline: read_file", "baseline: to_file GPKG", "baseline: total", "baseline / ours"], rows))  # fmt: skip
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
