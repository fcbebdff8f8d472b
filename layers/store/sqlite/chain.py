"""The hash chains of the SQLite store (see :mod:`layers.store.chain`): a ``chain_hash`` column on
``version`` and ``audit``, filled for new rows just before each write transaction commits."""

from __future__ import annotations

import sqlite3

from layers.store.chain import AUDIT_FIELDS, CHAINS, GENESIS, VERSION_FIELDS, head_of, seal, verify

_KEYS = {"version": ("vid", VERSION_FIELDS), "audit": ("id", AUDIT_FIELDS)}


def migrate_chain_columns(conn: sqlite3.Connection) -> None:
    """Add the ``chain_hash`` columns to a database made before them (its rows are sealed at the next write)."""
    for table in CHAINS:
        if "chain_hash" not in {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}:
            conn.execute(f"ALTER TABLE {table} ADD COLUMN chain_hash TEXT")


def _last(conn: sqlite3.Connection, table: str) -> tuple[int, str]:
    key = _KEYS[table][0]
    row = conn.execute(
        f"SELECT {key}, chain_hash FROM {table} WHERE chain_hash IS NOT NULL ORDER BY {key} DESC LIMIT 1"
    ).fetchone()
    return (row[0], row[1]) if row else (0, GENESIS)


def seal_new_rows(conn: sqlite3.Connection) -> None:
    """Chain every row written since the last seal; runs inside the write transaction, before COMMIT."""
    for table in CHAINS:
        key, fields = _KEYS[table]
        last_id, previous = _last(conn, table)
        rows = conn.execute(
            f"SELECT {', '.join(fields)} FROM {table} WHERE {key} > ? ORDER BY {key}", (last_id,)
        ).fetchall()
        if rows:
            sealed = [(h, i) for i, h in seal(previous, table, rows)]
            conn.executemany(f"UPDATE {table} SET chain_hash = ? WHERE {key} = ?", sealed)


class SQLiteChain:
    """Mixed into :class:`layers.store.sqlite.store.SQLiteStore`; uses its ``_conn``."""

    def chain_head(self) -> dict:
        conn = self._conn()
        heads = {table: _last(conn, table)[1] for table in CHAINS}
        return {"head": head_of(heads), **heads}

    def verify_chain(self) -> dict:
        conn = self._conn()
        heads, counts, problems = {}, {}, []
        for table in CHAINS:
            key, fields = _KEYS[table]
            rows = conn.execute(f"SELECT {', '.join(fields)}, chain_hash FROM {table} ORDER BY {key}")
            heads[table], counts[table], problem = verify(table, rows)
            if problem:
                problems.append(problem)
        return {"ok": not problems, "head": head_of(heads), **heads, "rows": counts, "problems": problems}
