"""Accounts end to end through the HTTP API: login, sessions with CSRF, tokens, roles, lockout, admin."""

from __future__ import annotations

import json

import pytest

from layers.accounts import hash_password
from tests.conftest import make_user, token_client

POINT = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [113.33, 23.13]}, "properties": {}}
CELL = "440106003012001"
OTHER_CELL = "440106003012002"


def square(x0, y0, size=0.01):
    return {
        "type": "Polygon",
        "coordinates": [[[x0, y0], [x0 + size, y0], [x0 + size, y0 + size], [x0, y0 + size], [x0, y0]]],
    }


def case(lon, lat, **props):
    properties = {"category": "0102", "status": "reported"} | props
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]}, "properties": properties}


def login(client, name, password, **kw):
    return client.post("/api/login", json={"name": name, "password": password}, **kw)


def error_code(response):
    return response.get_json()["error"]["code"]


def test_anonymous_reads_need_login_but_health_does_not(anonymous):
    r = anonymous.get("/api/layers")
    assert r.status_code == 401 and error_code(r) == "authentication_required"
    assert r.headers["WWW-Authenticate"].startswith("Bearer")
    assert anonymous.get("/api/layers/bins/features").status_code == 401
    assert anonymous.get("/api/health").status_code == 200
    assert anonymous.get("/api/session").get_json()["user"] is None


def test_public_reading_is_a_setting(app, anonymous):
    app.config["READ_REQUIRES_LOGIN"] = False
    assert anonymous.get("/api/layers").status_code == 200
    r = anonymous.post("/api/layers/bins/features", json=POINT)
    assert r.status_code == 401


def test_bad_tokens_are_refused_not_ignored(app):
    r = token_client(app, "cw_not-a-token").get("/api/layers")
    assert r.status_code == 401 and error_code(r) == "invalid_token"
    r = app.test_client().get("/api/layers", headers={"Authorization": "Basic YWRtaW46YWRtaW4="})
    assert r.status_code == 401


def test_login_session_csrf_and_logout(app, anonymous):
    make_user(app, "zhang", "planner", "secret-pass-1")
    r = login(anonymous, "zhang", "secret-pass-1")
    assert r.status_code == 200
    body = r.get_json()
    assert body["user"]["name"] == "zhang" and "features.write" in body["user"]["permissions"]
    assert body["user"]["role_title"] == {"zh-CN": "规划人员", "en": "Planner"} and body["demo"] is False
    cookie = r.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "cw_session=" in cookie
    csrf = body["csrf_token"]
    assert anonymous.get("/api/session").get_json()["user"]["name"] == "zhang"
    assert anonymous.get("/api/layers").status_code == 200
    missing = anonymous.post("/api/layers/bins/features", json=POINT)
    assert missing.status_code == 403 and error_code(missing) == "csrf_failed"
    wrong = anonymous.post("/api/layers/bins/features", json=POINT, headers={"X-CSRF-Token": "guess"})
    assert wrong.status_code == 403
    cross = anonymous.post(
        "/api/layers/bins/features", json=POINT, headers={"X-CSRF-Token": csrf, "Origin": "https://evil.example"}
    )
    assert cross.status_code == 403 and error_code(cross) == "bad_origin"
    ok = anonymous.post(
        "/api/layers/bins/features", json=POINT, headers={"X-CSRF-Token": csrf, "Origin": "http://localhost"}
    )
    assert ok.status_code == 201 and ok.get_json()["author"] == "zhang"
    assert anonymous.post("/api/logout", headers={"X-CSRF-Token": csrf}).status_code == 204
    assert anonymous.get("/api/layers").status_code == 401


def test_cross_site_login_is_refused(app, anonymous):
    make_user(app, "zhao", "planner", "secret-pass-1")
    r = login(anonymous, "zhao", "secret-pass-1", headers={"Origin": "https://evil.example"})
    assert r.status_code == 403


def test_leader_reads_but_cannot_write(app):
    leader = token_client(app, make_user(app, "boss", "leader"))
    assert leader.get("/api/layers/bins/features").status_code == 200
    r = leader.post("/api/layers/bins/features", json=POINT)
    assert r.status_code == 403 and error_code(r) == "forbidden"
    assert leader.post("/api/layers", json={"id": "x_layer"}).status_code == 403


