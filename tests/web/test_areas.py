"""The area hierarchy over HTTP: areas from the grid codes with imported names and boundaries, one area with
its path and children, the import's all-or-nothing refusals, and the error shape for bad codes."""

from __future__ import annotations

import io
import json

from tests.conftest import make_user, token_client
from tests.web.area_world import NAMES_CSV, seed, square


def _upload(client, data: bytes, name: str = "areas.csv"):
    return client.post("/api/areas/import", data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data")


def test_the_areas_come_from_the_grid_codes_with_names_imported_from_a_table(client):
    seed(client)
    listed = client.get("/api/areas?limit=1000").get_json()
    assert listed["total"] == 2 + 4 + 8 + 16 and listed["city"] == {"name": None, "level": "city"}
    districts = client.get("/api/areas?level=district").get_json()["areas"]
    assert [(a["code"], a["name"], a["parent"], a["cells"]) for a in districts] == [
        ("510104", None, None, 8), ("510105", None, None, 8)]  # fmt: skip
    assert districts[0]["bbox"] == [104.0, 30.6, 104.04, 30.62] and districts[0]["boundary"] == "cells"
    r = _upload(client, NAMES_CSV)
    assert r.status_code == 201 and r.get_json() == {
        "written": 4, "levels": {"district": 2, "street": 1, "community": 1}, "boundaries": False}  # fmt: skip
    streets = client.get("/api/areas?parent=510104").get_json()["areas"]
    assert [(a["code"], a["name"], a["level"]) for a in streets] == [
        ("510104001", "督院街街道", "street"), ("510104002", None, "street")]  # fmt: skip
    cells = client.get("/api/areas?level=cell&parent=510104001001").get_json()["areas"]
    assert [(a["code"], a["name"]) for a in cells] == [("510104001001001", "网格001"), ("510104001001002", "网格002")]


def test_one_area_has_its_path_and_children_and_its_boundary_on_request(client):
    seed(client)
    _upload(client, NAMES_CSV)
    body = client.get("/api/areas/510104001001").get_json()
    assert body["name"] == "东城根社区" and body["level"] == "community" and body["parent"] == "510104001"
    assert [(p["code"], p["name"]) for p in body["path"]] == [
        ("510104", "锦江区"), ("510104001", "督院街街道"), ("510104001001", "东城根社区")]  # fmt: skip
    assert [c["code"] for c in body["children"]] == ["510104001001001", "510104001001002"]
    assert "geometry" not in body
    shaped = client.get("/api/areas/510104001001?geometry=true").get_json()["geometry"]
    assert shaped["type"] == "Polygon"  # two cells side by side merge into one rectangle
    xs = [x for x, _ in shaped["coordinates"][0]]
    assert (min(xs), max(xs)) == (104.0, 104.02)


def test_bad_unknown_and_malformed_codes_answer_in_the_one_error_shape(client):
    seed(client)
    missing = client.get("/api/areas/510199")
    assert missing.status_code == 404 and missing.get_json()["error"]["code"] == "unknown_area"
    assert missing.get_json()["error"]["details"][0]["field"] == "code"
    for bad in ("5101", "51010400", "abcdef", "5101040010010010"):
        r = client.get(f"/api/areas/{bad}")
        assert r.status_code == 422 and r.get_json()["error"]["details"][0]["field"] == "code", bad
    assert client.get("/api/areas?level=town").status_code == 422
    assert client.get("/api/areas?parent=510199").status_code == 404
    assert client.get("/api/areas?parent=51").status_code == 422


def test_an_import_with_bad_rows_is_refused_whole_naming_every_problem(client):
    seed(client)
    bad = "code,name,parent\n510104,锦江区,\n5101,短码,\n510104001,,510104\n510104002,春熙路,510105\n510104,重复,\n"
    r = _upload(client, bad.encode())
    assert r.status_code == 422
    problems = {(d["field"], d["code"]) for d in r.get_json()["error"]["details"]}
    assert problems == {("rows[1].code", "invalid_value"), ("rows[2].name", "invalid_value"),
                        ("rows[3].parent", "invalid_value"), ("rows[4].code", "duplicate")}  # fmt: skip
    assert client.get("/api/areas/510104").get_json()["name"] is None  # nothing written
    missing = _upload(client, b"id,title\n1,x\n")
    assert {d["field"] for d in missing.get_json()["error"]["details"]} == {"code", "name"}
    assert _upload(client, b"").status_code == 422


def test_boundaries_imported_from_geojson_replace_the_union_of_cells(client):
    seed(client)
    outline = square(104.0, 30.6, 104.05, 30.63)
    doc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": outline, "properties": {"code": "510104", "name": "锦江区"}}]}  # fmt: skip
    r = _upload(client, json.dumps(doc).encode(), "districts.geojson")
    assert r.status_code == 201 and r.get_json()["boundaries"] is True
    area = client.get("/api/areas/510104?geometry=1").get_json()
    assert area["boundary"] == "stored" and area["bbox"] == [104.0, 30.6, 104.05, 30.63]
    assert area["geometry"]["coordinates"] == outline["coordinates"]
    line = {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"code": "510105", "name": "x"},
            "geometry": {"type": "LineString", "coordinates": [[104, 30.6], [104.1, 30.6]]}}]}  # fmt: skip
    refused = _upload(client, json.dumps(line).encode(), "l.geojson")
    assert refused.status_code == 422 and refused.get_json()["error"]["details"][0]["code"] == "wrong_type"


def test_only_an_importer_of_the_whole_city_names_areas(app, client):
    seed(client)
    leader = token_client(app, make_user(app, "boss", "leader"))
    assert _upload(leader, NAMES_CSV).status_code == 403
    scoped = token_client(app, make_user(app, "jiedao", "planner", area="510104001"))
    r = _upload(scoped, NAMES_CSV)
    assert r.status_code == 403 and r.get_json()["error"]["code"] == "out_of_scope"
