"""Shared helpers for the benchmarks in ``bench/``: the stores to measure (SQLite always; PostGIS too when
``BENCH_STORE_URL`` names a PostgreSQL database, in a schema of its own dropped afterwards), seeding a point
layer, running the real server as a subprocess, timing and printing.

Only the standard library, numpy and the project's own modules are used. Nothing here asserts on time:
the scripts measure and print; the reader judges.
"""

from __future__ import annotations

import http.client
import os
import platform
import socket
import sqlite3
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from layers.accounts import TOKEN_PREFIX, new_secret, secret_hash  # noqa: E402
from layers.catalogue.schema import check_layer_definition, check_properties  # noqa: E402
from layers.store import NewFeature, Store, default_store_url, open_store  # noqa: E402

# A city-sized extent (central Guangzhou): about 30 km x 28 km.
EXTENT = (113.20, 23.00, 113.50, 23.25)
SEED = 20240601
CHUNK = 50_000
STATUSES = ("reported", "dispatched", "in_progress", "fixed", "closed")
CATEGORIES = ("garbage", "sewage", "graffiti", "stall", "other")


def point_layer_definition(layer_id: str, style_by: str | None = None) -> dict:
    """A custom point layer with a couple of properties; checked with the project's own schema check."""
    definition = {
        "id": layer_id,
        "title": {"zh-CN": "基准测试点位", "en": "Benchmark points"},
        "geometry_types": ["Point"],
        "editable": True,
        "properties": {
            "category": {"type": "string", "enum": list(CATEGORIES), "title": {"zh-CN": "类别", "en": "Category"}},
            "status": {"type": "string", "enum": list(STATUSES), "title": {"zh-CN": "状态", "en": "Status"}},
            "count": {"type": "integer", "minimum": 0, "title": {"zh-CN": "数量", "en": "Count"}},
        },
        "required": ["status"],
        "style": {"color": "#b71c1c", "fillColor": "#e53935", "radius": 5, "cluster": True},
    }
    if style_by:
        definition["style"]["by"] = style_by
        definition["style"]["classes"] = {
            s: {"fillColor": c} for s, c in zip(STATUSES, ("#e53935", "#fb8c00", "#fdd835", "#7cb342", "#9e9e9e"))
        }
    problems = check_layer_definition(definition)
    if problems:
        raise ValueError(f"benchmark layer definition is invalid: {problems}")
    return definition


def make_points(n: int, seed: int = SEED, extent=EXTENT) -> dict:
    """n points spread uniformly over ``extent`` (rounded to 1e-6 degrees, about 0.1 m, so a GeoJSON round
    trip is exact), with deterministic properties. Same seed, same points."""
    rng = np.random.default_rng(seed)
    minx, miny, maxx, maxy = extent
    return {
        "x": np.round(rng.uniform(minx, maxx, n), 6),
        "y": np.round(rng.uniform(miny, maxy, n), 6),
        "category": rng.integers(0, len(CATEGORIES), n),
        "status": rng.integers(0, len(STATUSES), n),
        "count": rng.integers(0, 50, n),
    }


def _features(points: dict, start: int, stop: int) -> list[NewFeature]:
    xs = points["x"][start:stop].tolist()
    ys = points["y"][start:stop].tolist()
    cats = points["category"][start:stop].tolist()
    stats = points["status"][start:stop].tolist()
    counts = points["count"][start:stop].tolist()
    return [
        NewFeature(
            {"type": "Point", "coordinates": [x, y]},
            {"category": CATEGORIES[c], "status": STATUSES[s], "count": k},
            (x, y, x, y),
        )
        for x, y, c, s, k in zip(xs, ys, cats, stats, counts)
    ]


