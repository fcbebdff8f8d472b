"""The import-session port's contract, on any backend: records saved, replaced, listed and deleted, seen by a
second store opened on the same data (another app process), and saved inside ``atomic()`` with the rest."""

from __future__ import annotations

import pytest

from layers.store import open_store

META = {"id": "a" * 32, "status": "preview", "options": {"layer": "bins", "mapping": {"name": "名称"}},
        "upload_key": "ab/" + "c" * 62 + ".bin", "result": None}  # fmt: skip


def test_a_session_is_saved_replaced_listed_and_deleted(store):
    assert store.import_session("a" * 32) is None and store.import_sessions() == []
    store.save_import_session("a" * 32, "王五", 1_000, META)
    assert store.import_session("a" * 32) == {"id": "a" * 32, "owner": "王五", "created_at": 1_000, "meta": META}
    committed = META | {"status": "committed", "result": {"created": 3}}
    store.save_import_session("a" * 32, "someone else", 5_000, committed)  # owner and creation stay
    assert store.import_session("a" * 32) == {"id": "a" * 32, "owner": "王五", "created_at": 1_000, "meta": committed}
    store.save_import_session("b" * 32, "li", 500, {"status": "preview"})
    assert [r["id"] for r in store.import_sessions()] == ["b" * 32, "a" * 32]  # oldest first
    assert store.delete_import_session("a" * 32) is True and store.delete_import_session("a" * 32) is False
    assert [r["id"] for r in store.import_sessions()] == ["b" * 32]


def test_another_store_on_the_same_data_sees_every_change(store, backend):
    other = open_store(backend)
    try:
        store.save_import_session("a" * 32, "wang", 1_000, META)
        assert other.import_session("a" * 32)["meta"] == META
        other.save_import_session("a" * 32, "wang", 1_000, META | {"status": "committed"})
        assert store.import_session("a" * 32)["meta"]["status"] == "committed"
    finally:
        other.close()


def test_a_session_saved_in_a_failed_block_is_not_kept(store):
    store.save_import_session("a" * 32, "wang", 1_000, META)
    with pytest.raises(RuntimeError), store.atomic():
        store.save_import_session("a" * 32, "wang", 1_000, META | {"status": "committed"})
        store.create_user("ghost", "planner", None)
        raise RuntimeError("the commit fails")
    assert store.import_session("a" * 32)["meta"]["status"] == "preview" and store.user("ghost") is None
