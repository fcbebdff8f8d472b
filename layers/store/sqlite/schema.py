"""The SQLite schema: tables, the migrations of older databases, and the schema version check.

Tables: ``layer`` (definitions), ``feature`` (one row per feature: its live version and bounding box),
``version`` (every version ever written, with ``valid_from``/``valid_to``), ``cur_rtree`` (bounding
boxes of live features, keyed by feature id) and ``hist_rtree`` (every version's bounding box, keyed by
version id) for reading the past; the account, case, area and inspection tables are in ``accounts.py``,
``cases.py``, ``areas.py`` and ``inspections.py``.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from layers.store.sqlite.accounts import ACCOUNT_SCHEMA, migrate_account_tables, migrate_user_table
from layers.store.sqlite.areas import AREA_SCHEMA
from layers.store.sqlite.cases import CASE_SCHEMA, migrate_case_tables
from layers.store.sqlite.chain import migrate_chain_columns
from layers.store.sqlite.importsessions import IMPORT_SESSION_SCHEMA
from layers.store.sqlite.inspections import INSPECTION_SCHEMA

SCHEMA_VERSION = 1
FEATURE_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS layer (
    id TEXT PRIMARY KEY,
    definition TEXT NOT NULL,
    builtin INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    created_by TEXT NOT NULL,
    revision INTEGER NOT NULL DEFAULT 0,
    feature_count INTEGER NOT NULL DEFAULT 0,
    retired_at INTEGER,
    retired_by TEXT
);
CREATE TABLE IF NOT EXISTS feature (
    fid INTEGER PRIMARY KEY,
    layer TEXT NOT NULL REFERENCES layer(id),
    vid INTEGER NOT NULL,
    version INTEGER NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0,
    minx REAL, miny REAL, maxx REAL, maxy REAL
);
CREATE INDEX IF NOT EXISTS feature_live ON feature(layer, fid) WHERE deleted = 0;
CREATE TABLE IF NOT EXISTS version (
    vid INTEGER PRIMARY KEY,
    fid INTEGER NOT NULL REFERENCES feature(fid),
    layer TEXT NOT NULL,
    version INTEGER NOT NULL,
    op TEXT NOT NULL CHECK (op IN ('create', 'update', 'delete')),
    valid_from INTEGER NOT NULL,
    valid_to INTEGER,
    author TEXT NOT NULL,
    geometry TEXT,
    properties TEXT,
    minx REAL, miny REAL, maxx REAL, maxy REAL,
    layer_rev INTEGER NOT NULL,
    UNIQUE (fid, version)
);
CREATE INDEX IF NOT EXISTS version_layer_rev ON version(layer, layer_rev);
CREATE INDEX IF NOT EXISTS version_layer_time ON version(layer, valid_from);
CREATE INDEX IF NOT EXISTS version_open_since ON version(layer, valid_from) WHERE valid_to IS NULL AND op != 'delete';
CREATE INDEX IF NOT EXISTS version_closed_until ON version(layer, valid_to, valid_from)
    WHERE valid_to IS NOT NULL AND op != 'delete';
CREATE INDEX IF NOT EXISTS version_created_by ON version(layer, author, valid_from) WHERE op = 'create';
CREATE VIRTUAL TABLE IF NOT EXISTS cur_rtree USING rtree(id, minx, maxx, miny, maxy);
CREATE VIRTUAL TABLE IF NOT EXISTS hist_rtree USING rtree(id, minx, maxx, miny, maxy);
"""


def migrate_layer_table(conn: sqlite3.Connection) -> None:
    """Columns added to ``layer`` since it was first created: when and by whom a layer was retired."""
    columns = {row[1] for row in conn.execute("PRAGMA table_info(layer)")}
    if "retired_at" not in columns:
        conn.execute("ALTER TABLE layer ADD COLUMN retired_at INTEGER")
        conn.execute("ALTER TABLE layer ADD COLUMN retired_by TEXT")


def prepare(conn: sqlite3.Connection, path: Path) -> None:
    """Create the missing tables, migrate older ones, and refuse a database of another schema version."""
    conn.executescript(
        FEATURE_SCHEMA + ACCOUNT_SCHEMA + CASE_SCHEMA + AREA_SCHEMA + INSPECTION_SCHEMA + IMPORT_SESSION_SCHEMA
    )
    migrate_case_tables(conn)
    migrate_user_table(conn)
    migrate_layer_table(conn)
    migrate_account_tables(conn)
    migrate_chain_columns(conn)
    conn.execute("INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
    found = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0]
    if found != str(SCHEMA_VERSION):
        raise RuntimeError(
            f"{path} has database schema version {found}; this version of the software reads "
            f"version {SCHEMA_VERSION}. Restore a matching backup or upgrade the software."
        )
