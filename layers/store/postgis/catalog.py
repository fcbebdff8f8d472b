"""Store metadata and layer definitions of the PostGIS store."""

from __future__ import annotations

import json
from collections.abc import Iterable

import psycopg

from layers.store import LayerExists
from layers.store.jsontext import dumps
from layers.store.postgis import qgis
from layers.store.postgis.reading import no_nul

_LAYER_COLS = "definition, builtin, feature_count, revision"


def _layer(row: tuple) -> dict:
    definition = dict(row[0])
    definition.update(builtin=bool(row[1]), feature_count=row[2], revision=row[3])
    return definition


class CatalogMixin:
    """Mixed into :class:`~layers.store.postgis.store.PostGISStore` (``_db``, ``now`` and ``_now`` come from it)."""

    def get_meta(self, key: str):
        with self._db.read() as conn:
            row = conn.execute("SELECT value FROM meta WHERE key = %s", (f"app.{key}",)).fetchone()
        return json.loads(row[0]) if row else None

    def set_meta(self, key: str, value) -> None:
        with self._db.write() as conn:
            conn.execute(
                "INSERT INTO meta VALUES (%s, %s) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (f"app.{key}", dumps(value)),
            )

    def layers(self) -> list[dict]:
        with self._db.read() as conn:
            rows = conn.execute(f"SELECT {_LAYER_COLS} FROM layer WHERE retired_at IS NULL").fetchall()
        return sorted((_layer(r) for r in rows), key=lambda d: (d.get("order", 1000), d["id"]))

    def layer(self, layer_id: str) -> dict | None:
        layer_id = no_nul(layer_id)
        with self._db.read() as conn:
            row = conn.execute(
                f"SELECT {_LAYER_COLS} FROM layer WHERE id = %s AND retired_at IS NULL", (layer_id,)
            ).fetchone()
        return _layer(row) if row else None

    def create_layer(self, definition: dict, author: str, builtin: bool = False) -> dict:
        try:
            with self._db.write() as conn:
                conn.execute(
                    "INSERT INTO layer (id, definition, builtin, created_at, created_by) VALUES (%s, %s, %s, %s, %s)",
                    (definition["id"], dumps(definition), bool(builtin), self._now(None), author),
                )
                self._refresh_views(conn)
        except psycopg.errors.UniqueViolation:
            raise LayerExists(definition["id"]) from None
        return self.layer(definition["id"])

    def retire_layer(self, layer_id: str, author: str) -> None:
        layer_id = no_nul(layer_id)
        with self._db.write() as conn:
            done = conn.execute(
                "UPDATE layer SET retired_at = %s, retired_by = %s, revision = revision + 1"
                " WHERE id = %s AND NOT builtin AND retired_at IS NULL",
                (self.now(), author, layer_id),
            ).rowcount
            self._refresh_views(conn)
        if not done:
            raise KeyError(layer_id)

    def sync_builtin_layers(self, definitions: Iterable[dict]) -> None:
        with self._db.write() as conn:
            for definition in definitions:
                conn.execute(
                    "INSERT INTO layer (id, definition, builtin, created_at, created_by)"
                    " VALUES (%s, %s, true, %s, 'system')"
                    " ON CONFLICT (id) DO UPDATE SET definition = excluded.definition, builtin = true"
                    " WHERE layer.definition::text IS DISTINCT FROM excluded.definition::text",
                    (definition["id"], dumps(definition), self._now(None)),
                )
            self._refresh_views(conn)

    def qgis_views(self, grant_to: str | None = None) -> list[str]:
        """Make (or make anew) one view per live layer for desktop GIS, in the view schema; ``grant_to`` (an
        existing role) may then read them and nothing else. Return the views' names."""
        with self._db.write() as conn:
            return self._refresh_views(conn, create=True, grant_to=grant_to)

    @staticmethod
    def _refresh_views(conn: psycopg.Connection, create: bool = False, grant_to: str | None = None) -> list[str]:
        rows = conn.execute(f"SELECT {_LAYER_COLS} FROM layer WHERE retired_at IS NULL ORDER BY id").fetchall()
        return qgis.refresh(conn, [_layer(r) for r in rows], create=create, grant_to=grant_to)

    @staticmethod
    def _bump(conn: psycopg.Connection, layer_id: str, count_change: int) -> int:
        """Start a write on a layer: its new revision, which tags every version the write adds."""
        row = conn.execute(
            "UPDATE layer SET revision = revision + 1, feature_count = feature_count + %s"
            " WHERE id = %s RETURNING revision",
            (count_change, layer_id),
        ).fetchone()
        if row is None:
            raise KeyError(layer_id)
        return row[0]
