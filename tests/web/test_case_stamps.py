"""A case's grid cell, reporter and report time cannot be forged through the plain feature API: the server
sets them on create, refuses them from the client and lets only an administrator's audited correction change
them afterwards."""

from __future__ import annotations

from datetime import UTC

import pytest

from layers.store import parse_instant
from tests.conftest import START_US, make_user, token_client
from tests.web.case_world import EAST, WEST, seed, users


@pytest.fixture
def world(app, client):
    seed(client)
    return users(app)


def point(lon, lat, **props) -> dict:
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": {"category": "0102", "status": "reported"} | props}  # fmt: skip


def fields(r) -> list[str]:
    return sorted(d["field"] for d in r.get_json()["error"]["details"])


@pytest.mark.parametrize("forged", [{"grid_code": EAST}, {"reporter": "boss"},
                                    {"reported_at": "2025-01-01T08:00:00+08:00"}])  # fmt: skip
def test_create_refuses_forged_cell_reporter_and_time(world, store, forged):
    before = store.layer("blackspots")["feature_count"]
    r = world["west"].post("/api/layers/blackspots/features", json=point(113.305, 23.105, **forged))
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "use_case_workflow"
    assert fields(r) == [f"properties.{next(iter(forged))}"]
    assert store.layer("blackspots")["feature_count"] == before


def test_create_stamps_cell_reporter_and_time_from_the_request(world, clock):
    clock.set(START_US)  # the next reading, a millisecond on, is the request's instant
    r = world["west"].post("/api/layers/blackspots/features", json=point(113.305, 23.105))
    assert r.status_code == 201, r.get_json()
    props = r.get_json()["properties"]
    assert props["grid_code"] == WEST and props["reporter"] == "wang_w"
    assert parse_instant(props["reported_at"], UTC) // 1_000_000 == START_US // 1_000_000


def test_edits_cannot_change_them_but_an_audited_admin_correction_can(app, world, client, store):
    case = world["west"].post("/api/layers/blackspots/features", json=point(113.305, 23.105)).get_json()
    url, etag = f"/api/layers/blackspots/features/{case['id']}", f'"{case["id"]}.1"'
    for forged in ({"reporter": "boss"}, {"reported_at": "2025-01-01T08:00:00+08:00"}):
        r = world["west"].patch(url, headers={"If-Match": etag}, json={"properties": forged})
        assert r.status_code == 409 and fields(r) == [f"properties.{next(iter(forged))}"]
        r = client.patch(url, headers={"If-Match": etag}, json={"properties": forged})  # admin, no reason
        assert r.status_code == 409
    assert len(store.history("blackspots", case["id"])) == 1
    r = world["planner"].patch(url + "?reason=typo", headers={"If-Match": etag}, json={"properties": {"reporter": "x"}})
    assert r.status_code == 403
    admin = token_client(app, make_user(app, "root", "admin"))
    r = admin.patch(url + "?reason=", headers={"If-Match": etag}, json={"properties": {"reporter": "王五"}})
    assert r.status_code == 422 and fields(r) == ["reason"]
    r = admin.patch(url + "?reason=上报人登记错误", headers={"If-Match": etag},
                    json={"properties": {"reporter": "王五"}})  # fmt: skip
    assert r.status_code == 200 and r.get_json()["properties"]["reporter"] == "王五"
    entry = next(e for e in store.audit_log() if e["action"] == "case.correct")
    assert entry["target"] == str(case["id"]) and entry["detail"]["reason"] == "上报人登记错误"
    assert entry["detail"]["changes"] == {"reporter": ["wang_w", "王五"]}
