"""Photo and upload bytes in the database (table ``blob``), content-addressed as every backend's blobs are
(``ab/cdef….jpg``, the SHA-256 of the bytes). App processes on several machines share them with nothing but
the database. A blob is committed on its own connection, outside any ``atomic()`` transaction of the
caller, so it is durable when ``put_blob`` returns, as a file would be."""

from __future__ import annotations

import hashlib
import io
import re
from pathlib import Path
from typing import BinaryIO

_KEY = re.compile(r"[0-9a-f]{2}/[0-9a-f]{62}\.[a-z0-9]{1,8}")
_SUFFIX = re.compile(r"[a-z0-9]{1,8}")


def blob_key(data: bytes, suffix: str) -> str:
    """The key of ``data`` stored with ``suffix`` (``"jpg"`` or ``".jpg"``)."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise TypeError(f"data must be bytes, got {type(data).__name__}")
    suffix = suffix.removeprefix(".") if isinstance(suffix, str) else suffix
    if not isinstance(suffix, str) or not _SUFFIX.fullmatch(suffix):
        raise ValueError(f"suffix must be 1-8 lowercase letters or digits, got {suffix!r}")
    digest = hashlib.sha256(data).hexdigest()
    return f"{digest[:2]}/{digest[2:]}.{suffix}"


def check_blob_key(key: str) -> str:
    if not isinstance(key, str) or not _KEY.fullmatch(key):
        raise ValueError(f"not a blob key (two hex digits, '/', 62 hex digits, '.', a suffix): {key!r}")
    return key


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


class BlobFiles:
    """The blobs with the names of ``PhotoFiles`` (``put``/``read``/``open``/``exists``), for callers written
    before the blob port."""

    def __init__(self, store: BlobsMixin) -> None:
        self._store = store

    def put(self, data: bytes, suffix: str) -> str:
        return self._store.put_blob(data, suffix)

    def read(self, key: str) -> bytes:
        return self._store.read_blob(key)

    def open(self, key: str) -> BinaryIO:
        return self._store.open_blob(key)

    def exists(self, key: str) -> bool:
        return self._store.blob_exists(key)
