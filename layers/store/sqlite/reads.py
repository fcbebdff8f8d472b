"""Feature reads of the SQLite store: queries (now, at an instant, during an interval; by bbox with the
exact re-check; by property), single features, their history, version rows and the extent.

R*Tree boxes are float32 and rounded outwards, so every bbox query re-checks the exact float64 bounds kept
beside them (and, for lines and polygons, the geometry itself).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from json import loads

import shapely

from layers.store import Bbox, FeatureVersion, Page, UnknownFeature
from layers.store.sqlite.jsonvalues import filter_clause

_START, _END = -(2**62), 2**62  # open ends of a time interval
EXTENT_MAX_AGE_S = 30
# A point's coordinates from its bounding box (None for other geometries and for deletions).
_POINT_X = "CASE WHEN minx = maxx AND miny = maxy THEN minx END"
_POINT_Y = "CASE WHEN minx = maxx AND miny = maxy THEN miny END"
VERSION_COLS = "v.fid, v.layer, v.version, v.op, v.valid_from, v.valid_to, v.author, v.geometry, v.properties"


def row_to_version(row: tuple) -> FeatureVersion:
    return FeatureVersion(*row)


class SQLiteReads:
    """Mixed into :class:`~layers.store.sqlite.SQLiteStore` (which provides ``_conn`` and ``layer``)."""

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
            clause, values = filter_clause("v.properties", name, value)
            clauses.append(clause)
            params += values
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
            f"SELECT {VERSION_COLS} FROM {source} WHERE {where} ORDER BY v.fid LIMIT ? OFFSET ?",
            params + [limit, offset],
        ).fetchall()
        return Page([row_to_version(r) for r in rows], total)

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
                f"SELECT {VERSION_COLS} FROM version v WHERE v.vid IN ({marks}) ORDER BY v.fid", chunk
            ).fetchall()
        return Page([row_to_version(r) for r in found], len(vids))

    def get(self, layer_id: str, fid: int, at: int | None = None) -> FeatureVersion:
        conn = self._conn()
        if at is None:
            row = conn.execute(
                f"SELECT {VERSION_COLS} FROM feature f JOIN version v ON v.vid = f.vid"
                " WHERE f.fid = ? AND f.layer = ? AND f.deleted = 0",
                (fid, layer_id),
            ).fetchone()
        else:
            row = conn.execute(
                f"SELECT {VERSION_COLS} FROM version v WHERE v.fid = ? AND v.layer = ? AND v.op != 'delete'"
                " AND v.valid_from <= ? AND (v.valid_to IS NULL OR v.valid_to > ?)",
                (fid, layer_id, at, at),
            ).fetchone()
        if row is None:
            raise UnknownFeature(fid)
        return row_to_version(row)

    def history(self, layer_id: str, fid: int) -> list[FeatureVersion]:
        rows = (
            self._conn()
            .execute(
                f"SELECT {VERSION_COLS} FROM version v WHERE v.fid = ? AND v.layer = ? ORDER BY v.version",
                (fid, layer_id),
            )
            .fetchall()
        )
        if not rows:
            raise UnknownFeature(fid)
        return [row_to_version(r) for r in rows]

    def version_rows(
        self, layer_id: str, properties: Sequence[str], *, changed_since: int | None = None
    ) -> tuple[int, list[tuple]]:
        # One json_extract with every path parses the properties once and gives a JSON array, which Python
        # decodes with every value's JSON type (a single path would give SQLite's 1/0 for true/false).
        paths = [f"$.{name}" for name in properties]
        paths += paths[:1] if len(paths) == 1 else []
        extract = f", json_extract(properties, {', '.join('?' * len(paths))})" if paths else ""
        sql = (
            f"SELECT fid, version, op, valid_from, valid_to, {_POINT_X}, {_POINT_Y}{extract}"
            " FROM version WHERE layer = ?"
        )
        params: list = [*paths, layer_id]
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
        if not properties:
            return row[0], rows
        n, empty = len(properties), (None,) * len(properties)
        return row[0], [r[:7] + (tuple(loads(r[7])[:n]) if r[7] is not None else empty) for r in rows]

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
