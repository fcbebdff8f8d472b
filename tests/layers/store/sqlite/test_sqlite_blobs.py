"""The SQLite store's blobs as files: atomic writes, the same file kept for the same bytes, damage repaired,
concurrent writers, and no path outside the folder (the blob contract itself is in test_contract_blobs.py)."""

from __future__ import annotations

import os
import threading

import pytest

from layers.store.sqlite import SQLiteStore
from layers.store.sqlite.blobs import FileBlobs


def test_blobs_are_files_beside_the_database_named_by_their_key(tmp_path):
    store = SQLiteStore(tmp_path / "data")
    key = store.put_blob(b"\xff\xd8 not really a jpeg", "jpg")
    assert store.blob_file(key) == tmp_path / "data" / "photos" / key
    store.close()


def test_the_same_bytes_keep_the_same_file(tmp_path):
    files = FileBlobs(tmp_path / "photos")
    data = b"\xff\xd8 not really a jpeg"
    key = files.put(data, "jpg")
    before = files.path(key).stat()
    assert files.put(data, ".jpg") == key  # the same bytes: the same key, the file untouched
    after = files.path(key).stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    files.put(data, "webp")
    assert sorted(p.name for p in files.path(key).parent.iterdir()) == sorted(
        [key.split("/")[1], key.split("/")[1].replace(".jpg", ".webp")]
    )  # no temporary files left behind


def test_a_failed_write_leaves_nothing(tmp_path, monkeypatch):
    files = FileBlobs(tmp_path)

    def disk_full(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(OSError):
        files.put(b"photo bytes", "jpg")
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


def test_a_truncated_file_under_a_key_is_rewritten(tmp_path):
    files = FileBlobs(tmp_path)
    key = files.put(b"0123456789", "jpg")
    files.path(key).write_bytes(b"01234")  # damaged outside the store
    assert files.put(b"0123456789", "jpg") == key and files.read(key) == b"0123456789"


def test_concurrent_puts_of_the_same_bytes(tmp_path):
    files = FileBlobs(tmp_path)
    data, keys = os.urandom(256 * 1024), []
    threads = [threading.Thread(target=lambda: keys.append(files.put(data, "jpg"))) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(keys)) == 1 and files.read(keys[0]) == data
    assert len([p for p in tmp_path.rglob("*") if p.is_file()]) == 1


def test_no_key_names_a_path_outside_the_folder(tmp_path):
    files = FileBlobs(tmp_path / "photos")
    good = "ab/" + "c" * 62 + ".jpg"
    assert files.path(good) == tmp_path / "photos" / good
    for key in ("../x", "/etc/passwd", "ab/../../" + "c" * 56 + ".jpg", "ab/" + "c" * 62 + ".jpg/.."):
        for method in (files.path, files.read, files.exists, files.open, files.delete):
            with pytest.raises(ValueError):
                method(key)
