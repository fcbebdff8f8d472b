"""Reading features from the PostGIS store: now, at an instant, during an interval, by bbox and property.

A bbox goes to the GiST indexes with ``&&`` (float4 boxes, rounded outwards), then is re-checked exactly:
points and ``exact_geometry=False`` against the float64 bounds the application computed (as SQLite does),
other geometries with ``ST_Intersects``. The version text is returned as it was written.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np
from psycopg import sql

from layers.store import Bbox, FeatureVersion, Page, PointArrays, UnknownFeature
from layers.store.jsontext import dumps

START, END = -(2**62), 2**62  # open ends of a time interval
EXTENT_MAX_AGE_S = 30
# Beyond this many writes since the cached arrays, re-reading everything is cheaper than patching.
POINTS_MAX_DELTA_REVISIONS = 1000
VERSION_COLS = "v.fid, v.layer, v.version, v.op, v.valid_from, v.valid_to, v.author, v.geojson, v.props"
LIVE = "v.valid_to IS NULL AND v.op <> 'delete'"  # the predicate of the live partial indexes, word for word
VALIDITY = "int8range(v.valid_from, v.valid_to)"  # the expression of the closed versions' indexes, word for word
ENVELOPE = "ST_MakeEnvelope(%s, %s, %s, %s, 4326)"
# An instant as format_instant writes it (ISO 8601, milliseconds, the session time zone's offset): the
# milliseconds floored as Python's isoformat does.
_INSTANT = ("to_char(timestamptz 'epoch' + (floor({0} / 1000.0) * 1000)::bigint * interval '1 microsecond',"
            " 'YYYY-MM-DD\"T\"HH24:MI:SS.MSTZH:TZM')")  # fmt: skip
# FeatureVersion.to_json, character for character, built by the server.
FEATURE_TEXT = (
    """'{"type":"Feature","id":' || v.fid || ',"geometry":' || coalesce(nullif(v.geojson, ''), 'null')"""
    """ || ',"properties":' || coalesce(nullif(v.props, ''), '{}') || ',"layer":"' || v.layer"""
    """ || '","version":' || v.version || ',"op":"' || v.op || '","valid_from":"' || """
    + _INSTANT.format("v.valid_from")
    + """ || '","valid_to":' || coalesce('"' || """
    + _INSTANT.format("v.valid_to")
    + """ || '"', 'null') || ',"author":' || to_json(v.author)::text || '}'"""
)


def _validity(bbox: Bbox | None) -> str:
    """The validity range as the index that should serve it writes it: with a bbox, ``version_closed_geom``'s;
    without, ``version_closed_time``'s (the same ranges, written with '[)' so each query names its index)."""
    return VALIDITY if bbox is not None else "int8range(v.valid_from, v.valid_to, '[)')"


def _past(layer_id: str, bbox: Bbox | None, live: str, closed: str, params: list) -> tuple[str, list]:
    """Versions of the past as two arms, each with every condition an index needs: the current versions
    (``version_live_geom`` / ``version_open_since``) and the closed ones (``version_closed_geom`` /
    ``version_closed_time``); the planner ORs two index scans instead of wading through one index over both."""
    box = f" AND v.geom && {ENVELOPE}" if bbox is not None else ""
    box_params = list(bbox) if bbox is not None else []
    text = (f"(({LIVE} AND v.layer = %s{box} AND {live}) OR"
            f" (v.valid_to IS NOT NULL AND v.op <> 'delete' AND v.layer = %s{box} AND {closed}))")  # fmt: skip
    return text, [layer_id, *box_params, params[0], layer_id, *box_params, *params[1:]]


