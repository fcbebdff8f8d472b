"""Open311 GeoReport v2 (``/open311/v2``) with the Flask test client on the tiny case world: discovery,
services from the category table, service definitions, requests and their filters in JSON and XML, and
form-encoded reports that create real cases (lat/long or an address), with GeoReport's own errors."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from datetime import datetime

import pytest
import shapely
from shapely.geometry import Point

from layers.interop.open311 import documents as open311
from tests.conftest import START_US, make_user, token_client
from tests.web.case_world import BUILDING, EAST, WEST, jpeg, move, photo_upload, report, seed

DAY_US = 86_400_000_000
V2 = "/open311/v2"
IN_WEST = {"lat": "23.1052", "long": "113.305"}  # just north of 风情街 in the west cell


@pytest.fixture
def world(app, client, clock):
    """The case world, with one case reported 100 days before the others (outside the default 90 days)."""
    clock.set(START_US - 100 * DAY_US)
    seed(client)
    tokens = {"planner": make_user(app, "planner1", "planner"), "west": make_user(app, "wang_w", "field_worker",
              grid_codes=[WEST]), "inspector": make_user(app, "zhao_w", "field_worker", grid_codes=[WEST]),
              "leader": make_user(app, "boss", "leader")}  # fmt: skip
    clients = {name: token_client(app, token) for name, token in tokens.items()}
    old = report(clients["planner"], category="0104").get_json()["id"]
    clock.set(START_US)
    return {"tokens": tokens, "clients": clients, "old": old, "admin": client, "anonymous": app.test_client()}


def post(client, fmt="json", **form):
    return client.post(f"{V2}/requests.{fmt}", data=form, content_type="application/x-www-form-urlencoded")


def xml(response) -> ET.Element:
    assert response.content_type == "text/xml; charset=utf-8"
    assert response.data.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    return ET.fromstring(response.data)


def descriptions(response) -> str:
    """Every description of a GeoReport error answer, which must have the spec's shape."""
    body = response.get_json()
    assert isinstance(body, list) and body, body
    assert all(set(e) == {"code", "description"} and e["code"] == response.status_code for e in body), body
    return " | ".join(e["description"] for e in body)


def ids(response) -> list[int]:
    assert response.status_code == 200, response.get_data(as_text=True)
    return [int(r["service_request_id"]) for r in response.get_json()]


# -- discovery and services ------------------------------------------------------------------------------


def test_discovery_in_both_formats_is_public(world, store, app):
    r = world["anonymous"].get(f"{V2}/discovery.json")
    assert r.status_code == 200 and r.content_type == "application/json; charset=utf-8"
    doc = r.get_json()
    assert set(doc) == {"changeset", "contact", "key_service", "endpoints"}
    [endpoint] = doc["endpoints"]
    assert endpoint == {"specification": "http://wiki.open311.org/GeoReport_v2", "url": "http://localhost/open311/v2",
                        "changeset": doc["changeset"], "type": "production",
                        "formats": ["text/xml", "application/json"]}  # fmt: skip
    newest = max(c["valid_from"] for c in store.categories())
    assert doc["changeset"] == open311.w3(newest, app.config["TZINFO"]) and doc["changeset"].endswith("+08:00")
    store.set_meta("demo", {"name": "demo", "fictional": True})  # fictional data: nothing is acted upon
    root = xml(world["anonymous"].get(f"{V2}/discovery.xml"))
    assert root.tag == "discovery" and root.findtext("endpoints/endpoint/type") == "test"
    assert [f.text for f in root.findall("endpoints/endpoint/formats/format")] == ["text/xml", "application/json"]
    assert root.findtext("endpoints/endpoint/url") == "http://localhost/open311/v2"


