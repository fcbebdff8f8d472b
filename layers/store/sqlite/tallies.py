"""The tally port on SQLite: versions valid at instants, and counts of them, from two partial indexes (the
current versions by start; the closed ones by end, then start), never a scan of the whole history."""

from __future__ import annotations

from collections.abc import Sequence

from layers.store.jsontext import with_values
from layers.store.sqlite.jsonvalues import filter_clause

# A point's coordinates from its bounding box (None for other geometries and for deletions).
_POINT = "CASE WHEN v.minx = v.maxx AND v.miny = v.maxy THEN v.{} END"
# The predicates of the partial indexes version_open_since and version_closed_until, word for word.
OPEN_AT = "v.valid_to IS NULL AND v.op != 'delete' AND v.valid_from <= ?"
CLOSED_AT = "v.valid_to IS NOT NULL AND v.op != 'delete' AND v.valid_to > ? AND v.valid_from <= ?"


def _scope(layer_id: str, filters: dict | None, prefix: tuple[str, str] | None) -> tuple[str, list]:
    clauses, params = ["v.layer = ?"], [layer_id]
    for name, value in (filters or {}).items():
        clause, values = filter_clause("v.properties", name, value)
        clauses.append(clause)
        params += values
    if prefix is not None:
        name, text = prefix
        clauses.append("json_type(v.properties, ?) = 'text' AND substr(json_extract(v.properties, ?), 1, ?) = ?")
        params += [f"$.{name}", f"$.{name}", len(text), text]
    return " AND ".join(clauses), params


def _valid_at(columns: str, column_params: list, scope: tuple[str, list], at: int) -> tuple[str, list]:
    """The versions valid at ``at`` within the scope: the current ones and the closed ones, apart."""
    where, params = scope
    text = f"SELECT {columns} FROM version v WHERE {where} AND {OPEN_AT}" \
           f" UNION ALL SELECT {columns} FROM version v WHERE {where} AND {CLOSED_AT}"  # fmt: skip
    return text, [*column_params, *params, at, *column_params, *params, at, at]


class SQLiteTallies:
    """Mixed into :class:`~layers.store.sqlite.SQLiteStore` (which provides ``_conn``)."""

    def _in_snapshot(self, layer_id: str, read):
        conn = self._conn()
        own = not conn.in_transaction
        if own:
            conn.execute("BEGIN")  # one snapshot for every statement
        try:
            row = conn.execute("SELECT revision FROM layer WHERE id = ?", (layer_id,)).fetchone()
            if row is None:
                raise KeyError(layer_id)
            return row[0], read(conn)
        finally:
            if own:
                conn.execute("COMMIT")

    def rows_at(
        self,
        layer_id: str,
        instants: Sequence[int],
        properties: Sequence[str],
        *,
        filters: dict | None = None,
        prefix: tuple[str, str] | None = None,
    ) -> tuple[int, list[tuple]]:
        # One json_extract with every path parses the properties once and gives a JSON array, which Python
        # decodes with every value's JSON type (as version_rows does).
        paths = [f"$.{name}" for name in properties]
        paths += paths[:1] if len(paths) == 1 else []
        extract = f", json_extract(v.properties, {', '.join('?' * len(paths))})" if paths else ""
        columns = f"v.fid, v.version, v.op, v.valid_from, v.valid_to, {_POINT.format('minx')}, " \
                  f"{_POINT.format('miny')}{extract}"  # fmt: skip
        where, scope_params = _scope(layer_id, filters, prefix)
        # One scan whose condition ORs, per instant, the current and the closed versions: SQLite answers it
        # with one index lookup per arm and keeps each row once (no sort of the rows to drop duplicates).
        arms, params = [], [*paths, *scope_params]
        for at in sorted(set(int(t) for t in instants)):
            arms += [f"({OPEN_AT})", f"({CLOSED_AT})"]
            params += [at, at, at]
        query = f"SELECT {columns} FROM version v WHERE {where} AND ({' OR '.join(arms)}) ORDER BY v.fid, v.version"
        revision, rows = self._in_snapshot(layer_id, lambda conn: conn.execute(query, params).fetchall() if arms
                                           else [])  # fmt: skip
        return revision, with_values(rows, len(properties))

    def counts_at(
        self,
        layer_id: str,
        instants: Sequence[int],
        group_by: str,
        *,
        filters: dict | None = None,
        prefix: tuple[str, str] | None = None,
    ) -> list[dict]:
        path = f"$.{group_by}"
        value = "CASE WHEN json_type(v.properties, ?) = 'text' THEN json_extract(v.properties, ?) END AS value"
        scope = _scope(layer_id, filters, prefix)
        parts, params = [], []
        for k, at in enumerate(instants):
            text, more = _valid_at(value, [path, path], scope, int(at))
            parts.append(f"SELECT {k} AS k, value, count(*) FROM ({text}) GROUP BY value")
            params += more
        query = " UNION ALL ".join(parts)
        _, rows = self._in_snapshot(layer_id, lambda conn: conn.execute(query, params).fetchall() if parts else [])
        out: list[dict] = [{} for _ in instants]
        for k, name, n in rows:
            out[k][name] = n
        return out
