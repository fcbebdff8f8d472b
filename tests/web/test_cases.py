"""The case API end to end on a real SQLite store: reporting (grid cell, responsible unit, address,
recurrence, duplicates), the lifecycle and its rules, notes, filters, stale edits and idempotent repeats."""

from __future__ import annotations

import pytest

from tests.web.case_world import EAST, WEST, jpeg, move, photo_upload, report, seed, users

DAY_US = 86_400_000_000


@pytest.fixture
def world(app, client):
    seed(client)
    return users(app)


def error(r):
    return r.get_json()["error"]


def test_report_gets_cell_unit_address_and_navigation(world):
    r = report(world["west"])
    assert r.status_code == 201, r.get_json()
    case = r.get_json()
    assert r.headers["Location"] == f"/api/cases/{case['id']}"
    assert case["status"] == "reported" and case["state_group"] == "open"
    assert case["grid_code"] == WEST and case["responsible_unit"] == "西片网格工作站"
    # 113.305 is 0.005° = ~512 m from the road's start: house number 2 * (512 // 12) + 1 (north = left) = 85
    assert case["address"].startswith("风情街") and case["address"].endswith("号附近")
    number = int(case["address"].removeprefix("风情街").removesuffix("号附近"))
    assert number % 2 == 1 and 80 <= number <= 90
    assert case["reporter"] == "wang_w" and case["category_name"]["zh-CN"] == "暴露垃圾"
    [first] = case["transitions"]
    assert (first["from"], first["to"], first["by"], first["version"]) == (None, "reported", "wang_w", 1)
    assert first["at"].endswith("+08:00")
    nav = case["navigation"]
    assert set(nav) >= {"amap", "baidu", "geo", "apple", "osm"}
    lat, lon = map(float, nav["geo"].removeprefix("geo:").split("?")[0].split(","))
    assert (lon, lat) == pytest.approx((113.305, 23.1052), abs=1e-7)


def test_report_inside_a_building_and_east_cell(world):
    inside = report(world["planner"], lon=113.3055, lat=23.1065).get_json()
    assert inside["address"] == "新港花园3栋" and inside["grid_code"] == WEST
    east = report(world["east"], lon=113.315, lat=23.1049).get_json()
    assert east["grid_code"] == EAST and east["responsible_unit"] == "东片网格工作站"
    assert int(east["address"].removeprefix("风情街").removesuffix("号附近")) % 2 == 0  # south of the road: even


@pytest.mark.parametrize(
    "body, field, code",
    [
        ({"category": "0102", "lon": 113.305, "lat": 95.0}, "lat", "out_of_range"),
        ({"category": "0102", "lon": 113.305}, "lat", "required"),
        ({"category": "9999", "lon": 113.305, "lat": 23.105}, "category", "invalid_value"),
        ({"category": "0102", "lon": 113.305, "lat": 23.105, "status": "closed"}, "status", "unknown_field"),
        ({"category": "0102", "lon": "113.3", "lat": 23.105}, "lon", "wrong_type"),
        ({"category": "0102", "lon": 113.305, "lat": 23.105, "photo_ids": [999]}, "photo_ids[0]", "not_found"),
        ({"category": "0102", "lon": 113.305, "lat": 23.105, "duplicate_of": 999}, "duplicate_of", "not_found"),
        (
            {"category": "0102", "lon": 113.305, "lat": 23.105, "description": "x" * 2001},
            "description",
            "invalid_value",
        ),  # noqa: E501
    ],
)
def test_bad_reports_name_the_field(world, store, body, field, code):
    before = store.layer("blackspots")["feature_count"]
    r = world["planner"].post("/api/cases", json=body)
    assert r.status_code == 422, r.get_json()
    assert any(d["field"] == field and d["code"] == code for d in error(r)["details"]), error(r)
    assert store.layer("blackspots")["feature_count"] == before


def test_swapped_coordinates_are_named(world):
    r = world["planner"].post("/api/cases", json={"category": "0102", "lon": 23.1052, "lat": 113.305})
    assert r.status_code == 422
    assert [(d["field"], d["code"]) for d in error(r)["details"]] == [("lat", "coordinates_swapped")]


def test_field_worker_reports_only_in_own_cells_and_leader_not_at_all(world):
    r = report(world["west"], lon=113.315)
    assert r.status_code == 403 and error(r)["code"] == "outside_grid"
    assert report(world["leader"]).status_code == 403


