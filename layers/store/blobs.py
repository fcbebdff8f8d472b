"""The blob port: content-addressed files (photos and their thumbnails, uploaded files) kept by the store.

A key is ``ab/cdef….jpg``: the SHA-256 of the bytes in hex (two digits, a slash, the other 62) and a
suffix. The same bytes always get the same key, so storing twice is harmless and a key never points at
other content; every backend computes keys with :func:`blob_key` and refuses any other shape before
touching its storage.
"""

from __future__ import annotations

import hashlib
import re
from abc import ABC, abstractmethod
from pathlib import Path
from typing import BinaryIO

KEY_RE = re.compile(r"[0-9a-f]{2}/[0-9a-f]{62}\.[a-z0-9]{1,8}")
SUFFIX_RE = re.compile(r"[a-z0-9]{1,8}")


def blob_key(data: bytes, suffix: str) -> str:
    """The key of ``data`` stored with ``suffix`` (``"jpg"`` or ``".jpg"``).

    >>> blob_key(b"hello", ".jpg")
    '2c/f24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824.jpg'
    """
    if not isinstance(data, bytes | bytearray | memoryview):
        raise TypeError(f"data must be bytes, got {type(data).__name__}")
    suffix = suffix.removeprefix(".") if isinstance(suffix, str) else suffix
    if not isinstance(suffix, str) or not SUFFIX_RE.fullmatch(suffix):
        raise ValueError(f"suffix must be 1-8 lowercase letters or digits, got {suffix!r}")
    digest = hashlib.sha256(data).hexdigest()
    return f"{digest[:2]}/{digest[2:]}.{suffix}"


def check_blob_key(key: str) -> str:
    """``key`` itself; ValueError unless it is exactly of the shape :func:`blob_key` returns."""
    if not isinstance(key, str) or not KEY_RE.fullmatch(key):
        raise ValueError(f"not a blob key (two hex digits, '/', 62 hex digits, '.', a suffix): {key!r}")
    return key


class BlobStore(ABC):
    """Content-addressed files. Writing a blob is durable when :meth:`put_blob` returns, and is not part of
    any :meth:`Store.atomic` transaction: callers put blobs first and then write the record naming them, so
    a rollback leaves at worst an unreferenced blob. Every method raises ValueError for a malformed key
    and FileNotFoundError for a well-formed key that was never stored (or was deleted)."""

    @abstractmethod
    def put_blob(self, data: bytes, suffix: str) -> str:
        """Store ``data`` and return its key (:func:`blob_key`). A crash leaves the whole blob or none;
        storing bytes already stored keeps the first copy and returns the same key."""

    @abstractmethod
    def open_blob(self, key: str) -> BinaryIO:
        """The blob open for binary reading (a stream the caller closes)."""

    @abstractmethod
    def read_blob(self, key: str) -> bytes:
        """The blob's bytes."""

    @abstractmethod
    def blob_exists(self, key: str) -> bool:
        """Whether the blob is stored (False, not an error, for a well-formed key never stored)."""

    @abstractmethod
    def blob_file(self, key: str) -> Path | None:
        """A local file holding the blob when the backend keeps blobs as files (callers may then hand the
        path to a web server), else None: callers then use :meth:`open_blob`. Raise FileNotFoundError for
        a blob that is not stored."""

    @abstractmethod
    def delete_blob(self, key: str) -> bool:
        """Remove a blob; True if it was there. Only for blobs no record names any more."""
