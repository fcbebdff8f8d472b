"""The leaders' endpoints on a real store: compare between two dates and the dashboard, their filters,
permissions, and that the cached history follows new writes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.web.case_world import EAST, WEST, move, report, seed, users


def iso(us: int) -> str:
    return datetime.fromtimestamp(us / 1e6, UTC).isoformat()


@pytest.fixture
def world(app, client):
    seed(client)
    return users(app)


def test_compare_and_dashboard_follow_the_history(world, clock):
    start = iso(clock.now_us)
    a = report(world["west"]).get_json()["id"]
    b = report(world["east"], lon=113.315, category="0201").get_json()["id"]
    middle = iso(clock.now_us)
    clock.set(clock.now_us + 3_600_000_000)
    move(world["planner"], a, "rejected")
    c = report(world["west"], lon=113.302).get_json()["id"]
    end = iso(clock.now_us)
    leader = world["leader"]
    r = leader.get("/api/compare", query_string={"from": middle, "to": end})
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert body["summary"]["new"] == 1 and body["summary"]["still_open"] == 1 and body["ids"]["new"] == [c]
    features = {f["id"]: f["properties"]["changes"] for f in body["features"]["features"]}
    assert features == {c: ["new"], b: ["still_open"]}
    assert {r["grid_code"]: r["name"]["zh-CN"] for r in body["by_grid"]} == {WEST: "西片网格", EAST: "东片网格"}
    whole = leader.get("/api/compare", query_string={"from": start, "to": end}).get_json()
    assert whole["summary"]["new"] == 3
    only_east = leader.get("/api/compare", query_string={"from": start, "to": end, "grid": EAST}).get_json()
    assert only_east["ids"]["new"] == [b]
    posters = leader.get("/api/compare", query_string={"from": start, "to": end, "category": "0201"}).get_json()
    assert posters["ids"]["new"] == [b]
    dash = leader.get("/api/dashboard").get_json()
    assert dash["total"] == 3 and dash["by_status"] == {"rejected": 1, "reported": 2}
    assert dash["by_category"][0]["category"] == "0102" and dash["by_category"][0]["name"]["zh-CN"] == "暴露垃圾"
    # the cached history follows a new write
    move(world["planner"], c, "filed")
    assert leader.get("/api/dashboard").get_json()["by_status"] == {"filed": 1, "rejected": 1, "reported": 1}
    past = leader.get("/api/dashboard", query_string={"at": middle}).get_json()
    assert past["total"] == 2 and past["by_status"] == {"reported": 2}


def test_compare_with_coverage_then_and_now(world, client, clock):
    start = iso(clock.now_us)
    toilet = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [113.3056, 23.1062]},
              "properties": {"name": "公厕", "flush": "flush", "accessible": True}}  # fmt: skip
    clock.set(clock.now_us + 3_600_000_000)
    assert client.post("/api/layers/toilets/features", json=toilet).status_code == 201
    body = world["leader"].get("/api/compare", query_string={"from": start, "to": iso(clock.now_us),
                                                              "coverage": "true"}).get_json()  # fmt: skip
    before, after = body["coverage"]["before"], body["coverage"]["after"]
    assert before["toilets"]["coverage_ratio"] in (None, 0.0) and after["toilets"]["coverage_ratio"] == 1.0
    assert after["toilets"]["radius_m"] == 300


@pytest.mark.parametrize(
    "query, field",
    [
        ({"to": "2026-01-02"}, "from"),
        ({"from": "2026-01-03", "to": "2026-01-02"}, "from"),
        ({"from": "yesterday", "to": "2026-01-02"}, "from"),
        ({"from": "2026-01-01", "to": "2026-01-02", "grid": ","}, "grid"),
        ({"from": "2026-01-01", "to": "2026-01-02", "coverage": "maybe"}, "coverage"),
    ],
)
def test_bad_compare_requests_name_the_field(world, query, field):
    r = world["leader"].get("/api/compare", query_string=query)
    assert 400 <= r.status_code < 500
    assert r.get_json()["error"]["details"][0]["field"] == field


def test_only_roles_with_dashboards(world, anonymous):
    assert world["west"].get("/api/dashboard").status_code == 403
    assert world["planner"].get("/api/dashboard").status_code == 200
    assert anonymous.get("/api/compare?from=2026-01-01&to=2026-01-02").status_code == 401


def test_an_area_scopes_compare_and_dashboard_and_is_the_sum_of_its_cells(world, clock):
    start = iso(clock.now_us)
    report(world["west"])
    report(world["west"], lon=113.302, category="0201")
    b = report(world["east"], lon=113.315).get_json()["id"]
    clock.set(clock.now_us + 3_600_000_000)
    move(world["planner"], b, "rejected")
    report(world["east"], lon=113.316)
    period = {"from": start, "to": iso(clock.now_us)}
    leader = world["leader"]

    def figures(area: str) -> tuple[dict, dict]:
        compare = leader.get("/api/compare", query_string=period | {"area": area}).get_json()
        dash = leader.get("/api/dashboard", query_string={"area": area}).get_json()
        assert compare["area"] == dash["area"] == area
        return compare["summary"], {"total": dash["total"]} | dash["by_group"]

    west, east = figures(WEST), figures(EAST)
    assert west[1] == {"total": 2, "open": 2} and east[1] == {"total": 2, "open": 1, "closed": 1}
    for parent in (WEST[:12], WEST[:9], WEST[:6]):
        summed = tuple({k: west[i].get(k, 0) + east[i].get(k, 0) for k in west[i] | east[i]} for i in (0, 1))
        assert figures(parent) == summed
    assert leader.get("/api/compare", query_string=period).get_json()["summary"] == figures(WEST[:6])[0]


@pytest.mark.parametrize("area, status", [("4401", 422), ("4401060030", 422), ("44010600301200A", 422),
                                          ("", 422), ("440107", 404), ("440106003012009", 404)])  # fmt: skip
def test_a_malformed_or_unknown_area_is_refused_naming_it(world, area, status):
    for path, query in (("/api/dashboard", {}), ("/api/compare", {"from": "2026-01-01", "to": "2026-01-02"})):
        r = world["leader"].get(path, query_string=query | {"area": area})
        assert r.status_code == status, r.get_json()
        assert r.get_json()["error"]["details"][0]["field"] == "area"
