"""PostGIS for the tests: a fresh, empty schema per test in the database ``TEST_STORE_URL`` names (creating the
schema and its tables takes a fifth of a second, a new database from a template several times that), dropped
afterwards; a TCP relay that tests cut to lose the store's connections mid-request; and a throwaway cluster of
a test's own, for what the shared server must never undergo (an immediate shutdown) or its role may not do
(create roles).

Kept out of conftest.py so test modules import it by name.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import tempfile
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import psycopg
import pytest
from psycopg import sql

TEST_STORE_URL = os.environ.get("TEST_STORE_URL", "")
SCHEMA_PREFIX = "test_"
PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))


def is_postgis(url: str = TEST_STORE_URL) -> bool:
    return urlsplit(url).scheme in ("postgresql", "postgres")


def with_query(url: str, **params: str) -> str:
    """``url`` with query parameters set (replacing any of the same name)."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k not in params] + list(params.items())
    return urlunsplit(parts._replace(query=urlencode(query)))


def with_netloc(url: str, host: str, port: int) -> str:
    parts = urlsplit(url)
    auth = parts.netloc.rpartition("@")[0]
    return urlunsplit(parts._replace(netloc=f"{auth}@{host}:{port}" if auth else f"{host}:{port}"))


def admin_connect(base_url: str) -> psycopg.Connection:
    """A plain autocommit connection to the test database (our own URL parameters removed)."""
    parts = urlsplit(base_url)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k not in ("schema", "pool_min", "pool_max")]
    return psycopg.connect(urlunsplit(parts._replace(query=urlencode(query))), autocommit=True)


def drop_schema(base_url: str, schema: str) -> None:
    with admin_connect(base_url) as conn:
        conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))


# Emptied in this order (rows before the rows they refer to); identity columns restart at 1.
_TABLES = ("version", "feature", "layer", "meta", "token", "session", "login_attempt", "audit", "app_user",
           "category_version", "photo", "blob", "idempotency", "area", "inspection_answer", "inspection_item",
           "inspection_round", "checklist_version", "import_session", "rate_event")  # fmt: skip
_IDENTITIES = ("app_user", "token", "login_attempt", "audit", "category_version", "photo", "checklist_version",
               "inspection_round", "inspection_answer")  # fmt: skip
_emptied: list[str] = []  # schemas of this process, migrated and emptied, ready for the next test
_admin: list[psycopg.Connection] = []


def _empty(base_url: str, schema: str) -> bool:
    """Delete every row of a used test schema (a few milliseconds, against a fifth of a second to create and
    migrate a new one); False when the schema is not the complete, current one (a test changed it)."""
    from layers.store.postgis.migrations import latest

    if not _admin or _admin[0].closed:
        _admin[:] = [admin_connect(base_url)]
    conn = _admin[0]
    name = sql.Identifier(schema)
    try:
        with conn.transaction():
            tables = {r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = %s", (schema,))}
            if tables != {*_TABLES, "schema_version"}:
                return False
            version = conn.execute(sql.SQL("SELECT max(version) FROM {}.schema_version").format(name)).fetchone()[0]
            if version != latest():
                return False
            for table in _TABLES:
                conn.execute(sql.SQL("DELETE FROM {}.{}").format(name, sql.Identifier(table)))
            for table in _IDENTITIES:
                conn.execute(sql.SQL("ALTER TABLE {}.{} ALTER COLUMN id RESTART").format(name, sql.Identifier(table)))
    except psycopg.Error:
        return False
    return True


@contextmanager
def fresh_postgis_url(tmp_path: Path, base_url: str, *, new: bool = False) -> Iterator[str]:
    """The URL of an empty schema of the current version in the database ``base_url`` names: one that an
    earlier test used and that was emptied since, or (always with ``new``) one not created yet. Emptied
    (or dropped) again afterwards."""
    reuse = _emptied and not new
    schema = _emptied.pop() if reuse else f"{SCHEMA_PREFIX}{os.getpid()}_{uuid.uuid4().hex[:12]}"
    try:
        yield with_query(base_url, schema=schema, pool_max="4")
    finally:
        if _empty(base_url, schema):
            _emptied.append(schema)
        else:
            drop_schema(base_url, schema)


def drop_emptied(base_url: str) -> None:
    """Drop the schemas kept for reuse (at the end of the session)."""
    while _emptied:
        drop_schema(base_url, _emptied.pop())
    for conn in _admin:
        conn.close()
    _admin.clear()


class ThrowawayCluster:
    """A PostgreSQL 15 cluster in a temporary folder, on a free loopback port, with trust authentication and a
    database with PostGIS: made with ``initdb``, run with ``pg_ctl`` (as the ``postgres`` user when the tests
    run as root, since PostgreSQL refuses to run as root), removed at :meth:`remove`."""

    def __init__(self) -> None:
        if not (PG_BIN / "initdb").is_file():
            pytest.fail(f"{PG_BIN}/initdb is missing: install postgresql-15 (or set PG_BIN)", pytrace=False)
        self.root = Path(tempfile.mkdtemp(prefix="chuangwei-pg-"))
        self.data = self.root / "data"
        self.port = _free_port()
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/chuangwei"
        self._as = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self._as:
            shutil.chown(self.root, "postgres", "postgres")
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
        self.start()
        with psycopg.connect(self.url.replace("/chuangwei", "/postgres"), autocommit=True) as conn:
            conn.execute("CREATE DATABASE chuangwei")
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute("CREATE EXTENSION postgis")
            conn.execute("CREATE EXTENSION btree_gist")

    def _run(self, tool: str, *args: str) -> None:
        result = subprocess.run([*self._as, str(PG_BIN / tool), *args], capture_output=True, text=True, timeout=120)
        if result.returncode != 0:
            raise RuntimeError(f"{tool} failed: {result.stdout}{result.stderr}")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c max_connections=60"
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.root / "server.log"), "-w", "start")

    def stop_immediate(self) -> None:
        """``pg_ctl stop -m immediate``: every server process quits at once, no checkpoint; the next start
        recovers from the WAL as after a crash."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")

    def log_tail(self, lines: int = 30) -> str:
        path = self.root / "server.log"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.is_file() else ""

    def remove(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        except RuntimeError:
            pass  # not running
        shutil.rmtree(self.root, ignore_errors=True)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Relay:
    """A TCP relay on a free loopback port to ``target``; :meth:`cut` closes every relayed connection
    (the app sees its database connections die mid-use) and refuses new ones until :meth:`resume`."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.open = threading.Event()
        self.open.set()
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            if not self.open.is_set():
                client.close()
                continue
            upstream = socket.create_connection(self.target)
            with self._lock:
                self._sockets += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        for s in (source, sink):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def cut(self) -> None:
        self.open.clear()
        with self._lock:
            sockets, self._sockets = self._sockets, []
        for s in sockets:
            try:
                s.shutdown(socket.SHUT_RDWR)
                s.close()
            except OSError:
                pass

    def resume(self) -> None:
        self.open.set()

    def close(self) -> None:
        self.cut()
        self.server.close()


