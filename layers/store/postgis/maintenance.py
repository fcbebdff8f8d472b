"""Backups of the PostGIS store with ``pg_dump`` (custom format, one consistent snapshot while the app serves),
checked by reading them back with ``pg_restore``, and restored row for row into any store of this schema
version (another database or schema included); and the consistency checks behind ``integrity_check``.

A backup holds the store's own tables only (not PostGIS's, nor other schemas), so it restores into a database
that a different administrator prepared. ``pg_dump`` and ``pg_restore`` of the server's major version or newer
must be on the PATH (Debian: ``postgresql-client-15``).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from psycopg import sql

from layers.store.maintenance import StoreInUse
from layers.store.postgis import migrations
from layers.store.postgis.checks import integrity_report

# The store's tables, in an order that restores rows before the rows that refer to them.
TABLES = ("schema_version", "meta", "layer", "feature", "version", "app_user", "token", "session", "login_attempt",
          "audit", "category_version", "blob", "photo", "idempotency", "import_session", "rate_event", "area",
          "checklist_version", "inspection_round", "inspection_item", "inspection_answer")  # fmt: skip
IDENTITIES = ("app_user", "token", "login_attempt", "audit", "category_version", "photo", "checklist_version",
              "inspection_round", "inspection_answer")  # fmt: skip
_COPY = re.compile(r"COPY (?:[\w\"]+\.)?\"?(\w+)\"? \(([^)]*)\) FROM stdin;")
TOOL_TIMEOUT_S = 3600


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise RuntimeError(f"{name} is not installed: install PostgreSQL's client programs (Debian: postgresql-client)")
    return found


def _libpq_env(conninfo: str) -> tuple[str, dict]:
    """The connection string without its password, and the environment carrying it (never a command line)."""
    params = psycopg.conninfo.conninfo_to_dict(conninfo)
    password = params.pop("password", None)
    env = dict(os.environ)
    if password is not None:
        env["PGPASSWORD"] = str(password)
    return psycopg.conninfo.make_conninfo(**params), env


def _copy_blocks(source: Path, tables: tuple[str, ...] = ()) -> Iterator[tuple[str, list[str], list[bytes]]]:
    """``(table, columns, data lines)`` of every table's rows in a custom-format archive (``pg_restore``'s
    data-only script); ValueError when ``source`` is not such an archive."""
    args = [_tool("pg_restore"), "--data-only", "--file=-", *(f"--table={t}" for t in tables), str(source)]
    result = subprocess.run(args, capture_output=True, timeout=TOOL_TIMEOUT_S)
    if result.returncode != 0:
        first = (result.stderr.decode("utf-8", "replace").strip().splitlines() or ["unreadable"])[0]
        raise ValueError(f"{source} is not a backup of this tool: {first}")
    lines = result.stdout.split(b"\n")
    i = 0
    while i < len(lines):
        match = _COPY.fullmatch(lines[i].decode("utf-8", "replace"))
        i += 1
        if match is None:
            continue
        start = i
        while lines[i] != b"\\.":
            i += 1
        yield match[1], [c.strip().strip('"') for c in match[2].split(",")], lines[start:i]
        i += 1


def _summary(source: Path) -> dict:
    """What a backup holds, checked: the schema version this code reads, versions and live features."""
    blocks = {table: (columns, rows) for table, columns, rows in _copy_blocks(source)}
    if "schema_version" not in blocks or "version" not in blocks or "layer" not in blocks:
        raise ValueError(f"{source} is not a backup of this tool's PostGIS store")
    columns, rows = blocks["schema_version"]
    found = max((int(r.split(b"\t")[columns.index("version")]) for r in rows), default=0)
    if found != migrations.latest():
        raise ValueError(f"{source} has schema version {found}, expected {migrations.latest()}")
    columns, rows = blocks["layer"]
    at_id, at_count = columns.index("id"), columns.index("feature_count")
    features = {r.split(b"\t")[at_id].decode(): int(r.split(b"\t")[at_count]) for r in rows}
    return {"file": str(source), "versions": len(blocks["version"][1]), "features": features}


class MaintenanceMixin:
    """The maintenance port of :class:`~layers.store.postgis.store.PostGISStore`."""

    def integrity_check(self) -> str:
        """``"ok"`` when every consistency rule of the tables holds, else what is broken."""
        with self._db.snapshot() as conn:
            return integrity_report(conn)

    def backup(self, target: str | os.PathLike) -> dict:
        """``pg_dump`` of the store's tables to ``target`` (custom format) while the app serves, read back
        and checked before it is reported."""
        target = Path(target)
        if target.exists():
            raise FileExistsError(f"{target} exists; choose a new file name")
        with self._db.read() as conn:
            schema = conn.execute("SELECT current_schema()").fetchone()[0]
        conninfo, env = _libpq_env(self._db.conninfo)
        partial = target.with_name(target.name + ".partial")
        tables = [f"--table={schema}.{t}" for t in TABLES]
        args = [_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", *tables, f"--file={partial}"]
        result = subprocess.run([*args, f"--dbname={conninfo}"], env=env, capture_output=True, timeout=TOOL_TIMEOUT_S)
        if result.returncode != 0:
            partial.unlink(missing_ok=True)
            raise RuntimeError(f"pg_dump failed: {result.stderr.decode('utf-8', 'replace').strip()}")
        try:
            summary = _summary(partial)
        except ValueError as exc:
            partial.unlink(missing_ok=True)
            raise RuntimeError(f"the backup failed its check: {exc}") from None
        partial.rename(target)
        return {**summary, "file": str(target), "bytes": target.stat().st_size}

    @staticmethod
    def check_backup(source: str | os.PathLike) -> dict:
        """Read a backup through ``pg_restore`` and check it is one of this schema version; what it holds."""
        source = Path(source)
        if not source.is_file():
            raise FileNotFoundError(f"{source} does not exist")
        return _summary(source)

    def _serving_key(self) -> int:
        return zlib.crc32(f"chuangwei-serving:{self._db.schema or ''}".encode())

    @contextmanager
    def serving(self) -> Iterator[None]:
        """A shared session-level advisory lock on a connection of its own, held while the server serves: every
        app process on the database holds one; the database server drops it with the connection."""
        conn = self._db.connect()
        try:
            conn.execute("SELECT pg_advisory_lock_shared(%s)", (self._serving_key(),))
            yield
        finally:
            conn.close()

    def restore(self, source: str | os.PathLike) -> dict:
        """Replace every row of the store with the backup's, in one transaction, unless a server serves it."""
        summary = self.check_backup(source)
        guard = self._db.connect()
        try:
            if not guard.execute("SELECT pg_try_advisory_lock(%s)", (self._serving_key(),)).fetchone()[0]:
                raise StoreInUse(f"a server is serving {self.key}: stop every app process of it first")
            return self._restore_rows(source, summary)
        finally:
            guard.close()

    def _restore_rows(self, source: str | os.PathLike, summary: dict) -> dict:
        with self._db.write() as conn:
            for table in reversed(TABLES[1:]):
                conn.execute(sql.SQL("DELETE FROM {}").format(sql.Identifier(table)))
            blocks = {table: (columns, rows) for table, columns, rows in _copy_blocks(Path(source))}
            with conn.cursor() as cur:
                for table in TABLES[1:]:
                    columns, rows = blocks.get(table, ((), ()))
                    if not rows:
                        continue
                    names = sql.SQL(", ").join(map(sql.Identifier, columns))
                    with cur.copy(sql.SQL("COPY {} ({}) FROM STDIN").format(sql.Identifier(table), names)) as copy:
                        for row in rows:
                            copy.write(row + b"\n")
            for table in IDENTITIES:
                conn.execute(
                    sql.SQL("SELECT setval(pg_get_serial_sequence({}, 'id'), coalesce(max(id), 0) + 1, false) FROM {}")
                    .format(sql.Literal(table), sql.Identifier(table))
                )  # fmt: skip
        with self._points_lock:
            self._points_cache.clear()
        self._extent_cache = None
        return summary