def test_services_are_the_active_categories(world, store, client):
    r = client.get(f"{V2}/services.json")
    services = r.get_json()
    assert [s["service_code"] for s in services] == [c["code"] for c in store.categories() if c["active"]]
    garbage = next(s for s in services if s["service_code"] == "0102")
    assert garbage["service_name"] == "暴露垃圾" and garbage["group"] == "事件"
    assert garbage["metadata"] is True and garbage["type"] == "realtime"
    assert "Exposed garbage" in garbage["keywords"] and "24 小时" in garbage["description"]
    english = client.get(f"{V2}/services.json?locale=en").get_json()
    assert next(s for s in english if s["service_code"] == "0102")["service_name"] == "Exposed garbage"
    by_header = client.get(f"{V2}/services.json", headers={"Accept-Language": "en-US,en;q=0.9"}).get_json()
    assert by_header == english
    root = xml(client.get(f"{V2}/services.xml"))
    assert root.tag == "services"
    assert [s.findtext("service_code") for s in root.findall("service")] == [s["service_code"] for s in services]
    assert root.find("service").findtext("metadata") == "true"


def test_services_follow_the_stored_table(world, client):
    local = {"scheme": "local", "group": "event", "name": {"zh-CN": "井盖缺失", "en": "Missing manhole cover"},
             "deadline_hours": 48, "duplicate_radius_m": 15, "icon": "road", "color": "#e53935"}  # fmt: skip
    assert client.put("/api/categories/2101", json=local).status_code == 201
    assert client.put("/api/categories/0105", json={**local, "scheme": "cjj_t106", "active": False,
                      "name": {"zh-CN": "水域不洁", "en": "Dirty water body"}}).status_code == 200  # fmt: skip
    codes = [s["service_code"] for s in client.get(f"{V2}/services.json").get_json()]
    assert "2101" in codes and "0105" not in codes
    assert client.get(f"{V2}/services/2101.json").get_json()["service_code"] == "2101"
    r = client.get(f"{V2}/services/0105.json")
    assert r.status_code == 404 and "service_code" in descriptions(r)


def test_service_definition_in_both_formats(world, client):
    definition = client.get(f"{V2}/services/0102.json").get_json()
    assert definition["service_code"] == "0102"
    [attribute] = definition["attributes"]
    assert attribute["code"] == "duplicate_of" and attribute["datatype"] == "number"
    assert attribute["variable"] is True and attribute["required"] is False and attribute["order"] == 1
    root = xml(client.get(f"{V2}/services/0102.xml"))
    assert root.tag == "service_definition" and root.findtext("attributes/attribute/code") == "duplicate_of"
    r = client.get(f"{V2}/services/9999.json")
    assert r.status_code == 404 and "9999" in descriptions(r)


# -- reading requests ------------------------------------------------------------------------------------


def test_reading_needs_a_login_or_an_api_key(world, app):
    anonymous, token = world["anonymous"], world["tokens"]["leader"]
    r = anonymous.get(f"{V2}/requests.json")
    assert r.status_code == 403 and "WWW-Authenticate" not in r.headers
    descriptions(r)
    assert anonymous.get(f"{V2}/requests.json?api_key={token}").status_code == 200
    assert anonymous.get(f"{V2}/services.json?api_key={token}").status_code == 200
    r = anonymous.get(f"{V2}/requests.json?api_key=not-a-token")
    assert r.status_code == 403 and "api_key" in descriptions(r)
    app.config["READ_REQUIRES_LOGIN"] = False
    assert anonymous.get(f"{V2}/requests.json").status_code == 200
    assert anonymous.get(f"{V2}/requests.json?api_key=").status_code == 200  # empty means not sent


