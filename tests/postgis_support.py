"""PostGIS for the tests: a fresh, empty schema per test in the database ``TEST_STORE_URL`` names (creating the
schema and its tables takes a fifth of a second, a new database from a template several times that), dropped
afterwards; and a TCP relay that tests cut to lose the store's connections mid-request.

Kept out of conftest.py so test modules import it by name.
"""

from __future__ import annotations

import os
import socket
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import psycopg
from psycopg import sql

TEST_STORE_URL = os.environ.get("TEST_STORE_URL", "")
SCHEMA_PREFIX = "test_"


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


@contextmanager
def fresh_postgis_url(tmp_path: Path, base_url: str) -> Iterator[str]:
    """The URL of a new, empty schema in the database ``base_url`` names; the schema is dropped afterwards."""
    schema = SCHEMA_PREFIX + uuid.uuid4().hex[:16]
    try:
        yield with_query(base_url, schema=schema, pool_max="4")
    finally:
        drop_schema(base_url, schema)


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
