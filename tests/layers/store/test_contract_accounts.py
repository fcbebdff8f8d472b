"""The account port's contract, on any backend: users, tokens, sessions, login-failure counters and the
audit log."""

from __future__ import annotations

import pytest

from layers.store import LoginCounters, UserExists, public_session_id


def test_users_are_created_once_and_listed_without_hashes(store):
    made = store.create_user("wang", "field_worker", "hash-1", display_name="王", grid_codes=["440106001001001"])
    assert made["name"] == "wang" and made["display_name"] == "王" and made["role"] == "field_worker"
    assert made["grid_codes"] == ["440106001001001"] and made["disabled"] is False and made["password_hash"] == "hash-1"
    with pytest.raises(UserExists):
        store.create_user("wang", "admin", None)
    store.create_user("an", "admin", None)
    listed = store.users()
    assert [u["name"] for u in listed] == ["an", "wang"] and all("password_hash" not in u for u in listed)
    assert store.user("an")["display_name"] == "an" and store.user("an")["password_hash"] is None
    assert store.user("nobody") is None
    assert store.audit_log(1)[0] | {"at": 0} == {"at": 0, "actor": "system", "action": "user.create",
                                                 "target": "an", "detail": {"role": "admin", "grid_codes": []},
                                                 "ip": ""}  # fmt: skip


def test_updating_a_user_and_what_ends_their_sessions(store, clock):
    user = store.create_user("li", "planner", "h")
    expires = clock() + 10**12
    store.create_session("s1", user["id"], "csrf", expires)
    changed = store.update_user("li", {"display_name": "李", "grid_codes": ["1"]})
    assert changed["display_name"] == "李" and changed["grid_codes"] == ["1"]
    assert store.session_user("s1") is not None  # a new name keeps the session
    assert store.update_user("li", {"role": "leader"})["role"] == "leader"
    assert store.session_user("s1") is None  # a new role ends it
    store.create_session("s2", user["id"], "csrf", expires)
    assert store.update_user("li", {"disabled": True})["disabled"] is True
    assert store.session_user("s2") is None
    with pytest.raises(KeyError):
        store.update_user("nobody", {"role": "admin"})
    with pytest.raises(ValueError):
        store.update_user("li", {"name": "other"})


def test_tokens_find_their_user_until_revoked(store):
    user = store.create_user("zhao", "planner", None)
    token = store.add_token(user["id"], "phone", "token-hash")
    assert token["label"] == "phone" and token["user"] == "zhao" and token["revoked_at"] is None
    assert "token_hash" not in token
    found, who = store.token_user("token-hash")
    assert found["id"] == token["id"] and who["name"] == "zhao"
    assert store.tokens(user["id"])[0]["last_used_at"] is not None  # the use is recorded
    assert store.token_user("other-hash") is None
    assert [t["id"] for t in store.tokens(user["id"])] == [token["id"]] and store.tokens(user["id"] + 1) == []
    revoked = store.revoke_token(token["id"])
    assert revoked["revoked_at"] is not None and store.token_user("token-hash") is None
    assert store.revoke_token(token["id"])["revoked_at"] == revoked["revoked_at"]  # the first instant stays
    assert store.revoke_token(10**9) is None
    second = store.add_token(user["id"], "laptop", "hash-2")
    store.update_user("zhao", {"disabled": True})
    assert store.token_user("hash-2") is None  # a disabled user's tokens find nobody
    assert [t["id"] for t in store.tokens()] == [token["id"], second["id"]]


def test_revoking_every_token_of_a_user(store):
    zhao, qian = store.create_user("zhao", "planner", None), store.create_user("qian", "planner", None)
    first = store.add_token(zhao["id"], "phone", "h1")
    earlier = store.revoke_token(store.add_token(zhao["id"], "old", "h2")["id"])["revoked_at"]
    third = store.add_token(zhao["id"], "laptop", "h3")
    theirs = store.add_token(qian["id"], "phone", "h4")
    assert store.revoke_tokens(zhao["id"]) == [first["id"], third["id"]]
    assert store.token_user("h1") is None and store.token_user("h3") is None
    assert store.token_user("h4")[0]["id"] == theirs["id"]  # another user's tokens live on
    assert [t["revoked_at"] for t in store.tokens(zhao["id"])][1] == earlier  # the first instant stays
    assert store.revoke_tokens(zhao["id"]) == []


