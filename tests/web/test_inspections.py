"""Inspections through the API: checklists and their versions, rounds drawn reproducibly inside their area,
answers sent once (409 for a place outside the sample, a second answer or a closed round; 422 naming a value
outside the template), far positions flagged and counted apart, scores with intervals, spot-checks hidden from
the community, a failed item turned into a case, comparisons, trends and the Excel table."""

from __future__ import annotations

import io
import zipfile

import pytest

from layers.inspections import BUILTIN
from tests.conftest import make_user, token_client
from tests.web.case_world import EAST, WEST, seed, users

COMMUNITY = WEST[:12]
GOOD = {"litter": "A", "stains": False, "posters": 0, "occupation": False, "bins_full": False}


@pytest.fixture
def world(app, client):
    seed(client)
    clients = users(app)
    clients["admin"] = client
    return clients


def _round(c, **extra):
    body = {"area": COMMUNITY, "checklist": "street_cleaning", "sample": {"count": 8}, "seed": 42} | extra
    return c.post("/api/inspections", json=body)


def _near(item: dict) -> tuple[float, float]:
    (x0, y0), (x1, y1) = item["geometry"]["coordinates"][0], item["geometry"]["coordinates"][-1]
    return (x0 + x1) / 2, (y0 + y1) / 2 + 0.0001  # about 11 m north of the stretch


def _answer(c, round_id, item, values=None, key=None, **extra):
    lon, lat = _near(item)
    body = {"item": item["id"], "answers": values or GOOD, "lon": lon, "lat": lat,
            "taken_at": "2026-01-01T07:30:00+08:00"} | extra  # fmt: skip
    return c.post(f"/api/inspections/{round_id}/answers", json=body, headers={"Idempotency-Key": key} if key else {})


def test_checklists_are_served_with_their_sources_and_versions(world):
    body = world["leader"].get("/api/checklists").get_json()
    assert {c["code"] for c in body["checklists"]} == {c["code"] for c in BUILTIN}
    street = next(c for c in body["checklists"] if c["code"] == "street_cleaning")
    assert street["version"] == 1 and "CJJ/T 126-2022" in street["sources"][0]["ref"]
    assert street["own_content"]["en"] and body["groups"]["environment"]["zh-CN"] == "环境卫生"
    one = world["leader"].get("/api/checklists/street_cleaning").get_json()
    assert one["versions"][0]["version"] == 1
    assert world["leader"].get("/api/checklists/nothing").status_code == 404


def test_a_checklist_change_is_a_new_version_and_a_running_round_keeps_its_own(world):
    r = _round(world["planner"])
    round_ = r.get_json()
    changed = world["admin"].get("/api/checklists/street_cleaning").get_json()
    for key in ("version", "valid_from", "valid_to", "author", "versions"):
        changed.pop(key)
    changed["items"][0]["answer"]["points"] = {"A": 100, "B": 90, "C": 50}  # grade D dropped
    r = world["admin"].put("/api/checklists/street_cleaning", json=changed)
    assert r.status_code == 200 and r.get_json()["version"] == 2
    assert world["leader"].get("/api/checklists/street_cleaning?version=1").get_json()["version"] == 1
    # the round started on version 1, where D is a grade
    r = _answer(world["west"], round_["id"], round_["items"][0], GOOD | {"litter": "D"})
    assert r.status_code == 201, r.get_json()
    assert world["planner"].put("/api/checklists/street_cleaning", json=changed).status_code == 403
    bad = changed | {"items": [changed["items"][0] | {"group": "nowhere", "weight": -1}]}
    r = world["admin"].put("/api/checklists/street_cleaning", json=bad)
    assert r.status_code == 422
    assert {d["field"] for d in r.get_json()["error"]["details"]} == {"items[0].group", "items[0].weight"}


def test_a_round_is_a_reproducible_stratified_sample_inside_its_area(world):
    r = _round(world["planner"])
    assert r.status_code == 201, r.get_json()
    first = r.get_json()
    assert first["seed"] == 42 and first["checklist_version"] == 1 and r.headers["Location"].endswith(str(first["id"]))
    items = first["items"]
    assert {i["stratum"] for i in items} == {f"{WEST}|secondary", f"{EAST}|secondary"}
    assert all(set(i) >= {"id", "kind", "geometry", "stratum", "weight"} for i in items)
    assert sum(i["weight"] for i in items) == pytest.approx(first["design"]["population"])  # N_h / n_h each
    again = _round(world["planner"]).get_json()
    assert [i["ref"] for i in again["items"]] == [i["ref"] for i in items]
    other = _round(world["planner"], seed=43).get_json()
    assert [i["ref"] for i in other["items"]] != [i["ref"] for i in items]
    west = _round(world["planner"], area=WEST).get_json()
    assert {i["cell"] for i in west["items"]} == {WEST}
    precise = _round(world["planner"], sample={"precision": 20}).get_json()  # (1.96 * 20 / 20)^2 -> 4
    assert precise["design"]["drawn"] == 4 and precise["design"]["requested"] == {"precision": 20.0}


