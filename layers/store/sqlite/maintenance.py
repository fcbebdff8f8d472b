"""Backups, restores and integrity checks of the SQLite store (its maintenance port)."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from layers.store.maintenance import StoreInUse
from layers.store.sqlite.schema import SCHEMA_VERSION

try:  # POSIX: a shared lock per serving process, an exclusive one to restore
    import fcntl
except ImportError:  # Windows: the data directory's lock (DataDirLock) is the only guard
    fcntl = None


class SQLiteMaintenance:
    """Mixed into :class:`~layers.store.sqlite.SQLiteStore` (which provides ``_conn`` and ``_forget_caches``)."""

    def integrity_check(self) -> str:
        return self._conn().execute("PRAGMA integrity_check").fetchone()[0]

    def backup(self, target: str | os.PathLike) -> dict:
        """Copy the live database to ``target`` while it serves: SQLite's backup API reads one consistent
        snapshot (WAL lets writers go on meanwhile). The copy is checked before it is reported."""
        target = Path(target)
        if target.exists():
            raise FileExistsError(f"{target} exists; choose a new file name")
        partial = target.with_name(target.name + ".partial")
        dst = sqlite3.connect(partial)
        try:
            self._conn().backup(dst)
            dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
            check = dst.execute("PRAGMA integrity_check").fetchone()[0]
            counts = dict(dst.execute("SELECT id, feature_count FROM layer").fetchall())
            versions = dst.execute("SELECT count(*) FROM version").fetchone()[0]
        finally:
            dst.close()
        if check != "ok":
            partial.unlink()
            raise RuntimeError(f"the backup failed its integrity check: {check}")
        partial.rename(target)
        return {"file": str(target), "bytes": target.stat().st_size, "versions": versions, "features": counts}

    @staticmethod
    def check_backup(source: str | os.PathLike) -> dict:
        """Open a backup read-only and check it is a sound database of this schema; return what it holds."""
        source = Path(source)
        if not source.is_file():
            raise FileNotFoundError(f"{source} does not exist")
        try:
            src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
            check = src.execute("PRAGMA integrity_check").fetchone()[0]
            version = src.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
            counts = dict(src.execute("SELECT id, feature_count FROM layer").fetchall())
            versions = src.execute("SELECT count(*) FROM version").fetchone()[0]
            src.close()
        except sqlite3.DatabaseError as exc:
            raise ValueError(f"{source} is not a backup of this tool: {exc}") from None
        if check != "ok":
            raise ValueError(f"{source} fails its integrity check: {check}")
        if version is None or version[0] != str(SCHEMA_VERSION):
            raise ValueError(f"{source} has schema version {version and version[0]}, expected {SCHEMA_VERSION}")
        return {"file": str(source), "versions": versions, "features": counts}

    def _serving_file(self) -> Path:
        return self.path.with_name(self.path.name + ".serving")

    @contextmanager
    def serving(self) -> Iterator[None]:
        """A shared lock on ``<database>.serving`` beside the database, whichever data directory serves it."""
        if fcntl is None:
            yield
            return
        fd = os.open(self._serving_file(), os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_SH)
            yield
        finally:
            os.close(fd)

    def restore(self, source: str | os.PathLike) -> dict:
        """Replace the whole database with a checked backup, unless a server serves it (StoreInUse)."""
        summary = self.check_backup(source)
        fd = os.open(self._serving_file(), os.O_RDWR | os.O_CREAT, 0o644) if fcntl is not None else None
        try:
            if fd is not None:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except OSError:
                    raise StoreInUse(f"a server is serving {self.path}: stop every server of it first") from None
            src = sqlite3.connect(f"file:{Path(source)}?mode=ro", uri=True)
            try:
                src.backup(self._conn())
            finally:
                src.close()
        finally:
            if fd is not None:
                os.close(fd)
        self._forget_caches()
        return summary
