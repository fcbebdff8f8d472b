"""Connections of the PostGIS store: the store URL, a pool, one transaction per thread, and the errors
that name what is wrong (unreachable server, bad password, no such database, no PostGIS) in one line.

Every write transaction takes one advisory lock first, so writers run one at a time as on SQLite
(``BEGIN IMMEDIATE``): what ``atomic()`` promises (reads inside see every committed write and nothing
else writes until it ends) holds across threads and app processes alike. Readers never wait for it.
"""

from __future__ import annotations

import threading
import time
import weakref
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import psycopg
from psycopg import sql
from psycopg_pool import ConnectionPool, PoolTimeout

from layers.errors import AppError
from layers.store import StoreUrlError

# Our own query parameters of the store URL; every other one goes to libpq as it is.
_OWN_PARAMS = ("schema", "pool_min", "pool_max", "pool_timeout")
POOL_MAX = 16
# How long a request waits for a connection (all busy, or the server unreachable) before its 503.
POOL_TIMEOUT_S = 5.0
# A connection idle for longer is checked (one round trip) before it is lent: the server may have restarted
# or dropped it meanwhile. One used moments ago is lent as it is (a check per lending doubled every call).
CHECK_IDLE_S = 2.0
CONNECT_TIMEOUT_S = 10
# Errors after which the same transaction, run again from its start, may well succeed: they pass through
# unchanged (not as a 503). Writers hold one lock and readers only read, so none arises today.
TRANSIENT = (psycopg.errors.SerializationFailure, psycopg.errors.DeadlockDetected)


class StoreUnavailable(AppError):
    """The database cannot be reached now (lost connection, restart, pool exhausted): 503, try again."""

    status = 503
    code = "store_unavailable"
    key = "errors.store.unavailable"


class StoreOpenError(StoreUrlError):
    """The store ``STORE_URL`` names cannot be opened; the message says why in one line (``STORE_URL=<the URL
    without its password>: …``) and names the fix."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"STORE_URL={redact(url)}: {reason}")


def redact(url: str) -> str:
    """The URL without its password, for messages and logs.

    >>> redact("postgresql://app:secret@db.example:5432/city")
    'postgresql://app:***@db.example:5432/city'
    """
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def parse_url(url: str) -> tuple[str, dict]:
    """The libpq connection string and our own options (``schema``, ``pool_min``, ``pool_max``, ``pool_timeout``).

    >>> parse_url("postgresql://app@localhost/city?schema=district_1&sslmode=disable")
    ('postgresql://app@localhost/city?sslmode=disable', {'schema': 'district_1'})
    """
    parts = urlsplit(url)
    if parts.scheme not in ("postgresql", "postgres"):
        raise StoreOpenError(url, "not a PostgreSQL URL (postgresql://user@host:port/database)")
    query = parse_qsl(parts.query, keep_blank_values=True)
    own = {k: v for k, v in query if k in _OWN_PARAMS}
    rest = [(k, v) for k, v in query if k not in _OWN_PARAMS]
    return urlunsplit(parts._replace(query=urlencode(rest))), own


def open_error(exc: Exception, url: str) -> StoreOpenError:
    """A one-line message for a failed first connection, naming the likely fix."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    text = text.removeprefix("connection failed: ")
    hint = ""
    if "password authentication failed" in text or "no password supplied" in text:
        hint = " (check the user name and password in STORE_URL)"
    elif "does not exist" in text and "database" in text:
        hint = " (create it: createdb -O <user> <database>)"
    elif any(s in text for s in ("Connection refused", "could not translate host name", "resolve host", "timeout")):
        hint = " (is PostgreSQL running there, and are host and port right?)"
    return StoreOpenError(url, f"cannot connect: {text}{hint}")