@pytest.mark.parametrize("body,field", [
    ({"area": "12345"}, "area"), ({"checklist": "nothing"}, "checklist"), ({"sample": {"count": 0}}, "sample"),
    ({"sample": {"count": 3, "precision": 5}}, "sample"), ({"seed": -1}, "seed"), ({"seed": "7"}, "seed"),
    ({"mode": "weekly"}, "mode"), ({"inspectors": ["boss"]}, "inspectors[0]"), ({"colour": 1}, "colour"),
    ({"area": "440106003099"}, "area"),
])  # fmt: skip
def test_bad_rounds_are_refused_naming_the_field(world, body, field):
    r = _round(world["planner"], **body)
    assert r.status_code == 422, r.get_json()
    assert r.get_json()["error"]["details"][0]["field"] == field


def test_only_dispatchers_draw_rounds(world):
    assert _round(world["west"]).status_code == 403
    assert _round(world["leader"]).status_code == 403


def test_answers_are_checked_kept_once_and_refused_after_closing(world):
    round_ = _round(world["planner"]).get_json()
    rid, item = round_["id"], round_["items"][0]
    r = _answer(world["west"], rid, item, key="answer-0001")
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["score"] == 100 and r.get_json()["counted"] and r.get_json()["failed"] == []
    again = _answer(world["west"], rid, item, key="answer-0001")  # the phone resends: the same answer, once
    assert again.status_code == 201 and again.headers.get("Idempotent-Replayed") == "true"
    assert again.get_json() == r.get_json()
    assert len(world["planner"].get(f"/api/inspections/{rid}/answers").get_json()["answers"]) == 1
    assert _answer(world["west"], rid, item, key="answer-0002").status_code == 409  # a second answer
    r = _answer(world["west"], rid, {"id": 999, "geometry": item["geometry"]})
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "item_not_in_round"
    r = _answer(world["west"], rid, round_["items"][1], GOOD | {"litter": "E", "posters": -1, "extra": 1})
    assert r.status_code == 422
    fields = {d["field"] for d in r.get_json()["error"]["details"]}
    assert fields == {"answers.litter", "answers.posters", "answers.extra"}
    r = _answer(world["west"], rid, round_["items"][1], {"litter": "A"})
    assert {d["field"] for d in r.get_json()["error"]["details"]} >= {"answers.stains", "answers.posters"}
    r = _answer(world["west"], rid, round_["items"][1], taken_at="yesterday", lon=500)
    assert {d["field"] for d in r.get_json()["error"]["details"]} == {"taken_at", "lon"}
    assert world["leader"].post(f"/api/inspections/{rid}/answers", json={}).status_code == 403
    assert world["planner"].post(f"/api/inspections/{rid}/close").status_code == 200
    r = _answer(world["west"], rid, round_["items"][1])
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "round_closed"
    assert world["planner"].post("/api/inspections/999/answers", json={}).status_code == 404


def test_a_far_or_missing_position_is_kept_flagged_and_counted_apart(world):
    round_ = _round(world["planner"]).get_json()
    rid, items = round_["id"], round_["items"]
    lon, lat = _near(items[0])
    r = _answer(world["west"], rid, items[0], GOOD | {"litter": "D"}, lat=lat + 0.005)  # ~550 m away
    assert r.status_code == 201
    flag = r.get_json()["flags"][0]
    assert flag["code"] == "far_from_item" and 500 < flag["distance_m"] < 600 and not r.get_json()["counted"]
    r = _answer(world["west"], rid, items[1], GOOD, lon=None, lat=None)
    assert r.get_json()["flags"][0]["code"] == "no_position"
    scores = world["planner"].get(f"/api/inspections/{rid}/scores").get_json()
    assert scores["answered"] == 2 and scores["counted"] == 0 and scores["flagged"] == 2
    assert all(a["n"] == 0 for a in scores["areas"])


def test_scores_carry_intervals_counts_and_rank_only_on_enough_data(world):
    round_ = _round(world["planner"], sample={"count": 20}).get_json()
    grades = "ABCBABACBDABCABBACAB"
    for item, grade in zip(round_["items"], grades):
        assert _answer(world["west"], round_["id"], item, GOOD | {"litter": grade}).status_code == 201
    body = world["leader"].get(f"/api/inspections/{round_['id']}/scores").get_json()
    areas = {a["code"]: a for a in body["areas"]}
    assert set(areas) == {COMMUNITY, WEST, EAST}
    community = areas[COMMUNITY]
    assert community["level"] == "community" and community["n"] == 20
    assert community["ci_low"] < community["score"] < community["ci_high"]
    assert set(community) >= {"code", "level", "score", "ci_low", "ci_high", "n", "ranked"}
    assert areas[WEST]["level"] == "cell" and areas[WEST]["name"] == "西片网格"
    for area in areas.values():  # ranked only with min_n answers and an interval within max_half_width
        narrow = (area["ci_high"] - area["ci_low"]) / 2 <= body["ranking"]["max_half_width"] + 0.1
        assert area["ranked"] == (area["n"] >= body["ranking"]["min_n"] and narrow)
    assert body["worst"][0]["values"]["litter"] == "D" and body["worst"][0]["failed"] == ["litter"]


