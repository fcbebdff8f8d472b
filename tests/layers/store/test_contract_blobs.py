"""The blob port's contract, on any backend: content-addressed keys, reading back as bytes, a stream or a
file, deleting, and keys of any other shape refused before the storage is touched."""

from __future__ import annotations

import hashlib

import pytest

from layers.store import blob_key, open_store

DATA = b"\xff\xd8 not really a jpeg"


def test_put_and_read_back(store):
    key = store.put_blob(DATA, "jpg")
    digest = hashlib.sha256(DATA).hexdigest()
    assert key == f"{digest[:2]}/{digest[2:]}.jpg" == blob_key(DATA, ".jpg")
    assert store.blob_exists(key) and store.read_blob(key) == DATA
    with store.open_blob(key) as stream:
        assert stream.read() == DATA
    local = store.blob_file(key)
    assert local is None or local.read_bytes() == DATA
    assert store.put_blob(DATA, ".jpg") == key  # the same bytes: the same key
    assert store.put_blob(DATA, "webp") != key


def test_blobs_outlive_the_store_object(store, backend):
    key = store.put_blob(b"kept", "jpg")
    again = open_store(backend)
    assert again.read_blob(key) == b"kept"
    again.close()


def test_a_blob_never_stored_is_not_found(store):
    other = "00/" + "1" * 62 + ".jpg"
    assert not store.blob_exists(other)
    for method in (store.read_blob, store.open_blob, store.blob_file):
        with pytest.raises(FileNotFoundError):
            method(other)
    assert store.delete_blob(other) is False


def test_delete(store):
    key = store.put_blob(DATA, "jpg")
    assert store.delete_blob(key) is True and not store.blob_exists(key)
    with pytest.raises(FileNotFoundError):
        store.read_blob(key)


GOOD_KEY = "ab/" + "c" * 62 + ".jpg"


@pytest.mark.parametrize(
    "key",
    [
        "../x",
        "../../etc/passwd",
        "/etc/passwd",
        "/" + GOOD_KEY,
        "ab/../../" + "c" * 56 + ".jpg",
        "ab/" + "c" * 61 + ".jpg",
        "ab/" + "c" * 63 + ".jpg",
        "AB/" + "C" * 62 + ".jpg",
        "ab\\" + "c" * 62 + ".jpg",
        "abc" + "c" * 62 + ".jpg",
        "ab/" + "c" * 62,
        "ab/" + "c" * 62 + ".",
        "ab/" + "c" * 62 + ".jpg/..",
        "ab/" + "c" * 62 + ".j/g",
        GOOD_KEY + "\n",
        "ab/" + "c" * 62 + ".verylongsuffix",
        "",
        None,
        b"ab/" + b"c" * 62 + b".jpg",
    ],
)
def test_keys_of_any_other_shape_are_refused(store, key):
    for method in (store.read_blob, store.blob_exists, store.open_blob, store.blob_file, store.delete_blob):
        with pytest.raises(ValueError):
            method(key)


def test_put_checks_its_arguments(store):
    for suffix in ("", "../jpg", "j/pg", "JPG", "jpeg.gz", None):
        with pytest.raises(ValueError):
            store.put_blob(b"x", suffix)
    with pytest.raises(TypeError):
        store.put_blob("text", "jpg")
