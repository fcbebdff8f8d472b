"""The import-session table of the SQLite store."""

from __future__ import annotations

import json

from layers.store.jsontext import dumps

IMPORT_SESSION_SCHEMA = """
CREATE TABLE IF NOT EXISTS import_session (
    id TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    meta TEXT NOT NULL
);
"""


class SQLiteImportSessions:
    """Mixed into :class:`~layers.store.sqlite.SQLiteStore` (``_conn`` and ``_write`` come from it)."""

    def save_import_session(self, session_id: str, owner: str, created_at: int, meta: dict) -> None:
        with self._write() as conn:
            conn.execute(
                "INSERT INTO import_session VALUES (?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET meta = excluded.meta",
                (session_id, owner, int(created_at), dumps(meta)),
            )

    def import_session(self, session_id: str) -> dict | None:
        row = self._conn().execute(
            "SELECT id, owner, created_at, meta FROM import_session WHERE id = ?", (session_id,)
        ).fetchone()
        return _record(row) if row else None

    def import_sessions(self) -> list[dict]:
        rows = self._conn().execute("SELECT id, owner, created_at, meta FROM import_session ORDER BY created_at, id")
        return [_record(row) for row in rows]

    def delete_import_session(self, session_id: str) -> bool:
        with self._write() as conn:
            return conn.execute("DELETE FROM import_session WHERE id = ?", (session_id,)).rowcount > 0


def _record(row: tuple) -> dict:
    return {"id": row[0], "owner": row[1], "created_at": row[2], "meta": json.loads(row[3])}