def full_cycle(world, fid):
    """planner files and dispatches, the west worker fixes with an after photo."""
    assert move(world["planner"], fid, "filed", note="属实，立案").status_code == 200
    r = move(world["planner"], fid, "dispatched", assignee="wang_w")
    assert r.status_code == 200, r.get_json()
    assert move(world["west"], fid, "in_progress").status_code == 200
    assert photo_upload(world["west"], fid, "after", jpeg((40, 160, 60))).status_code == 201
    r = move(world["west"], fid, "fixed", note="已清理")
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def test_lifecycle_records_who_when_and_notes(world, clock):
    fid = report(world["west"]).get_json()["id"]
    fixed = full_cycle(world, fid)
    assert fixed["status"] == "fixed" and fixed["state_group"] == "fixed" and fixed["fixed_by"] == "wang_w"
    steps = [(t["from"], t["to"], t["by"]) for t in fixed["transitions"]]
    assert steps == [
        (None, "reported", "wang_w"), ("reported", "filed", "planner1"), ("filed", "dispatched", "planner1"),
        ("dispatched", "in_progress", "wang_w"), ("in_progress", "fixed", "wang_w"),
    ]  # fmt: skip
    assert fixed["transitions"][1]["note"] == "属实，立案" and fixed["transitions"][4]["note"] == "已清理"
    # the fixer cannot verify their own work; someone else in the cell can; neither is offered a move
    # the server would refuse
    offered = {n: [t["to"] for t in world[n].get(f"/api/cases/{fid}").get_json()["allowed_transitions"]]
               for n in ("west", "inspector")}  # fmt: skip
    assert "closed" not in offered["west"] and "closed" in offered["inspector"]
    r = move(world["west"], fid, "closed")
    assert r.status_code == 409 and error(r)["code"] == "same_person"
    closed = move(world["inspector"], fid, "closed", note="复查合格").get_json()
    assert closed["status"] == "closed" and closed["state_group"] == "closed" and closed["closed_at"]
    assert [p["kind"] for p in closed["photos"]["after"]] == ["after"]


@pytest.mark.parametrize("deadline", [[], {}, 12, True, "", "next week", "2020-01-01T00:00:00+08:00"])
def test_a_deadline_that_is_not_a_future_date_time_is_refused_and_changes_nothing(world, clock, deadline):
    fid = report(world["west"]).get_json()["id"]
    before = move(world["planner"], fid, "filed").get_json()
    r = move(world["planner"], fid, "dispatched", deadline=deadline)
    assert r.status_code == 422 and [d["field"] for d in error(r)["details"]] == ["deadline"]
    after = world["planner"].get(f"/api/cases/{fid}").get_json()
    assert (after["status"], after["version"]) == ("filed", before["version"])


def test_dispatch_starts_the_deadline_clock_and_overdue_is_flagged(world, clock, app):
    fid = report(world["west"]).get_json()["id"]
    move(world["planner"], fid, "filed")
    case = move(world["planner"], fid, "dispatched").get_json()
    assert case["dispatched_at"] and case["deadline"] and not case["overdue"]
    # exposed garbage: 24 h by default
    from layers.store import parse_instant

    tz = app.config["TZINFO"]
    hours = (parse_instant(case["deadline"], tz) - parse_instant(case["dispatched_at"], tz)) / 3.6e9
    assert hours == pytest.approx(24, abs=0.01)
    clock.set(clock.now_us + 2 * DAY_US)
    late = world["planner"].get(f"/api/cases/{fid}").get_json()
    assert late["overdue"] is True
    listed = world["planner"].get("/api/cases?overdue=true").get_json()
    assert [f["id"] for f in listed["features"]] == [fid]
    assert world["planner"].get("/api/cases?overdue=false").get_json()["numberMatched"] == 0


@pytest.mark.parametrize(
    "path, to, code",
    [
        ([], "closed", "illegal_transition"),
        ([], "in_progress", "illegal_transition"),
        (["filed"], "fixed", "illegal_transition"),
        (["filed", "dispatched"], "fixed", "after_photo_required"),
        (["filed", "dispatched"], "filed", "illegal_transition"),
    ],
)
def test_illegal_transitions_get_409_and_change_nothing(world, path, to, code):
    fid = report(world["planner"]).get_json()["id"]
    for step in path:
        assert move(world["planner"], fid, step).status_code == 200
    before = world["planner"].get(f"/api/cases/{fid}").get_json()
    r = move(world["planner"], fid, to)
    assert r.status_code == 409 and error(r)["code"] == code
    if code == "illegal_transition":
        assert error(r)["details"][0]["allowed"] == [t["to"] for t in before["allowed_transitions"]]
    assert world["planner"].get(f"/api/cases/{fid}").get_json()["version"] == before["version"]