def test_a_request_is_the_case_in_georeport_terms(world, app, clock):
    planner, west, inspector = (world["clients"][k] for k in ("planner", "west", "inspector"))
    case = report(west, description="路边堆放垃圾 <b>&</b>").get_json()
    fid = case["id"]
    assert photo_upload(west, fid, "before", jpeg((10, 200, 30))).status_code == 201
    [view] = planner.get(f"{V2}/requests/{fid}.json").get_json()
    assert view["service_request_id"] == str(fid) and view["status"] == "open"
    assert (view["service_code"], view["service_name"]) == ("0102", "暴露垃圾")
    assert view["status_notes"] == "已上报" and view["agency_responsible"] == "西片网格工作站"
    assert view["description"] == "路边堆放垃圾 <b>&</b>" and view["address"] == case["address"]
    assert (view["long"], view["lat"]) == (113.305, 23.1052) and view["zipcode"] is None
    assert view["requested_datetime"] == case["reported_at"] and view["requested_datetime"].endswith("+08:00")
    assert view["expected_datetime"] is None and view["service_notice"] == "处理时限：派遣后 24 小时"
    photo_id = planner.get(f"/api/cases/{fid}").get_json()["photos"]["before"][0]["id"]
    assert view["media_url"] == f"http://localhost/api/photos/{photo_id}"
    assert planner.get(view["media_url"]).status_code == 200
    move(planner, fid, "filed")
    dispatched = move(planner, fid, "dispatched", assignee="wang_w").get_json()
    photo_upload(west, fid, "after", jpeg((200, 10, 30)))
    move(west, fid, "fixed", note="已清理")
    [fixed] = planner.get(f"{V2}/requests/{fid}.json").get_json()
    assert fixed["status"] == "open" and fixed["status_notes"] == "已处理待核查：已清理"  # awaits the on-site check
    assert fixed["expected_datetime"] == datetime.fromisoformat(dispatched["deadline"]).isoformat(timespec="seconds")
    clock.set(clock.now_us + DAY_US)
    move(inspector, fid, "closed", note="复查合格")
    [closed] = planner.get(f"{V2}/requests/{fid}.json?locale=en").get_json()
    assert closed["status"] == "closed" and closed["status_notes"] == "Closed: 复查合格"
    assert closed["updated_datetime"] == planner.get(f"/api/cases/{fid}").get_json()["updated_at"][:19] + "+08:00"
    assert closed["service_name"] == "Exposed garbage"
    root = xml(planner.get(f"{V2}/requests/{fid}.xml"))
    assert root.tag == "service_requests" and len(root.findall("request")) == 1
    parsed = {child.tag: child.text for child in root.find("request")}
    assert parsed == {k: None if v is None else str(v) for k, v in closed.items()} | {
        "service_name": "暴露垃圾", "status_notes": "已结案：复查合格", "service_notice": "处理时限：派遣后 24 小时"}


def test_rejected_and_duplicate_cases_are_closed(world):
    planner = world["clients"]["planner"]
    original = report(planner).get_json()["id"]
    duplicate = report(planner, duplicate_of=original).get_json()["id"]
    rejected = report(planner, lon=113.315, lat=23.1049).get_json()["id"]
    move(planner, rejected, "rejected", note="不属实")
    views = {int(v["service_request_id"]): v for v in planner.get(f"{V2}/requests.json").get_json()}
    assert views[original]["status"] == "open"
    assert views[duplicate]["status"] == "closed"
    assert views[duplicate]["status_notes"] == f"重复上报（原问题 {original}）"
    assert views[rejected]["status"] == "closed" and views[rejected]["status_notes"] == "不予立案：不属实"


