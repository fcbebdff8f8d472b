"""The area table of the PostGIS store: names and boundaries of the areas above the grid cells."""

from __future__ import annotations

import json
from collections.abc import Sequence

_COLS = "code, level, parent, name, geojson, minx, miny, maxx, maxy, updated_at, author"


def _area(row: tuple | None) -> dict | None:
    if row is None:
        return None
    code, level, parent, name, geojson, minx, miny, maxx, maxy, updated_at, author = row
    return {
        "code": code, "level": level, "parent": parent, "name": name,
        "geometry": None if geojson is None else json.loads(geojson),
        "bbox": None if minx is None else [minx, miny, maxx, maxy],
        "updated_at": updated_at, "author": author,
    }  # fmt: skip


def _row(area: dict, now: int, author: str) -> tuple:
    bbox = area.get("bbox") or [None] * 4
    geometry = area.get("geometry")
    return (
        area["code"], area["level"], area.get("parent"), area["name"],
        None if geometry is None else json.dumps(geometry, ensure_ascii=False), *bbox, now, author,
    )  # fmt: skip


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
                [_row(a, now, author) for a in areas],
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
            return [_area(r) for r in conn.execute(query + " ORDER BY code", params).fetchall()]

    def area(self, code: str) -> dict | None:
        with self._db.read() as conn:
            return _area(conn.execute(f"SELECT {_COLS} FROM area WHERE code = %s", (code,)).fetchone())

    def delete_area(self, code: str) -> bool:
        with self._db.write() as conn:
            return conn.execute("DELETE FROM area WHERE code = %s", (code,)).rowcount > 0