class Connections:
    """A pool of autocommit connections; ``read()`` and ``write()`` lend one for a block. Inside a write
    the thread keeps its connection, so nested reads see the write's own rows and nested writes become
    savepoints of the outer transaction."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.conninfo, own = parse_url(url)
        self.schema = own.get("schema") or None
        self.pool_min = int(own.get("pool_min", 1))
        self.pool_max = int(own.get("pool_max", POOL_MAX))
        self.pool_timeout = float(own.get("pool_timeout", POOL_TIMEOUT_S))
        # Writers of one schema take one advisory lock (two stores in one database do not wait for each other).
        self.write_lock = zlib.crc32(f"chuangwei:{self.schema or ''}".encode())
        self._local = threading.local()
        self.before_commit = None  # run inside each outermost write transaction, last (the hash chains' seal)
        self._pool: ConnectionPool | None = None

    def connect(self) -> psycopg.Connection:
        """A connection of its own (not from the pool), set up like the pool's; errors named in one line."""
        try:
            conn = psycopg.connect(self.conninfo, autocommit=True, connect_timeout=CONNECT_TIMEOUT_S)
        except psycopg.Error as exc:
            raise open_error(exc, self.url) from None
        self._configure(conn)
        return conn

    def _configure(self, conn: psycopg.Connection) -> None:
        if self.schema:
            conn.execute(sql.SQL("SET search_path TO {}, public").format(sql.Identifier(self.schema)))
        conn.execute("SET application_name TO 'chuangwei'")

    def open_pool(self) -> None:
        self._pool = ConnectionPool(
            self.conninfo,
            min_size=self.pool_min,
            max_size=self.pool_max,
            kwargs={"autocommit": True, "connect_timeout": CONNECT_TIMEOUT_S},
            configure=self._configure,
            check=_check_if_idle,
            reset=_mark_returned,
            timeout=self.pool_timeout,
            name="chuangwei",
            open=True,
        )

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
            self._pool = None

    @property
    def in_transaction(self) -> bool:
        return getattr(self._local, "conn", None) is not None

    @contextmanager
    def _lend(self) -> Iterator[psycopg.Connection]:
        if self._pool is None:
            raise StoreUnavailable()
        try:
            with self._pool.connection() as conn:
                yield conn
        except PoolTimeout as exc:
            raise StoreUnavailable() from exc
        except psycopg.OperationalError as exc:
            if isinstance(exc, TRANSIENT):
                raise
            # The server restarted or the network dropped: the idle connections are likely dead too. Check
            # them now, so the next request gets a live one instead of a second 503.
            try:
                self._pool.check()
            except psycopg.Error:
                pass
            raise StoreUnavailable() from exc

    @contextmanager
    def read(self) -> Iterator[psycopg.Connection]:
        """A connection for reading: the thread's open transaction if it has one, else one from the pool."""
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            yield conn
            return
        with self._lend() as conn:
            yield conn

    @contextmanager
    def snapshot(self) -> Iterator[psycopg.Connection]:
        """Several reads that see one snapshot (REPEATABLE READ), or the thread's open transaction."""
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            yield conn
            return
        with self._lend() as conn, conn.transaction():
            conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            yield conn

    @contextmanager
    def independent(self) -> Iterator[psycopg.Connection]:
        """A short transaction of its own, on another connection than the thread's open one and without the
        write lock (for blobs, which only ever add rows that no other write reads)."""
        with self._lend() as conn, conn.transaction():
            yield conn

    @contextmanager
    def write(self) -> Iterator[psycopg.Connection]:
        """A write transaction holding the store's write lock; inside another, a savepoint of it."""
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            with conn.transaction():
                yield conn
            return
        with self._lend() as conn:
            self._local.conn = conn
            try:
                with conn.transaction():
                    conn.execute("SELECT pg_advisory_xact_lock(%s)", (self.write_lock,))
                    yield conn
                    if self.before_commit is not None:
                        self.before_commit(conn)
            finally:
                self._local.conn = None


def _mark_returned(conn: psycopg.Connection) -> None:
    _returned[conn] = time.monotonic()


def _check_if_idle(conn: psycopg.Connection) -> None:
    if time.monotonic() - _returned.get(conn, 0.0) > CHECK_IDLE_S:
        ConnectionPool.check_connection(conn)


_returned: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # pooled connection -> when it came back