def test_filters_of_get_requests(world, clock, monkeypatch):
    planner = world["clients"]["planner"]
    hour = 3_600_000_000
    a = report(planner).get_json()["id"]  # 2026-01-01T08:00:00+08:00
    clock.set(START_US + hour)
    b = report(planner, category="0201", lon=113.315, lat=23.1049).get_json()["id"]
    clock.set(START_US + 2 * hour)
    c = report(planner, category="0201", lon=113.306, lat=23.1052).get_json()["id"]
    move(planner, c, "rejected")
    old = world["old"]
    url = f"{V2}/requests.json"
    assert ids(planner.get(url)) == [c, b, a]  # newest first; the 100-day-old case is outside the default 90 days
    assert ids(planner.get(f"{url}?service_code=0201")) == [c, b]
    assert ids(planner.get(f"{url}?service_code=0102,0104")) == [a]
    assert ids(planner.get(f"{url}?service_code=0102&service_code=0201")) == [c, b, a]
    assert ids(planner.get(f"{url}?status=open")) == [b, a] and ids(planner.get(f"{url}?status=closed")) == [c]
    assert ids(planner.get(f"{url}?status=open,closed")) == [c, b, a]
    # service_request_id overrides every other filter (the old case too)
    assert ids(planner.get(f"{url}?service_request_id={old},{a}&status=closed&service_code=0201")) == [a, old]
    assert ids(planner.get(f"{url}?service_request_id=987654")) == []
    assert ids(planner.get(f"{url}?start_date=2025-09-01T00:00:00Z&end_date=2025-10-15")) == [old]
    assert ids(planner.get(f"{url}?start_date=2025-09-01")) == [old]  # start + 90 days
    assert ids(planner.get(f"{url}?end_date=2026-01-02T00:00:00%2B08:00")) == [c, b, a]  # end - 90 days
    # both ends count; a date without an offset is read in the configured zone (Asia/Shanghai)
    assert ids(planner.get(f"{url}?start_date=2026-01-01T09:00:00&end_date=2026-01-01T02:00:00Z")) == [c, b]
    assert ids(planner.get(f"{url}?start_date=2026-01-01T08:00:01%2B08:00&end_date=2026-01-01T08:59:59")) == []
    monkeypatch.setattr(open311, "MAX_REQUESTS", 2)
    assert ids(planner.get(url)) == [c, b]


@pytest.mark.parametrize(
    "query, field",
    [
        ("start_date=2025-01-01&end_date=2025-06-01", "end_date"),  # more than 90 days
        ("start_date=2025-06-01&end_date=2025-05-01", "end_date"),
        ("start_date=yesterday", "start_date"),
        ("end_date=0001-01-01", "end_date"),
        ("status=fixed", "status"),
        ("service_code=9999", "service_code"),
        ("service_request_id=1,abc", "service_request_id"),
        ("bbox=1,2,3,4", "bbox"),
    ],
)
def test_bad_filters_get_400_naming_the_parameter(world, query, field):
    r = world["clients"]["planner"].get(f"{V2}/requests.json?{query}")
    assert r.status_code == 400 and f" {field}: " in descriptions(r)


def test_one_request_is_an_array_of_one(world):
    planner = world["clients"]["planner"]
    fid = report(planner).get_json()["id"]
    [one] = planner.get(f"{V2}/requests/{fid}.json").get_json()
    assert one == next(v for v in planner.get(f"{V2}/requests.json").get_json() if v["service_request_id"] == str(fid))
    for missing in ("987654", "abc", "1" * 30):
        r = planner.get(f"{V2}/requests/{missing}.json")
        assert r.status_code == 404 and "service_request_id" in descriptions(r)


def test_xml_is_escaped_and_well_formed(world):
    planner = world["clients"]["planner"]
    text = '<script>&"\'\x01 ]]> 垃圾'
    fid = report(planner, description=text).get_json()["id"]
    root = xml(planner.get(f"{V2}/requests.xml"))
    [request] = [r for r in root.findall("request") if r.findtext("service_request_id") == str(fid)]
    assert request.findtext("description") == text.replace("\x01", "\ufffd")  # XML 1.0 cannot carry U+0001
    assert request.find("media_url").text is None and request.findtext("lat") == "23.1052"


# -- reporting -------------------------------------------------------------------------------------------