def test_a_failed_item_becomes_a_case_in_one_tap(world):
    round_ = _round(world["planner"]).get_json()
    item = next(i for i in round_["items"] if i["cell"] == WEST)
    r = _answer(world["west"], round_["id"], item, GOOD | {"posters": 2})
    [failed] = r.get_json()["failed"]
    assert failed["code"] == "posters" and failed["case"]["category"] == "0201"
    r = world["west"].post("/api/cases", json=failed["case"])
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["grid_code"] == WEST and r.get_json()["category"] == "0201"


def test_a_spot_check_hides_its_places_from_the_community_until_it_closes(app, world):
    inspector = token_client(app, make_user(app, "city_inspector", "field_worker"))
    round_ = _round(world["planner"], mode="spot_check", inspectors=["city_inspector"]).get_json()
    rid = round_["id"]
    hidden = world["west"].get(f"/api/inspections/{rid}").get_json()
    assert hidden["places_hidden"] and "items" not in hidden and "seed" not in hidden and hidden["drawn"] == 8
    assert world["west"].get(f"/api/inspections/{rid}/scores").status_code == 403
    assert world["leader"].get(f"/api/inspections/{rid}/answers").status_code == 403
    assert len(inspector.get(f"/api/inspections/{rid}").get_json()["items"]) == 8
    assert _answer(inspector, rid, round_["items"][0]).status_code == 201
    world["planner"].post(f"/api/inspections/{rid}/close")
    assert len(world["west"].get(f"/api/inspections/{rid}").get_json()["items"]) == 8


def test_comparison_trend_and_excel(world):
    first = _round(world["planner"], sample={"count": 10}).get_json()
    second = _round(world["planner"], sample={"count": 10}, seed=7).get_json()
    for round_, grades in ((first, "CD"), (second, "AB")):
        for k, item in enumerate(round_["items"]):
            values = GOOD | {"litter": grades[k % 2], "stains": k % 4 == 0}
            assert _answer(world["west"], round_["id"], item, values).status_code == 201
    body = world["leader"].get(f"/api/inspections/{second['id']}/compare?with={first['id']}").get_json()
    community = next(a for a in body["areas"] if a["code"] == COMMUNITY)
    assert community["difference"] > 0 and community["significant"] and community["ci_low"] > 0
    trend = world["leader"].get(f"/api/inspections/trend?area={WEST}&checklist=street_cleaning").get_json()
    assert [t["round"] for t in trend["rounds"]] == [first["id"], second["id"]]
    assert world["leader"].get("/api/inspections/trend?area=1&checklist=street_cleaning").status_code == 422
    r = world["leader"].get(f"/api/inspections/{first['id']}/export.xlsx?lang=en")
    assert r.status_code == 200
    sheet = zipfile.ZipFile(io.BytesIO(r.data)).read("xl/worksheets/sheet1.xml").decode()
    assert "Area code" in sheet and COMMUNITY in sheet
    assert world["leader"].get(f"/api/inspections/{first['id']}/compare?with=x").status_code == 400


def test_desk_figures_are_computed_from_the_data_not_asked(world, client):
    toilet = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [113.3055, 23.1065]},
              "properties": {"name": "一号公厕", "flush": "flush"}}  # fmt: skip
    assert client.post("/api/layers/toilets/features", json=toilet).status_code == 201
    round_ = _round(world["planner"]).get_json()
    body = world["leader"].get(f"/api/inspections/{round_['id']}/desk").get_json()
    figures = {f["code"]: f for f in body["figures"]}
    assert list(figures) == ["toilet_reach", "collection_reach", "dark_roads", "overdue_cases"]
    assert figures["toilet_reach"]["source"] == "GB 55013-2021 §5.0.1"
    reach = {row["code"]: row for row in figures["toilet_reach"]["by_cell"]}
    assert reach[WEST] == {"code": WEST, "value": 1.0, "n": 1}  # the one building, ~50 m from the toilet
    dark = {row["code"]: row["value"] for row in figures["dark_roads"]["by_cell"]}
    # no lamps at all: the whole 2 km road is dark, half of it in each cell
    assert dark[WEST] == pytest.approx(1024.7, abs=3) and dark[EAST] == pytest.approx(1024.7, abs=3)
    assert all(row["value"] is None and row["n"] == 0 for row in figures["overdue_cases"]["by_cell"])


def test_places_without_a_name_are_served_as_valid_json(world, client):
    nameless = {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [[[113.302, 23.102],
                [113.303, 23.102], [113.303, 23.103], [113.302, 23.103], [113.302, 23.102]]]},
                "properties": {"use": "residential"}}  # fmt: skip
    assert client.post("/api/layers/buildings/features", json=nameless).status_code == 201
    r = _round(world["planner"], checklist="building_public_areas", sample={"count": 5})
    assert r.status_code == 201 and b"NaN" not in r.data
    assert [i["ref"]["name"] for i in r.get_json()["items"]] == [None]
