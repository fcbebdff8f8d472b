"""Open311 against a real server: ``python server.py`` with the demo community (about 400 cases over a year)
in a subprocess on a free port, read with the ``georeport`` PyPI client (JSON and XML) and compared with
what ``/api/cases`` says; reports are posted as real form requests.

The Open311 reads are published here (``OPEN311_PUBLIC_READS: true`` in the data dir's config.json) while
``/api`` stays private: the client sends no api_key on its GET calls, as most Open311 clients do not; the
case API is read with an API token."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
import requests
from georeport import GeoReport

from tests.browser.browser_support import DEMO_ACCOUNTS, ServerProcess, api_token, get_json

SPAN = timedelta(days=90)
EDGE = timedelta(minutes=10)  # cases this close to the default window's start may fall either side of it


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("open311-demo")
    (data_dir / "config.json").write_text(json.dumps({"OPEN311_PUBLIC_READS": True}), encoding="utf-8")
    process = ServerProcess(data_dir, tmp_path_factory.getbasetemp() / "open311-server.log", [])
    process.wait_healthy(timeout=120)
    process.token = api_token(process.url, "planner", DEMO_ACCOUNTS["planner"][0], label="open311 reader")
    yield process
    process.stop()


def client(server, fmt: str = "json") -> GeoReport:
    return GeoReport(f"{server.url}/open311/v2", output_format=fmt)


def cases(server) -> dict[int, dict]:
    """Every case as the case API shows it, by id."""
    body = get_json(f"{server.url}/api/cases?limit=10000", token=server.token)
    assert body["numberMatched"] == body["numberReturned"] > 300
    return {f["id"]: f["properties"] for f in body["features"]}


def when(text: str) -> datetime:
    return datetime.fromisoformat(text)


def open311_status(case: dict) -> str:
    return "closed" if case["state_group"] == "closed" else "open"


def as_xml_text(request: dict) -> dict:
    return {k: None if v is None else str(v).lower() if isinstance(v, bool) else str(v) for k, v in request.items()}


def test_services_are_the_category_table(server):
    table = [c for c in get_json(f"{server.url}/api/categories", token=server.token)["categories"] if c["active"]]
    services = client(server).get_service_list()
    assert [(s["service_code"], s["service_name"]) for s in services] == [(c["code"], c["name"]["zh-CN"])
                                                                          for c in table]  # fmt: skip
    assert {s["type"] for s in services} == {"realtime"} and all(s["metadata"] is True for s in services)
    assert client(server, "xml").get_service_list() == [as_xml_text(s) for s in services]
    definition = client(server).get_service_definition("0102")
    assert definition["service_code"] == "0102" and definition["attributes"][0]["code"] == "duplicate_of"
    xml_definition = client(server, "xml").get_service_definition("0102")
    assert xml_definition["attributes"]["attribute"]["datatype"] == "number"


def test_default_requests_are_the_last_90_days(server):
    got = client(server).get_service_requests()
    now = datetime.now(UTC)
    by_id = cases(server)
    edge = {i for i, c in by_id.items() if abs(when(c["reported_at"]) - (now - SPAN)) < EDGE}
    expected = {i for i, c in by_id.items() if when(c["reported_at"]) >= now - SPAN}
    assert 20 < len(expected) <= 1000
    assert {int(r["service_request_id"]) for r in got} - edge == expected - edge
    stamps = [when(r["requested_datetime"]) for r in got]
    assert stamps == sorted(stamps, reverse=True)  # newest first
    for request in got:
        case = by_id[int(request["service_request_id"])]
        assert request["status"] == open311_status(case)
        assert (request["service_code"], request["address"]) == (case["category"], case["address"])
        assert request["requested_datetime"].endswith("+08:00")
        assert when(request["requested_datetime"]) == when(case["reported_at"]).replace(microsecond=0)
        assert (request["long"], request["lat"]) == (case["lon"], case["lat"])
        assert request["agency_responsible"] == case["responsible_unit"]
    assert Counter(r["status"] for r in got).keys() == {"open", "closed"}


def test_filters_match_the_case_api(server):
    by_id = cases(server)
    now = datetime.now(UTC).astimezone(when(next(iter(by_id.values()))["reported_at"]).tzinfo)
    start, end = now - timedelta(days=80), now - timedelta(days=5)
    inside = {i: c for i, c in by_id.items() if start <= when(c["reported_at"]) <= end}
    common = [code for code, _ in Counter(c["category"] for c in inside.values()).most_common(2)]
    checked = 0
    for codes in (common[:1], common):
        for status in ("open", "closed", None):
            got = client(server).get_service_requests(
                service_code=",".join(codes), status=status, start_date=start.isoformat(), end_date=end.isoformat()
            )
            expected = {i for i, c in inside.items() if c["category"] in codes and status in (None, open311_status(c))}
            assert {int(r["service_request_id"]) for r in got} == expected, (codes, status)
            checked += len(expected)
    assert checked > 20
    with pytest.raises(requests.HTTPError) as refused:  # more than the spec's 90 days in one search
        client(server).get_service_requests(start_date=(now - SPAN * 2).isoformat(), end_date=now.isoformat())
    assert refused.value.response.status_code == 400
    assert "end_date" in refused.value.response.json()[0]["description"]


def test_one_request_by_id_in_both_formats(server):
    listed = client(server).get_service_requests()
    first, second = listed[0], listed[1]
    assert client(server).get_service_request(first["service_request_id"]) == first
    assert client(server, "xml").get_service_request(first["service_request_id"]) == as_xml_text(first)
    both = client(server, "xml").get_service_requests(service_request_id=f"{first['service_request_id']},"
                                                      f"{second['service_request_id']}")  # fmt: skip
    assert both == [as_xml_text(first), as_xml_text(second)]
    assert client(server, "xml").get_service_requests() == [as_xml_text(r) for r in listed]
    with pytest.raises(requests.HTTPError) as missing:
        client(server).get_service_request("987654321")
    assert missing.value.response.status_code == 404


def test_a_form_post_reports_a_case_the_client_then_reads(server):
    token = api_token(server.url, "planner", DEMO_ACCOUNTS["planner"][0], label="open311 tests")
    near = next(c for c in cases(server).values() if c["grid_code"])  # a place inside the demo's grid
    form = {"api_key": token, "service_code": "0102", "lat": str(near["lat"]), "long": str(near["lon"]),
            "description": "门口堆放垃圾", "email": "someone@example.com"}  # fmt: skip
    answer = requests.post(f"{server.url}/open311/v2/requests.json", data=form, timeout=30)
    assert answer.status_code == 201, answer.text
    rid = answer.json()[0]["service_request_id"]
    request = client(server).get_service_request(rid)
    assert (request["status"], request["status_notes"], request["service_code"]) == ("open", "已上报", "0102")
    case = get_json(f"{server.url}/api/cases/{rid}", token=server.token)
    assert case["grid_code"] == near["grid_code"] and case["responsible_unit"] and case["address"]
    assert case["reporter"] == DEMO_ACCOUNTS["planner"][2] and "someone@example.com" not in json.dumps(case)
    named = {"api_key": token, "service_code": "0201", "address_string": "新港小学大门外"}  # no lat/long
    by_name = requests.post(f"{server.url}/open311/v2/requests.xml", data=named, timeout=30)
    assert by_name.status_code == 201 and "新港小学" in by_name.text
    refused = requests.post(f"{server.url}/open311/v2/requests.json", data={**form, "api_key": "wrong"}, timeout=30)
    assert refused.status_code == 403 and refused.json()[0]["code"] == 403


def test_the_open311_reads_are_public_and_the_api_stays_private(server):
    """Published reads show no reporter and link no photo (photos are /api's, private); with a token the
    same request carries its photo's media_url. /api still needs a login."""
    for path in ("/api/cases", "/api/categories", "/api/layers"):
        assert requests.get(f"{server.url}{path}", timeout=30).status_code == 401, path
    assert requests.get(f"{server.url}/open311/v2/discovery.json", timeout=30).json()["endpoints"]
    anonymous = client(server).get_service_requests()
    keyed = requests.get(f"{server.url}/open311/v2/requests.json", params={"api_key": server.token}, timeout=30).json()
    assert [r["service_request_id"] for r in anonymous] == [r["service_request_id"] for r in keyed]
    assert all(r["media_url"] is None for r in anonymous) and any(r["media_url"] for r in keyed)
    reporters = {c["reporter"] for c in cases(server).values() if c.get("reporter")}
    assert reporters and not any(name in json.dumps(anonymous, ensure_ascii=False) for name in reporters)
