"""Versioned schema migrations: numbered SQL files (``0001_features.sql`` …) applied in order, each in its own
transaction, and recorded in ``schema_version``. A database that has a migration this code does not know
is newer than the code, and the store refuses to open it."""

from __future__ import annotations

import re
from pathlib import Path

import psycopg
from psycopg import sql

_FOLDER = Path(__file__).resolve().parent
_NAME = re.compile(r"(\d{4})_([a-z0-9_]+)\.sql")
# One migrator at a time per database (two app processes starting together); any fixed number will do.
MIGRATION_LOCK = 0x63770001


class SchemaTooNew(RuntimeError):
    """The database was upgraded by a newer version of the software."""


def migrations() -> list[tuple[int, str, str]]:
    """``(number, name, SQL text)`` of every migration this code knows, in order."""
    found = []
    for path in sorted(_FOLDER.glob("*.sql")):
        match = _NAME.fullmatch(path.name)
        if match is None:
            raise RuntimeError(f"migration file name not of the form 0001_name.sql: {path.name}")
        found.append((int(match[1]), match[2], path.read_text(encoding="utf-8")))
    numbers = [n for n, _, _ in found]
    if numbers != list(range(1, len(numbers) + 1)):
        raise RuntimeError(f"migrations must be numbered 1, 2, 3 … without gaps, found {numbers}")
    return found


def latest() -> int:
    return len(migrations())


def applied_version(conn: psycopg.Connection) -> int:
    """The highest migration applied to the connection's schema (0 for a new database)."""
    exists = conn.execute("SELECT to_regclass('schema_version') IS NOT NULL").fetchone()[0]
    if not exists:
        return 0
    return conn.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchone()[0]


def apply(conn: psycopg.Connection, now_us: int) -> list[str]:
    """Bring the connection's schema (the first of its search path) up to date; return the names applied.

    Raise :class:`SchemaTooNew` when the database has migrations this code does not know."""
    known = migrations()
    applied: list[str] = []
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
        conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_version"
            " (version integer PRIMARY KEY, name text NOT NULL, applied_at bigint NOT NULL)"
        )
        current = applied_version(conn)
        if current > len(known):
            raise SchemaTooNew(
                f"the database schema is at version {current}, newer than this software knows ({len(known)}): "
                "upgrade the software, or restore a backup made by this version"
            )
        for number, name, text in known[current:]:
            with conn.transaction():
                conn.execute(sql.SQL(text))  # type: ignore[arg-type]  # trusted files of this package
                conn.execute(
                    "INSERT INTO schema_version (version, name, applied_at) VALUES (%s, %s, %s)",
                    (number, name, now_us),
                )
            applied.append(f"{number:04d}_{name}")
    return applied
