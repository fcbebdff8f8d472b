"""Two apps on one PostGIS store, as two app processes behind a proxy would be (each its own store object,
pool and caches): a write through one is seen by the next read through the other, and sessions, CSRF,
lockout counters, idempotency keys and the cached point arrays and case timeline stay coherent."""

from __future__ import annotations

import pytest

from server import create_app
from tests.conftest import Clock, make_user, token_client
from tests.postgis_support import is_postgis
from tests.web.case_world import report, seed

pytestmark = pytest.mark.skipif(not is_postgis(), reason="PostGIS tests run when TEST_STORE_URL is postgresql://…")
POINT = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [113.305, 23.105]}, "properties": {}}


@pytest.fixture
def apps(tmp_path, backend):
    clock = Clock()  # one clock: both processes read the same time
    made = [
        create_app({"DATA_DIR": str(tmp_path / name), "STORE_URL": backend, "CLOCK": clock, "TESTING": True})
        for name in ("one", "two")
    ]
    yield made
    for app in made:
        app.extensions["store"].close()


def test_a_write_through_one_is_read_through_the_other(apps):
    one, two = apps
    token = make_user(one, "planner1", "planner")
    a, b = token_client(one, token), token_client(two, token)  # the token made through one works on two
    assert b.get("/api/layers/bins/points").status_code == 200  # two caches the empty point arrays
    created = a.post("/api/layers/bins/features", json=POINT)
    assert created.status_code == 201
    fid, etag = created.get_json()["id"], created.headers["ETag"]
    assert b.get(f"/api/layers/bins/features/{fid}").headers["ETag"] == etag
    assert b.get("/api/layers/bins").get_json()["feature_count"] == 1
    assert two.extensions["store"].points("bins").fids.tolist() == [fid]  # patched, not stale
    moved = b.patch(f"/api/layers/bins/features/{fid}", json={"properties": {"name": "二号"}},
                    headers={"If-Match": etag})  # fmt: skip
    assert moved.status_code == 200
    stale = a.patch(f"/api/layers/bins/features/{fid}", json={"properties": {"name": "三号"}},
                    headers={"If-Match": etag})  # fmt: skip
    assert stale.status_code == 412
    assert one.extensions["store"].points("bins", value_property="name").values == ["二号"]


def test_sessions_csrf_and_lockout_are_shared(apps):
    one, two = apps
    make_user(one, "zhang", "planner", "secret-pass-1")
    browser_one, browser_two = one.test_client(), two.test_client()
    logged = browser_one.post("/api/login", json={"name": "zhang", "password": "secret-pass-1"})
    assert logged.status_code == 200
    cookie = logged.headers["Set-Cookie"].split(";")[0].split("=", 1)
    browser_two.set_cookie(cookie[0], cookie[1])
    assert browser_two.get("/api/session").get_json()["user"]["name"] == "zhang"
    csrf = logged.get_json()["csrf_token"]
    assert browser_two.post("/api/layers/bins/features", json=POINT).status_code == 403  # no CSRF token
    assert browser_two.post("/api/layers/bins/features", json=POINT, headers={"X-CSRF-Token": csrf}).status_code == 201
    make_user(one, "li", "leader", "right-password")
    for i in range(5):  # failures spread over both processes count together
        client = (one if i % 2 else two).test_client()
        assert client.post("/api/login", json={"name": "li", "password": "wrong-password"}).status_code == 401
    locked = one.test_client().post("/api/login", json={"name": "li", "password": "right-password"})
    assert locked.status_code == 429
    assert browser_one.post("/api/logout", headers={"X-CSRF-Token": csrf}).status_code in (200, 204)
    assert browser_two.get("/api/session").get_json()["user"] is None


def test_an_idempotency_key_answers_once_across_both(apps):
    one, two = apps
    seed(token_client(one, make_user(one, "admin1", "admin")))
    token = make_user(one, "wang_w", "field_worker", grid_codes=["440106003012001"])
    a, b = token_client(one, token), token_client(two, token)
    key = {"Idempotency-Key": "report-two-apps-0001"}
    first = a.post("/api/cases", json=_case(), headers=key)
    again = b.post("/api/cases", json=_case(), headers=key)
    assert first.status_code == again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true" and again.get_data() == first.get_data()
    assert two.extensions["store"].layer("blackspots")["feature_count"] == 1
    leader = make_user(one, "boss", "leader")
    before = token_client(two, leader).get("/api/dashboard").get_json()["total"]  # two caches its timeline
    assert report(a).status_code == 201
    assert token_client(two, leader).get("/api/dashboard").get_json()["total"] == before + 1


def _case() -> dict:
    return {"category": "0102", "lon": 113.305, "lat": 23.1052, "description": "路边堆放垃圾"}