def test_permissions_per_transition(world):
    fid = report(world["west"]).get_json()["id"]
    r = move(world["west"], fid, "filed")
    assert r.status_code == 403  # filing is the dispatcher's
    assert move(world["planner"], fid, "filed").status_code == 200
    assert move(world["planner"], fid, "dispatched").status_code == 200
    assert move(world["east"], fid, "in_progress").status_code == 403  # not their cell
    assert move(world["leader"], fid, "in_progress").status_code == 403


def test_assigned_worker_may_work_outside_own_cells(world):
    fid = report(world["planner"], lon=113.305).get_json()["id"]
    move(world["planner"], fid, "filed")
    assert move(world["planner"], fid, "dispatched", assignee="li_e").status_code == 200
    assert move(world["east"], fid, "in_progress").status_code == 200
    mine = world["east"].get("/api/cases?mine=true").get_json()
    assert fid in [f["id"] for f in mine["features"]]
    r = move(world["planner"], fid, "dispatched", assignee="nobody")
    assert r.status_code == 422 and error(r)["details"][0]["field"] == "assignee"


def test_reopen_and_redo(world):
    fid = report(world["west"]).get_json()["id"]
    full_cycle(world, fid)
    r = move(world["inspector"], fid, "reopened", note="复查仍有垃圾")
    case = r.get_json()
    assert case["status"] == "reopened" and case["state_group"] == "open" and case["fixed_by"] is None
    assert case["deadline"]
    assert move(world["west"], fid, "fixed").status_code == 200  # the earlier after photo still counts
    assert move(world["inspector"], fid, "closed").status_code == 200
    assert move(world["planner"], fid, "reopened").status_code == 200


def test_duplicates_link_both_ways_and_are_offered(world):
    original = report(world["west"]).get_json()
    near = report(world["west"], lon=113.30510, lat=23.10525)
    assert near.status_code == 201
    offers = near.get_json()["possible_duplicates"]
    assert [o["id"] for o in offers] == [original["id"]] and 0 < offers[0]["distance_m"] < 15
    other_kind = report(world["west"], lon=113.30510, lat=23.10525, category="0201").get_json()
    assert other_kind["possible_duplicates"] == []
    far = report(world["west"], lon=113.3060, lat=23.1052).get_json()  # ~100 m away: beyond 30 m
    assert far["possible_duplicates"] == []
    cands = world["west"].get("/api/cases/candidates?category=0102&lon=113.30505&lat=23.10522").get_json()
    assert {c["id"] for c in cands["candidates"]} == {original["id"], near.get_json()["id"]}
    # "same as this one?" yes: a report straight into duplicate, pointing at the original
    same = report(world["west"], lon=113.30503, lat=23.10521, duplicate_of=original["id"]).get_json()
    assert same["status"] == "duplicate" and same["duplicate_of"] == original["id"]
    # the dispatcher marks the second report a duplicate too
    dup = move(world["planner"], near.get_json()["id"], "duplicate", duplicate_of=original["id"]).get_json()
    assert dup["status"] == "duplicate" and dup["duplicate_of"] == original["id"]
    links = world["west"].get(f"/api/cases/{original['id']}/duplicates").get_json()
    assert sorted(d["id"] for d in links["duplicates"]) == sorted([same["id"], dup["id"]])
    assert world["west"].get(f"/api/cases/{original['id']}").get_json()["duplicates"] == sorted([same["id"], dup["id"]])
    back = world["west"].get(f"/api/cases/{dup['id']}/duplicates").get_json()
    assert back["duplicate_of"]["id"] == original["id"]
    # a duplicate of a duplicate points at the original; a case cannot duplicate itself
    chain = report(world["west"], lon=113.30503, lat=23.10521, duplicate_of=same["id"]).get_json()
    assert chain["duplicate_of"] == original["id"]
    r = move(world["planner"], original["id"], "duplicate", duplicate_of=original["id"])
    assert r.status_code == 422
    r = move(world["planner"], far["id"], "duplicate")
    assert r.status_code == 422 and error(r)["details"][0]["field"] == "duplicate_of"


