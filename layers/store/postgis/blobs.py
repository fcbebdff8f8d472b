"""Photo and upload bytes in the database (table ``blob``), content-addressed like the SQLite backend's files:
a key is ``ab/cdef….jpg``, the SHA-256 of the bytes. Several app processes on several machines share them
with nothing but the database, and they commit or roll back with the records that name them."""

from __future__ import annotations

import hashlib
import io
import re
from typing import IO

_KEY = re.compile(r"[0-9a-f]{2}/[0-9a-f]{62}\.[a-z0-9]{1,8}")
_SUFFIX = re.compile(r"[a-z0-9]{1,8}")


class DatabaseBlobs:
    """``put``/``read``/``open``/``exists`` over the ``blob`` table of a :class:`PostGISStore`."""

    def __init__(self, store) -> None:
        self._store = store

    @staticmethod
    def check_key(key: str) -> str:
        if not isinstance(key, str) or not _KEY.fullmatch(key):
            raise ValueError(f"not a blob key (two hex digits, '/', 62 hex digits, '.', a suffix): {key!r}")
        return key

    def put(self, data: bytes, suffix: str) -> str:
        """Store ``data`` (``suffix`` like ``"jpg"`` or ``".jpg"``) and return its key; storing the same bytes
        again is harmless. Inside the caller's transaction when there is one."""
        if not isinstance(data, bytes | bytearray | memoryview):
            raise TypeError(f"data must be bytes, got {type(data).__name__}")
        suffix = suffix.removeprefix(".") if isinstance(suffix, str) else suffix
        if not isinstance(suffix, str) or not _SUFFIX.fullmatch(suffix):
            raise ValueError(f"suffix must be 1-8 lowercase letters or digits, got {suffix!r}")
        digest = hashlib.sha256(data).hexdigest()
        key = f"{digest[:2]}/{digest[2:]}.{suffix}"
        with self._store._db.write() as conn:
            conn.execute(
                "INSERT INTO blob (key, data, created_at) VALUES (%s, %s, %s) ON CONFLICT (key) DO NOTHING",
                (key, bytes(data), self._store.now()),
            )
        return key

    def read(self, key: str) -> bytes:
        """The bytes of ``key``; FileNotFoundError if it was never stored."""
        with self._store._db.read() as conn:
            row = conn.execute("SELECT data FROM blob WHERE key = %s", (self.check_key(key),)).fetchone()
        if row is None:
            raise FileNotFoundError(key)
        return bytes(row[0])

    def open(self, key: str) -> IO[bytes]:
        return io.BytesIO(self.read(key))

    def exists(self, key: str) -> bool:
        with self._store._db.read() as conn:
            return conn.execute("SELECT 1 FROM blob WHERE key = %s", (self.check_key(key),)).fetchone() is not None
