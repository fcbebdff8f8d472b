"""The hash chains of the PostGIS store (see :mod:`layers.store.chain`): the ``chain_hash`` columns of
``version`` and ``audit`` (migration 0007), filled for new rows just before each write transaction commits,
under the store's write lock."""

from __future__ import annotations

import psycopg

from layers.store.chain import CHAINS, GENESIS, head_of, seal, verify

# The chain's fields in layers.store.chain's order, as this schema names them (JSON kept as its text).
_SELECT = {
    "version": ("vid", "vid, fid, layer, version, op, valid_from, author, geojson, props"),
    "audit": ("id", "id, at, actor, action, target, detail::text, ip"),
}


def _last(conn: psycopg.Connection, table: str) -> tuple[int, str]:
    key = _SELECT[table][0]
    row = conn.execute(
        f"SELECT {key}, chain_hash FROM {table} WHERE chain_hash IS NOT NULL ORDER BY {key} DESC LIMIT 1"
    ).fetchone()
    return (row[0], row[1]) if row else (0, GENESIS)


def seal_new_rows(conn: psycopg.Connection) -> None:
    """Chain every row written since the last seal; runs inside the write transaction, before it commits."""
    for table in CHAINS:
        key, fields = _SELECT[table]
        last_id, previous = _last(conn, table)
        rows = conn.execute(f"SELECT {fields} FROM {table} WHERE {key} > %s ORDER BY {key}", (last_id,)).fetchall()
        if rows:
            sealed = [(h, i) for i, h in seal(previous, table, rows)]
            with conn.cursor() as cur:
                cur.executemany(f"UPDATE {table} SET chain_hash = %s WHERE {key} = %s", sealed)


class ChainMixin:
    """Mixed into :class:`~layers.store.postgis.store.PostGISStore` (``_db`` comes from it)."""

    def chain_head(self) -> dict:
        with self._db.snapshot() as conn:
            heads = {table: _last(conn, table)[1] for table in CHAINS}
        return {"head": head_of(heads), **heads}

    def verify_chain(self) -> dict:
        heads, counts, problems = {}, {}, []
        with self._db.snapshot() as conn:
            for table in CHAINS:
                key, fields = _SELECT[table]
                with conn.cursor(name=f"verify_{table}") as cur:  # streamed, not fetched whole
                    cur.execute(f"SELECT {fields}, chain_hash FROM {table} ORDER BY {key}")
                    heads[table], counts[table], problem = verify(table, cur)
                if problem:
                    problems.append(problem)
        return {"ok": not problems, "head": head_of(heads), **heads, "rows": counts, "problems": problems}