def test_only_admins_define_layers(app):
    definition = {"id": "trees", "title": {"zh-CN": "树", "en": "Trees"}, "geometry_types": ["Point"]}
    planner = token_client(app, make_user(app, "plan", "planner"))
    assert planner.post("/api/layers", json=definition).status_code == 403
    admin = token_client(app, make_user(app, "root", "admin"))
    assert admin.post("/api/layers", json=definition).status_code == 201


@pytest.fixture
def cells(client):
    grid = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "geometry": square(113.30, 23.10), "properties": {"code": CELL}},
            {"type": "Feature", "geometry": square(113.31, 23.10), "properties": {"code": OTHER_CELL}},
        ],
    }
    assert client.post("/api/layers/grid/features", json=grid).status_code == 201


def test_field_worker_writes_cases_in_own_cells_only(app, client, cells):
    worker = token_client(app, make_user(app, "wangge", "field_worker", grid_codes=[CELL]))
    mine = worker.post("/api/layers/blackspots/features", json=case(113.305, 23.105))
    assert mine.status_code == 201 and mine.get_json()["author"] == "wangge"
    theirs = worker.post("/api/layers/blackspots/features", json=case(113.315, 23.105))
    assert theirs.status_code == 403 and error_code(theirs) == "outside_grid"
    fid = mine.get_json()["id"]
    moved_out = worker.patch(
        f"/api/layers/blackspots/features/{fid}",
        headers={"If-Match": f'"{fid}.1"'},
        json={"geometry": {"type": "Point", "coordinates": [113.315, 23.105]}},
    )
    assert moved_out.status_code == 403
    fixed = worker.patch(
        f"/api/layers/blackspots/features/{fid}",
        headers={"If-Match": f'"{fid}.1"'},
        json={"properties": {"description": "已清理"}},
    )
    assert fixed.status_code == 200
    other = client.post("/api/layers/blackspots/features", json=case(113.315, 23.105)).get_json()["id"]
    r = worker.patch(
        f"/api/layers/blackspots/features/{other}",
        headers={"If-Match": f'"{other}.1"'},
        json={"properties": {"description": "已清理"}},
    )
    assert r.status_code == 403
    assert worker.post("/api/layers/bins/features", json=POINT).status_code == 403
    history = client.get(f"/api/layers/blackspots/features/{fid}/history").get_json()["features"]
    assert [v["author"] for v in history] == ["wangge", "wangge"]


def test_field_worker_without_cells_can_write_nothing(app, cells):
    worker = token_client(app, make_user(app, "new", "field_worker"))
    assert worker.post("/api/layers/blackspots/features", json=case(113.305, 23.105)).status_code == 403


def test_admin_manages_users_and_tokens(app, client, anonymous):
    r = client.post(
        "/api/users",
        json={
            "name": "chen",
            "role": "field_worker",
            "password": "first-pass-1",
            "grid_codes": [CELL],
            "display_name": "陈刚",
        },
    )
    assert r.status_code == 201 and r.get_json()["grid_codes"] == [CELL]
    assert (
        client.post("/api/users", json={"name": "chen", "role": "leader", "password": "pass-3-x"}).status_code == 409
    )
    bad = client.post("/api/users", json={"name": "a b", "role": "boss", "password": "short", "grid_codes": ["1"]})
    assert bad.status_code == 422
    assert {d["field"] for d in bad.get_json()["error"]["details"]} == {"name", "role", "password", "grid_codes"}
    assert login(anonymous, "chen", "first-pass-1").status_code == 200
    assert anonymous.get("/api/session").get_json()["user"]["role"] == "field_worker"
    r = client.patch("/api/users/chen", json={"role": "leader", "password": "second-pass-2"})
    assert r.status_code == 200 and r.get_json()["role"] == "leader"
    assert anonymous.get("/api/session").get_json()["user"] is None  # the change ended the session
    assert login(anonymous, "chen", "second-pass-2").status_code == 200
    app.extensions["store"].update_user("tester", {"password_hash": hash_password("tester-pass-1", n=2**10)})
    unconfirmed = client.post("/api/users/chen/tokens", json={"label": "巡查 app"})
    assert unconfirmed.status_code == 422 and unconfirmed.get_json()["error"]["details"][0]["field"] == "password"
    token = client.post("/api/users/chen/tokens", json={"label": "巡查 app", "password": "tester-pass-1"}).get_json()
    assert token["token"].startswith("cw_")
    chen = token_client(app, token["token"])
    assert chen.get("/api/layers").status_code == 200
    listed = client.get("/api/users").get_json()
    entry = next(u for u in listed["users"] if u["name"] == "chen")
    assert [t["label"] for t in entry["tokens"]] == ["巡查 app"] and "token" not in entry["tokens"][0]
    assert "password_hash" not in json.dumps(listed)
    assert client.delete(f"/api/tokens/{token['id']}").status_code == 204
    assert chen.get("/api/layers").status_code == 401
    assert client.patch("/api/users/chen", json={"disabled": True}).status_code == 200
    assert login(anonymous, "chen", "second-pass-2").status_code == 401
    assert client.patch("/api/users/nobody", json={"role": "leader"}).status_code == 404
    actions = {e["action"] for e in client.get("/api/audit").get_json()["entries"]}
    assert {"user.create", "user.update", "token.create", "token.revoke", "login.ok"} <= actions