def seed_points(
    store: Store, definition: dict, points: dict, chunk: int = CHUNK, progress: Callable[[str], None] | None = print
) -> float:
    """Create the layer and insert every point with ``store.create`` in chunks; return seconds taken."""
    store.create_layer(definition, "bench")
    n = len(points["x"])
    sample = _features(points, 0, min(n, 100))
    for feature in sample:  # the store trusts its callers, so check a sample against the layer schema
        problems = check_properties(definition, feature.properties)
        if problems:
            raise ValueError(f"generated properties are invalid: {problems}")
    t0 = time.perf_counter()
    for start in range(0, n, chunk):
        store.create(definition["id"], _features(points, start, min(n, start + chunk)), "bench")
        if progress and (start // chunk) % 4 == 3:
            progress(f"  seeded {min(n, start + chunk):,} / {n:,} points ({time.perf_counter() - t0:.1f} s)")
    return time.perf_counter() - t0


# -- the stores measured ----------------------------------------------------------------------------
PG_SETTING = "BENCH_STORE_URL"  # postgresql://USER:PASSWORD@HOST:PORT/DB: also measure PostGIS there


def with_schema(url: str, schema: str) -> str:
    """``url`` with ``schema=`` set (the PostGIS store keeps its tables there)."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k != "schema"] + [("schema", schema)]
    return urlunsplit(parts._replace(query=urlencode(query)))


@contextmanager
def bench_stores(data_dir: Path, only: str | None = None) -> Iterator[list[tuple[str, str]]]:
    """``[(name, store URL)]`` to measure: SQLite in ``data_dir``, and PostGIS in a new schema of the database
    ``BENCH_STORE_URL`` names when it is set (the schema is dropped at the end). ``only`` picks one."""
    stores = [("SQLite", default_store_url(data_dir))]
    schema = None
    if os.environ.get(PG_SETTING):
        schema = f"bench_{uuid.uuid4().hex[:10]}"
        stores.append(("PostGIS", with_schema(os.environ[PG_SETTING], schema)))
    try:
        yield [s for s in stores if only is None or s[0].lower() == only.lower()]
    finally:
        if schema:
            drop_schema(os.environ[PG_SETTING], schema)


def drop_schema(url: str, schema: str) -> None:
    import psycopg

    from layers.store.postgis.connect import parse_url

    conninfo, _ = parse_url(url)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def vacuum_analyze(url: str) -> None:
    """``VACUUM (ANALYZE)`` of the store's tables in the schema ``url`` names."""
    import psycopg

    from layers.store.postgis.connect import parse_url

    conninfo, own = parse_url(url)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        if own.get("schema"):
            conn.execute(f'SET search_path TO "{own["schema"]}", public')
        conn.execute("VACUUM (ANALYZE) feature, version")


def open_bench_store(url: str, **options) -> Store:
    """The store at ``url``; SQLite with ``synchronous=NORMAL`` for seeding unless told otherwise."""
    return open_store(url, **({"sqlite_synchronous": "NORMAL"} | options))


def api_token(data_dir: Path, store_url: str | None = None) -> str:
    """A new API token of an administrator ``bench`` in the store at ``store_url`` (default: the SQLite
    store in ``data_dir``; the user is created if missing)."""
    store = open_store(store_url or default_store_url(data_dir))
    try:
        user = store.user("bench") or store.create_user("bench", "admin", None, actor="bench")
        secret = new_secret(TOKEN_PREFIX)
        store.add_token(user["id"], "bench", secret_hash(secret))
    finally:
        store.close()
    return secret


# -- the real server -------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """``python server.py --data DIR --port P --no-demo [--store URL]`` as a subprocess, stopped on exit."""

    def __init__(self, data_dir: Path, log_path: Path, startup_timeout: float = 60.0, store_url: str | None = None,
                 token: str | None = None, extra_args: Sequence[str] = ()) -> None:  # fmt: skip
        token = token or api_token(data_dir, store_url)
        self.auth = {"Authorization": f"Bearer {token}"}  # reading requires login by default
        self.port = free_port()
        self.log_path = log_path
        self._log = open(log_path, "ab")
        store_args = ["--store", store_url] if store_url else []
        self.proc = subprocess.Popen(
            [
                sys.executable,
                str(ROOT / "server.py"),
                "--data",
                str(data_dir),
                "--port",
                str(self.port),
                "--no-demo",
                *store_args,
                *extra_args,
            ],  # fmt: skip
            cwd=str(ROOT),
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + startup_timeout
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                status, _, _ = self.get("/api/health")
                if status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"server did not answer within {startup_timeout} s:\n{self.log_tail()}")
            time.sleep(0.1)

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def connection(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)

    def get(self, path: str, headers: dict | None = None) -> tuple[int, dict, bytes]:
        conn = self.connection()
        try:
            conn.request("GET", path, headers=self.auth | (headers or {}))
            resp = conn.getresponse()
            return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
        finally:
            conn.close()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self._log.close()

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def timed_get(
    conn: http.client.HTTPConnection, path: str, headers: dict | None = None
) -> tuple[float, int, dict, bytes]:
    """One GET on a kept-alive connection, timed from sending the request to the last byte of the body.
    Header names come back lower-cased."""
    t0 = time.perf_counter()
    conn.request("GET", path, headers=headers or {})
    resp = conn.getresponse()
    body = resp.read()
    elapsed = time.perf_counter() - t0
    return elapsed, resp.status, {k.lower(): v for k, v in resp.getheaders()}, body


# -- statistics and output ---------------------------------------------------------------------------
def p50(samples: Sequence[float]) -> float:
    return statistics.median(samples)


def p95(samples: Sequence[float]) -> float:
    if len(samples) < 2:
        return samples[0]
    return statistics.quantiles(samples, n=20, method="inclusive")[-1]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.1f} ms"


def mb(nbytes: float) -> str:
    return f"{nbytes / 1_000_000:,.2f} MB"


def ratio(baseline: float, ours: float) -> str:
    return f"{baseline / ours:,.1f}x" if ours > 0 else "n/a"


def markdown_table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def machine_summary() -> str:
    import geopandas
    import pyogrio
    import shapely

    return (
        f"Python {platform.python_version()} on {platform.system()} {platform.machine()}, "
        f"{os.cpu_count()} CPUs; SQLite {sqlite3.sqlite_version}; numpy {np.__version__}, "
        f"geopandas {geopandas.__version__} (pyogrio {pyogrio.__version__}), shapely {shapely.__version__}"
    )