def test_a_users_sessions_are_listed_and_ended_by_public_handle(store, clock):
    wu, zheng = store.create_user("wu", "leader", None), store.create_user("zheng", "leader", None)
    later = clock() + 10**12
    store.create_session("hash-a", wu["id"], "c", later, ip="10.0.0.1", agent="Mozilla/5.0 " + "x" * 300)
    store.create_session("hash-b", wu["id"], "c", later, ip="10.0.0.2")
    store.create_session("hash-gone", wu["id"], "c", clock() + 5_000)
    store.create_session("hash-z", zheng["id"], "c", later)
    clock.set(clock.now_us + 10_000)
    listed = store.sessions(wu["id"])
    assert [s["id"] for s in listed] == [public_session_id("hash-b"), public_session_id("hash-a")]
    assert listed[1]["ip"] == "10.0.0.1" and len(listed[1]["agent"]) == 200 and listed[0]["agent"] == ""
    assert set(listed[0]) == {"id", "created_at", "expires_at", "ip", "agent"}
    assert all("hash" not in str(s.values()) for s in listed)
    assert store.end_sessions(wu["id"], public_session_id("hash-z")) == 0  # another user's session stays
    assert store.end_sessions(wu["id"], public_session_id("hash-a")) == 1
    assert store.session_user("hash-a") is None and store.session_user("hash-b") is not None
    assert store.end_sessions(wu["id"]) == 2  # the live one and the expired one
    assert store.sessions(wu["id"]) == [] and store.session_user("hash-z") is not None


def test_sessions_expire(store, clock):
    user = store.create_user("sun", "leader", None)
    now = clock()
    store.create_session("live", user["id"], "c1", now + 10**9)
    store.create_session("short", user["id"], "c2", now + 10_000)
    session, who = store.session_user("live")
    assert session["csrf"] == "c1" and session["expires_at"] == now + 10**9 and who["name"] == "sun"
    clock.set(now + 20_000)
    assert store.session_user("short") is None and store.session_user("live") is not None
    store.delete_session("live")
    store.delete_session("never-was")
    assert store.session_user("live") is None


def test_login_counters_per_pair_and_per_address(store, clock):
    start = clock()
    empty = store.login_counters("zhou", "10.0.0.1", since=start)
    assert empty == LoginCounters(0, None, 0, None, False)
    for _ in range(3):
        store.record_login("zhou", "10.0.0.1", False)
    last_pair = clock.now_us
    store.record_login("other", "10.0.0.1", False)
    last_ip = clock.now_us
    store.record_login("zhou", "10.0.0.2", False)
    counted = store.login_counters("zhou", "10.0.0.1", since=start)
    assert (counted.pair_failures, counted.ip_failures, counted.pair_known) == (3, 4, False)
    assert start < counted.pair_last_failure_at <= last_pair < counted.ip_last_failure_at <= last_ip
    assert store.login_counters("zhou", "10.0.0.1", since=clock() + 1).pair_failures == 0
    # a success of the name elsewhere, or of another name here, resets nothing
    store.record_login("zhou", "10.0.0.2", True)
    store.record_login("other", "10.0.0.1", True)
    assert store.login_counters("zhou", "10.0.0.1", since=start).pair_failures == 3
    # the pair's own success resets the pair's count, never the address's
    store.record_login("zhou", "10.0.0.1", True)
    after = store.login_counters("zhou", "10.0.0.1", since=start)
    assert (after.pair_failures, after.pair_last_failure_at, after.ip_failures, after.pair_known) == (0, None, 4, True)
    store.record_login("zhou", "10.0.0.1", False)
    assert store.login_counters("zhou", "10.0.0.1", since=start).pair_failures == 1
    store.record_login("x" * 150, "10.0.0.3", False)
    assert store.login_counters("x" * 150, "10.0.0.3", since=start).pair_failures == 1  # names cut alike


def test_the_audit_log_is_newest_first(store):
    store.audit("admin", "layer.create", "trees", {"n": 1}, "10.0.0.1")
    store.audit("admin", "layer.retire", "trees")
    log = store.audit_log()
    assert [(e["action"], e["detail"], e["ip"]) for e in log[:2]] == [("layer.retire", {}, ""),
                                                                     ("layer.create", {"n": 1}, "10.0.0.1")]
    assert log[0]["at"] >= log[1]["at"] and len(store.audit_log(1)) == 1


def test_rate_slots_slide_with_the_clock_and_are_counted_per_scope_and_key(store, clock):
    hour = 3_600_000_000
    assert [store.take_rate_slot("public_report", "10.0.0.1", 3, hour) for _ in range(4)] == [True] * 3 + [False]
    assert store.take_rate_slot("public_report", "10.0.0.2", 3, hour)  # another address
    assert store.take_rate_slot("other_limit", "10.0.0.1", 3, hour)  # another scope
    clock.set(clock.now_us + hour)  # the first three have left the window
    assert [store.take_rate_slot("public_report", "10.0.0.1", 3, hour) for _ in range(4)] == [True] * 3 + [False]


def test_rate_slots_are_shared_by_every_store_on_the_same_data(store, backend, clock):
    from layers.store import open_store

    other = open_store(backend, clock=clock)  # another app process, reading the same time
    try:
        taken = [s.take_rate_slot("public_report", "10.0.0.9", 4, 3_600_000_000) for s in (store, other) * 3]
        assert taken == [True] * 4 + [False] * 2
    finally:
        other.close()