def test_recurrence_counts_earlier_fixed_cases_here(world):
    first = report(world["west"]).get_json()
    assert first["recurrence"] == 0
    full_cycle(world, first["id"])
    move(world["inspector"], first["id"], "closed")
    again = report(world["west"], lon=113.30502, lat=23.10521).get_json()
    assert again["recurrence"] == 1
    assert [f["id"] for f in world["west"].get("/api/cases?recurring=true").get_json()["features"]] == [again["id"]]
    elsewhere = report(world["west"], lon=113.3080, lat=23.1052).get_json()
    assert elsewhere["recurrence"] == 0


def test_filters_and_nearest_first(world):
    a = report(world["west"], lon=113.302).get_json()["id"]
    b = report(world["west"], lon=113.306, category="0201").get_json()["id"]
    c = report(world["east"], lon=113.315).get_json()["id"]
    move(world["planner"], c, "rejected")
    get = world["planner"].get
    assert {f["id"] for f in get("/api/cases?status=open").get_json()["features"]} == {a, b}
    assert {f["id"] for f in get("/api/cases?group=closed").get_json()["features"]} == {c}
    assert {f["id"] for f in get("/api/cases?status=closed").get_json()["features"]} == set()
    assert {f["id"] for f in get("/api/cases?group=open&category=0102").get_json()["features"]} == {a}
    assert {f["id"] for f in get("/api/cases?status=rejected,reported").get_json()["features"]} == {a, b, c}
    assert {f["id"] for f in get("/api/cases?category=0201").get_json()["features"]} == {b}
    assert {f["id"] for f in get(f"/api/cases?grid={EAST}").get_json()["features"]} == {c}
    near = get("/api/cases?near=113.3065,23.105").get_json()["features"]
    assert [f["id"] for f in near] == [b, a, c]
    assert near[0]["properties"]["distance_m"] < near[1]["properties"]["distance_m"]
    mine = world["west"].get("/api/cases?mine=true").get_json()
    assert {f["id"] for f in mine["features"]} == {a, b}
    assert get("/api/cases?bbox=113.301,23.10,113.303,23.11").get_json()["numberMatched"] == 1
    for bad in (
        "status=nope",
        "group=done",
        "category=zz",
        "grid=12",
        "overdue=maybe",
        "near=1",
        "limit=0",
        "bbox=1,2",
    ):
        r = get(f"/api/cases?{bad}")
        assert r.status_code == 400, bad


def test_at_shows_a_case_as_it_was(world, clock):
    fid = report(world["west"]).get_json()["id"]
    then = clock.now_us
    move(world["planner"], fid, "filed")
    from datetime import UTC, datetime

    at = datetime.fromtimestamp(then / 1e6, UTC).isoformat()
    old = world["planner"].get(f"/api/cases/{fid}", query_string={"at": at}).get_json()
    assert old["status"] == "reported" and [t["to"] for t in old["transitions"]] == ["reported"]
    listed = world["planner"].get("/api/cases", query_string={"at": at, "status": "reported"}).get_json()
    assert [f["id"] for f in listed["features"]] == [fid]


def test_stale_transition_gets_412_with_the_current_case(world):
    case = report(world["planner"]).get_json()
    assert move(world["planner"], case["id"], "filed").status_code == 200
    r = world["planner"].post(f"/api/cases/{case['id']}/transitions", json={"to": "rejected"},
                              headers={"If-Match": case["etag"]})  # fmt: skip
    assert r.status_code == 412
    assert error(r)["current"]["status"] == "filed"
    assert world["planner"].get(f"/api/cases/{case['id']}").get_json()["status"] == "filed"


def test_notes_are_versions_without_a_state_change(world):
    fid = report(world["west"]).get_json()["id"]
    r = world["west"].post(f"/api/cases/{fid}/notes", json={"note": "居民反映已堆放三天"})
    assert r.status_code == 201
    case = r.get_json()
    assert case["status"] == "reported" and case["notes"][0]["note"] == "居民反映已堆放三天"
    assert len(case["transitions"]) == 1
    assert world["west"].post(f"/api/cases/{fid}/notes", json={"note": " "}).status_code == 422
    assert world["leader"].post(f"/api/cases/{fid}/notes", json={"note": "x"}).status_code == 403