class SQLiteDialectConnection:
    """A read connection to a PostGIS store's schema that takes the SQLite-flavoured queries the fuzz tests
    use to look at a store (``?`` parameters, ``json_extract``, 0/1 booleans, the ``user`` table), so one
    harness inspects either backend. Tables SQLite has and PostGIS has not (the R*Trees) read as empty."""

    _RENAMES = (
        (re.compile(r"json_extract\((\w+)\.properties, '\$\.(\w+)'\)"), r"\1.properties ->> '\2'"),
        (re.compile(r"\bv\.properties\b(?! ->>)"), "v.props"),
        (re.compile(r"\b(FROM|JOIN) user\b"), r"\1 app_user"),
        (re.compile(r"\b((?:\w+\.)?(?:deleted|builtin|disabled)) = 0\b"), r"NOT \1"),
        (re.compile(r"\?"), "%s"),
    )

    def __init__(self, url: str) -> None:
        from layers.store.postgis.connect import Connections

        self._conn = Connections(url).connect()

    def execute(self, query: str, params=()) -> psycopg.Cursor:
        if re.search(r"\b(cur|hist)_rtree\b", query):
            return self._conn.execute("SELECT 1 WHERE false")
        for pattern, replacement in self._RENAMES:
            query = pattern.sub(replacement, query)
        return self._conn.execute(query, params)

    def close(self) -> None:
        self._conn.close()


def inspect_store(app):
    """A read connection to ``app``'s store for tests that look at its tables: SQLite's file, or the
    PostGIS schema through :class:`SQLiteDialectConnection`."""
    import sqlite3

    store = app.extensions["store"]
    if is_postgis(getattr(store, "url", "")):
        return SQLiteDialectConnection(store.url)
    return sqlite3.connect(store.path, isolation_level=None)


@contextmanager
def data_dir_on_test_store(data_dir: Path) -> Iterator[None]:
    """Make every ``server.py --data DIR`` process (server, create-user, import) use a fresh store of the
    backend under test: on PostGIS, a new schema named in ``DIR/config.json`` for as long as the block runs;
    on SQLite, nothing (the default file in ``DIR``)."""
    if not is_postgis():
        yield
        return
    with fresh_postgis_url(Path(data_dir), TEST_STORE_URL, new=True) as url:
        config = Path(data_dir) / "config.json"
        config.parent.mkdir(parents=True, exist_ok=True)
        settings = json.loads(config.read_text(encoding="utf-8")) if config.is_file() else {}
        config.write_text(json.dumps(settings | {"STORE_URL": with_query(url, pool_max="10")}), encoding="utf-8")
        yield
