"""The transfer port of the PostGIS store: every record exported from one snapshot (server-side cursors, so a
big store streams), and imported into an empty schema in one transaction under the write lock: versions
through COPY into a staging table, from which the feature rows (each one's current version) and the version
rows (geometry and jsonb derived by the server) are made; identity sequences continue after the largest id."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import groupby

from psycopg import sql
from psycopg.types.json import Jsonb

from layers.store.blobs import blob_key
from layers.store.transfer import BATCH, FIELDS, KINDS

_TABLES = {"user": "app_user"}  # kinds whose table has another name
_JSON_TEXT = {"layer": ("definition",), "audit": ("detail",), "category_version": ("definition",),
              "photo": ("warnings",), "idempotency": ("headers",), "import_session": ("meta",),
              "checklist_version": ("definition",), "inspection_round": ("design",),
              "inspection_item": ("geometry", "ref"), "inspection_answer": ("answer_values", "flags")}  # fmt: skip
_COLUMNS = {("area", "geometry"): "geojson"}  # (kind, field) -> the column that holds it, where the name differs
_ORDER = {"meta": 'key COLLATE "C"', "version": "layer, fid, version", "blob": 'key COLLATE "C"',
          "import_session": 'id COLLATE "C"', "idempotency": 'actor COLLATE "C", key COLLATE "C"',
          "area": 'code COLLATE "C"', "inspection_item": "round_id, item"}  # fmt: skip
_VERSION_COLS = ("vid", "fid", "layer", "version", "op", "valid_from", "valid_to", "author", "geojson", "props",
                 "minx", "miny", "maxx", "maxy", "layer_rev")  # fmt: skip
_IDENTITIES = ("app_user", "token", "login_attempt", "audit", "category_version", "photo", "checklist_version",
               "inspection_round", "inspection_answer")  # fmt: skip


def _table(kind: str) -> str:
    return _TABLES.get(kind, kind)


def _column(kind: str, field: str) -> sql.Identifier:
    return sql.Identifier(_COLUMNS.get((kind, field), field))


def _export_query(kind: str) -> sql.Composed:
    if kind == "meta":
        columns = sql.SQL("substr(key, 5), value")
        where = sql.SQL(" WHERE starts_with(key, 'app.')")
    elif kind == "version":
        columns = sql.SQL(", ").join(map(sql.Identifier, _VERSION_COLS))
        where = sql.SQL("")
    else:
        text = _JSON_TEXT.get(kind, ())
        columns = sql.SQL(", ").join(
            sql.SQL("{}::text").format(_column(kind, c)) if c in text else _column(kind, c) for c in FIELDS[kind]
        )
        where = sql.SQL("")
    order = sql.SQL(_ORDER.get(kind, "id"))
    return sql.SQL("SELECT {} FROM {}{} ORDER BY {}").format(columns, sql.Identifier(_table(kind)), where, order)


def _count_query(kind: str) -> sql.Composed:
    where = sql.SQL(" WHERE starts_with(key, 'app.')" if kind == "meta" else "")
    return sql.SQL("SELECT count(*) FROM {}{}").format(sql.Identifier(_table(kind)), where)


def _record(kind: str, row: tuple) -> dict:
    if kind == "version":
        *head, minx, miny, maxx, maxy, layer_rev = row
        bbox = None if minx is None else [minx, miny, maxx, maxy]
        return dict(zip(FIELDS["version"], (*head, bbox, layer_rev)))
    record = dict(zip(FIELDS[kind], row))
    if kind == "blob":
        record["data"] = bytes(record["data"])
    return record


class TransferMixin:
    """Mixed into :class:`~layers.store.postgis.store.PostGISStore` (``_db``, ``now``, ``_refresh_views`` and
    the caches come from it)."""

    def record_counts(self) -> dict[str, int]:
        with self._db.snapshot() as conn:
            return {kind: conn.execute(_count_query(kind)).fetchone()[0] for kind in KINDS}

    def export_records(self) -> Iterator[tuple[str, dict]]:
        with self._db.snapshot() as conn:
            for kind in KINDS:
                with conn.cursor(name=f"export_{kind}") as cur:
                    cur.itersize = 200 if kind == "blob" else BATCH
                    cur.execute(_export_query(kind))
                    for row in cur:
                        yield kind, _record(kind, row)

    def import_records(self, records: Iterable[tuple[str, dict]]) -> dict[str, int]:
        stored = dict.fromkeys(KINDS, 0)
        try:
            with self._db.write() as conn:
                counts = self.record_counts()
                if any(counts.values()):
                    raise ValueError(f"the store is not empty: {counts}")
                for kind, group in groupby(records, key=lambda r: r[0]):
                    if kind not in FIELDS:
                        raise ValueError(f"unknown kind of record {kind!r}")
                    stored[kind] += self._import_kind(conn, kind, (record for _, record in group))
                self._refresh_views(conn)
                for table in _IDENTITIES:
                    conn.execute(
                        sql.SQL("SELECT setval(pg_get_serial_sequence({}, 'id'), coalesce(max(id), 0) + 1, false)"
                                " FROM {}").format(sql.Literal(table), sql.Identifier(table))
                    )  # fmt: skip
        finally:
            with self._points_lock:
                self._points_cache.clear()
            self._extent_cache = None
        return stored

    def _import_kind(self, conn, kind: str, records: Iterator[dict]) -> int:
        if kind == "version":
            return _import_versions(conn, records)
        n = 0
        names = FIELDS[kind]
        insert = sql.SQL("INSERT INTO {} ({}) VALUES ({})").format(
            sql.Identifier(_table(kind)),
            sql.SQL(", ").join(_column(kind, c) for c in names),
            sql.SQL(", ").join(sql.Placeholder() * len(names)),
        )
        batch: list[tuple] = []
        for record in records:
            if kind == "meta":
                row = ("app." + record["key"], record["value"])
            elif kind == "blob":
                data = bytes(record["data"])
                if blob_key(data, record["key"].rpartition(".")[2]) != record["key"]:
                    raise ValueError(f"blob {record['key']}: its bytes have another key")
                row = (record["key"], data)
            else:
                row = tuple(Jsonb(record[c]) if c == "grid_codes" else record[c] for c in names)
            batch.append(row)
            n += 1
            if len(batch) >= BATCH:
                self._insert(conn, kind, insert, batch)
                batch = []
        if batch:
            self._insert(conn, kind, insert, batch)
        return n

    def _insert(self, conn, kind: str, insert: sql.Composed, rows: list[tuple]) -> None:
        with conn.cursor() as cur:
            if kind == "blob":
                cur.executemany("INSERT INTO blob (key, data, created_at) VALUES (%s, %s, %s)",
                                [(key, data, self.now()) for key, data in rows])  # fmt: skip
            else:
                cur.executemany(insert, rows)


def _import_versions(conn, records: Iterator[dict]) -> int:
    """Every version streamed by COPY into a staging table; then each feature's row (its newest version)
    and the version rows, in that order for the foreign key."""
    columns = sql.SQL(", ").join(map(sql.Identifier, _VERSION_COLS))
    conn.execute(
        "CREATE TEMP TABLE transfer_version (vid bigint, fid bigint, layer text, version integer, op text,"
        " valid_from bigint, valid_to bigint, author text, geojson text, props text, minx double precision,"
        " miny double precision, maxx double precision, maxy double precision, layer_rev bigint) ON COMMIT DROP"
    )
    n = 0
    with conn.cursor() as cur, cur.copy(sql.SQL("COPY transfer_version ({}) FROM STDIN").format(columns)) as copy:
        for r in records:
            box = r["bbox"] or (None, None, None, None)
            copy.write_row((r["vid"], r["fid"], r["layer"], r["version"], r["op"], r["valid_from"], r["valid_to"],
                            r["author"], r["geometry"], r["properties"], *box, r["layer_rev"]))  # fmt: skip
            n += 1
    conn.execute(
        "INSERT INTO feature (fid, layer, vid, version, deleted) SELECT DISTINCT ON (fid) fid, layer, vid, version,"
        " op = 'delete' FROM transfer_version ORDER BY fid, version DESC"
    )
    conn.execute(sql.SQL("INSERT INTO version ({0}) SELECT {0} FROM transfer_version ORDER BY vid").format(columns))
    conn.execute("DROP TABLE transfer_version")
    return n
