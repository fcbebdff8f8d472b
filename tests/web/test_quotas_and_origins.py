"""Per-user quotas on new reports and photos (429 ``quota_exceeded`` with Retry-After, nothing stored), the
Origin check's scheme, and links in OGC API and Open311 documents that never reflect a forged Host header."""

from __future__ import annotations

import io

import pytest

from tests.conftest import make_user, token_client
from tests.web.case_world import jpeg, report, seed

S = 1_000_000


@pytest.fixture
def worker(app, client):
    seed(client)
    app.config["QUOTA_REPORTS_PER_DAY"] = 3
    app.config["QUOTA_PHOTOS_PER_DAY"] = 2
    return token_client(app, make_user(app, "wang_w", "field_worker", grid_codes=["440106003012001"]))


def cases(store) -> int:
    return store.version_rows("blackspots", ())[0]


def photo(client, colour):
    return client.post("/api/photos", data={"file": (io.BytesIO(jpeg(colour, size=(64, 48))), "p.jpg")},
                       content_type="multipart/form-data")  # fmt: skip


def test_reports_beyond_the_daily_quota_wait(app, worker, store, clock):
    for _ in range(3):
        assert report(worker).status_code == 201
    before = cases(store)
    refused = report(worker)
    assert refused.status_code == 429 and refused.get_json()["error"]["code"] == "quota_exceeded"
    assert 0 < int(refused.headers["Retry-After"]) <= 24 * 3600
    feature = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [113.305, 23.105]},
               "properties": {"category": "0102", "status": "reported"}}  # fmt: skip
    assert worker.post("/api/layers/blackspots/features", json=feature).status_code == 429  # any route
    assert cases(store) == before
    other = token_client(app, make_user(app, "li_w", "field_worker", grid_codes=["440106003012001"]))
    assert report(other).status_code == 201  # a quota is per user
    clock.set(clock.now_us + 24 * 3600 * S + S)
    assert report(worker).status_code == 201


def test_a_bulk_write_that_would_pass_the_quota_is_refused_whole(app, client, store):
    seed(client)
    app.config["QUOTA_REPORTS_PER_DAY"] = 2
    point = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [113.305, 23.105]},
             "properties": {"category": "0102", "status": "reported"}}  # fmt: skip
    before = cases(store)
    bulk = client.post("/api/layers/blackspots/features", json={"type": "FeatureCollection", "features": [point] * 3})
    assert bulk.status_code == 429 and cases(store) == before


def test_photos_beyond_the_daily_quota_wait(worker, store):
    assert photo(worker, (10, 20, 30)).status_code == 201
    assert photo(worker, (40, 50, 60)).status_code == 201
    held = store.photo_fingerprints()
    refused = photo(worker, (70, 80, 90))
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert store.photo_fingerprints() == held


def test_quotas_can_be_switched_off(app, worker):
    app.config["QUOTA_REPORTS_PER_DAY"] = 0
    assert all(report(worker).status_code == 201 for _ in range(5))


def test_the_origin_check_compares_the_scheme(app, anonymous):
    make_user(app, "zhang", "planner", "secret-pass-1")
    csrf = anonymous.post("/api/login", json={"name": "zhang", "password": "secret-pass-1"}).get_json()["csrf_token"]
    body = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [113.33, 23.13]}, "properties": {}}
    for origin in ("https://localhost", "http://localhost:8080", "http://evil.example"):
        r = anonymous.post("/api/layers/bins/features", json=body, headers={"X-CSRF-Token": csrf, "Origin": origin})
        assert r.status_code == 403 and r.get_json()["error"]["code"] == "bad_origin", origin
    ok = anonymous.post("/api/layers/bins/features", json=body, headers={"X-CSRF-Token": csrf, "Origin": "http://localhost"})
    assert ok.status_code == 201
    app.config["PUBLIC_URL"] = "https://chuangwei.example.gov.cn"
    behind = anonymous.post("/api/layers/bins/features", json=body,
                            headers={"X-CSRF-Token": csrf, "Origin": "https://chuangwei.example.gov.cn"})  # fmt: skip
    assert behind.status_code == 201


def test_document_links_never_reflect_a_forged_host(app, client):
    forged = {"Host": "evil.example"}
    for path in ("/ogc/", "/ogc/collections", "/ogc/collections/bins/items", "/open311/v2/discovery.json"):
        text = client.get(path, headers=forged).get_data(as_text=True)
        assert "evil.example" not in text and "http://localhost" in text, path
    app.config["PUBLIC_URL"] = "https://chuangwei.example.gov.cn/"
    text = client.get("/ogc/collections", headers=forged).get_data(as_text=True)
    assert "https://chuangwei.example.gov.cn/ogc/collections" in text and "evil.example" not in text
