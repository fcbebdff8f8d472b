"""Point layers of the SQLite store as arrays, kept in memory and patched from the versions written since."""

from __future__ import annotations

import numpy as np

from layers.store import PointArrays
from layers.store.sqlite.jsonvalues import typed_extract, typed_values

# Beyond this many writes since the cached arrays, re-reading everything is cheaper than patching.
POINTS_MAX_DELTA_REVISIONS = 1000


class SQLitePoints:
    """Mixed into :class:`~layers.store.sqlite.SQLiteStore` (which provides ``_conn``, ``layer``, ``_where``
    and the ``_points_cache`` with its ``_points_lock``)."""

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
                (f", {typed_extract('v.properties')}", [f"$.{value_property}"] * 2) if value_property else ("", [])
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
                f"SELECT f.fid, f.minx, f.miny, {typed_extract('v.properties')} FROM feature f"
                " JOIN version v ON v.vid = f.vid WHERE f.layer = ? AND f.deleted = 0 ORDER BY f.fid",
                (f"$.{value_property}", f"$.{value_property}", layer_id),
            ).fetchall()
        return _arrays_from_rows(rows, value_property is not None)

    def _patch_points(self, conn, layer_id: str, value_property: str | None, cached) -> PointArrays:
        since, old = cached
        value_sql, value_params = (typed_extract("properties"), [f"$.{value_property}"] * 2) if value_property else (
            "NULL", [])  # fmt: skip
        rows = conn.execute(
            f"SELECT fid, op, minx, miny, {value_sql} FROM version WHERE layer = ? AND layer_rev > ? ORDER BY vid",
            (*value_params, layer_id, since),
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
            new[:] = typed_values([a[3] for a in added])
            values = np.concatenate([kept, new])[order].tolist()
        return PointArrays(fids[order], x, y, values)


def _arrays_from_rows(rows: list[tuple], with_values: bool) -> PointArrays:
    n = len(rows)
    fids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=n)
    x = np.fromiter((r[1] for r in rows), dtype=np.float64, count=n)
    y = np.fromiter((r[2] for r in rows), dtype=np.float64, count=n)
    return PointArrays(fids, x, y, typed_values([r[3] for r in rows]) if with_values else None)
