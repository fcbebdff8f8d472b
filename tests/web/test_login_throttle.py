"""Login and password-change throttling end to end: growing delays per (name, address), a spray across names
slowed at its address without locking out the office behind it, and counters shared through the store."""

from __future__ import annotations

from layers.accounts import hash_password
from tests.conftest import make_user

S = 1_000_000


def login(client, name, password):
    return client.post("/api/login", json={"name": name, "password": password})


def code(response):
    return response.get_json()["error"]["code"]


def from_address(app, ip):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = ip
    return client


def test_delays_grow_per_name_and_address_and_the_right_password_works_after_them(app, clock):
    make_user(app, "li", "leader", "right-password")
    office = from_address(app, "10.0.0.1")
    for _ in range(5):
        assert login(office, "li", "wrong-password").status_code == 401
    first = login(office, "li", "right-password")
    assert first.status_code == 429 and code(first) == "account_locked"
    assert int(first.headers["Retry-After"]) == 30
    assert first.get_json()["error"]["details"][0]["field"] == "password"
    clock.set(clock.now_us + 31 * S)
    assert login(office, "li", "wrong-password").status_code == 401  # the sixth failure doubles the delay
    second = login(office, "li", "right-password")
    assert second.status_code == 429 and 55 <= int(second.headers["Retry-After"]) <= 60
    colleague = from_address(app, "10.0.0.2")  # the same name from another address has its own count
    assert login(colleague, "li", "right-password").status_code == 200
    clock.set(clock.now_us + 61 * S)
    assert login(office, "li", "right-password").status_code == 200  # a delay, never a lockout


def test_a_refused_attempt_is_not_counted_and_changes_no_count(app, clock):
    make_user(app, "wang", "leader", "right-password")
    client = from_address(app, "10.0.0.3")
    for _ in range(5):
        login(client, "wang", "wrong-password")
    for _ in range(10):
        assert login(client, "wang", "wrong-password").status_code == 429
    store = app.extensions["store"]
    counters = store.login_counters("wang", "10.0.0.3", since=0)
    assert counters.pair_failures == 5
    clock.set(clock.now_us + 31 * S)
    assert login(client, "wang", "right-password").status_code == 200


def test_a_spray_from_one_address_is_slowed_but_the_office_behind_it_still_logs_in(app, clock):
    app.config["LOGIN_FREE_FAILURES_PER_IP"] = 10
    make_user(app, "clerk", "leader", "clerk-password-1")
    make_user(app, "newcomer", "leader", "newcomer-pass-1")
    make_user(app, "sprayer", "leader", "sprayer-pass-1")
    nat = from_address(app, "203.0.113.7")
    assert login(nat, "clerk", "clerk-password-1").status_code == 200  # the clerk has logged in from here
    assert login(nat, "sprayer", "sprayer-pass-1").status_code == 200
    for i in range(10):
        assert login(nat, f"user{i}", "Winter2026!").status_code == 401
    sprayed = login(nat, "user99", "Winter2026!")
    assert sprayed.status_code == 429 and code(sprayed) == "too_many_attempts"
    assert int(sprayed.headers["Retry-After"]) > 0
    # the attacker's own good login resets nothing of the spray
    assert login(nat, "sprayer", "sprayer-pass-1").status_code == 200
    assert login(nat, "user98", "Winter2026!").status_code == 429
    # the clerk, known at this address, is not held up by someone else's spray
    assert login(nat, "clerk", "clerk-password-1").status_code == 200
    # a colleague logging in here for the first time waits, and then gets in
    waiting = login(nat, "newcomer", "newcomer-pass-1")
    assert waiting.status_code == 429
    clock.set(clock.now_us + (int(waiting.headers["Retry-After"]) + 1) * S)
    assert login(nat, "newcomer", "newcomer-pass-1").status_code == 200
    elsewhere = from_address(app, "198.51.100.1")
    assert login(elsewhere, "user97", "Winter2026!").status_code == 401  # another address is not slowed


def test_failures_are_forgotten_after_the_window(app, clock):
    make_user(app, "zhou", "leader", "right-password")
    client = from_address(app, "10.0.0.4")
    for _ in range(5):
        login(client, "zhou", "wrong-password")
    clock.set(clock.now_us + 24 * 3600 * S + S)
    for _ in range(5):
        assert login(client, "zhou", "wrong-password").status_code == 401


def test_password_changes_are_throttled_like_logins(app, clock):
    store = app.extensions["store"]
    make_user(app, "sun", "planner", "old-password-1")
    client = from_address(app, "10.0.0.5")
    csrf = login(client, "sun", "old-password-1").get_json()["csrf_token"]
    headers = {"X-CSRF-Token": csrf}
    stored = store.user("sun")["password_hash"]
    body = {"current_password": "guess-guess", "new_password": "new-password-2"}
    for _ in range(5):
        assert client.post("/api/me/password", json=body, headers=headers).status_code == 422
    right = {"current_password": "old-password-1", "new_password": "new-password-2"}
    refused = client.post("/api/me/password", json=right, headers=headers)
    assert refused.status_code == 429 and code(refused) == "account_locked"
    assert store.user("sun")["password_hash"] == stored  # nothing changed
    assert login(client, "sun", "old-password-1").status_code == 429  # the same count guards the login
    actions = [e["action"] for e in store.audit_log()]
    assert actions.count("password.change_failed") == 5 and "password.change.throttled" in actions
    clock.set(clock.now_us + 31 * S)
    assert client.post("/api/me/password", json=right, headers=headers).status_code == 204
    assert store.user("sun")["password_hash"] != stored


def test_the_commonest_and_short_passwords_are_refused_on_change(app):
    store = app.extensions["store"]
    store.create_user("zhao", "planner", hash_password("old-password-1", n=2**10))
    client = from_address(app, "10.0.0.6")
    csrf = login(client, "zhao", "old-password-1").get_json()["csrf_token"]
    for weak, reason in (("12345678", "too_common"), ("Ab1!", "invalid_value")):
        r = client.post(
            "/api/me/password",
            json={"current_password": "old-password-1", "new_password": weak},
            headers={"X-CSRF-Token": csrf},
        )
        assert r.status_code == 422 and r.get_json()["error"]["details"][0]["code"] == reason
