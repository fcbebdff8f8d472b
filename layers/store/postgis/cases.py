"""The case tables of the PostGIS store: versioned categories, photos (records and, in ``blob``, their bytes)
and the answers of requests sent with an idempotency key."""

from __future__ import annotations

import json

from layers.store.postgis.reading import no_nul

_PHOTO_NAMES = [
    "id", "case_fid", "kind", "sha256", "phash", "image_key", "thumb_key", "width", "height", "source_type",
    "taken_at", "lon", "lat", "uploaded_by", "uploaded_at", "attached_at", "warnings",
]  # fmt: skip
_PHOTO_COLS = ", ".join(_PHOTO_NAMES)


def _photo(row: tuple | None) -> dict | None:
    return None if row is None else dict(zip(_PHOTO_NAMES, row))


def _definition_text(definition: dict) -> str:
    return json.dumps(definition, ensure_ascii=False, sort_keys=True)


class CasesMixin:
    """Mixed into :class:`~layers.store.postgis.store.PostGISStore` (``_db``, ``_now`` and ``put_blob``)."""

    def atomic(self):
        """One transaction around several writes: everything inside commits together or not at all, and no
        other writer (thread or process) commits anything between its first statement and its end."""
        return self._db.write()

    # -- categories -------------------------------------------------------------------------------
    def categories(self, at: int | None = None) -> list[dict]:
        with self._db.read() as conn:
            if at is None:
                rows = conn.execute(
                    "SELECT definition, valid_from, author FROM category_version WHERE valid_to IS NULL ORDER BY id"
                ).fetchall()
            else:
                rows = conn.execute(
                    "SELECT definition, valid_from, author FROM category_version"
                    " WHERE valid_from <= %s AND (valid_to IS NULL OR valid_to > %s) ORDER BY id",
                    (at, at),
                ).fetchall()
        return [d | {"valid_from": f, "author": a} for d, f, a in rows]

    def category_history(self, code: str) -> list[dict]:
        with self._db.read() as conn:
            rows = conn.execute(
                "SELECT definition, valid_from, valid_to, author FROM category_version WHERE code = %s ORDER BY id",
                (code,),
            ).fetchall()
        return [d | {"valid_from": f, "valid_to": t, "author": a} for d, f, t, a in rows]

    def put_category(self, definition: dict, author: str, at: int | None = None) -> dict:
        """Add a category or make ``definition`` its new version (the old one stays in the history)."""
        now = self._now(at)
        with self._db.write() as conn:
            current = conn.execute(
                "SELECT id, definition, valid_from FROM category_version WHERE code = %s AND valid_to IS NULL"
                " FOR UPDATE",
                (definition["code"],),
            ).fetchone()
            if current is not None:
                if current[1] == definition:
                    return self._category_now(conn, definition["code"])
                now = max(now, current[2] + 1)
                conn.execute("UPDATE category_version SET valid_to = %s WHERE id = %s", (now, current[0]))
            conn.execute(
                "INSERT INTO category_version (code, valid_from, author, definition) VALUES (%s, %s, %s, %s)",
                (definition["code"], now, author, _definition_text(definition)),
            )
            return self._category_now(conn, definition["code"])

    @staticmethod
    def _category_now(conn, code: str) -> dict:
        d, f, a = conn.execute(
            "SELECT definition, valid_from, author FROM category_version WHERE code = %s AND valid_to IS NULL",
            (code,),
        ).fetchone()
        return d | {"valid_from": f, "author": a}

    def seed_categories(self, definitions: list[dict], at: int | None = None) -> int:
        """Add the built-in categories that are not stored yet (edits made since are kept); return how many."""
        with self._db.write() as conn:
            known = {r[0] for r in conn.execute("SELECT DISTINCT code FROM category_version")}
            fresh = [d for d in definitions if d["code"] not in known]
            now = self._now(at)
            if fresh:
                with conn.cursor() as cur:
                    cur.executemany(
                        "INSERT INTO category_version (code, valid_from, author, definition)"
                        " VALUES (%s, %s, 'system', %s)",
                        [(d["code"], now, _definition_text(d)) for d in fresh],
                    )
        return len(fresh)

    # -- photos -----------------------------------------------------------------------------------
    def add_photo(self, record: dict, image: bytes, thumb: bytes) -> dict:
        """Keep a processed photo: its bytes first (committed on their own), then its record, inside the
        caller's transaction if there is one."""
        values = dict(record, image_key=self.put_blob(image, ".jpg"), thumb_key=self.put_blob(thumb, ".jpg"))
        values["warnings"] = json.dumps(values.get("warnings") or [], ensure_ascii=False)
        names = [n for n in _PHOTO_NAMES if n != "id" and n in values]
        with self._db.write() as conn:
            return _photo(
                conn.execute(
                    f"INSERT INTO photo ({', '.join(names)}) VALUES ({', '.join(['%s'] * len(names))})"
                    f" RETURNING {_PHOTO_COLS}",
                    [values[n] for n in names],
                ).fetchone()
            )

    def photo(self, photo_id: int) -> dict | None:
        with self._db.read() as conn:
            return _photo(conn.execute(f"SELECT {_PHOTO_COLS} FROM photo WHERE id = %s", (photo_id,)).fetchone())

    def case_photos(self, case_fid: int, at: int | None = None) -> list[dict]:
        query = f"SELECT {_PHOTO_COLS} FROM photo WHERE case_fid = %s"
        params: list = [case_fid]
        if at is not None:
            query += " AND attached_at <= %s"
            params.append(at)
        with self._db.read() as conn:
            return [_photo(r) for r in conn.execute(query + " ORDER BY id", params).fetchall()]

    def photo_counts(self, case_fids: list[int] | None = None) -> dict[int, dict[str, int]]:
        """``{case id: {"before": n, "after": m}}`` for every case with photos."""
        out: dict[int, dict[str, int]] = {}
        with self._db.read() as conn:
            rows = conn.execute(
                "SELECT case_fid, kind, count(*) FROM photo WHERE case_fid IS NOT NULL GROUP BY case_fid, kind"
            ).fetchall()
        wanted = None if case_fids is None else set(case_fids)
        for fid, kind, n in rows:
            if wanted is None or fid in wanted:
                out.setdefault(fid, {"before": 0, "after": 0})[kind] = n
        return out

    def attach_photo(
        self, photo_id: int, case_fid: int, kind: str, at: int | None = None, warnings: list[dict] | None = None
    ) -> dict:
        with self._db.write() as conn:
            conn.execute(
                "UPDATE photo SET case_fid = %s, kind = %s, attached_at = %s WHERE id = %s",
                (case_fid, kind, self._now(at), photo_id),
            )
            if warnings is not None:
                conn.execute(
                    "UPDATE photo SET warnings = %s WHERE id = %s",
                    (json.dumps(warnings, ensure_ascii=False), photo_id),
                )
            return _photo(conn.execute(f"SELECT {_PHOTO_COLS} FROM photo WHERE id = %s", (photo_id,)).fetchone())

    def photo_fingerprints(self) -> list[tuple[int, int | None, str, str]]:
        """``(photo id, case id, sha256, phash)`` of every photo, for reuse checks."""
        with self._db.read() as conn:
            return conn.execute("SELECT id, case_fid, sha256, phash FROM photo ORDER BY id").fetchall()

    def contributions(self, author: str, case_layer: str, since: int) -> dict[str, tuple[int, int | None]]:
        author = no_nul(author)
        with self._db.read() as conn:
            reports = conn.execute(
                "SELECT count(*), min(valid_from) FROM version WHERE layer = %s AND op = 'create' AND author = %s"
                " AND valid_from >= %s",
                (case_layer, author, since),
            ).fetchone()
            photos = conn.execute(
                "SELECT count(*), min(uploaded_at) FROM photo WHERE uploaded_by = %s AND uploaded_at >= %s",
                (author, since),
            ).fetchone()
        return {"reports": tuple(reports), "photos": tuple(photos)}

    # -- idempotency ------------------------------------------------------------------------------
    def idempotent_result(self, actor: str, key: str) -> tuple[str, int, str, dict] | None:
        """``(fingerprint, status, body, headers)`` stored for a request key, or None."""
        with self._db.read() as conn:
            row = conn.execute(
                "SELECT fingerprint, status, body, headers FROM idempotency WHERE actor = %s AND key = %s",
                (actor, key),
            ).fetchone()
        return None if row is None else (row[0], row[1], row[2], row[3])

    def save_idempotent_result(
        self, actor: str, key: str, fingerprint: str, status: int, body: str, headers: dict | None = None
    ) -> None:
        with self._db.write() as conn:
            conn.execute(
                "INSERT INTO idempotency (actor, key, fingerprint, status, body, created_at, headers)"
                " VALUES (%s, %s, %s, %s, %s, %s, %s)",
                (actor, key, fingerprint, status, body, self._now(None), json.dumps(headers or {})),
            )
