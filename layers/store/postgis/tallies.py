"""The tally port on PostGIS: versions valid at instants, and counts of them, from two indexes of
migration 0004 (current versions by start; closed versions by validity), never a scan of the history."""

from __future__ import annotations

from collections.abc import Sequence

from psycopg import sql

from layers.store.jsontext import with_values
from layers.store.postgis.reading import jsonb_text, no_nul

# The predicates of migration 0004's partial indexes, word for word, so the planner uses them.
OPEN_AT = "v.valid_to IS NULL AND v.op <> 'delete' AND v.valid_from <= %s"
CLOSED_AT = (
    "v.valid_to IS NOT NULL AND v.op <> 'delete' AND int8range(v.valid_from, v.valid_to, '[)') @> %s::bigint"
)


def _scope(layer_id: str, filters: dict | None, prefix: tuple[str, str] | None) -> tuple[str, list]:
    clauses, params = ["v.layer = %s"], [layer_id]
    for name, value in (filters or {}).items():
        values = sorted(value, key=repr) if isinstance(value, list | tuple | set | frozenset) else [value]
        clauses.append("v.properties -> %s = ANY(%s::jsonb[])")
        params += [name, [jsonb_text(x) for x in values]]
    if prefix is not None:
        name, text = prefix
        text = no_nul(text)
        clauses.append("jsonb_typeof(v.properties -> %s) = 'string' AND left(v.properties ->> %s, %s) = %s")
        params += [name, name, len(text), text]
    return " AND ".join(clauses), params


def _valid_at(columns: str, column_params: list, scope: tuple[str, list], at: int) -> tuple[str, list]:
    """The versions valid at ``at`` within the scope: the current ones and the closed ones, apart."""
    where, params = scope
    text = f"SELECT {columns} FROM version v WHERE {where} AND {OPEN_AT}" \
           f" UNION ALL SELECT {columns} FROM version v WHERE {where} AND {CLOSED_AT}"  # fmt: skip
    return text, [*column_params, *params, at, *column_params, *params, at]


class TalliesMixin:
    """Mixed into :class:`~layers.store.postgis.store.PostGISStore` (``_db`` comes from it)."""

    def rows_at(
        self,
        layer_id: str,
        instants: Sequence[int],
        properties: Sequence[str],
        *,
        filters: dict | None = None,
        prefix: tuple[str, str] | None = None,
    ) -> tuple[int, list[tuple]]:
        layer_id = no_nul(layer_id)
        # The values of a row as one JSON array text: one parse of every row's arrays at once in Python, far
        # cheaper than psycopg decoding each jsonb value on its own.
        values = sql.SQL(", jsonb_build_array({})::text").format(
            sql.SQL(", ").join(sql.SQL("v.properties -> {}").format(sql.Literal(n)) for n in properties)
        ) if properties else sql.SQL("")  # fmt: skip
        columns = sql.SQL(
            "v.fid, v.version, v.op, v.valid_from, v.valid_to,"
            " CASE WHEN GeometryType(v.geom) = 'POINT' THEN v.minx END,"
            " CASE WHEN GeometryType(v.geom) = 'POINT' THEN v.miny END{}"
        ).format(values)
        where, scope_params = _scope(layer_id, filters, prefix)
        # One scan whose condition ORs, per instant, the current and the closed versions (each arm with every
        # condition its partial index needs): PostgreSQL ORs the index scans' bitmaps, so a version valid at
        # several instants comes once, with no sort of the rows to drop duplicates.
        arms, params = [], list(scope_params)
        for at in sorted(set(int(t) for t in instants)):
            arms += [f"(v.layer = %s AND {OPEN_AT})", f"(v.layer = %s AND {CLOSED_AT})"]
            params += [layer_id, at, layer_id, at]
        with self._db.snapshot() as conn:  # one snapshot: the revision and the rows agree
            row = conn.execute("SELECT revision FROM layer WHERE id = %s", (layer_id,)).fetchone()
            if row is None:
                raise KeyError(layer_id)
            if not arms:
                return row[0], []
            query = sql.SQL("SELECT {} FROM version v WHERE " + where + " AND (" + " OR ".join(arms) + ")"
                            " ORDER BY v.fid, v.version").format(columns)  # fmt: skip
            rows = conn.execute(query, params).fetchall()
        return row[0], with_values(rows, len(properties))

    def counts_at(
        self,
        layer_id: str,
        instants: Sequence[int],
        group_by: str,
        *,
        filters: dict | None = None,
        prefix: tuple[str, str] | None = None,
    ) -> list[dict]:
        layer_id = no_nul(layer_id)
        value = "CASE WHEN jsonb_typeof(v.properties -> %s) = 'string' THEN v.properties ->> %s END"
        scope = _scope(layer_id, filters, prefix)
        parts, params = [], []
        for k, at in enumerate(instants):
            text, more = _valid_at(f"{value} AS value", [group_by, group_by], scope, int(at))
            parts.append(f"SELECT {k} AS k, value, count(*) FROM ({text}) s GROUP BY value")
            params += more
        out: list[dict] = [{} for _ in instants]
        with self._db.snapshot() as conn:
            if conn.execute("SELECT 1 FROM layer WHERE id = %s", (layer_id,)).fetchone() is None:
                raise KeyError(layer_id)
            if parts:
                for k, name, n in conn.execute(" UNION ALL ".join(parts), params).fetchall():
                    out[k][name] = n
        return out
