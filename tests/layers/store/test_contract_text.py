"""Text the store keeps as it was given, on every backend: U+0000 (which PostgreSQL text cannot hold) in a
property value or a name, and text that is not ASCII; nothing of it may fail a request."""

from __future__ import annotations

import json

from store_support import point


def test_a_property_with_u0000_is_stored_and_read_as_given(store):
    """Kept exactly as written and read back so; filters and point values on such text may differ by backend
    (SQLite ends bound text at U+0000, PostGIS's typed copy has U+FFFD), but none of them fails."""
    [f] = store.create("bins", [point(113.3, 23.1, name="a\x00b", note="一号\x01")], "t")
    stored = store.get("bins", f.fid)
    assert json.loads(stored.properties) == {"name": "a\x00b", "note": "一号\x01"}
    assert stored.properties == f.properties == store.query("bins").features[0].properties
    assert store.query("bins", filters={"name": "ab"}).total == 0
    assert store.query("bins", filters={"name": ["a\x00b", "c"]}).total in (0, 1)
    assert len(store.points("bins", value_property="name").values) == 1
    store.update("bins", f.fid, point(113.3, 23.1, name="\x00"), 1, "t")
    assert [json.loads(v.properties)["name"] for v in store.history("bins", f.fid)] == ["a\x00b", "\x00"]


def test_names_with_u0000_find_nothing_and_fail_nothing(store):
    assert store.layer("bins\x00") is None
    assert store.user("wang\x00") is None
    store.record_login("wang\x00", "127.0.0.1", False)
    assert store.login_counters("wang\x00", "127.0.0.1", since=0).pair_failures == 1
    assert store.login_counters("wang", "127.0.0.1", since=0).pair_failures == 0