def test_form_report_creates_a_real_case(world, client):
    anonymous, token = world["anonymous"], world["tokens"]["west"]
    r = post(anonymous, api_key=token, service_code="0102", description="小区门口堆放垃圾", email="a@example.com",
             first_name="张", last_name="三", phone="13800000000", device_id="d1", account_id="x9",
             media_url="https://example.com/p/1.jpg", jurisdiction_id="example.gov.cn", **IN_WEST)  # fmt: skip
    assert r.status_code == 201, r.get_data(as_text=True)
    [answer] = r.get_json()
    assert set(answer) == {"service_request_id", "service_notice", "account_id"} and answer["account_id"] is None
    fid = int(answer["service_request_id"])
    assert r.headers["Location"] == f"http://localhost/open311/v2/requests/{fid}.json"
    assert answer["service_notice"] == "已受理（已上报）。处理时限：派遣后 24 小时。"
    case = client.get(f"/api/cases/{fid}").get_json()
    assert case["status"] == "reported" and case["reporter"] == "wang_w"
    assert case["grid_code"] == WEST and case["responsible_unit"] == "西片网格工作站"
    assert case["address"].startswith("风情街") and case["address"].endswith("号附近")
    assert case["description"].startswith("小区门口堆放垃圾\n") and "https://example.com/p/1.jpg" in case["description"]
    for personal in ("a@example.com", "13800000000", "张", "x9"):  # accepted, never stored
        assert personal not in str(case)
    listed = client.get("/api/cases?category=0102").get_json()["features"]
    assert fid in [f["id"] for f in listed]
    [view] = client.get(f"{V2}/requests/{fid}.json").get_json()
    assert view["media_url"] is None  # a sent media_url is text in the description, never fetched
    second = post(anonymous, api_key=token, service_code="0102", lat="23.10521", long="113.30501")
    assert f"附近已有同类问题 {fid}，可能重复" in second.get_json()[0]["service_notice"]


def test_multipart_and_bearer_token_and_xml_answer(world, client):
    r = client.post(f"{V2}/requests.xml", data={"service_code": "0201", **IN_WEST}, content_type="multipart/form-data")
    assert r.status_code == 201
    root = xml(r)
    assert root.tag == "service_requests" and root.find("request/account_id").text is None
    fid = int(root.findtext("request/service_request_id"))
    assert client.get(f"/api/cases/{fid}").get_json()["category"] == "0201"


@pytest.mark.parametrize(
    "address, kind",
    [("新港花园3栋旁", "building"), ("风情街85号附近", "road"), ("东片网格内", "grid")],
)
def test_address_string_alone_is_placed_by_name(world, client, address, kind):
    r = post(world["anonymous"], api_key=world["tokens"]["planner"], service_code="0102", address_string=address,
             description="有垃圾", locale="zh")  # fmt: skip
    assert r.status_code == 400 and "locale" in descriptions(r)  # locale goes in the query string
    r = world["anonymous"].post(f"{V2}/requests.json?locale=en", data={
        "api_key": world["tokens"]["planner"], "service_code": "0102", "address_string": address})  # fmt: skip
    assert r.status_code == 201, r.get_data(as_text=True)
    notice = r.get_json()[0]["service_notice"]
    assert "Position estimated from the address" in notice and f"({ {'grid': 'grid cell'}.get(kind, kind)})" in notice
    case = client.get(f"/api/cases/{r.get_json()[0]['service_request_id']}").get_json()
    assert case["address"] == address and "位置按地址推定" in case["description"]
    point = Point(case["lon"], case["lat"])
    if kind == "building":
        assert shapely.Polygon(BUILDING).contains(point) and case["grid_code"] == WEST
    elif kind == "road":
        assert case["lat"] == pytest.approx(23.105) and 113.30 <= case["lon"] <= 113.32
    else:
        assert case["grid_code"] == EAST and case["responsible_unit"] == "东片网格工作站"


