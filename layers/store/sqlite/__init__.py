"""The embedded default backend: one SQLite database in WAL mode with R*Tree indexes, blobs as files beside it."""

from layers.store.sqlite.store import SQLiteStore, database_file

__all__ = ["SQLiteStore", "database_file"]
