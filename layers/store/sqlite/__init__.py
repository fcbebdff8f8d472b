"""The embedded default backend: one SQLite database in WAL mode with R*Tree indexes."""
