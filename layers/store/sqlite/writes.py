"""Feature writes of the SQLite store: creates (with the bulk path for large imports), updates and deletes."""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Sequence

import numpy as np

from layers.store import (
    Bbox,
    CreatedVersions,
    FeatureVersion,
    NewFeature,
    StaleVersion,
    UnknownFeature,
    gcpause,
)
from layers.store.jsontext import dumps as _dumps
from layers.store.sqlite import rtree_bulk
from layers.store.sqlite.reads import VERSION_COLS, row_to_version

# Creates of at least this many features run with a page cache of BULK_CACHE_KIB (restored afterwards).
BULK_FEATURES = 20_000
BULK_CACHE_KIB = 256 * 1024
# Such creates rebuild an R*Tree holding at most this many times their own count (see _index_new).
REBUILD_MAX_RATIO = 3

# Named, since the table has grown columns (chain_hash) that writes leave to the seal.
_COLS = ("(vid, fid, layer, version, op, valid_from, valid_to, author, geometry, properties, minx, miny, maxx, maxy,"
         " layer_rev)")


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


class SQLiteWrites:
    """Mixed into :class:`~layers.store.sqlite.SQLiteStore` (which provides ``_conn``, ``_write``, ``_now``
    and ``_bump``)."""

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
                    f"INSERT INTO version {_COLS} VALUES (?, ?, ?, 1, 'create', ?, NULL, ?, ?, ?, ?, ?, ?, ?, ?)",
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
                f"INSERT INTO version {_COLS} SELECT ? + n, ? + n, ?, 1, 'create', ?, NULL, ?, geometry, properties,"
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
            f"SELECT v.vid, {VERSION_COLS} FROM feature f JOIN version v ON v.vid = f.vid"
            " WHERE f.fid = ? AND f.layer = ? AND f.deleted = 0",
            (fid, layer_id),
        ).fetchone()
        if row is None:
            raise UnknownFeature(fid)
        vid, current = row[0], row_to_version(row[1:])
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
                f"INSERT INTO version {_COLS} VALUES (?, ?, ?, ?, 'update', ?, NULL, ?, ?, ?, ?, ?, ?, ?, ?)",
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