def test_notes_only_in_own_cells_or_on_assigned_cases_and_a_refused_note_changes_nothing(world, store):
    fid = report(world["west"]).get_json()["id"]
    before = world["planner"].get(f"/api/cases/{fid}").get_json()
    history = len(store.history("blackspots", fid))
    r = world["east"].post(f"/api/cases/{fid}/notes", json={"note": "不是我的网格"})
    assert r.status_code == 403 and error(r)["code"] == "outside_grid"
    assert error(r)["details"][0]["field"] == "lon"
    after = world["planner"].get(f"/api/cases/{fid}").get_json()
    assert after["version"] == before["version"] and after["notes"] == [] and after["etag"] == before["etag"]
    assert len(store.history("blackspots", fid)) == history
    # In the worker's own cell, and on a case assigned to a worker of the other cell, notes are written.
    assert world["inspector"].post(f"/api/cases/{fid}/notes", json={"note": "同网格核查员"}).status_code == 201
    assert move(world["planner"], fid, "filed").status_code == 200
    assert move(world["planner"], fid, "dispatched", assignee="li_e").status_code == 200
    r = world["east"].post(f"/api/cases/{fid}/notes", json={"note": "已派给我"})
    assert r.status_code == 201, r.get_json()
    assert [n["note"] for n in r.get_json()["notes"]] == ["同网格核查员", "已派给我"]
    assert [n["by"] for n in r.get_json()["notes"]] == ["zhao_w", "li_e"]


def test_idempotency_key_makes_a_repeat_harmless(world, store):
    headers = {"Idempotency-Key": "report-0001-abcdef"}
    body = {"category": "0102", "lon": 113.305, "lat": 23.1052}
    first = world["west"].post("/api/cases", json=body, headers=headers)
    again = world["west"].post("/api/cases", json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true" and again.get_json()["id"] == first.get_json()["id"]
    assert again.headers["Location"] == first.headers["Location"] and again.headers["ETag"] == first.headers["ETag"]
    assert store.layer("blackspots")["feature_count"] == 1
    other = world["west"].post("/api/cases", json=dict(body, lon=113.306), headers=headers)
    assert other.status_code == 422 and error(other)["code"] == "idempotency_key_reused"
    # the same key from another user is another request
    assert world["planner"].post("/api/cases", json=body, headers=headers).status_code == 201
    fid = first.get_json()["id"]
    key = {"Idempotency-Key": "move-0001-abcdef"}
    t1 = world["planner"].post(f"/api/cases/{fid}/transitions", json={"to": "filed"}, headers=key)
    t2 = world["planner"].post(f"/api/cases/{fid}/transitions", json={"to": "filed"}, headers=key)
    assert t1.status_code == t2.status_code == 200 and t2.get_json()["version"] == t1.get_json()["version"]
    assert len(store.history("blackspots", fid)) == 2
    assert world["planner"].post("/api/cases", json=body, headers={"Idempotency-Key": "short"}).status_code == 422


def test_refused_request_with_a_key_can_be_retried(world):
    fid = report(world["west"]).get_json()["id"]
    key = {"Idempotency-Key": "retry-0001-abcdef"}
    r = world["planner"].post(f"/api/cases/{fid}/transitions", json={"to": "closed"}, headers=key)
    assert r.status_code == 409
    r = world["planner"].post(f"/api/cases/{fid}/transitions", json={"to": "closed"}, headers=key)
    assert r.status_code == 409 and "Idempotent-Replayed" not in r.headers


def test_generic_feature_api_cannot_bypass_the_workflow(world, client):
    case = report(world["west"]).get_json()
    fid = case["id"]
    r = client.patch(f"/api/layers/blackspots/features/{fid}", headers={"If-Match": case["etag"]},
                     json={"properties": {"status": "closed"}})  # fmt: skip
    assert r.status_code == 409 and error(r)["code"] == "use_case_workflow"
    assert error(r)["details"][0]["field"] == "properties.status"
    r = client.patch(f"/api/layers/blackspots/features/{fid}", headers={"If-Match": case["etag"]},
                     json={"properties": {"description": "改写描述"}})  # fmt: skip
    assert r.status_code == 200
    feature = {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [113.305, 23.105]},
        "properties": {"category": "0102", "status": "closed", "reported_at": "2026-01-01T08:00:00+08:00"},
    }
    assert client.post("/api/layers/blackspots/features", json=feature).status_code == 409


