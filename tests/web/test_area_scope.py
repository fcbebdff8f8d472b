"""Area scope over HTTP: ``area=CODE`` on cases and layer features, accounts that hold an area (their
default scope, 403 beyond it), and administrators giving accounts an area."""

from __future__ import annotations

import json

from tests.conftest import make_user, token_client
from tests.web.area_world import centre, seed


def _bins(client, codes):
    points = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": list(centre(c))}, "properties": {}}
        for c in codes]}  # fmt: skip
    assert client.post("/api/layers/bins/features", json=points).status_code == 201


def _report(client, code):
    lon, lat = centre(code)
    r = client.post("/api/cases", json={"category": "0102", "lon": lon, "lat": lat, "description": "垃圾"})
    assert r.status_code == 201, r.get_json()
    return r.get_json()["id"]


CELLS = ("510104001001001", "510104001002002", "510104002001001", "510105001001001")


def test_cases_and_features_of_an_area(client):
    seed(client)
    _bins(client, CELLS)
    for code in CELLS:
        _report(client, code)
    cases = client.get("/api/cases?area=510104001").get_json()
    assert sorted(f["properties"]["grid_code"] for f in cases["features"]) == list(CELLS[:2])
    assert client.get("/api/cases?area=510104").get_json()["numberMatched"] == 3
    assert client.get("/api/cases?area=510104001001001").get_json()["numberMatched"] == 1
    assert client.get("/api/cases?area=510104&grid=510105001001001").get_json()["numberMatched"] == 0
    assert client.get("/api/cases").get_json()["numberMatched"] == 4
    bins = client.get("/api/layers/bins/features?area=510104").get_json()
    assert bins["numberMatched"] == 3 and bins["numberReturned"] == 3
    page = client.get("/api/layers/bins/features?area=510104&limit=2&offset=2").get_json()
    assert page["numberMatched"] == 3 and page["numberReturned"] == 1
    assert client.get("/api/layers/grid/features?area=510105").get_json()["numberMatched"] == 8
    assert client.get("/api/layers/blackspots/features?area=510105").get_json()["numberMatched"] == 1
    unknown = client.get("/api/layers/bins/features?area=510199")
    assert unknown.status_code == 404 and unknown.get_json()["error"]["details"][0]["field"] == "area"
    assert client.get("/api/cases?area=51x").status_code == 422


def test_an_account_holding_an_area_sees_it_by_default_and_nothing_beyond(app, client):
    seed(client)
    _bins(client, CELLS)
    for code in CELLS:
        _report(client, code)
    street = token_client(app, make_user(app, "jiedao", "leader", area="510104001"))
    assert street.get("/api/cases").get_json()["numberMatched"] == 2
    assert street.get("/api/layers/bins/features").get_json()["numberMatched"] == 2
    assert street.get("/api/cases?area=510104001002").get_json()["numberMatched"] == 1
    for asked in ("510104", "510105001", "510104002001001"):
        r = street.get(f"/api/cases?area={asked}")
        assert r.status_code == 403 and r.get_json()["error"]["code"] == "out_of_scope", asked
        assert street.get(f"/api/layers/bins/features?area={asked}").status_code == 403
    areas = street.get("/api/areas?limit=100").get_json()
    assert areas["scope"] == "510104001" and {a["code"][:9] for a in areas["areas"]} == {"510104001"}
    assert street.get("/api/areas/510104").status_code == 403
    assert street.get("/api/areas/510104001").get_json()["children"][0]["code"] == "510104001001"
    district = token_client(app, make_user(app, "qu", "leader", area="510104"))
    assert district.get("/api/cases").get_json()["numberMatched"] == 3
    nowhere = token_client(app, make_user(app, "new_area", "leader", area="510106"))
    assert nowhere.get("/api/cases").get_json()["numberMatched"] == 0  # an area with no cells yet: nothing


