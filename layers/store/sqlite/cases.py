"""The case tables of the SQLite store: versioned categories, photos (records here, image bytes as
content-addressed blobs) and idempotency keys for requests replayed by phones."""

from __future__ import annotations

import json

CASE_SCHEMA = """
CREATE TABLE IF NOT EXISTS category_version (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL,
    valid_from INTEGER NOT NULL,
    valid_to INTEGER,
    author TEXT NOT NULL,
    definition TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS category_version_code ON category_version(code, valid_from);
CREATE TABLE IF NOT EXISTS photo (
    id INTEGER PRIMARY KEY,
    case_fid INTEGER,
    kind TEXT CHECK (kind IS NULL OR kind IN ('before', 'after')),
    sha256 TEXT NOT NULL,
    phash TEXT NOT NULL,
    image_key TEXT NOT NULL,
    thumb_key TEXT NOT NULL,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    source_type TEXT NOT NULL,
    taken_at TEXT,
    lon REAL,
    lat REAL,
    uploaded_by TEXT NOT NULL,
    uploaded_at INTEGER NOT NULL,
    attached_at INTEGER,
    warnings TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX IF NOT EXISTS photo_case ON photo(case_fid);
CREATE INDEX IF NOT EXISTS photo_sha256 ON photo(sha256);
CREATE INDEX IF NOT EXISTS photo_uploader ON photo(uploaded_by, uploaded_at);
CREATE TABLE IF NOT EXISTS idempotency (
    actor TEXT NOT NULL,
    key TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    status INTEGER NOT NULL,
    body TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    headers TEXT NOT NULL DEFAULT '{}',
    PRIMARY KEY (actor, key)
);
"""


def migrate_case_tables(conn) -> None:
    """Columns added since the tables were first created (CREATE TABLE IF NOT EXISTS adds none)."""
    columns = {row[1] for row in conn.execute("PRAGMA table_info(idempotency)")}
    if "headers" not in columns:
        conn.execute("ALTER TABLE idempotency ADD COLUMN headers TEXT NOT NULL DEFAULT '{}'")


_PHOTO_COLS = (
    "id, case_fid, kind, sha256, phash, image_key, thumb_key, width, height, source_type, taken_at, lon, lat,"
    " uploaded_by, uploaded_at, attached_at, warnings"
)
_PHOTO_NAMES = [c.strip() for c in _PHOTO_COLS.split(",")]


def _photo(row: tuple | None) -> dict | None:
    if row is None:
        return None
    record = dict(zip(_PHOTO_NAMES, row))
    record["warnings"] = json.loads(record["warnings"])
    return record