def test_categories_are_versioned_data(world, client, store):
    cats = client.get("/api/categories").get_json()
    codes = [c["code"] for c in cats["categories"]]
    assert {"0102", "0118", "0305", "A001", "A002", "A003", "A004"} <= set(codes)
    garbage = next(c for c in cats["categories"] if c["code"] == "0102")
    assert garbage["scheme"] == "cjj_t106" and garbage["deadline_hours"] == 24 and garbage["icon"] == "garbage"
    local = {
        "scheme": "local",
        "group": "event",
        "name": {"zh-CN": "共享单车乱停放", "en": "Bikes parked badly"},
        "deadline_hours": 12,
        "duplicate_radius_m": 30,
        "icon": "other",
        "color": "#00897b",
    }
    r = client.put("/api/categories/2101", json=local)
    assert r.status_code == 201, r.get_json()
    # the case layer accepts the new code at once, and its legend labels follow
    labels = client.get("/api/layers/blackspots").get_json()["properties"]["category"]["enum_labels"]
    assert labels["2101"]["zh-CN"] == "共享单车乱停放"
    assert report(world["west"], category="2101").status_code == 201
    r = client.put("/api/categories/2101", json=dict(local, deadline_hours=6))
    assert r.status_code == 200
    history = client.get("/api/categories/2101/history").get_json()["versions"]
    assert [v["deadline_hours"] for v in history] == [12, 6] and history[0]["valid_to"]
    r = client.put("/api/categories/2101", json=dict(local, active=False))
    assert report(world["west"], category="2101").status_code == 422
    bad = client.put("/api/categories/21", json=dict(local, icon="rocket", color="red", deadline_hours=0, extra=1))
    assert bad.status_code == 422
    assert {d["field"] for d in error(bad)["details"]} == {"code", "icon", "color", "deadline_hours", "extra"}
    assert world["planner"].put("/api/categories/2102", json=local).status_code == 403


def test_workflow_endpoint_and_legend_come_from_data(client):
    wf = client.get("/api/workflow").get_json()
    assert wf["states"]["closed"]["group"] == "closed" and {"dispatched", "in_progress"} <= set(wf["clock_states"])
    layer = client.get("/api/layers/blackspots").get_json()
    assert set(layer["properties"]["status"]["enum"]) == set(wf["states"])


def test_public_reports_get_cell_unit_and_address_too(app, world, anonymous, store):
    app.config["PUBLIC_REPORTS"] = True
    report = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [113.315, 23.1049]},
              "properties": {"category": "0102", "description": "路口垃圾堆积"}}  # fmt: skip
    r = anonymous.post("/api/reports", json=report)
    assert r.status_code == 201
    case = world["planner"].get(f"/api/cases/{r.get_json()['id']}").get_json()
    assert case["grid_code"] == EAST and case["responsible_unit"] == "东片网格工作站"
    assert case["address"].startswith("风情街") and case["reporter"] == "公众"


def test_the_timeline_names_people_by_display_name(world, app):
    app.extensions["store"].update_user("wang_w", {"display_name": "王小西"})
    fid = report(world["west"]).get_json()["id"]
    assert move(world["planner"], fid, "filed", note="属实").status_code == 200
    case = world["west"].get(f"/api/cases/{fid}").get_json()
    assert [(t["by"], t["by_name"]) for t in case["transitions"]] == [("wang_w", "王小西"), ("planner1", "planner1")]


def test_a_place_is_told_by_its_address_and_grid_cell(world):
    place = world["west"].get("/api/places?lon=113.305&lat=23.1052").get_json()
    assert place["address"].startswith("风情街") and place["address"].endswith("号附近")
    assert (place["grid_code"], place["grid_name"]) == (WEST, "西片网格")
    outside = world["west"].get("/api/places?lon=113.9&lat=23.9").get_json()
    assert outside["grid_code"] is None and outside["grid_name"] is None
    for query in ("", "?lon=113.3", "?lon=abc&lat=23.1", "?lon=200&lat=23.1"):
        r = world["west"].get(f"/api/places{query}")
        assert r.status_code in (400, 422) and error(r)["details"][0]["field"] in ("lon", "lat"), query