def test_administrators_give_accounts_an_area_within_their_own(app, client):
    seed(client)
    made = client.post("/api/users", json={"name": "jiedao", "role": "leader", "password": "S3cure-leader-pw",
                                           "area": "510104001"})  # fmt: skip
    assert made.status_code == 201 and made.get_json()["area"] == "510104001"
    assert client.patch("/api/users/jiedao", json={"area": "510105"}).get_json()["area"] == "510105"
    assert client.patch("/api/users/jiedao", json={"area": None}).get_json()["area"] is None
    unknown = client.patch("/api/users/jiedao", json={"area": "510199"})
    assert unknown.status_code == 422 and unknown.get_json()["error"]["details"][0] == {
        "field": "area", "code": "not_found", "reason": "no area 510199 in this deployment"}  # fmt: skip
    assert client.patch("/api/users/jiedao", json={"area": "51"}).status_code == 422
    scoped_admin = token_client(app, make_user(app, "qu_admin", "admin", area="510104"))
    inside = scoped_admin.post("/api/users", json={"name": "sq", "role": "leader", "password": "S3cure-leader-pw"})
    assert inside.status_code == 201 and inside.get_json()["area"] == "510104"
    assert scoped_admin.patch("/api/users/sq", json={"area": "510105"}).status_code == 403
    assert scoped_admin.patch("/api/users/sq", json={"area": None}).status_code == 403
    assert scoped_admin.patch("/api/users/sq", json={"area": "510104002"}).get_json()["area"] == "510104002"
    assert scoped_admin.patch("/api/users/tester", json={"display_name": "x"}).status_code == 403
    assert {u["name"] for u in scoped_admin.get("/api/users").get_json()["users"]} == {"qu_admin", "sq"}


def test_ogc_items_open311_requests_and_exports_take_an_area(app, client):
    seed(client)
    _bins(client, CELLS)
    for code in CELLS:
        _report(client, code)
    items = client.get("/ogc/collections/bins/items?area=510104&limit=2").get_json()
    assert items["numberMatched"] == 3 and items["numberReturned"] == 2
    assert "area=510104" in next(link["href"] for link in items["links"] if link["rel"] == "next")
    assert client.get("/ogc/collections/bins/items?area=5101").status_code == 422
    assert "area" in json.dumps(client.get("/ogc/openapi?f=json").get_json()["components"]["parameters"])
    requests = client.get("/open311/v2/requests.json?area=510104001").get_json()
    assert len(requests) == 2
    assert client.get("/open311/v2/requests.json?area=510105").get_json()[0]["service_request_id"]
    street = token_client(app, make_user(app, "jiedao", "leader", area="510104001"))
    assert len(street.get("/open311/v2/requests.json").get_json()) == 2
    refused = street.get("/open311/v2/requests.json?area=510105")
    assert refused.status_code == 403
    exported = client.get("/api/layers/bins/export?format=geojson&area=510104001")
    assert exported.status_code == 200 and len(json.loads(exported.data)["features"]) == 2
    assert "bins-510104001-" in exported.headers["Content-Disposition"]
    assert client.get("/api/layers/bins/export?format=geojson&area=510199").status_code == 404
    malformed = client.get("/open311/v2/requests.json?area=51")
    assert malformed.status_code == 400 and malformed.get_json()[0]["code"] == 400


def test_an_analysis_runs_on_the_features_of_an_area(app, client):
    seed(client)
    for code in CELLS:
        _report(client, code)
    body = {"layer": "blackspots", "cell_size_m": 200}
    whole = client.post("/api/analysis/hotspots", json=body)
    assert whole.status_code == 200, whole.get_json()
    street = client.post("/api/analysis/hotspots", json=body | {"area": "510104001"})
    assert street.status_code == 200, street.get_json()
    assert whole.get_json()["summary"]["points"] == 4 and street.get_json()["summary"]["points"] == 2
    scoped = token_client(app, make_user(app, "jiedao_p", "planner", area="510104001"))
    assert scoped.post("/api/analysis/hotspots", json=body | {"area": "510105"}).status_code == 403
    assert client.post("/api/analysis/hotspots", json=body | {"area": "5"}).status_code == 422


def test_the_map_points_of_an_area(app, client):
    from geo import pointpack

    seed(client)
    _bins(client, CELLS)
    whole = pointpack.decode(client.get("/api/layers/bins/points").data)
    street = pointpack.decode(client.get("/api/layers/bins/points?area=510104001").data)
    assert len(whole["fids"]) == 4 and len(street["fids"]) == 2
    scoped = token_client(app, make_user(app, "jiedao_m", "leader", area="510105"))
    assert len(pointpack.decode(scoped.get("/api/layers/bins/points").data)["fids"]) == 1
    assert scoped.get("/api/layers/bins/points?area=510104").status_code == 403
