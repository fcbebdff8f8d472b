"""Text the store keeps as it was given, on every backend: U+0000 (which PostgreSQL text cannot hold) in a
property value or a name, and text that is not ASCII; nothing of it may fail a request."""

from __future__ import annotations

import json
import random
from zoneinfo import ZoneInfo

import pytest
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


@pytest.mark.parametrize("zone", ["Asia/Shanghai", "UTC", "America/New_York"])
def test_query_text_is_the_features_own_json(store, clock, zone):
    """``query_text`` is ``to_json`` of the features ``query`` finds, character for character, whoever builds
    it: instants in the zone (summer time included, milliseconds floored), authors and properties with
    quotes, control characters and text that is not ASCII, closed versions read ``at``, paging and counts."""
    tz = ZoneInfo(zone)
    rng = random.Random(zone)
    authors = ['王"五', "a\\b\n\tc\x01", "🚮 team", "plain"]
    fids = []
    for k in range(30):
        clock.set(1_780_000_000_000_000 + rng.randrange(10**13) + rng.choice([0, 999, 123_456]))
        props = {"name": rng.choice(["一号箱", 'x"y', "tab\there", "é"]), "capacity_l": rng.choice([120, 240.5])}
        fids.append(store.create("bins", [point(113.3 + k / 1000, 23.1, **props)], rng.choice(authors))[0].fid)
    past = store.now()
    clock.set(past + 1234567)
    for fid in fids[::3]:
        store.update("bins", fid, point(113.3, 23.1, name="改"), None, rng.choice(authors))
    box = (113.305, 23.0, 113.32, 23.2)
    for kwargs in ({}, {"bbox": box}, {"at": past}, {"bbox": box, "at": past}, {"limit": 7}, {"limit": 7, "offset": 28},
                   {"offset": 40}, {"filters": {"name": "改"}}, {"limit": 10, "filters": {"name": "改"}}):  # fmt: skip
        page = store.query("bins", **kwargs)
        expected = (page.total, len(page.features), ",".join(f.to_json(tz) for f in page.features))
        assert store.query_text("bins", tz, **kwargs) == expected, kwargs
