"""Tokens and sessions around a password: a new password (own change or an administrator's reset) revokes the
user's API tokens unless they are explicitly kept; minting a token asks for the password again; a user lists
their browser sessions and ends one or all of them."""

from __future__ import annotations

from tests.conftest import make_user, token_client


def login(app, name, password, ip="10.1.0.1", agent="Mozilla/5.0 (iPhone) MicroMessenger/8.0"):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = ip
    client.environ_base["HTTP_USER_AGENT"] = agent
    response = client.post("/api/login", json={"name": name, "password": password})
    assert response.status_code == 200, response.get_json()
    return client, {"X-CSRF-Token": response.get_json()["csrf_token"]}


def error(response, status, field):
    assert response.status_code == status, response.get_data(as_text=True)
    assert field in [d["field"] for d in response.get_json()["error"]["details"]]
    return response.get_json()["error"]


def test_a_password_change_revokes_tokens_unless_kept(app, store):
    old_token = make_user(app, "sun", "planner", "old-password-1")
    client, headers = login(app, "sun", "old-password-1")
    body = {"current_password": "old-password-1", "new_password": "new-password-2", "keep_tokens": "yes"}
    error(client.post("/api/me/password", json=body, headers=headers), 422, "keep_tokens")
    assert token_client(app, old_token).get("/api/layers").status_code == 200  # the refusal changed nothing
    body["keep_tokens"] = True
    assert client.post("/api/me/password", json=body, headers=headers).status_code == 204
    assert token_client(app, old_token).get("/api/layers").status_code == 200  # kept on request
    client, headers = login(app, "sun", "new-password-2")
    body = {"current_password": "new-password-2", "new_password": "third-password-3"}
    assert client.post("/api/me/password", json=body, headers=headers).status_code == 204
    refused = token_client(app, old_token).get("/api/layers")
    assert refused.status_code == 401 and refused.get_json()["error"]["code"] == "invalid_token"
    entry = store.audit_log(1)[0]
    assert entry["action"] == "password.change" and len(entry["detail"]["tokens_revoked"]) == 1


def test_an_administrators_reset_revokes_the_users_tokens_unless_kept(app, client):
    first = make_user(app, "qian", "field_worker", "first-pass-1")
    assert client.patch("/api/users/qian", json={"password": "second-pass-2", "keep_tokens": True}).status_code == 200
    assert token_client(app, first).get("/api/layers").status_code == 200
    assert client.patch("/api/users/qian", json={"display_name": "钱"}).status_code == 200  # no password, no revoking
    assert token_client(app, first).get("/api/layers").status_code == 200
    assert client.patch("/api/users/qian", json={"password": "third-pass-3"}).status_code == 200
    assert token_client(app, first).get("/api/layers").status_code == 401


def test_minting_a_token_asks_for_the_password(app, store):
    make_user(app, "zhou", "planner", "zhou-password-1")
    client, headers = login(app, "zhou", "zhou-password-1")
    tokens_before = store.tokens()
    error(client.post("/api/users/zhou/tokens", json={"label": "脚本"}, headers=headers), 422, "password")
    wrong = client.post("/api/users/zhou/tokens", json={"label": "脚本", "password": "guess-guess"}, headers=headers)
    assert error(wrong, 422, "password")["code"] == "invalid_credentials"
    assert store.tokens() == tokens_before  # nothing minted
    made = client.post("/api/users/zhou/tokens", json={"label": "脚本", "password": "zhou-password-1"}, headers=headers)
    assert made.status_code == 201 and made.get_json()["token"].startswith("cw_")
    # a stolen token cannot mint more tokens without the password either
    thief = token_client(app, made.get_json()["token"])
    error(thief.post("/api/users/zhou/tokens", json={"label": "more"}), 422, "password")
    # guessing the password there is throttled like a login
    for _ in range(5):
        thief.post("/api/users/zhou/tokens", json={"label": "more", "password": "guess-again"})
    held = thief.post("/api/users/zhou/tokens", json={"label": "more", "password": "zhou-password-1"})
    assert held.status_code == 429 and int(held.headers["Retry-After"]) > 0


def test_sessions_are_listed_and_ended_one_by_one_or_everywhere(app, store):
    make_user(app, "wu", "leader", "wu-password-1")
    phone, phone_headers = login(app, "wu", "wu-password-1", ip="10.1.0.7")
    desk, desk_headers = login(app, "wu", "wu-password-1", ip="10.1.0.8", agent="Mozilla/5.0 (Windows NT 10.0)")
    listed = desk.get("/api/me/sessions").get_json()["sessions"]
    assert [(s["ip"], s["current"]) for s in listed] == [("10.1.0.8", True), ("10.1.0.7", False)]
    assert "MicroMessenger" in listed[1]["agent"] and set(listed[0]) >= {"id", "created_at", "expires_at"}
    phone_id = listed[1]["id"]
    missing = desk.delete("/api/me/sessions/0000000000000000", headers=desk_headers)
    assert missing.status_code == 404 and missing.get_json()["error"]["code"] == "not_found"
    assert desk.delete(f"/api/me/sessions/{phone_id}", headers=desk_headers).status_code == 204
    assert phone.get("/api/session").get_json()["user"] is None
    assert desk.get("/api/session").get_json()["user"]["name"] == "wu"
    other, _ = login(app, "wu", "wu-password-1", ip="10.1.0.9")
    assert desk.delete("/api/me/sessions", headers=desk_headers).status_code == 204  # log out everywhere
    assert desk.get("/api/session").get_json()["user"] is None
    assert other.get("/api/session").get_json()["user"] is None
    assert store.sessions(store.user("wu")["id"]) == []
    assert [e["action"] for e in store.audit_log(5)][:2] == ["sessions.end_all", "login.ok"]


def test_sessions_need_a_login_and_show_only_ones_own(app):
    assert app.test_client().get("/api/me/sessions").status_code == 401
    make_user(app, "a1", "leader", "a1-password-1")
    make_user(app, "b2", "leader", "b2-password-2")
    mine, my_headers = login(app, "a1", "a1-password-1")
    theirs, _ = login(app, "b2", "b2-password-2")
    their_id = theirs.get("/api/me/sessions").get_json()["sessions"][0]["id"]
    assert [s["id"] for s in mine.get("/api/me/sessions").get_json()["sessions"]] != [their_id]
    assert mine.delete(f"/api/me/sessions/{their_id}", headers=my_headers).status_code == 404
    assert theirs.get("/api/session").get_json()["user"]["name"] == "b2"
