"""The SQLite store's blobs: content-addressed files in ``photos/`` beside the database, written atomically."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import BinaryIO

from layers.store.blobs import blob_key, check_blob_key

BLOB_FOLDER = "photos"  # where every earlier version kept its photo files


class FileBlobs:
    """Content-addressed files under ``root``: a key is ``ab/cdef….jpg`` (see ``layers.store.blobs``). Keys
    are checked before any path is built: nothing outside ``root`` can be named.

    >>> files = FileBlobs(getfixture("tmp_path"))
    >>> key = files.put(b"hello", "jpg")
    >>> key, files.read(key)
    ('2c/f24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824.jpg', b'hello')
    """

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path(self, key: str) -> Path:
        """The file of ``key`` (which may not exist); ValueError for a malformed key."""
        return self.root / check_blob_key(key)

    def put(self, data: bytes, suffix: str) -> str:
        """Store ``data`` and return its key. The bytes go to a temporary file in the target folder, are
        fsynced, then renamed into place, so a crash leaves either the whole file or none; an existing file
        of the same key is kept."""
        key = blob_key(data, suffix)
        target = self.path(key)
        if target.is_file() and target.stat().st_size == len(data):
            return key
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=target.parent, prefix=".put-", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temp, target)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
        _fsync_dir(target.parent)
        return key

    def open(self, key: str) -> BinaryIO:
        """The file of ``key`` open for binary reading; FileNotFoundError if it was never stored."""
        return self.path(key).open("rb")

    def read(self, key: str) -> bytes:
        return self.path(key).read_bytes()

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def delete(self, key: str) -> bool:
        try:
            self.path(key).unlink()
        except FileNotFoundError:
            return False
        return True


def _fsync_dir(folder: Path) -> None:
    """Make the rename itself durable (POSIX); Windows cannot open a folder and needs nothing."""
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class SQLiteBlobs:
    """The blob port of :class:`~layers.store.sqlite.SQLiteStore` (which provides ``data_dir``)."""

    data_dir: Path

    @property
    def _blobs(self) -> FileBlobs:
        files = self.__dict__.get("_file_blobs")
        if files is None:
            files = self.__dict__["_file_blobs"] = FileBlobs(self.data_dir / BLOB_FOLDER)
        return files

    def put_blob(self, data: bytes, suffix: str) -> str:
        return self._blobs.put(data, suffix)

    def open_blob(self, key: str) -> BinaryIO:
        return self._blobs.open(key)

    def read_blob(self, key: str) -> bytes:
        return self._blobs.read(key)

    def blob_exists(self, key: str) -> bool:
        return self._blobs.exists(key)

    def blob_file(self, key: str) -> Path | None:
        path = self._blobs.path(key)
        if not path.is_file():
            raise FileNotFoundError(f"no blob {key}")
        return path

    def delete_blob(self, key: str) -> bool:
        return self._blobs.delete(key)