def test_an_address_that_names_no_place_or_two_is_refused(world, client, store):
    for name, x in (("甲楼", 113.3010), ("乙楼", 113.3020)):
        ring = [[x, 23.1010], [x + 0.0005, 23.1010], [x + 0.0005, 23.1015], [x, 23.1015], [x, 23.1010]]
        body = {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [ring]}, "properties": {"name": name}}
        assert client.post("/api/layers/buildings/features", json=body).status_code == 201
    before = store.layer("blackspots")["feature_count"]
    token = world["tokens"]["planner"]
    r = post(world["anonymous"], api_key=token, service_code="0102", address_string="火星路1号")
    assert r.status_code == 400 and "address_string: no building, road or grid cell" in descriptions(r)
    r = post(world["anonymous"], api_key=token, service_code="0102", address_string="甲楼和乙楼之间")
    assert r.status_code == 400 and "matches several places" in descriptions(r)
    assert "甲楼" in descriptions(r) and "乙楼" in descriptions(r)
    r = post(world["anonymous"], api_key=token, service_code="0102", address_id="A-17")
    assert r.status_code == 400 and "address_id: no address repository" in descriptions(r)
    assert store.layer("blackspots")["feature_count"] == before


def test_attribute_duplicate_of_records_a_duplicate(world, client):
    anonymous, token = world["anonymous"], world["tokens"]["planner"]
    original = int(post(anonymous, api_key=token, service_code="0102", **IN_WEST).get_json()[0]["service_request_id"])
    r = post(anonymous, api_key=token, service_code="0102", **IN_WEST, **{"attribute[duplicate_of]": str(original)})
    [answer] = r.get_json()
    assert f"已记为问题 {original} 的重复上报" in answer["service_notice"]
    [view] = client.get(f"{V2}/requests/{answer['service_request_id']}.json").get_json()
    assert view["status"] == "closed" and client.get(f"/api/cases/{original}").get_json()["duplicates"] == [
        int(answer["service_request_id"])]  # fmt: skip
    other = report(world["clients"]["planner"], category="0201").get_json()["id"]
    r = post(anonymous, api_key=token, service_code="0102", **IN_WEST, **{"attribute[duplicate_of]": str(other)})
    assert r.status_code == 400 and "attribute[duplicate_of]: case" in descriptions(r)


@pytest.mark.parametrize(
    "form, status, named",
    [
        ({}, 400, ["service_code", "lat"]),
        ({"service_code": "0102", "lat": "23.1052"}, 400, ["long"]),
        ({"service_code": "0102", "lat": "north", "long": "113.305"}, 400, ["lat"]),
        ({"service_code": "0102", "lat": "113.305", "long": "23.1052"}, 400, ["lat"]),  # swapped
        ({"service_code": "0102", "lat": "95", "long": "113.305"}, 400, ["lat"]),
        ({"service_code": "0102", **IN_WEST, "colour": "red"}, 400, ["colour"]),
        ({"service_code": "0102", **IN_WEST, "attribute[size]": "3"}, 400, ["attribute[size]"]),
        ({"service_code": "0102", **IN_WEST, "attribute[duplicate_of]": "x"}, 400, ["attribute[duplicate_of]"]),
        ({"service_code": "0102", **IN_WEST, "media_url": "javascript:alert(1)"}, 400, ["media_url"]),
        ({"service_code": "0102", **IN_WEST, "description": "x" * 2001}, 400, ["description"]),
        ({"service_code": "9999", **IN_WEST}, 404, ["service_code"]),
        ({"service_code": "9999", "lat": "1"}, 400, ["service_code", "long"]),
    ],
)
def test_bad_reports_are_refused_naming_every_field(world, store, form, status, named):
    before = store.layer("blackspots")["feature_count"]
    r = post(world["anonymous"], api_key=world["tokens"]["planner"], **form)
    assert r.status_code == status, r.get_data(as_text=True)
    text = descriptions(r)
    assert all(f" {name}: " in text for name in named), text
    assert store.layer("blackspots")["feature_count"] == before


