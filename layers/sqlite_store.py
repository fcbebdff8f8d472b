"""The embedded default store: one SQLite database in WAL mode with R*Tree bounding-box indexes.

Tables: ``layer`` (definitions), ``feature`` (one row per feature: its live version and bounding box),
``version`` (every version ever written, with ``valid_from``/``valid_to``), ``cur_rtree`` (bounding
boxes of live features, keyed by feature id) and ``hist_rtree`` (every version's bounding box, keyed by
version id) for reading the past. R*Tree boxes are float32 and rounded outwards, so every bbox query
re-checks the exact float64 bounds kept beside them.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import numpy as np
import shapely

from layers.store import (
    Bbox,
    FeatureVersion,
    LayerExists,
    NewFeature,
    Page,
    PointArrays,
    StaleVersion,
    Store,
    UnknownFeature,
)

SCHEMA_VERSION = 1
EXTENT_MAX_AGE_S = 30
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS layer (
    id TEXT PRIMARY KEY,
    definition TEXT NOT NULL,
    builtin INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    created_by TEXT NOT NULL,
    revision INTEGER NOT NULL DEFAULT 0,
    feature_count INTEGER NOT NULL DEFAULT 0
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
    UNIQUE (fid, version)
);
CREATE INDEX IF NOT EXISTS version_layer_time ON version(layer, valid_from);
CREATE VIRTUAL TABLE IF NOT EXISTS cur_rtree USING rtree(id, minx, maxx, miny, maxy);
CREATE VIRTUAL TABLE IF NOT EXISTS hist_rtree USING rtree(id, minx, maxx, miny, maxy);
"""
_VERSION_COLS = "v.fid, v.layer, v.version, v.op, v.valid_from, v.valid_to, v.author, v.geometry, v.properties"
_SYNC_MODES = ("OFF", "NORMAL", "FULL", "EXTRA")


def _dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def _row_to_version(row: tuple) -> FeatureVersion:
    return FeatureVersion(*row)