def test_the_last_admin_cannot_be_removed(client):
    r = client.patch("/api/users/tester", json={"role": "planner"})
    assert r.status_code == 409 and error_code(r) == "last_admin"
    assert client.patch("/api/users/tester", json={"disabled": True}).status_code == 409


def test_users_manage_their_own_tokens_and_password(app, anonymous):
    make_user(app, "sun", "planner", "old-password-1")
    planner = token_client(app, make_user(app, "other", "planner", "other-pass-1"))
    assert planner.get("/api/users").status_code == 403
    assert planner.post("/api/users/sun/tokens", json={"label": "x", "password": "other-pass-1"}).status_code == 403
    own = planner.post("/api/users/other/tokens", json={"label": "my script", "password": "other-pass-1"})
    assert own.status_code == 201
    csrf = login(anonymous, "sun", "old-password-1").get_json()["csrf_token"]
    headers = {"X-CSRF-Token": csrf}
    wrong = anonymous.post(
        "/api/me/password", json={"current_password": "nope", "new_password": "new-password-2"}, headers=headers
    )
    assert wrong.status_code == 422 and wrong.get_json()["error"]["details"][0]["field"] == "current_password"
    short = anonymous.post(
        "/api/me/password", json={"current_password": "old-password-1", "new_password": "x"}, headers=headers
    )
    assert short.status_code == 422 and short.get_json()["error"]["details"][0]["field"] == "new_password"
    ok = anonymous.post(
        "/api/me/password",
        json={"current_password": "old-password-1", "new_password": "new-password-2"},
        headers=headers,
    )
    assert ok.status_code == 204
    assert anonymous.get("/api/session").get_json()["user"] is None
    assert login(anonymous, "sun", "new-password-2").status_code == 200


def test_public_reports_off_by_default_then_rate_limited(app, anonymous, store):
    report = case(113.33, 23.13)
    report["properties"] = {"category": "0102", "description": "路口垃圾堆积"}
    assert anonymous.post("/api/reports", json=report).status_code == 403
    app.config["PUBLIC_REPORTS"] = True
    r = anonymous.post("/api/reports", json=report)
    assert r.status_code == 201 and r.get_json()["status"] == "reported"
    stored = store.get("blackspots", r.get_json()["id"])
    assert json.loads(stored.properties)["status"] == "reported" and stored.author == "public"
    sneaky = dict(report, properties={"category": "0102", "status": "closed"})
    assert anonymous.post("/api/reports", json=sneaky).status_code == 422
    limited = [anonymous.post("/api/reports", json=report).status_code for _ in range(12)]
    assert 429 in limited and limited.count(201) == 8  # every attempt counts, the refused one too


def test_security_headers(client):
    r = client.get("/api/health")
    csp = r.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert "https://tile.openstreetmap.org" in csp and "https://*.is.autonavi.com" in csp
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["X-Frame-Options"] == "DENY"
    assert client.get("/").headers["Content-Security-Policy"] == csp


def test_the_public_report_limit_holds_across_app_processes(tmp_path, backend, clock):
    """Two apps on one store (two processes behind a proxy) share the count: together they allow the limit."""
    from server import create_app

    config = {"STORE_URL": backend, "CLOCK": clock, "TESTING": True, "PUBLIC_REPORTS": True,
              "PUBLIC_REPORTS_PER_HOUR": 3}  # fmt: skip
    apps = [create_app(config | {"DATA_DIR": str(tmp_path / name)}) for name in ("one", "two")]
    try:
        report = case(113.33, 23.13)
        report["properties"] = {"category": "0102"}
        statuses = [app.test_client().post("/api/reports", json=report).status_code for app in apps * 3]
        assert statuses == [201, 201, 201, 429, 429, 429]
    finally:
        for app in apps:
            app.extensions["store"].close()
