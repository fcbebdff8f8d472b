"""The area table of the SQLite store: names and boundaries of the areas above the grid cells."""

from __future__ import annotations

from collections.abc import Sequence

from layers.store.areas import area_record, area_row

AREA_SCHEMA = """
CREATE TABLE IF NOT EXISTS area (
    code TEXT PRIMARY KEY,
    level TEXT NOT NULL CHECK (level IN ('district', 'street', 'community', 'cell')),
    parent TEXT,
    name TEXT NOT NULL,
    geometry TEXT,
    minx REAL, miny REAL, maxx REAL, maxy REAL,
    updated_at INTEGER NOT NULL,
    author TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS area_parent ON area(parent);
CREATE INDEX IF NOT EXISTS area_level ON area(level, code);
"""
_COLS = "code, level, parent, name, geometry, minx, miny, maxx, maxy, updated_at, author"


class SQLiteAreas:
    """Mixed into :class:`~layers.store.sqlite.SQLiteStore` (``_conn``, ``_write`` and ``now``)."""

    def put_areas(self, areas: Sequence[dict], author: str) -> int:
        now = self.now()
        with self._write() as conn:
            conn.executemany(
                f"INSERT INTO area ({_COLS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (code) DO UPDATE SET level = excluded.level, parent = excluded.parent,"
                " name = excluded.name, geometry = excluded.geometry, minx = excluded.minx, miny = excluded.miny,"
                " maxx = excluded.maxx, maxy = excluded.maxy, updated_at = excluded.updated_at,"
                " author = excluded.author",
                [area_row(a, now, author) for a in areas],
            )
        return len(areas)

    def areas(self, *, level: str | None = None, parent: str | None = None) -> list[dict]:
        sql, params = f"SELECT {_COLS} FROM area WHERE 1 = 1", []
        if level is not None:
            sql += " AND level = ?"
            params.append(level)
        if parent is not None:
            sql += " AND parent = ?"
            params.append(parent)
        return [area_record(r) for r in self._conn().execute(sql + " ORDER BY code", params).fetchall()]

    def area(self, code: str) -> dict | None:
        return area_record(self._conn().execute(f"SELECT {_COLS} FROM area WHERE code = ?", (code,)).fetchone())

    def delete_area(self, code: str) -> bool:
        with self._write() as conn:
            return conn.execute("DELETE FROM area WHERE code = ?", (code,)).rowcount > 0
