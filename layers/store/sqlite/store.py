"""The embedded default store: one SQLite database in WAL mode with R*Tree bounding-box indexes.

Tables: ``layer`` (definitions), ``feature`` (one row per feature: its live version and bounding box),
``version`` (every version ever written, with ``valid_from``/``valid_to``), ``cur_rtree`` (bounding
boxes of live features, keyed by feature id) and ``hist_rtree`` (every version's bounding box, keyed by
version id) for reading the past. R*Tree boxes are float32 and rounded outwards, so every bbox query
re-checks the exact float64 bounds kept beside them.
"""

from __future__ import annotations

import json
import math
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import numpy as np
import shapely

from layers.store import (
    AccountStore,
    Bbox,
    CaseStore,
    CreatedVersions,
    FeatureVersion,
    LayerExists,
    NewFeature,
    Page,
    PointArrays,
    StaleVersion,
    Store,
    UnknownFeature,
    gcpause,
)
from layers.store.jsontext import dumps as _dumps
from layers.store.sqlite import rtree_bulk
from layers.store.sqlite.accounts import ACCOUNT_SCHEMA, SQLiteAccounts
from layers.store.sqlite.cases import CASE_SCHEMA, SQLiteCases, migrate_case_tables

SCHEMA_VERSION = 1
_START, _END = -(2**62), 2**62  # open ends of a time interval
EXTENT_MAX_AGE_S = 30
# Beyond this many writes since the cached arrays, re-reading everything is cheaper than patching.
POINTS_MAX_DELTA_REVISIONS = 1000
# Creates of at least this many features run with a page cache of BULK_CACHE_KIB (restored afterwards).
BULK_FEATURES = 20_000
BULK_CACHE_KIB = 256 * 1024
# Such creates rebuild an R*Tree holding at most this many times their own count (see _index_new).
REBUILD_MAX_RATIO = 3
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS layer (
    id TEXT PRIMARY KEY,
    definition TEXT NOT NULL,
    builtin INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    created_by TEXT NOT NULL,
    revision INTEGER NOT NULL DEFAULT 0,
    feature_count INTEGER NOT NULL DEFAULT 0,
    retired_at INTEGER,
    retired_by TEXT
);
CREATE TABLE IF NOT EXISTS feature (
    fid INTEGER PRIMARY KEY,
    layer TEXT NOT NULL REFERENCES layer(id),
    vid INTEGER NOT NULL,
    version INTEGER NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0,
    minx REAL, miny REAL, maxx REAL, maxy REAL
);
CREATE INDEX IF NOT EXISTS feature_live ON feature(layer, fid) WHERE deleted = 0;
CREATE TABLE IF NOT EXISTS version (
    vid INTEGER PRIMARY KEY,
    fid INTEGER NOT NULL REFERENCES feature(fid),
    layer TEXT NOT NULL,
    version INTEGER NOT NULL,
    op TEXT NOT NULL CHECK (op IN ('create', 'update', 'delete')),
    valid_from INTEGER NOT NULL,
    valid_to INTEGER,
    author TEXT NOT NULL,
    geometry TEXT,
    properties TEXT,
    minx REAL, miny REAL, maxx REAL, maxy REAL,
    layer_rev INTEGER NOT NULL,
    UNIQUE (fid, version)
);
CREATE INDEX IF NOT EXISTS version_layer_rev ON version(layer, layer_rev);
CREATE INDEX IF NOT EXISTS version_layer_time ON version(layer, valid_from);
CREATE VIRTUAL TABLE IF NOT EXISTS cur_rtree USING rtree(id, minx, maxx, miny, maxy);
CREATE VIRTUAL TABLE IF NOT EXISTS hist_rtree USING rtree(id, minx, maxx, miny, maxy);
"""
_VERSION_COLS = "v.fid, v.layer, v.version, v.op, v.valid_from, v.valid_to, v.author, v.geometry, v.properties"
_SYNC_MODES = ("OFF", "NORMAL", "FULL", "EXTRA")


def _migrate_layer_table(conn: sqlite3.Connection) -> None:
    """Columns added to ``layer`` since it was first created: when and by whom a layer was retired."""
    columns = {row[1] for row in conn.execute("PRAGMA table_info(layer)")}
    if "retired_at" not in columns:
        conn.execute("ALTER TABLE layer ADD COLUMN retired_at INTEGER")
        conn.execute("ALTER TABLE layer ADD COLUMN retired_by TEXT")


def _json_text(value: dict | str) -> str:
    return str(value) if isinstance(value, str) else _dumps(value)


def _geometry_json(geometry: dict | str) -> str:
    """``_dumps(geometry)``, written directly for a plain 2D point; text already encoded as it is."""
    if isinstance(geometry, str):
        return str(geometry)
    if len(geometry) == 2 and geometry.get("type") == "Point":
        coords = geometry.get("coordinates")
        if type(coords) is list and len(coords) == 2:
            x, y = coords
            if type(x) is float and type(y) is float and math.isfinite(x) and math.isfinite(y):
                return f'{{"type":"Point","coordinates":[{x!r},{y!r}]}}'
    return _dumps(geometry)


def _row_to_version(row: tuple) -> FeatureVersion:
    return FeatureVersion(*row)


class SQLiteStore(SQLiteAccounts, SQLiteCases, Store, AccountStore, CaseStore):
    """A :class:`~layers.store.Store` in ``<data_dir>/chuangwei.sqlite3``; one connection per thread."""

    def __init__(
        self, data_dir: str | os.PathLike, *, synchronous: str = "FULL", clock: Callable[[], int] | None = None
    ) -> None:
        if synchronous.upper() not in _SYNC_MODES:
            raise ValueError(f"synchronous must be one of {_SYNC_MODES}, got {synchronous!r}")
        self.data_dir = Path(data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.path = self.data_dir / "chuangwei.sqlite3"
        self._synchronous = synchronous.upper()
        self._clock = clock or (lambda: time.time_ns() // 1000)
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._points_cache: dict[tuple, tuple[int, PointArrays]] = {}
        self._points_lock = threading.Lock()
        self._extent_cache: tuple[int, Bbox | None, float] | None = None
        conn = self._conn()
        conn.executescript(_SCHEMA + ACCOUNT_SCHEMA + CASE_SCHEMA)
        migrate_case_tables(conn)
        _migrate_layer_table(conn)
        conn.execute("INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
        found = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0]
        if found != str(SCHEMA_VERSION):
            raise RuntimeError(
                f"{self.path} has database schema version {found}; this version of the software reads "
                f"version {SCHEMA_VERSION}. Restore a matching backup or upgrade the software."
            )

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
        return _WriteTxn(self._conn())

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

    # -- reading ----------------------------------------------------------------------------------
    def _where(
        self, layer_id: str, at: int | None, bbox: Bbox | None, filters: dict | None, during: tuple | None = None
    ):
        """FROM/WHERE for live features or for versions valid ``at``, plus parameters, and a cheaper
        FROM for counting when no property filter needs the version row.

        With a bbox the R*Tree comes first in a CROSS JOIN, which SQLite never reorders: otherwise the
        planner starts from every feature of the layer and probes the R*Tree by id, so a query's cost
        would grow with the layer instead of with the box.
        """
        params: list = []
        if during is not None:
            # The last version of each feature that was valid at some moment of [start, end]: it overlaps
            # the interval, and no later version of the feature starts before the interval ends.
            start, end = during
            box_alias, key, rtree = "v", "v.vid", "hist_rtree"
            counted = "version v"
            clauses = [
                "v.layer = ?", "v.op != 'delete'", "v.valid_from <= ?", "(v.valid_to IS NULL OR v.valid_to > ?)",
                "NOT EXISTS (SELECT 1 FROM version w WHERE w.fid = v.fid AND w.op != 'delete'"
                " AND w.version > v.version AND w.valid_from <= ?)",
            ]  # fmt: skip
            params += [layer_id, _END if end is None else end, _START if start is None else start,
                       _END if end is None else end]  # fmt: skip
        elif at is None:
            box_alias, key, rtree = "f", "f.fid", "cur_rtree"
            counted = "feature f"
            clauses = ["f.layer = ?", "f.deleted = 0"]
            params.append(layer_id)
        else:
            box_alias, key, rtree = "v", "v.vid", "hist_rtree"
            counted = "version v"
            clauses = ["v.layer = ?", "v.op != 'delete'", "v.valid_from <= ?", "(v.valid_to IS NULL OR v.valid_to > ?)"]
            params += [layer_id, at, at]
        if bbox is not None:
            minx, miny, maxx, maxy = bbox
            counted = f"{rtree} r CROSS JOIN {counted} ON {key} = r.id"
            clauses += [
                "r.minx <= ?", "r.maxx >= ?", "r.miny <= ?", "r.maxy >= ?",
                f"{box_alias}.minx <= ?", f"{box_alias}.maxx >= ?", f"{box_alias}.miny <= ?", f"{box_alias}.maxy >= ?",
            ]  # fmt: skip
            params += [maxx, minx, maxy, miny] * 2
        source = f"{counted} JOIN version v ON v.vid = f.vid" if at is None and during is None else counted
        for name, value in (filters or {}).items():
            if isinstance(value, (list, tuple, set, frozenset)):
                values = sorted(value)
                clauses.append(f"json_extract(v.properties, ?) IN ({', '.join('?' * len(values)) or 'NULL'})")
                params += [f"$.{name}", *values]
            else:
                clauses.append("json_extract(v.properties, ?) = ?")
                params += [f"$.{name}", value]
        if filters:
            counted = source
        return source, counted, " AND ".join(clauses), params

    def query(
        self,
        layer_id: str,
        *,
        bbox: Bbox | None = None,
        at: int | None = None,
        filters: dict | None = None,
        limit: int = 1000,
        offset: int = 0,
        exact_geometry: bool = True,
        during: tuple[int | None, int | None] | None = None,
    ) -> Page:
        if at is not None and during is not None:
            raise ValueError("give at or during, not both")
        conn = self._conn()
        layer = self.layer(layer_id)
        if layer is None:
            raise KeyError(layer_id)
        source, counted, where, params = self._where(layer_id, at, bbox, filters, during)
        points_only = set(layer["geometry_types"]) <= {"Point"}
        if bbox is not None and exact_geometry and not points_only:
            return self._query_exact(conn, source, where, params, bbox, limit, offset)
        if bbox is None and at is None and during is None and not filters:
            total = layer["feature_count"]
        else:
            total = conn.execute(f"SELECT count(*) FROM {counted} WHERE {where}", params).fetchone()[0]
        rows = conn.execute(
            f"SELECT {_VERSION_COLS} FROM {source} WHERE {where} ORDER BY v.fid LIMIT ? OFFSET ?",
            params + [limit, offset],
        ).fetchall()
        return Page([_row_to_version(r) for r in rows], total)

    def _query_exact(self, conn, source, where, params, bbox, limit, offset) -> Page:
        """Bbox candidates re-checked against the real geometry, so a diagonal line whose box touches
        the query box but whose path does not is left out."""
        rows = conn.execute(f"SELECT v.vid, v.geometry FROM {source} WHERE {where} ORDER BY v.fid", params).fetchall()
        if not rows:
            return Page([], 0)
        geoms = shapely.from_geojson([r[1] for r in rows])
        keep = shapely.intersects(geoms, shapely.box(*bbox))
        vids = [r[0] for r, k in zip(rows, keep) if k]
        page_vids = vids[offset : offset + limit]
        found = []
        for start in range(0, len(page_vids), 500):
            chunk = page_vids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            found += conn.execute(
                f"SELECT {_VERSION_COLS} FROM version v WHERE v.vid IN ({marks}) ORDER BY v.fid", chunk
            ).fetchall()
        return Page([_row_to_version(r) for r in found], len(vids))

    def get(self, layer_id: str, fid: int, at: int | None = None) -> FeatureVersion:
        conn = self._conn()
        if at is None:
            row = conn.execute(
                f"SELECT {_VERSION_COLS} FROM feature f JOIN version v ON v.vid = f.vid"
                " WHERE f.fid = ? AND f.layer = ? AND f.deleted = 0",
                (fid, layer_id),
            ).fetchone()
        else:
            row = conn.execute(
                f"SELECT {_VERSION_COLS} FROM version v WHERE v.fid = ? AND v.layer = ? AND v.op != 'delete'"
                " AND v.valid_from <= ? AND (v.valid_to IS NULL OR v.valid_to > ?)",
                (fid, layer_id, at, at),
            ).fetchone()
        if row is None:
            raise UnknownFeature(fid)
        return _row_to_version(row)

    def history(self, layer_id: str, fid: int) -> list[FeatureVersion]:
        rows = (
            self._conn()
            .execute(
                f"SELECT {_VERSION_COLS} FROM version v WHERE v.fid = ? AND v.layer = ? ORDER BY v.version",
                (fid, layer_id),
            )
            .fetchall()
        )
        if not rows:
            raise UnknownFeature(fid)
        return [_row_to_version(r) for r in rows]

    def points(self, layer_id: str, at: int | None = None, value_property: str | None = None) -> PointArrays:
        """Arrays of a point layer. The live arrays are kept in memory and patched from the versions
        written since (tagged with the layer revision), so the map's payload after a write costs a
        small delta query instead of re-reading every point."""
        conn = self._conn()
        if at is not None:
            if self.layer(layer_id) is None:
                raise KeyError(layer_id)
            source, _, where, params = self._where(layer_id, at, None, None)
            value_sql, value_params = (
                (", json_extract(v.properties, ?)", [f"$.{value_property}"]) if value_property else ("", [])
            )
            rows = conn.execute(
                f"SELECT v.fid, v.minx, v.miny{value_sql} FROM {source} WHERE {where} ORDER BY v.fid",
                value_params + params,
            ).fetchall()
            return _arrays_from_rows(rows, value_property is not None)
        key = (layer_id, value_property)
        with self._points_lock:
            cached = self._points_cache.get(key)
        conn.execute("BEGIN")  # one snapshot for the revision and the rows it covers
        try:
            row = conn.execute("SELECT revision FROM layer WHERE id = ?", (layer_id,)).fetchone()
            if row is None:
                raise KeyError(layer_id)
            revision = row[0]
            if cached is not None and cached[0] == revision:
                arrays = cached[1]
            elif cached is not None and revision - cached[0] <= POINTS_MAX_DELTA_REVISIONS:
                arrays = self._patch_points(conn, layer_id, value_property, cached)
            else:
                arrays = self._read_points(conn, layer_id, value_property)
        finally:
            conn.execute("COMMIT")
        with self._points_lock:
            self._points_cache[key] = (revision, arrays)
        return arrays

    def _read_points(self, conn, layer_id: str, value_property: str | None) -> PointArrays:
        if value_property is None:
            rows = conn.execute(
                "SELECT fid, minx, miny FROM feature WHERE layer = ? AND deleted = 0 ORDER BY fid", (layer_id,)
            ).fetchall()
        else:
            rows = conn.execute(
                "SELECT f.fid, f.minx, f.miny, json_extract(v.properties, ?) FROM feature f"
                " JOIN version v ON v.vid = f.vid WHERE f.layer = ? AND f.deleted = 0 ORDER BY f.fid",
                (f"$.{value_property}", layer_id),
            ).fetchall()
        return _arrays_from_rows(rows, value_property is not None)

    def _patch_points(self, conn, layer_id: str, value_property: str | None, cached) -> PointArrays:
        since, old = cached
        rows = conn.execute(
            "SELECT fid, op, minx, miny, json_extract(properties, ?) FROM version"
            " WHERE layer = ? AND layer_rev > ? ORDER BY vid",
            ("$" if value_property is None else f"$.{value_property}", layer_id, since),  # "$." is no JSON path
        ).fetchall()
        latest = {fid: (op, x, y, value) for fid, op, x, y, value in rows}  # the last version of each wins
        changed = np.fromiter(latest, dtype=np.int64, count=len(latest))
        keep = ~np.isin(old.fids, changed)
        added = [(fid, x, y, value) for fid, (op, x, y, value) in latest.items() if op != "delete"]
        fids = np.concatenate([old.fids[keep], np.array([a[0] for a in added], dtype=np.int64)])
        order = np.argsort(fids, kind="stable")
        x = np.concatenate([old.x[keep], np.array([a[1] for a in added], dtype=np.float64)])[order]
        y = np.concatenate([old.y[keep], np.array([a[2] for a in added], dtype=np.float64)])[order]
        values = None
        if value_property is not None:
            kept = np.asarray(old.values, dtype=object)[keep]
            new = np.empty(len(added), dtype=object)
            new[:] = [a[3] for a in added]
            values = np.concatenate([kept, new])[order].tolist()
        return PointArrays(fids[order], x, y, values)

    def version_rows(
        self, layer_id: str, properties: Sequence[str], *, changed_since: int | None = None
    ) -> tuple[int, list[tuple]]:
        extracts = "".join(", json_extract(properties, ?)" for _ in properties)
        sql = (
            "SELECT fid, version, op, valid_from, valid_to, json_extract(geometry, '$.coordinates[0]'),"
            f" json_extract(geometry, '$.coordinates[1]'){extracts} FROM version WHERE layer = ?"
        )
        params: list = [f"$.{name}" for name in properties] + [layer_id]
        if changed_since is not None:
            sql += " AND fid IN (SELECT fid FROM version WHERE layer = ? AND layer_rev > ?)"
            params += [layer_id, changed_since]
        conn = self._conn()
        own = not conn.in_transaction
        if own:
            conn.execute("BEGIN")  # one snapshot: the revision and the rows agree
        try:
            row = conn.execute("SELECT revision FROM layer WHERE id = ?", (layer_id,)).fetchone()
            if row is None:
                raise KeyError(layer_id)
            rows = conn.execute(sql + " ORDER BY fid, version", params).fetchall()
        finally:
            if own:
                conn.execute("COMMIT")
        return row[0], rows

    def extent(self) -> Bbox | None:
        # A full scan of the feature table, so while writes stream in it is refreshed at most every
        # EXTENT_MAX_AGE_S seconds (it only guides swap detection and the map's first view).
        conn = self._conn()
        revision = conn.execute("SELECT coalesce(sum(revision), 0) FROM layer").fetchone()[0]
        cached = self._extent_cache
        if cached and (
            cached[0] == revision or (cached[1] is not None and time.monotonic() - cached[2] < EXTENT_MAX_AGE_S)
        ):
            return cached[1]
        row = conn.execute(
            "SELECT min(minx), min(miny), max(maxx), max(maxy) FROM feature WHERE deleted = 0"
            " AND layer NOT IN (SELECT id FROM layer WHERE retired_at IS NOT NULL)"
        ).fetchone()
        box = None if row[0] is None else tuple(row)
        self._extent_cache = (revision, box, time.monotonic())
        return box

    # -- writing ----------------------------------------------------------------------------------
    def create(
        self, layer_id: str, features: Sequence[NewFeature], author: str, at: int | None = None
    ) -> CreatedVersions:
        if len(features) < BULK_FEATURES:
            return self._create(layer_id, features, author, at)
        # A bulk write touches R*Tree and index pages all over the file; with SQLite's default 2 MB page
        # cache most of them are read again and again (a million points: 74 s, with 256 MB: 47 s).
        conn = self._conn()
        before = conn.execute("PRAGMA cache_size").fetchone()[0]
        conn.execute(f"PRAGMA cache_size={-BULK_CACHE_KIB}")
        try:
            with gcpause.paused():
                return self._create(layer_id, features, author, at)
        finally:
            conn.execute(f"PRAGMA cache_size={int(before)}")

    def _create(
        self, layer_id: str, features: Sequence[NewFeature], author: str, at: int | None = None
    ) -> CreatedVersions:
        now = self._now(at)
        n = len(features)
        with self._write() as conn:
            rev = self._bump(conn, layer_id, n)
            fid0 = conn.execute("SELECT coalesce(max(fid), 0) FROM feature").fetchone()[0] + 1
            vid0 = conn.execute("SELECT coalesce(max(vid), 0) FROM version").fetchone()[0] + 1
            geoms = [_geometry_json(f.geometry) for f in features]
            props = [_json_text(f.properties) for f in features]
            boxes = [f.bbox for f in features]
            if n >= BULK_FEATURES:
                self._insert_staged(conn, layer_id, fid0, vid0, now, author, rev, geoms, props, boxes)
            else:
                fids, vids = range(fid0, fid0 + n), range(vid0, vid0 + n)
                conn.executemany(
                    "INSERT INTO feature (fid, layer, vid, version, minx, miny, maxx, maxy)"
                    " VALUES (?, ?, ?, 1, ?, ?, ?, ?)",
                    ((fid, layer_id, vid, *box) for fid, vid, box in zip(fids, vids, boxes)),
                )
                conn.executemany(
                    "INSERT INTO version VALUES (?, ?, ?, 1, 'create', ?, NULL, ?, ?, ?, ?, ?, ?, ?, ?)",
                    ((vid, fid, layer_id, now, author, g, p, *box, rev)
                     for vid, fid, g, p, box in zip(vids, fids, geoms, props, boxes)),
                )  # fmt: skip
            self._index_new(conn, "cur_rtree", fid0, boxes)
            self._index_new(conn, "hist_rtree", vid0, boxes)
        return CreatedVersions(fid0, layer_id, now, author, geoms, props)

    @staticmethod
    def _insert_staged(conn, layer_id, fid0, vid0, now, author, rev, geoms, props, boxes) -> None:
        """Feature and version rows of a bulk create through a temporary table: the Python side binds
        six values a row into an index-free table, and SQLite copies them with two INSERT … SELECT.
        Half the time of binding every column of both tables row by row (a million rows: ~3 s vs ~8 s).
        The temporary table is created and dropped inside the write's transaction."""
        before = conn.execute("PRAGMA temp.cache_size").fetchone()[0]
        conn.execute(f"PRAGMA temp.cache_size={-BULK_CACHE_KIB}")  # the staged rows stay in memory
        conn.execute(
            "CREATE TEMP TABLE bulk_create (n INTEGER PRIMARY KEY, geometry TEXT, properties TEXT,"
            " minx REAL, miny REAL, maxx REAL, maxy REAL)"
        )
        try:
            conn.executemany(
                "INSERT INTO temp.bulk_create (geometry, properties, minx, miny, maxx, maxy) VALUES (?, ?, ?, ?, ?, ?)",
                ((g, p, *box) for g, p, box in zip(geoms, props, boxes)),
            )
            conn.execute(
                "INSERT INTO feature (fid, layer, vid, version, minx, miny, maxx, maxy)"
                " SELECT ? + n, ?, ? + n, 1, minx, miny, maxx, maxy FROM temp.bulk_create ORDER BY n",
                (fid0 - 1, layer_id, vid0 - 1),
            )
            conn.execute(
                "INSERT INTO version SELECT ? + n, ? + n, ?, 1, 'create', ?, NULL, ?, geometry, properties,"
                " minx, miny, maxx, maxy, ? FROM temp.bulk_create ORDER BY n",
                (vid0 - 1, fid0 - 1, layer_id, now, author, rev),
            )
        finally:
            conn.execute("DROP TABLE temp.bulk_create")
            conn.execute(f"PRAGMA temp.cache_size={int(before)}")

    @staticmethod
    def _index_new(conn, table: str, first_id: int, boxes: list[Bbox]) -> None:
        """Add boxes with consecutive ids to an R*Tree: row by row for small writes, or, when the new
        entries are many and the tree is not much larger than they are, by packing the whole tree anew
        (``layers.store.sqlite.rtree_bulk``: about 2 µs an entry against 10–15 µs for an insert at a million)."""
        n = len(boxes)
        if n >= BULK_FEATURES and rtree_bulk.entries(conn, table) <= REBUILD_MAX_RATIO * n:
            old_ids, old_boxes = rtree_bulk.read_all(conn, table)
            new = np.array(boxes, dtype=np.float64).reshape(-1, 4)[:, [0, 2, 1, 3]]  # → minx, maxx, miny, maxy
            ids = np.concatenate([old_ids, np.arange(first_id, first_id + n, dtype=np.int64)])
            conn.execute("SAVEPOINT rtree_bulk")
            try:
                rtree_bulk.load(conn, table, ids, np.concatenate([old_boxes, new]))
            except sqlite3.DatabaseError:
                # An SQLite built to refuse writes to a virtual table's own tables (defensive mode): the
                # tree is left as it was and the boxes go in row by row, slower but the same.
                conn.execute("ROLLBACK TO rtree_bulk")
                conn.execute("RELEASE rtree_bulk")
            else:
                conn.execute("RELEASE rtree_bulk")
                return
        conn.executemany(
            f"INSERT INTO {table} VALUES (?, ?, ?, ?, ?)",
            ((first_id + i, minx, maxx, miny, maxy) for i, (minx, miny, maxx, maxy) in enumerate(boxes)),
        )

    def _current_for_write(self, conn, layer_id: str, fid: int, base_version: int | None, now: int):
        row = conn.execute(
            f"SELECT v.vid, {_VERSION_COLS} FROM feature f JOIN version v ON v.vid = f.vid"
            " WHERE f.fid = ? AND f.layer = ? AND f.deleted = 0",
            (fid, layer_id),
        ).fetchone()
        if row is None:
            raise UnknownFeature(fid)
        vid, current = row[0], _row_to_version(row[1:])
        if base_version is not None and base_version != current.version:
            raise StaleVersion(current)
        # Versions of one feature are strictly ordered in time even if the clock steps back.
        return vid, current, max(now, current.valid_from + 1)

    def update(
        self, layer_id: str, fid: int, feature: NewFeature, base_version: int | None, author: str, at: int | None = None
    ) -> FeatureVersion:
        with self._write() as conn:
            old_vid, current, now = self._current_for_write(conn, layer_id, fid, base_version, self._now(at))
            if at is not None and now != at:
                raise ValueError(f"at={at} is before the current version of feature {fid}")
            rev = self._bump(conn, layer_id, 0)
            vid = conn.execute("SELECT max(vid) FROM version").fetchone()[0] + 1
            geom, props = _geometry_json(feature.geometry), _json_text(feature.properties)
            minx, miny, maxx, maxy = feature.bbox
            version = current.version + 1
            conn.execute("UPDATE version SET valid_to = ? WHERE vid = ?", (now, old_vid))
            conn.execute(
                "INSERT INTO version VALUES (?, ?, ?, ?, 'update', ?, NULL, ?, ?, ?, ?, ?, ?, ?, ?)",
                (vid, fid, layer_id, version, now, author, geom, props, minx, miny, maxx, maxy, rev),
            )
            conn.execute(
                "UPDATE feature SET vid = ?, version = ?, minx = ?, miny = ?, maxx = ?, maxy = ? WHERE fid = ?",
                (vid, version, minx, miny, maxx, maxy, fid),
            )
            conn.execute(
                "UPDATE cur_rtree SET minx = ?, maxx = ?, miny = ?, maxy = ? WHERE id = ?",
                (minx, maxx, miny, maxy, fid),
            )
            conn.execute("INSERT INTO hist_rtree VALUES (?, ?, ?, ?, ?)", (vid, minx, maxx, miny, maxy))
        return FeatureVersion(fid, layer_id, version, "update", now, None, author, geom, props)

    def delete(
        self, layer_id: str, fid: int, base_version: int | None, author: str, at: int | None = None
    ) -> FeatureVersion:
        with self._write() as conn:
            old_vid, current, now = self._current_for_write(conn, layer_id, fid, base_version, self._now(at))
            rev = self._bump(conn, layer_id, -1)
            vid = conn.execute("SELECT max(vid) FROM version").fetchone()[0] + 1
            version = current.version + 1
            conn.execute("UPDATE version SET valid_to = ? WHERE vid = ?", (now, old_vid))
            conn.execute(
                "INSERT INTO version (vid, fid, layer, version, op, valid_from, author, layer_rev)"
                " VALUES (?, ?, ?, ?, 'delete', ?, ?, ?)",
                (vid, fid, layer_id, version, now, author, rev),
            )
            conn.execute("UPDATE feature SET vid = ?, version = ?, deleted = 1 WHERE fid = ?", (vid, version, fid))
            conn.execute("DELETE FROM cur_rtree WHERE id = ?", (fid,))
        return FeatureVersion(fid, layer_id, version, "delete", now, None, author, None, None)

    # -- maintenance ------------------------------------------------------------------------------
    def integrity_check(self) -> str:
        return self._conn().execute("PRAGMA integrity_check").fetchone()[0]

    def backup(self, target: str | os.PathLike) -> dict:
        """Copy the live database to ``target`` while it serves: SQLite's backup API reads one consistent
        snapshot (WAL lets writers go on meanwhile). The copy is checked before it is reported."""
        target = Path(target)
        if target.exists():
            raise FileExistsError(f"{target} exists; choose a new file name")
        partial = target.with_name(target.name + ".partial")
        dst = sqlite3.connect(partial)
        try:
            self._conn().backup(dst)
            dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
            check = dst.execute("PRAGMA integrity_check").fetchone()[0]
            counts = dict(dst.execute("SELECT id, feature_count FROM layer").fetchall())
            versions = dst.execute("SELECT count(*) FROM version").fetchone()[0]
        finally:
            dst.close()
        if check != "ok":
            partial.unlink()
            raise RuntimeError(f"the backup failed its integrity check: {check}")
        partial.rename(target)
        return {"file": str(target), "bytes": target.stat().st_size, "versions": versions, "features": counts}

    @staticmethod
    def check_backup(source: str | os.PathLike) -> dict:
        """Open a backup read-only and check it is a sound database of this schema; return what it holds."""
        source = Path(source)
        if not source.is_file():
            raise FileNotFoundError(f"{source} does not exist")
        try:
            src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
            check = src.execute("PRAGMA integrity_check").fetchone()[0]
            version = src.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
            counts = dict(src.execute("SELECT id, feature_count FROM layer").fetchall())
            versions = src.execute("SELECT count(*) FROM version").fetchone()[0]
            src.close()
        except sqlite3.DatabaseError as exc:
            raise ValueError(f"{source} is not a backup of this tool: {exc}") from None
        if check != "ok":
            raise ValueError(f"{source} fails its integrity check: {check}")
        if version is None or version[0] != str(SCHEMA_VERSION):
            raise ValueError(f"{source} has schema version {version and version[0]}, expected {SCHEMA_VERSION}")
        return {"file": str(source), "versions": versions, "features": counts}

    def restore(self, source: str | os.PathLike) -> dict:
        """Replace the whole database with a checked backup (the server must be stopped: see DataDirLock)."""
        summary = self.check_backup(source)
        src = sqlite3.connect(f"file:{Path(source)}?mode=ro", uri=True)
        try:
            src.backup(self._conn())
        finally:
            src.close()
        with self._points_lock:
            self._points_cache.clear()
        self._extent_cache = None
        return summary


def _arrays_from_rows(rows: list[tuple], with_values: bool) -> PointArrays:
    n = len(rows)
    fids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=n)
    x = np.fromiter((r[1] for r in rows), dtype=np.float64, count=n)
    y = np.fromiter((r[2] for r in rows), dtype=np.float64, count=n)
    return PointArrays(fids, x, y, [r[3] for r in rows] if with_values else None)


class _WriteTxn:
    """``BEGIN IMMEDIATE`` ... ``COMMIT``, or ``ROLLBACK`` on any exception: all or nothing. Inside an
    open transaction (``Store.atomic()``) it becomes a savepoint, so the outer one decides."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.nested = False

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
            self.conn.execute("COMMIT")
        else:
            self.conn.execute("ROLLBACK")
        return False