class SQLiteCases:
    """Mixed into :class:`~layers.store.sqlite.SQLiteStore` (which provides ``_conn``, ``_write``, ``_now``
    and ``put_blob``)."""

    # -- categories -------------------------------------------------------------------------------
    def categories(self, at: int | None = None) -> list[dict]:
        if at is None:
            rows = (
                self._conn()
                .execute(
                    "SELECT definition, valid_from, author FROM category_version WHERE valid_to IS NULL ORDER BY id"
                )
                .fetchall()
            )
        else:
            rows = (
                self._conn()
                .execute(
                    "SELECT definition, valid_from, author FROM category_version"
                    " WHERE valid_from <= ? AND (valid_to IS NULL OR valid_to > ?) ORDER BY id",
                    (at, at),
                )
                .fetchall()
            )
        return [json.loads(d) | {"valid_from": f, "author": a} for d, f, a in rows]

    def category_history(self, code: str) -> list[dict]:
        rows = (
            self._conn()
            .execute(
                "SELECT definition, valid_from, valid_to, author FROM category_version WHERE code = ? ORDER BY id",
                (code,),
            )
            .fetchall()
        )
        return [json.loads(d) | {"valid_from": f, "valid_to": t, "author": a} for d, f, t, a in rows]

    def put_category(self, definition: dict, author: str, at: int | None = None) -> dict:
        """Add a category or make ``definition`` its new version (the old one stays in the history)."""
        now = self._now(at)
        text = json.dumps(definition, ensure_ascii=False, sort_keys=True)
        with self._write() as conn:
            current = conn.execute(
                "SELECT id, definition, valid_from FROM category_version WHERE code = ? AND valid_to IS NULL",
                (definition["code"],),
            ).fetchone()
            if current is not None:
                if json.loads(current[1]) == definition:
                    return self._category_now(conn, definition["code"])
                now = max(now, current[2] + 1)
                conn.execute("UPDATE category_version SET valid_to = ? WHERE id = ?", (now, current[0]))
            conn.execute(
                "INSERT INTO category_version (code, valid_from, author, definition) VALUES (?, ?, ?, ?)",
                (definition["code"], now, author, text),
            )
            return self._category_now(conn, definition["code"])

    def _category_now(self, conn, code: str) -> dict:
        d, f, a = conn.execute(
            "SELECT definition, valid_from, author FROM category_version WHERE code = ? AND valid_to IS NULL", (code,)
        ).fetchone()
        return json.loads(d) | {"valid_from": f, "author": a}

    def seed_categories(self, definitions: list[dict], at: int | None = None) -> int:
        """Add the built-in categories that are not stored yet (edits made since are kept); return how many."""
        with self._write() as conn:
            known = {r[0] for r in conn.execute("SELECT DISTINCT code FROM category_version")}
            fresh = [d for d in definitions if d["code"] not in known]
            now = self._now(at)
            conn.executemany(
                "INSERT INTO category_version (code, valid_from, author, definition) VALUES (?, ?, 'system', ?)",
                [(d["code"], now, json.dumps(d, ensure_ascii=False, sort_keys=True)) for d in fresh],
            )
        return len(fresh)

    # -- photos -----------------------------------------------------------------------------------
    def add_photo(self, record: dict, image: bytes, thumb: bytes) -> dict:
        """Keep a processed photo: its files first (content-addressed, so a rollback leaves at worst an
        unreferenced file), then its record, inside the caller's transaction if there is one."""
        image_key = self.put_blob(image, ".jpg")
        thumb_key = self.put_blob(thumb, ".jpg")
        values = dict(record, image_key=image_key, thumb_key=thumb_key)
        values["warnings"] = json.dumps(values.get("warnings") or [], ensure_ascii=False)
        names = [n for n in _PHOTO_NAMES if n != "id" and n in values]
        with self._write() as conn:
            photo_id = conn.execute(
                f"INSERT INTO photo ({', '.join(names)}) VALUES ({', '.join('?' * len(names))}) RETURNING id",
                [values[n] for n in names],
            ).fetchone()[0]
            return _photo(conn.execute(f"SELECT {_PHOTO_COLS} FROM photo WHERE id = ?", (photo_id,)).fetchone())

    def photo(self, photo_id: int) -> dict | None:
        return _photo(self._conn().execute(f"SELECT {_PHOTO_COLS} FROM photo WHERE id = ?", (photo_id,)).fetchone())

    def case_photos(self, case_fid: int, at: int | None = None) -> list[dict]:
        sql = f"SELECT {_PHOTO_COLS} FROM photo WHERE case_fid = ?"
        params: list = [case_fid]
        if at is not None:
            sql += " AND attached_at <= ?"
            params.append(at)
        return [_photo(r) for r in self._conn().execute(sql + " ORDER BY id", params).fetchall()]

    def photo_counts(self, case_fids: list[int] | None = None) -> dict[int, dict[str, int]]:
        """``{case id: {"before": n, "after": m}}`` for every case with photos."""
        out: dict[int, dict[str, int]] = {}
        rows = (
            self._conn()
            .execute("SELECT case_fid, kind, count(*) FROM photo WHERE case_fid IS NOT NULL GROUP BY case_fid, kind")
            .fetchall()
        )
        wanted = None if case_fids is None else set(case_fids)
        for fid, kind, n in rows:
            if wanted is None or fid in wanted:
                out.setdefault(fid, {"before": 0, "after": 0})[kind] = n
        return out

    def attach_photo(
        self, photo_id: int, case_fid: int, kind: str, at: int | None = None, warnings: list[dict] | None = None
    ) -> dict:
        with self._write() as conn:
            conn.execute(
                "UPDATE photo SET case_fid = ?, kind = ?, attached_at = ? WHERE id = ?",
                (case_fid, kind, self._now(at), photo_id),
            )
            if warnings is not None:
                conn.execute(
                    "UPDATE photo SET warnings = ? WHERE id = ?", (json.dumps(warnings, ensure_ascii=False), photo_id)
                )
            return _photo(conn.execute(f"SELECT {_PHOTO_COLS} FROM photo WHERE id = ?", (photo_id,)).fetchone())

    def photo_fingerprints(self) -> list[tuple[int, int | None, str, str]]:
        """``(photo id, case id, sha256, phash)`` of every photo, for reuse checks."""
        return self._conn().execute("SELECT id, case_fid, sha256, phash FROM photo").fetchall()

    def contributions(self, author: str, case_layer: str, since: int) -> dict[str, tuple[int, int | None]]:
        conn = self._conn()
        reports = conn.execute(
            "SELECT count(*), min(valid_from) FROM version WHERE layer = ? AND op = 'create' AND author = ?"
            " AND valid_from >= ?",
            (case_layer, author, since),
        ).fetchone()
        photos = conn.execute(
            "SELECT count(*), min(uploaded_at) FROM photo WHERE uploaded_by = ? AND uploaded_at >= ?", (author, since)
        ).fetchone()
        return {"reports": tuple(reports), "photos": tuple(photos)}

    # -- idempotency ------------------------------------------------------------------------------
    def idempotent_result(self, actor: str, key: str) -> tuple[str, int, str, dict] | None:
        """``(fingerprint, status, body, headers)`` stored for a request key, or None."""
        row = (
            self._conn()
            .execute(
                "SELECT fingerprint, status, body, headers FROM idempotency WHERE actor = ? AND key = ?", (actor, key)
            )
            .fetchone()
        )
        return None if row is None else (row[0], row[1], row[2], json.loads(row[3]))

    def save_idempotent_result(
        self, actor: str, key: str, fingerprint: str, status: int, body: str, headers: dict | None = None
    ) -> None:
        with self._write() as conn:
            conn.execute(
                "INSERT INTO idempotency (actor, key, fingerprint, status, body, created_at, headers)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (actor, key, fingerprint, status, body, self._now(None), json.dumps(headers or {})),
            )
