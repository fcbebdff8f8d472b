"""The area table of the PostGIS store: names and boundaries of the areas above the grid cells."""

from __future__ import annotations

from collections.abc import Sequence

from layers.store.areas import area_record, area_row

_COLS = "code, level, parent, name, geojson, minx, miny, maxx, maxy, updated_at, author"


class AreasMixin:
    """Mixed into :class:`~layers.store.postgis.store.PostGISStore` (``_db`` and ``now`` come from it)."""

    def put_areas(self, areas: Sequence[dict], author: str) -> int:
        now = self.now()
        with self._db.write() as conn, conn.cursor() as cur:
            cur.executemany(
                f"INSERT INTO area ({_COLS}) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
                " ON CONFLICT (code) DO UPDATE SET level = excluded.level, parent = excluded.parent,"
                " name = excluded.name, geojson = excluded.geojson, minx = excluded.minx, miny = excluded.miny,"
                " maxx = excluded.maxx, maxy = excluded.maxy, updated_at = excluded.updated_at,"
                " author = excluded.author",
                [area_row(a, now, author) for a in areas],
            )
        return len(areas)

    def areas(self, *, level: str | None = None, parent: str | None = None) -> list[dict]:
        query, params = f"SELECT {_COLS} FROM area WHERE true", []
        if level is not None:
            query += " AND level = %s"
            params.append(level)
        if parent is not None:
            query += " AND parent = %s"
            params.append(parent)
        with self._db.read() as conn:
            return [area_record(r) for r in conn.execute(query + " ORDER BY code", params).fetchall()]

    def area(self, code: str) -> dict | None:
        with self._db.read() as conn:
            return area_record(conn.execute(f"SELECT {_COLS} FROM area WHERE code = %s", (code,)).fetchone())

    def delete_area(self, code: str) -> bool:
        with self._db.write() as conn:
            return conn.execute("DELETE FROM area WHERE code = %s", (code,)).rowcount > 0