def _where(layer_id: str, at: int | None, bbox: Bbox | None, filters: dict | None, during: tuple | None,
           exact: bool) -> tuple[str, list]:  # fmt: skip
    """The WHERE clause over ``version v`` and its parameters."""
    params: list = [layer_id]
    clauses = ["v.layer = %s"]
    if during is not None:
        # The last version of each feature valid at some moment of [start, end]: it overlaps the interval,
        # and no later version of the feature starts before the interval ends.
        start, end = (START if during[0] is None else during[0]), (END if during[1] is None else during[1])
        arms, more = _past(layer_id, bbox, "v.valid_from <= %s", f"{_validity(bbox)} && int8range(%s, %s, '[]')",
                           [end, start, end])  # fmt: skip
        clauses += [
            arms,
            "NOT EXISTS (SELECT 1 FROM version w WHERE w.fid = v.fid AND w.op <> 'delete'"
            " AND w.version > v.version AND w.valid_from <= %s)",
        ]  # fmt: skip
        params += [*more, end]
    elif at is None:
        clauses.append(LIVE)
    else:
        arms, more = _past(layer_id, bbox, "v.valid_from <= %s", f"{_validity(bbox)} @> %s::bigint", [at, at])
        clauses.append(arms)
        params += more
    if bbox is not None:
        minx, miny, maxx, maxy = bbox
        clauses.append(f"v.geom && {ENVELOPE}")
        params += [minx, miny, maxx, maxy]
        if exact:
            clauses.append(f"ST_Intersects(v.geom, {ENVELOPE})")
            params += [minx, miny, maxx, maxy]
        else:
            clauses.append("v.minx <= %s AND v.maxx >= %s AND v.miny <= %s AND v.maxy >= %s")
            params += [maxx, minx, maxy, miny]
    for name, value in (filters or {}).items():
        if isinstance(value, (list, tuple, set, frozenset)):
            values = sorted(value)
            clauses.append("v.properties -> %s = ANY(%s::jsonb[])")
            params += [name, [jsonb_text(x) for x in values]]
        else:
            clauses.append("v.properties -> %s = %s::jsonb")
            params += [name, jsonb_text(value)]
    return " AND ".join(clauses), params


def jsonb_text(value) -> str:
    """A value as JSON text for comparing with the ``properties`` column (U+0000 as that column has it)."""
    return dumps(value).replace("\\u0000", "\\ufffd")


def no_nul(text: str) -> str:
    """``text`` with U+0000, which PostgreSQL text cannot hold, as U+FFFD: for names looked up or counted
    (a layer id or user name with U+0000 cannot be stored, so it finds nothing)."""
    return text.replace("\x00", "\ufffd") if isinstance(text, str) else text


def _arrays(rows: list[tuple], with_values: bool) -> PointArrays:
    n = len(rows)
    fids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=n)
    x = np.fromiter((r[1] for r in rows), dtype=np.float64, count=n)
    y = np.fromiter((r[2] for r in rows), dtype=np.float64, count=n)
    return PointArrays(fids, x, y, [r[3] for r in rows] if with_values else None)


