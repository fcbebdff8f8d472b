"""The import-session table of the PostGIS store (migration 0004)."""

from __future__ import annotations

import json

from layers.store.jsontext import dumps


class ImportSessionsMixin:
    """Mixed into :class:`~layers.store.postgis.store.PostGISStore` (``_db`` comes from it)."""

    def save_import_session(self, session_id: str, owner: str, created_at: int, meta: dict) -> None:
        with self._db.write() as conn:
            conn.execute(
                "INSERT INTO import_session (id, owner, created_at, meta) VALUES (%s, %s, %s, %s)"
                " ON CONFLICT (id) DO UPDATE SET meta = excluded.meta",
                (session_id, owner, int(created_at), dumps(meta)),
            )

    def import_session(self, session_id: str) -> dict | None:
        with self._db.read() as conn:
            row = conn.execute(
                "SELECT id, owner, created_at, meta::text FROM import_session WHERE id = %s", (session_id,)
            ).fetchone()
        return _record(row) if row else None

    def import_sessions(self) -> list[dict]:
        with self._db.read() as conn:
            rows = conn.execute(
                'SELECT id, owner, created_at, meta::text FROM import_session ORDER BY created_at, id COLLATE "C"'
            ).fetchall()
        return [_record(row) for row in rows]

    def delete_import_session(self, session_id: str) -> bool:
        with self._db.write() as conn:
            return conn.execute("DELETE FROM import_session WHERE id = %s", (session_id,)).rowcount > 0


def _record(row: tuple) -> dict:
    return {"id": row[0], "owner": row[1], "created_at": row[2], "meta": json.loads(row[3])}
