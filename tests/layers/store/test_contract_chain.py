"""The history chain's contract, on any backend: every version and audit entry is sealed with a hash chained
to the one before, in the same transaction that wrote it; the head moves with every write and is the same
for the same history on every backend; a row edited, removed or added behind the store's back is named."""

from __future__ import annotations

from store_support import point

from layers.store.chain import GENESIS
from tests.postgis_support import SQLiteDialectConnection, is_postgis


def behind_the_back(store, sql: str, params=()) -> None:
    """Run SQL straight on the store's database, as someone with access to it would."""
    if is_postgis(getattr(store, "url", "")):
        conn = SQLiteDialectConnection(store.url)
        conn.execute(sql, params)
        conn.close()
    else:
        import sqlite3

        conn = sqlite3.connect(store.path, isolation_level=None)
        conn.execute(sql, params)
        conn.close()


def history(store) -> None:
    made = store.create("bins", [point(113.3, 23.1, name="东门"), point(113.31, 23.11, name="西门")], "wang")
    store.update("bins", made[0].fid, point(113.3, 23.1, name="东门二"), 1, "li")
    store.delete("bins", made[1].fid, 1, "li")
    store.audit("wang", "login.ok", "wang", {"n": 1}, "10.0.0.1")
    store.audit("li", "export", "bins", {"format": "csv"}, "")
    return made


def test_an_empty_store_has_empty_chains(store):
    head = store.chain_head()
    assert head["version"] == GENESIS and head["audit"] == GENESIS and len(head["head"]) == 64
    assert store.verify_chain()["ok"]


def test_every_write_is_sealed_and_moves_the_head(store):
    heads = [store.chain_head()["head"]]
    made = store.create("bins", [point(113.3, 23.1, name="东门")], "wang")
    heads.append(store.chain_head()["head"])
    store.update("bins", made[0].fid, point(113.3, 23.1, name="东门二"), 1, "li")
    heads.append(store.chain_head()["head"])
    store.audit("li", "export", "bins", {}, "")
    heads.append(store.chain_head()["head"])
    assert len(set(heads)) == 4
    report = store.verify_chain()
    assert report["ok"] and report["head"] == heads[-1] and report["rows"]["version"] == 2
    assert report["rows"]["audit"] >= 1 and report["problems"] == []


def test_the_same_history_has_the_same_head(store, second_backend, clock):
    from layers.catalogue import load_catalogue
    from layers.store import open_store

    history(store)
    first = store.chain_head()
    clock.set(1_767_225_600_000_000)  # the fixture's start: the same writes at the same instants
    other = open_store(second_backend, clock=clock)
    other.sync_builtin_layers(load_catalogue())
    history(other)
    assert other.chain_head() == first and other.verify_chain()["ok"]
    other.audit("li", "one more", "bins")
    assert other.chain_head()["head"] != first["head"]
    other.close()


def test_a_rolled_back_write_leaves_the_chain_as_it_was(store):
    history(store)
    before = store.chain_head()
    try:
        with store.atomic():
            store.create("bins", [point(113.3, 23.1, name="x")], "wang")
            store.audit("wang", "x", "y")
            raise RuntimeError("abandoned")
    except RuntimeError:
        pass
    assert store.chain_head() == before and store.verify_chain()["ok"]


def test_a_version_edited_in_the_database_is_named(store):
    history(store)
    assert store.verify_chain()["ok"]
    behind_the_back(store, "UPDATE version SET author = 'mallory' WHERE op = 'update'")  # a forged author
    report = store.verify_chain()
    assert not report["ok"]
    [problem] = report["problems"]
    assert problem["table"] == "version" and problem["id"] == 3 and "changed" in problem["reason"]


def test_an_audit_entry_removed_in_the_database_is_named(store):
    history(store)
    ids = [e for e in store.audit_log()]
    assert len(ids) >= 2
    behind_the_back(store, "DELETE FROM audit WHERE action = 'login.ok'")
    report = store.verify_chain()
    assert not report["ok"] and report["problems"][0]["table"] == "audit"


def test_a_row_slipped_in_unsealed_is_named(store):
    history(store)
    behind_the_back(store, "UPDATE audit SET chain_hash = NULL WHERE action = 'export'")
    report = store.verify_chain()
    assert not report["ok"] and report["problems"][0]["reason"] == "not sealed"
