"""Photo and upload bytes in the database (table ``blob``), content-addressed as every backend's blobs are
(``ab/cdef….jpg``, the SHA-256 of the bytes). App processes on several machines share them with nothing but
the database. A blob is committed on its own connection, outside any ``atomic()`` transaction of the
caller, so it is durable when ``put_blob`` returns, as a file would be."""

from __future__ import annotations

import io
from pathlib import Path
from typing import BinaryIO

from layers.store import blob_key, check_blob_key


class BlobsMixin:
    """The blob port of :class:`~layers.store.postgis.store.PostGISStore` (``_db`` and ``now`` come from it)."""

    def put_blob(self, data: bytes, suffix: str) -> str:
        key = blob_key(data, suffix)
        with self._db.independent() as conn:
            conn.execute(
                "INSERT INTO blob (key, data, created_at) VALUES (%s, %s, %s) ON CONFLICT (key) DO NOTHING",
                (key, bytes(data), self.now()),
            )
        return key

    def read_blob(self, key: str) -> bytes:
        with self._db.read() as conn:
            row = conn.execute("SELECT data FROM blob WHERE key = %s", (check_blob_key(key),)).fetchone()
        if row is None:
            raise FileNotFoundError(f"no blob {key}")
        return bytes(row[0])

    def open_blob(self, key: str) -> BinaryIO:
        return io.BytesIO(self.read_blob(key))

    def blob_exists(self, key: str) -> bool:
        with self._db.read() as conn:
            return conn.execute("SELECT 1 FROM blob WHERE key = %s", (check_blob_key(key),)).fetchone() is not None

    def blob_file(self, key: str) -> Path | None:
        """None: blobs are rows, not files (callers stream :meth:`open_blob`)."""
        if not self.blob_exists(key):
            raise FileNotFoundError(f"no blob {key}")
        return None

    def delete_blob(self, key: str) -> bool:
        with self._db.independent() as conn:
            return conn.execute("DELETE FROM blob WHERE key = %s", (check_blob_key(key),)).rowcount > 0