class ReadingMixin:
    """Mixed into :class:`~layers.store.postgis.store.PostGISStore` (``_db``, ``layer`` and caches come from it)."""

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
        layer_id = no_nul(layer_id)
        if at is not None and during is not None:
            raise ValueError("give at or during, not both")
        layer = self.layer(layer_id)
        if layer is None:
            raise KeyError(layer_id)
        points_only = set(layer["geometry_types"]) <= {"Point"}
        exact = bbox is not None and exact_geometry and not points_only
        where, params = _where(layer_id, at, bbox, filters, during, exact)
        with self._db.snapshot() as conn:
            if bbox is None and at is None and during is None and not filters:
                total = conn.execute("SELECT feature_count FROM layer WHERE id = %s", (layer_id,)).fetchone()[0]
            else:
                total = conn.execute(f"SELECT count(*) FROM version v WHERE {where}", params).fetchone()[0]
            rows = conn.execute(
                f"SELECT {VERSION_COLS} FROM version v WHERE {where} ORDER BY v.fid LIMIT %s OFFSET %s",
                [*params, limit, offset],
            ).fetchall()
        return Page([FeatureVersion(*r) for r in rows], total)

    def query_text(
        self,
        layer_id: str,
        tz,
        *,
        bbox: Bbox | None = None,
        at: int | None = None,
        filters: dict | None = None,
        limit: int = 1000,
        offset: int = 0,
    ) -> tuple[int, int, str]:
        """The page's GeoJSON built by PostgreSQL (``string_agg``), one text value for the whole page; the
        count is only asked for when the page does not tell it (a full page, or an empty one past the end)."""
        zone = getattr(tz, "key", None)
        if zone is None:  # a fixed offset rather than a named zone: Python formats the instants
            return super().query_text(layer_id, tz, bbox=bbox, at=at, filters=filters, limit=limit, offset=offset)
        layer_id = no_nul(layer_id)
        layer = self.layer(layer_id)
        if layer is None:
            raise KeyError(layer_id)
        exact = bbox is not None and not set(layer["geometry_types"]) <= {"Point"}
        where, params = _where(layer_id, at, bbox, filters, None, exact)
        with self._db.snapshot() as conn:
            conn.execute("SELECT set_config('TimeZone', %s, true)", (zone,))
            returned, text = conn.execute(
                f"SELECT count(*), coalesce(string_agg(t, ',' ORDER BY fid), '') FROM (SELECT v.fid, {FEATURE_TEXT}"
                f" AS t FROM version v WHERE {where} ORDER BY v.fid LIMIT %s OFFSET %s) s",
                [*params, limit, offset],
            ).fetchone()
            if 0 < returned < limit or (returned == 0 and offset == 0):
                total = offset + returned
            elif bbox is None and at is None and not filters:
                total = conn.execute("SELECT feature_count FROM layer WHERE id = %s", (layer_id,)).fetchone()[0]
            else:
                total = conn.execute(f"SELECT count(*) FROM version v WHERE {where}", params).fetchone()[0]
        return total, returned, text

    def get(self, layer_id: str, fid: int, at: int | None = None) -> FeatureVersion:
        layer_id = no_nul(layer_id)
        with self._db.read() as conn:
            if at is None:
                row = conn.execute(
                    f"SELECT {VERSION_COLS} FROM version v WHERE v.fid = %s AND v.layer = %s AND {LIVE}",
                    (fid, layer_id),
                ).fetchone()
            else:
                row = conn.execute(
                    f"SELECT {VERSION_COLS} FROM version v WHERE v.fid = %s AND v.layer = %s AND v.op <> 'delete'"
                    " AND v.valid_from <= %s AND (v.valid_to IS NULL OR v.valid_to > %s)",
                    (fid, layer_id, at, at),
                ).fetchone()
        if row is None:
            raise UnknownFeature(fid)
        return FeatureVersion(*row)

    def history(self, layer_id: str, fid: int) -> list[FeatureVersion]:
        layer_id = no_nul(layer_id)
        with self._db.read() as conn:
            rows = conn.execute(
                f"SELECT {VERSION_COLS} FROM version v WHERE v.fid = %s AND v.layer = %s ORDER BY v.version",
                (fid, layer_id),
            ).fetchall()
        if not rows:
            raise UnknownFeature(fid)
        return [FeatureVersion(*r) for r in rows]

    def points(self, layer_id: str, at: int | None = None, value_property: str | None = None) -> PointArrays:
        """Arrays of a point layer. The live arrays are kept in memory and patched from the versions written
        since (tagged with the layer revision): after a write, a small delta query instead of every point."""
        layer_id = no_nul(layer_id)
        value_sql = sql.SQL(", v.properties -> {}").format(sql.Literal(value_property or ""))
        value_sql = value_sql if value_property else sql.SQL("")
        if at is not None:
            if self.layer(layer_id) is None:
                raise KeyError(layer_id)
            where, params = _where(layer_id, at, None, None, None, False)
            query = sql.SQL("SELECT v.fid, v.minx, v.miny{} FROM version v WHERE {} ORDER BY v.fid")
            with self._db.read() as conn:
                rows = conn.execute(query.format(value_sql, sql.SQL(where)), params).fetchall()
            return _arrays(rows, value_property is not None)
        key = (layer_id, value_property)
        with self._points_lock:
            cached = self._points_cache.get(key)
        with self._db.snapshot() as conn:  # one snapshot for the revision and the rows it covers
            row = conn.execute("SELECT revision FROM layer WHERE id = %s", (layer_id,)).fetchone()
            if row is None:
                raise KeyError(layer_id)
            revision = row[0]
            if cached is not None and cached[0] == revision:
                arrays = cached[1]
            elif cached is not None and revision - cached[0] <= POINTS_MAX_DELTA_REVISIONS:
                arrays = self._patch_points(conn, layer_id, value_sql, cached)
            else:
                query = sql.SQL(f"SELECT v.fid, v.minx, v.miny{{}} FROM version v WHERE v.layer = %s AND {LIVE}"
                                " ORDER BY v.fid")  # fmt: skip
                rows = conn.execute(query.format(value_sql), (layer_id,)).fetchall()
                arrays = _arrays(rows, value_property is not None)
        with self._points_lock:
            self._points_cache[key] = (revision, arrays)
        return arrays

    @staticmethod
    def _patch_points(conn, layer_id: str, value_sql, cached) -> PointArrays:
        since, old = cached
        query = sql.SQL("SELECT v.fid, v.op, v.minx, v.miny{} FROM version v WHERE v.layer = %s AND v.layer_rev > %s"
                        " ORDER BY v.vid")  # fmt: skip
        rows = conn.execute(query.format(value_sql), (layer_id, since)).fetchall()
        latest = {r[0]: r[1:] for r in rows}  # the last version of each feature wins
        changed = np.fromiter(latest, dtype=np.int64, count=len(latest))
        keep = ~np.isin(old.fids, changed)
        added = [(fid, *rest[1:]) for fid, rest in latest.items() if rest[0] != "delete"]
        fids = np.concatenate([old.fids[keep], np.array([a[0] for a in added], dtype=np.int64)])
        order = np.argsort(fids, kind="stable")
        x = np.concatenate([old.x[keep], np.array([a[1] for a in added], dtype=np.float64)])[order]
        y = np.concatenate([old.y[keep], np.array([a[2] for a in added], dtype=np.float64)])[order]
        values = None
        if old.values is not None:
            kept = np.asarray(old.values, dtype=object)[keep]
            new = np.empty(len(added), dtype=object)
            new[:] = [a[3] for a in added]
            values = np.concatenate([kept, new])[order].tolist()
        return PointArrays(fids[order], x, y, values)

    def version_rows(
        self, layer_id: str, properties: Sequence[str], *, changed_since: int | None = None
    ) -> tuple[int, list[tuple]]:
        layer_id = no_nul(layer_id)
        extracts = sql.SQL("").join(sql.SQL(", v.properties -> {}").format(sql.Literal(n)) for n in properties)
        # A point's coordinates are its bounds; other geometries have none here.
        query = sql.SQL(
            "SELECT v.fid, v.version, v.op, v.valid_from, v.valid_to,"
            " CASE WHEN GeometryType(v.geom) = 'POINT' THEN v.minx END,"
            " CASE WHEN GeometryType(v.geom) = 'POINT' THEN v.miny END{} FROM version v WHERE v.layer = %s"
        ).format(extracts)
        params: list = [layer_id]
        if changed_since is not None:
            query += sql.SQL(" AND v.fid IN (SELECT w.fid FROM version w WHERE w.layer = %s AND w.layer_rev > %s)")
            params += [layer_id, changed_since]
        with self._db.snapshot() as conn:  # one snapshot: the revision and the rows agree
            row = conn.execute("SELECT revision FROM layer WHERE id = %s", (layer_id,)).fetchone()
            if row is None:
                raise KeyError(layer_id)
            rows = conn.execute(query + sql.SQL(" ORDER BY v.fid, v.version"), params).fetchall()
        return row[0], rows

    def extent(self) -> Bbox | None:
        # A scan of every live feature, so while writes stream in it is refreshed at most every
        # EXTENT_MAX_AGE_S seconds (it only guides swap detection and the map's first view).
        with self._db.read() as conn:
            revision = conn.execute("SELECT coalesce(sum(revision), 0) FROM layer").fetchone()[0]
            cached = self._extent_cache
            if cached and (
                cached[0] == revision or (cached[1] is not None and time.monotonic() - cached[2] < EXTENT_MAX_AGE_S)
            ):
                return cached[1]
            row = conn.execute(
                f"SELECT min(v.minx), min(v.miny), max(v.maxx), max(v.maxy) FROM version v WHERE {LIVE}"
                " AND v.layer IN (SELECT id FROM layer WHERE retired_at IS NULL)"
            ).fetchone()
        box = None if row[0] is None else tuple(row)
        self._extent_cache = (revision, box, time.monotonic())
        return box