def test_who_may_report(world, app, store):
    anonymous, tokens = world["anonymous"], world["tokens"]
    before = store.layer("blackspots")["feature_count"]
    for form in ({}, {"api_key": "nope"}, {"api_key": tokens["leader"]}):  # missing, unknown, a role that may not
        r = post(anonymous, service_code="0102", **IN_WEST, **form)
        assert r.status_code == 403 and descriptions(r)
    r = post(anonymous, api_key=tokens["west"], service_code="0102", lat="23.1049", long="113.315")
    assert r.status_code == 403 and "long: [113.315, 23.1049] is not in your grid cells" in descriptions(r)
    r = post(anonymous, api_key=f"{tokens['west']}&api_key={tokens['planner']}", service_code="0102", **IN_WEST)
    assert r.status_code == 403
    assert store.layer("blackspots")["feature_count"] == before
    assert post(anonymous, api_key=tokens["west"], service_code="0102", **IN_WEST).status_code == 201


def test_other_bodies_and_uploads_are_refused(world, client):
    r = client.post(f"{V2}/requests.json", json={"service_code": "0102", **IN_WEST})
    assert r.status_code == 400 and "Content-Type" in descriptions(r)
    r = client.post(f"{V2}/requests.json", data={"service_code": "0102", **IN_WEST,
                    "media": (io.BytesIO(jpeg()), "p.jpg")}, content_type="multipart/form-data")  # fmt: skip
    assert r.status_code == 400 and "media: no file uploads" in descriptions(r)


# -- the rest of the prefix ------------------------------------------------------------------------------


def test_unknown_paths_formats_and_methods_answer_in_georeport_shape(world, client):
    for path in ("/nope", "/", "/requests.html", "/services.csv", "/requests/1.yaml", "/services/0102"):
        r = client.get(V2 + path)
        assert r.status_code == 404, path
        descriptions(r)
    r = client.delete(f"{V2}/requests.json")
    assert r.status_code == 405 and set(r.headers["Allow"].split(", ")) == {"GET", "HEAD", "POST"}
    descriptions(r)
    r = client.get(f"{V2}/services.json?locale=en&page=2")
    assert r.status_code == 400
    assert descriptions(r) == "Unknown parameters: page. page: not a parameter of this Open311 method"


def test_refusals_of_xml_requests_are_xml(world, client):
    r = client.get(f"{V2}/requests/987654.xml")
    assert r.status_code == 404
    root = xml(r)
    assert root.tag == "errors" and root.findtext("error/code") == "404"
    assert "service_request_id" in root.findtext("error/description")


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_resent_report_with_an_idempotency_key_makes_one_case(world, client, fmt):
    token = world["tokens"]["west"]
    form = {"api_key": token, "service_code": "0102", "description": "重发的上报", **IN_WEST}
    key = {"Idempotency-Key": f"open311-resend-{fmt}-0001"}
    before = len(client.get("/api/cases?limit=500").get_json()["features"])
    first = world["anonymous"].post(f"{V2}/requests.{fmt}", data=form, headers=key,
                                    content_type="application/x-www-form-urlencoded")
    again = world["anonymous"].post(f"{V2}/requests.{fmt}", data=form, headers=key,
                                    content_type="application/x-www-form-urlencoded")
    assert first.status_code == again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first.headers
    assert again.data == first.data and again.content_type == first.content_type
    assert again.headers["Location"] == first.headers["Location"]
    assert len(client.get("/api/cases?limit=500").get_json()["features"]) == before + 1
    if fmt == "xml":
        xml(again)
    # The same key for another report is refused in GeoReport's shape (a 400), naming the header.
    other = world["anonymous"].post(f"{V2}/requests.json", data={**form, "description": "另一条"}, headers=key,
                                    content_type="application/x-www-form-urlencoded")
    assert other.status_code == 400 and "Idempotency-Key" in descriptions(other)
    assert len(client.get("/api/cases?limit=500").get_json()["features"]) == before + 1