class SQLiteStore(Store):
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
        self._extent_cache: tuple[int, Bbox | None, float] | None = None
        conn = self._conn()
        conn.executescript(_SCHEMA)
        conn.execute("INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
        conn.commit()

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

    # -- layers -----------------------------------------------------------------------------------
    def _layer_row_to_dict(self, row: tuple) -> dict:
        definition = json.loads(row[0])
        definition.update(builtin=bool(row[1]), feature_count=row[2], revision=row[3])
        return definition

    def layers(self) -> list[dict]:
        rows = self._conn().execute("SELECT definition, builtin, feature_count, revision FROM layer").fetchall()
        found = [self._layer_row_to_dict(r) for r in rows]
        return sorted(found, key=lambda d: (d.get("order", 1000), d["id"]))

    def layer(self, layer_id: str) -> dict | None:
        row = (
            self._conn()
            .execute("SELECT definition, builtin, feature_count, revision FROM layer WHERE id = ?", (layer_id,))
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

    def _require_layer(self, conn: sqlite3.Connection, layer_id: str) -> None:
        if conn.execute("SELECT 1 FROM layer WHERE id = ?", (layer_id,)).fetchone() is None:
            raise KeyError(layer_id)

    # -- reading ----------------------------------------------------------------------------------
    def _where(self, layer_id: str, at: int | None, bbox: Bbox | None, filters: dict | None):
        """FROM/WHERE for live features or for versions valid ``at``, plus parameters."""
        params: list = []
        if at is None:
            source = "feature f JOIN version v ON v.vid = f.vid"
            box_alias, key = "f", "f.fid"
            clauses = ["f.layer = ?", "f.deleted = 0"]
            params.append(layer_id)
            rtree = "cur_rtree"
        else:
            source = "version v"
            box_alias, key = "v", "v.vid"
            clauses = ["v.layer = ?", "v.op != 'delete'", "v.valid_from <= ?", "(v.valid_to IS NULL OR v.valid_to > ?)"]
            params += [layer_id, at, at]
            rtree = "hist_rtree"
        if bbox is not None:
            minx, miny, maxx, maxy = bbox
            source += f" JOIN {rtree} r ON r.id = {key}"
            clauses += [
                "r.minx <= ?",
                "r.maxx >= ?",
                "r.miny <= ?",
                "r.maxy >= ?",
                f"{box_alias}.minx <= ?",
                f"{box_alias}.maxx >= ?",
                f"{box_alias}.miny <= ?",
                f"{box_alias}.maxy >= ?",
            ]
            params += [maxx, minx, maxy, miny] * 2
        for name, value in (filters or {}).items():
            clauses.append("json_extract(v.properties, ?) = ?")
            params += [f"$.{name}", value]
        return source, " AND ".join(clauses), params

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
    ) -> Page:
        conn = self._conn()
        layer = self.layer(layer_id)
        if layer is None:
            raise KeyError(layer_id)
        source, where, params = self._where(layer_id, at, bbox, filters)
        points_only = set(layer["geometry_types"]) <= {"Point"}
        if bbox is not None and exact_geometry and not points_only:
            return self._query_exact(conn, source, where, params, bbox, limit, offset)
        if bbox is None and at is None and not filters:
            total = layer["feature_count"]
        else:
            total = conn.execute(f"SELECT count(*) FROM {source} WHERE {where}", params).fetchone()[0]
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
        conn = self._conn()
        if self.layer(layer_id) is None:
            raise KeyError(layer_id)
        value_sql = ", json_extract(v.properties, ?)" if value_property else ""
        value_params = [f"$.{value_property}"] if value_property else []
        if at is None and not value_property:
            rows = conn.execute(
                "SELECT fid, minx, miny FROM feature WHERE layer = ? AND deleted = 0 ORDER BY fid", (layer_id,)
            ).fetchall()
        else:
            source, where, params = self._where(layer_id, at, None, None)
            rows = conn.execute(
                f"SELECT v.fid, v.minx, v.miny{value_sql} FROM {source} WHERE {where} ORDER BY v.fid",
                value_params + params,
            ).fetchall()
        if not rows:
            empty = np.zeros(0)
            return PointArrays(empty.astype(np.int64), empty, empty, [] if value_property else None)
        cols = list(zip(*rows))
        return PointArrays(
            np.asarray(cols[0], dtype=np.int64),
            np.asarray(cols[1], dtype=np.float64),
            np.asarray(cols[2], dtype=np.float64),
            list(cols[3]) if value_property else None,
        )

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
        ).fetchone()
        box = None if row[0] is None else tuple(row)
        self._extent_cache = (revision, box, time.monotonic())
        return box

    # -- writing ----------------------------------------------------------------------------------
    def create(
        self, layer_id: str, features: Sequence[NewFeature], author: str, at: int | None = None
    ) -> list[FeatureVersion]:
        now = self._now(at)
        with self._write() as conn:
            self._require_layer(conn, layer_id)
            fid0 = conn.execute("SELECT coalesce(max(fid), 0) FROM feature").fetchone()[0] + 1
            vid0 = conn.execute("SELECT coalesce(max(vid), 0) FROM version").fetchone()[0] + 1
            out, version_rows, feature_rows, boxes, hist = [], [], [], [], []
            for i, feat in enumerate(features):
                fid, vid = fid0 + i, vid0 + i
                geom, props = _dumps(feat.geometry), _dumps(feat.properties)
                minx, miny, maxx, maxy = feat.bbox
                version_rows.append(
                    (vid, fid, layer_id, 1, "create", now, None, author, geom, props, minx, miny, maxx, maxy)
                )
                feature_rows.append((fid, layer_id, vid, 1, minx, miny, maxx, maxy))
                boxes.append((fid, minx, maxx, miny, maxy))
                hist.append((vid, minx, maxx, miny, maxy))
                out.append(FeatureVersion(fid, layer_id, 1, "create", now, None, author, geom, props))
            conn.executemany(
                "INSERT INTO feature (fid, layer, vid, version, minx, miny, maxx, maxy)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                feature_rows,
            )
            conn.executemany("INSERT INTO version VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", version_rows)
            conn.executemany("INSERT INTO cur_rtree VALUES (?, ?, ?, ?, ?)", boxes)
            conn.executemany("INSERT INTO hist_rtree VALUES (?, ?, ?, ?, ?)", hist)
            conn.execute(
                "UPDATE layer SET feature_count = feature_count + ?, revision = revision + 1 WHERE id = ?",
                (len(out), layer_id),
            )
        return out

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
            vid = conn.execute("SELECT max(vid) FROM version").fetchone()[0] + 1
            geom, props = _dumps(feature.geometry), _dumps(feature.properties)
            minx, miny, maxx, maxy = feature.bbox
            version = current.version + 1
            conn.execute("UPDATE version SET valid_to = ? WHERE vid = ?", (now, old_vid))
            conn.execute(
                "INSERT INTO version VALUES (?, ?, ?, ?, 'update', ?, NULL, ?, ?, ?, ?, ?, ?, ?)",
                (vid, fid, layer_id, version, now, author, geom, props, minx, miny, maxx, maxy),
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
            conn.execute("UPDATE layer SET revision = revision + 1 WHERE id = ?", (layer_id,))
        return FeatureVersion(fid, layer_id, version, "update", now, None, author, geom, props)

    def delete(
        self, layer_id: str, fid: int, base_version: int | None, author: str, at: int | None = None
    ) -> FeatureVersion:
        with self._write() as conn:
            old_vid, current, now = self._current_for_write(conn, layer_id, fid, base_version, self._now(at))
            vid = conn.execute("SELECT max(vid) FROM version").fetchone()[0] + 1
            version = current.version + 1
            conn.execute("UPDATE version SET valid_to = ? WHERE vid = ?", (now, old_vid))
            conn.execute(
                "INSERT INTO version (vid, fid, layer, version, op, valid_from, author)"
                " VALUES (?, ?, ?, ?, 'delete', ?, ?)",
                (vid, fid, layer_id, version, now, author),
            )
            conn.execute("UPDATE feature SET vid = ?, version = ?, deleted = 1 WHERE fid = ?", (vid, version, fid))
            conn.execute("DELETE FROM cur_rtree WHERE id = ?", (fid,))
            conn.execute(
                "UPDATE layer SET feature_count = feature_count - 1, revision = revision + 1 WHERE id = ?", (layer_id,)
            )
        return FeatureVersion(fid, layer_id, version, "delete", now, None, author, None, None)

    # -- maintenance ------------------------------------------------------------------------------
    def integrity_check(self) -> str:
        return self._conn().execute("PRAGMA integrity_check").fetchone()[0]


class _WriteTxn:
    """``BEGIN IMMEDIATE`` ... ``COMMIT``, or ``ROLLBACK`` on any exception: all or nothing."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def __enter__(self) -> sqlite3.Connection:
        self.conn.execute("BEGIN IMMEDIATE")
        return self.conn

    def __exit__(self, exc_type, exc, tb) -> bool:
        if exc_type is None:
            self.conn.execute("COMMIT")
        else:
            self.conn.execute("ROLLBACK")
        return False
