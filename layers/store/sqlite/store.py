"""The embedded default store: one SQLite database in WAL mode with R*Tree bounding-box indexes, and its
blobs as files beside it. This module holds the class, its connections, transactions and layers; the
other concerns are mixed in from the modules named after them (reads, points, writes, accounts, cases,
inspections, blobs, maintenance) and the tables are in ``schema.py``.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from layers.store import (
    AccountStore,
    AreaStore,
    Bbox,
    BlobStore,
    CaseStore,
    HistoryChain,
    ImportSessionStore,
    InspectionStore,
    LayerExists,
    Maintenance,
    PointArrays,
    Store,
    StoreUrl,
    Tallies,
    Transfer,
)
from layers.store.factory import DEFAULT_FILE
from layers.store.jsontext import dumps as _dumps
from layers.store.sqlite.accounts import SQLiteAccounts
from layers.store.sqlite.areas import SQLiteAreas
from layers.store.sqlite.blobs import SQLiteBlobs
from layers.store.sqlite.cases import SQLiteCases
from layers.store.sqlite.chain import SQLiteChain, seal_new_rows
from layers.store.sqlite.importsessions import SQLiteImportSessions
from layers.store.sqlite.inspections import SQLiteInspections
from layers.store.sqlite.maintenance import SQLiteMaintenance
from layers.store.sqlite.points import SQLitePoints
from layers.store.sqlite.reads import SQLiteReads
from layers.store.sqlite.schema import prepare
from layers.store.sqlite.tallies import SQLiteTallies
from layers.store.sqlite.transfer import SQLiteTransfer
from layers.store.sqlite.writes import SQLiteWrites

_SYNC_MODES = ("OFF", "NORMAL", "FULL", "EXTRA")
FILE_SUFFIXES = (".sqlite3", ".sqlite", ".db")


def database_file(location: str | os.PathLike) -> Path:
    """The database file of ``location``: the location itself when it is a file (or is named like one),
    else ``chuangwei.sqlite3`` in it, the data directory."""
    path = Path(location)
    if path.is_file() or (not path.is_dir() and path.suffix.lower() in FILE_SUFFIXES):
        return path
    return path / DEFAULT_FILE


class SQLiteStore(
    SQLiteReads, SQLitePoints, SQLiteTallies, SQLiteWrites, SQLiteAccounts, SQLiteAreas, SQLiteCases, SQLiteInspections,
    SQLiteBlobs, SQLiteMaintenance, SQLiteTransfer, SQLiteImportSessions, SQLiteChain, Store, Tallies, AccountStore,
    AreaStore, CaseStore, InspectionStore, BlobStore, ImportSessionStore, Maintenance, Transfer, HistoryChain,
):  # fmt: skip
    """Every port of the store contract on one SQLite database: ``location`` is a data directory (the
    database is ``<dir>/chuangwei.sqlite3``) or a database file; blobs are files in ``photos/`` beside the
    database. One connection per thread."""

    def __init__(
        self, location: str | os.PathLike, *, synchronous: str = "FULL", clock: Callable[[], int] | None = None
    ) -> None:
        if synchronous.upper() not in _SYNC_MODES:
            raise ValueError(f"synchronous must be one of {_SYNC_MODES}, got {synchronous!r}")
        self.path = database_file(location)
        self.data_dir = self.path.parent
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._synchronous = synchronous.upper()
        self._clock = clock or (lambda: time.time_ns() // 1000)
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._points_cache: dict[tuple, tuple[int, PointArrays]] = {}
        self._points_lock = threading.Lock()
        self._extent_cache: tuple[int, Bbox | None, float] | None = None
        prepare(self._conn(), self.path)

    @classmethod
    def from_url(
        cls, url: StoreUrl, *, synchronous: str = "FULL", clock: Callable[[], int] | None = None
    ) -> SQLiteStore:
        """The store of a ``sqlite:///<path>`` URL (see ``layers.store.factory``)."""
        return cls(url.path, synchronous=synchronous, clock=clock)

    @property
    def key(self) -> str:
        return f"sqlite:{self.path.resolve()}"

    # -- connections and transactions -------------------------------------------------------------
    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute(f"PRAGMA synchronous={self._synchronous}")
            conn.execute("PRAGMA foreign_keys=ON")
            conn.execute("PRAGMA busy_timeout=30000")
            self._local.conn = conn
            with self._lock:
                self._all.append(conn)
        return conn

    def _write(self):
        return _WriteTxn(self._conn(), seal_new_rows)

    def atomic(self):
        """``BEGIN IMMEDIATE`` takes SQLite's write lock at the block's start, which serialises writers as
        :meth:`Store.atomic` promises; nested blocks are savepoints."""
        return self._write()

    def _forget_caches(self) -> None:
        with self._points_lock:
            self._points_cache.clear()
        self._extent_cache = None

    def close(self) -> None:
        with self._lock:
            for conn in self._all:
                try:
                    conn.close()
                except sqlite3.Error:
                    pass
            self._all.clear()
        self._local = threading.local()

    def now(self) -> int:
        return int(self._clock())

    def _now(self, at: int | None) -> int:
        return int(at) if at is not None else self.now()

    def get_meta(self, key: str):
        row = self._conn().execute("SELECT value FROM meta WHERE key = ?", (f"app.{key}",)).fetchone()
        return json.loads(row[0]) if row else None

    def set_meta(self, key: str, value) -> None:
        with self._write() as conn:
            conn.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (f"app.{key}", _dumps(value)))

    # -- layers -----------------------------------------------------------------------------------
    def _layer_row_to_dict(self, row: tuple) -> dict:
        definition = json.loads(row[0])
        definition.update(builtin=bool(row[1]), feature_count=row[2], revision=row[3])
        return definition

    def layers(self) -> list[dict]:
        rows = (
            self._conn()
            .execute("SELECT definition, builtin, feature_count, revision FROM layer WHERE retired_at IS NULL")
            .fetchall()
        )
        found = [self._layer_row_to_dict(r) for r in rows]
        return sorted(found, key=lambda d: (d.get("order", 1000), d["id"]))

    def layer(self, layer_id: str) -> dict | None:
        row = (
            self._conn()
            .execute(
                "SELECT definition, builtin, feature_count, revision FROM layer WHERE id = ? AND retired_at IS NULL",
                (layer_id,),
            )
            .fetchone()
        )
        return self._layer_row_to_dict(row) if row else None

    def create_layer(self, definition: dict, author: str, builtin: bool = False) -> dict:
        with self._write() as conn:
            try:
                conn.execute(
                    "INSERT INTO layer (id, definition, builtin, created_at, created_by) VALUES (?, ?, ?, ?, ?)",
                    (definition["id"], _dumps(definition), int(builtin), self._now(None), author),
                )
            except sqlite3.IntegrityError:
                raise LayerExists(definition["id"]) from None
        return self.layer(definition["id"])

    def retire_layer(self, layer_id: str, author: str) -> None:
        with self._write() as conn:
            done = conn.execute(
                "UPDATE layer SET retired_at = ?, retired_by = ?, revision = revision + 1"
                " WHERE id = ? AND builtin = 0 AND retired_at IS NULL",
                (self.now(), author, layer_id),
            ).rowcount
        if not done:
            raise KeyError(layer_id)

    def sync_builtin_layers(self, definitions: Iterable[dict]) -> None:
        with self._write() as conn:
            for definition in definitions:
                text = _dumps(definition)
                conn.execute(
                    "INSERT INTO layer (id, definition, builtin, created_at, created_by) VALUES (?, ?, 1, ?, 'system')"
                    " ON CONFLICT(id) DO UPDATE SET definition = excluded.definition, builtin = 1"
                    " WHERE layer.definition != excluded.definition",
                    (definition["id"], text, self._now(None)),
                )

    def _bump(self, conn: sqlite3.Connection, layer_id: str, count_change: int) -> int:
        """Start a write on a layer: its new revision, which tags every version the write adds."""
        row = conn.execute(
            "UPDATE layer SET revision = revision + 1, feature_count = feature_count + ?"
            " WHERE id = ? RETURNING revision",
            (count_change, layer_id),
        ).fetchone()
        if row is None:
            raise KeyError(layer_id)
        return row[0]


class _WriteTxn:
    """``BEGIN IMMEDIATE`` ... ``COMMIT``, or ``ROLLBACK`` on any exception: all or nothing. Inside an
    open transaction (``Store.atomic()``) it becomes a savepoint, so the outer one decides."""

    def __init__(self, conn: sqlite3.Connection, before_commit=None) -> None:
        self.conn = conn
        self.nested = False
        self.before_commit = before_commit  # the hash chains are sealed inside the transaction

    def __enter__(self) -> sqlite3.Connection:
        self.nested = self.conn.in_transaction
        self.conn.execute("SAVEPOINT nested" if self.nested else "BEGIN IMMEDIATE")
        return self.conn

    def __exit__(self, exc_type, exc, tb) -> bool:
        if self.nested:
            if exc_type is not None:
                self.conn.execute("ROLLBACK TO nested")
            self.conn.execute("RELEASE nested")
        elif exc_type is None:
            try:
                if self.before_commit is not None:
                    self.before_commit(self.conn)
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            self.conn.execute("COMMIT")
        else:
            self.conn.execute("ROLLBACK")
        return False
