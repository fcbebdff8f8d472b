"""The import API end to end on the real app: upload, preview with counts per problem, mapping, commit
all-or-nothing, refused rows as CSV, permissions and refusals in the one error shape; with the real data of
tests/data/ (Taipei, Monaco, Snow, Berkeley) and the demo community's gazetteer."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path

import pytest
from shapely.geometry import Point, shape

from geo import chinacoords
from layers.demo import seed_demo
from layers.errors import AppError
from server import create_app
from tests.conftest import Clock, make_user, token_client

DATA = Path(__file__).resolve().parents[1] / "data"
TAIPEI_CITY = [121.45, 24.96, 121.67, 25.22]


def upload(client, data: bytes, filename: str = "upload", **fields):
    form = {"file": (io.BytesIO(data), filename)}
    for key, value in fields.items():
        form[key] = json.dumps(value, ensure_ascii=False) if key == "options" else value
    return client.post("/api/imports", data=form, content_type="multipart/form-data")


def is_error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    error = response.get_json()["error"]
    assert set(error) >= {"status", "code", "message", "message_zh", "details"} and error["status"] == status
    if code:
        assert code in {error["code"], *(d["code"] for d in error["details"])}, error
    return error


def zipped(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def taipei_bins_csv() -> bytes:
    """All twelve district files as one CSV (each keeps its BOM-less header once)."""
    paths = sorted((DATA / "taipei").glob("trash_can*.csv"), key=lambda p: int(p.stem.removeprefix("trash_can")))
    lines = []
    for i, path in enumerate(paths):
        text = path.read_bytes().decode("utf-8-sig").splitlines()
        lines += text if i == 0 else text[1:]
    return ("\ufeff" + "\n".join(lines) + "\n").encode("utf-8")


# -- real data ----------------------------------------------------------------------------------------------
def test_taipei_bins_outside_city_and_repeats_flagged_then_committed(client, store):
    response = upload(client, taipei_bins_csv(), "臺北市垃圾箱.csv", layer="bins",
                      options={"extent": TAIPEI_CITY, "duplicate_m": 0})  # fmt: skip
    assert response.status_code == 201, response.get_json()
    view = response.get_json()
    assert response.headers["Location"] == f"/api/imports/{view['id']}"
    assert view["info"]["encoding"] == "utf-8-sig" and view["info"]["geometry_columns"]["x"] == "經度"
    counts = view["counts"]
    assert counts["rows"] == 2517
    assert counts["problems"]["outside_extent"] == 20
    assert counts["problems"]["duplicate_row"] >= 200
    assert counts["valid"] + counts["refused"] == 2517
    outside = client.get(f"/api/imports/{view['id']}?rows=refused&code=outside_extent&limit=100").get_json()["page"]
    assert outside["total"] == 20 and all(not r["valid"] for r in outside["rows"])
    assert any("[121.3027, 25.02225]" in p["reason"] for r in outside["rows"] for p in r["problems"])
    changed = client.patch(f"/api/imports/{view['id']}", json={"mapping": {"name": "路名"}})
    assert changed.status_code == 200 and changed.get_json()["mapping"]["name"] == "路名"
    committed = client.post(f"/api/imports/{view['id']}/commit", json={"expected_valid": counts["valid"]})
    assert committed.status_code == 201
    assert committed.get_json()["created"] == counts["valid"]
    assert store.layer("bins")["feature_count"] == counts["valid"]
    first = client.get("/api/layers/bins/features?limit=1").get_json()["features"][0]
    assert first["properties"] == {"name": "北安路"} and first["author"] == "tester"
    refused = client.get(f"/api/imports/{view['id']}/refused.csv")
    assert refused.status_code == 200 and refused.mimetype == "text/csv"
    assert "filename*=UTF-8''" in refused.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(refused.data.decode("utf-8-sig"))))
    assert rows[0][:4] == ["行", "问题", "问题代码", "行政區"] and len(rows) - 1 == counts["refused"]
    assert sum("outside_extent" in r[2] for r in rows[1:]) == sum("在社区范围外" in r[1] for r in rows[1:]) == 20
    assert any(e["action"] == "data.import" for e in store.audit_log())
    is_error(client.post(f"/api/imports/{view['id']}/commit"), 409, "already_committed")


def test_taipei_toilet_swapped_record_named_as_swapped(client):
    data = (DATA / "taipei" / "taipei_public_toilets.geojson").read_bytes()
    view = upload(client, data, "toilets.geojson", layer="toilets",
                  options={"mapping": {"name": "Title"}, "defaults": {"flush": "flush"}}).get_json()  # fmt: skip
    assert view["counts"]["problems"].get("coordinates_swapped") == 1
    swapped = client.get(f"/api/imports/{view['id']}?rows=refused&code=coordinates_swapped").get_json()["page"]
    row = swapped["rows"][0]
    assert row["row"] == 202 and "25.05412" in row["problems"][0]["reason"]
    assert row["values"]["Title"] and row["geometry"] is None


@pytest.mark.parametrize(("layer", "count"), [("roads", 2404), ("buildings", 1205), ("toilets", 31), ("bins", 41),
                                              ("collection_points", 17), ("streetlights", 17)])  # fmt: skip
def test_monaco_extract_into_the_matching_layers(client, store, layer, count):
    defaults = {"toilets": {"flush": "flush"}, "streetlights": {"status": "working"}}.get(layer, {})
    data = (DATA / "monaco" / "monaco-20211203.osm.pbf").read_bytes()
    view = upload(client, data, "monaco.osm.pbf", layer=layer, options={"defaults": defaults}).get_json()
    assert view["format"] == "osm_pbf" and view["counts"]["rows"] == count
    assert all(view["mapping"][k] == k for k in view["mapping"] if k in view["columns"])
    result = client.post(f"/api/imports/{view['id']}/commit").get_json()
    assert result["created"] == view["counts"]["valid"] > 0.8 * count
    if layer == "roads":
        lit = client.get("/api/layers/roads/features?lit=true&limit=1").get_json()
        assert lit["numberMatched"] > 400
        assert client.get("/api/layers/roads/features?class=commercial&limit=1").get_json()["numberMatched"] > 0


def test_snow_shapefiles_in_epsg_3857(client):
    files = {p.name: p.read_bytes() for p in (DATA / "snow_soho_1854").glob("Soho*")}
    view = upload(client, zipped(files), "snow.zip", layer="bins", source_layer="SohoWater").get_json()
    assert view["format"] == "shapefile" and view["info"]["crs_declared"] == "EPSG:3857"
    assert view["info"]["layers"] == ["SohoPeople", "SohoWater", "Soho_Network"]
    assert view["counts"] == {"rows": 13, "valid": 13, "refused": 0, "problems": {}}
    lon, lat = view["page"]["rows"][0]["geometry"]["coordinates"]
    assert -0.15 < lon < -0.12 and 51.50 < lat < 51.52
    roads = client.patch(f"/api/imports/{view['id']}", json={"layer": "roads", "source_layer": "Soho_Network",
                                                              "defaults": {"class": "branch"}})  # fmt: skip
    assert roads.status_code == 200 and roads.get_json()["counts"]["valid"] == 118


BERKELEY_CATEGORIES = {
    "Illegal Dumping - City Property": "0102", "Illegal Dumping - Internet Request": "0102",
    "Sewer Problem": "0404", "Storm Problem": "0404", "Potholes": "0401", "Sidewalk Problem": "0401",
    "Street Lights - Repair": "0118", "Graffiti Abatement - Internet Request": "0201",
    "Commercial Missed Pickup": "0103", "Residential Missed Pickup": "0103",
    "Residential Missed Pickup Integration": "0103",
}  # fmt: skip


def test_berkeley_311_into_blackspots_with_categories_mapped(client, store):
    data = (DATA / "berkeley_311" / "berkeley_311_2016_sample.geojson").read_bytes()
    options = {"mapping": {"category": "issue_description", "description": "issue_type", "address": "street_address"},
               "values": {"category": BERKELEY_CATEGORIES},
               "defaults": {"status": "reported", "reported_at": "2016-06-01T09:00:00-07:00"}}  # fmt: skip
    view = upload(client, data, "berkeley.geojson", layer="blackspots", options=options).get_json()
    counts = view["counts"]
    mapped = 40 + 8 + 24 + 2 + 6 + 13 + 5 + 2 + 74 + 12 + 55
    assert counts["rows"] == 985
    assert counts["problems"]["unknown_category"] == 985 - mapped
    assert counts["problems"]["duplicate_row"] > 0  # requests from one address share its point
    assert counts["valid"] < mapped
    # repeated reports at one address are not duplicates to this campaign: keep them all
    view = client.patch(f"/api/imports/{view['id']}", json={"check_duplicates": False}).get_json()
    counts = view["counts"]
    assert counts["valid"] == mapped and counts["problems"] == {"unknown_category": 985 - mapped}
    unknown = client.get(f"/api/imports/{view['id']}?rows=refused&code=unknown_category&limit=1").get_json()
    assert "not one of the allowed values" in unknown["page"]["rows"][0]["problems"][0]["reason"]
    result = client.post(f"/api/imports/{view['id']}/commit").get_json()
    dumping = client.get("/api/layers/blackspots/features?category=0102&limit=500").get_json()
    assert dumping["numberMatched"] == 40 + 8
    assert result["created"] == counts["valid"]
    first = dumping["features"][0]["properties"]
    assert first["status"] == "reported" and first["reported_at"] == "2016-06-01T09:00:00-07:00"
    assert first["address"]


def test_case_layer_rules_hold_for_imports(client):
    text = "category,status,reported_at,lng,lat\n0102,closed,2026-05-01 08:00,113.3,23.1\n0102,,2026-05-01,113.4,23.2\n"
    view = upload(client, text.encode(), "cases.csv", layer="blackspots",
                  options={"mapping": {"category": "category", "status": "status", "reported_at": "reported_at"},
                           "defaults": {"status": "reported"}}).get_json()  # fmt: skip
    rows = view["page"]["rows"]
    assert rows[0]["problems"][0]["code"] == "use_case_workflow"
    assert rows[1]["valid"] and rows[1]["properties"]["reported_at"] == "2026-05-01T00:00:00+08:00"


# -- every format and coordinate system ---------------------------------------------------------------------
def test_xlsx_gpkg_kml_kmz_and_geojson_uploads(client, tmp_path):
    import geopandas as gpd
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["名称", "经度", "纬度", "容量（升）"])
    book.active.append(["东门垃圾箱", 113.3, 23.1, 240])
    buffer = io.BytesIO()
    book.save(buffer)
    view = upload(client, buffer.getvalue(), "bins.xlsx", layer="bins").get_json()
    assert view["format"] == "xlsx" and view["mapping"]["name"] == "名称"
    assert view["mapping"]["capacity_l"] == "容量（升）"
    assert view["page"]["rows"][0]["properties"] == {"name": "东门垃圾箱", "capacity_l": 240}
    gdf = gpd.GeoDataFrame({"name": ["东门垃圾箱"]}, geometry=[Point(113.3, 23.1)], crs=4326)
    gdf.to_file(tmp_path / "a.gpkg", layer="垃圾箱")
    gdf.to_file(tmp_path / "a.kml", driver="KML")
    for data, fmt in ((tmp_path / "a.gpkg").read_bytes(), "geopackage"), ((tmp_path / "a.kml").read_bytes(), "kml"), \
            (zipped({"doc.kml": (tmp_path / "a.kml").read_bytes()}), "kmz"), \
            (gdf.to_json().encode(), "geojson"):  # fmt: skip
        view = upload(client, data, f"x.{fmt}", layer="bins").get_json()
        assert view["format"] == fmt and view["counts"]["valid"] == 1, view
        assert view["page"]["rows"][0]["properties"].get("name") == "东门垃圾箱"


@pytest.mark.parametrize("system", ["gcj02", "bd09"])
def test_coordinates_copied_from_amap_or_baidu(client, system):
    lon, lat = chinacoords.convert(113.3243, 23.1061, "wgs84", system)
    view = upload(client, f"名称,lng,lat\n东门,{lon!r},{lat!r}\n".encode(), "a.csv", layer="bins", crs=system)
    x, y = view.get_json()["page"]["rows"][0]["geometry"]["coordinates"]
    assert abs(x - 113.3243) < 1e-6 and abs(y - 23.1061) < 1e-6


def test_gbk_csv_and_undecodable_row(client):
    data = "名称,经度,纬度\n东门,113.3,23.1\n".encode("gbk") + b"\x81\x20,113.4,23.2\n"
    view = upload(client, data, "gbk.csv", layer="bins").get_json()
    assert view["info"]["encoding"] == "gb18030"
    assert view["counts"]["problems"] == {"undecodable_text": 1}
    refused = client.get(f"/api/imports/{view['id']}/refused.csv").data.decode("utf-8-sig")
    assert "undecodable_text" in refused and "\ufffd" in refused


def test_every_problem_kind_in_one_file(client, store):
    client.post("/api/layers/bins/features", json={"type": "Feature", "properties": {},
                                                   "geometry": {"type": "Point", "coordinates": [113.35, 23.15]}})
    text = ("名称,经度,纬度,容量（升）,状态\n"
            "好,113.30,23.10,240,ok\n"
            "颠倒,23.10,113.30,,\n"
            "越界,200,23.1,,\n"
            "米,12613000,2646000,,\n"
            "文字,东经113,23.1,,\n"
            "空,,,,\n"
            "重复,113.30,23.10,,\n"
            "已有,113.35,23.15,,\n"
            "远,121.5,25.0,,\n"
            "坏值,113.31,23.11,很多,\n"
            "坏类,113.32,23.12,,broken\n")  # fmt: skip
    view = upload(client, text.encode(), "all.csv", layer="bins",
                  options={"extent": [113.2, 23.0, 113.5, 23.3]}).get_json()  # fmt: skip
    by_row = {r["row"]: [p["code"] for p in r["problems"]] for r in view["page"]["rows"]}
    assert by_row == {1: [], 2: ["coordinates_swapped"], 3: ["coordinates_out_of_range"], 4: ["wrong_crs"],
                      5: ["invalid_number"], 6: ["empty_geometry"], 7: ["duplicate_row"], 8: ["duplicate_of_stored"],
                      9: ["outside_extent"], 10: ["invalid_value"], 11: ["unknown_category"]}  # fmt: skip
    assert view["counts"]["valid"] == 1 and view["counts"]["refused"] == 10
    assert sum(view["counts"]["problems"].values()) == 10


def test_the_layers_own_labels_are_accepted_as_their_codes(client):
    """A status column holding the labels the mapping shows (完好 for ``ok``, or the English ``Damaged``) is
    read as the codes they label; a word that is neither a code nor a label is still refused."""
    text = ("名称,经度,纬度,状态\n"
            "甲,113.30,23.10,完好\n"
            "乙,113.31,23.11,Damaged\n"
            "丙,113.32,23.12,missing\n"
            "丁,113.33,23.13,很好\n")  # fmt: skip
    view = upload(client, text.encode(), "labels.csv", layer="bins",
                  options={"extent": [113.2, 23.0, 113.5, 23.3]}).get_json()  # fmt: skip
    rows = {r["row"]: r for r in view["page"]["rows"]}
    assert [rows[i]["properties"].get("status") for i in (1, 2, 3)] == ["ok", "damaged", "missing"]
    assert [p["code"] for p in rows[4]["problems"]] == ["unknown_category"]


def test_problem_texts_are_in_the_users_language(client):
    """Each problem of the preview carries its text in both languages, from the translation tables (the
    property's title, the value, the labels that are allowed); the refused rows' CSV is in the language asked
    (``?lang=``, else Chinese)."""
    text = "名称,经度,纬度,状态,容量（升）\n甲,113.30,23.10,很好,\n乙,113.31,23.11,,很多\n"
    view = upload(client, text.encode(), "texts.csv", layer="bins",
                  options={"extent": [113.2, 23.0, 113.5, 23.3]}).get_json()  # fmt: skip
    first, second = (r["problems"][0] for r in view["page"]["rows"])
    assert first["code"] == "unknown_category" and first["reason"].startswith("'很好'")  # for programs: English
    assert first["text"]["zh-CN"] == "类别未知（状态）：“很好”；可填：完好、破损、缺失"
    assert first["text"]["en"] == "Unknown category (Condition): '很好'; allowed: OK, Damaged, Missing"
    assert second["code"] == "invalid_value" and "很多" in second["text"]["zh-CN"]
    assert "容量" in second["text"]["zh-CN"] and "expected" not in second["text"]["zh-CN"]
    zh = client.get(f"/api/imports/{view['id']}/refused.csv").data.decode("utf-8-sig")
    en = client.get(f"/api/imports/{view['id']}/refused.csv?lang=en").data.decode("utf-8-sig")
    assert zh.splitlines()[0].startswith("行,问题,问题代码,") and "类别未知（状态）：“很好”" in zh
    assert en.splitlines()[0].startswith("row,problems,codes,") and "Unknown category (Condition): '很好'" in en
    assert client.get(f"/api/imports/{view['id']}/refused.csv?lang=fr").status_code == 422


def test_addresses_are_geocoded_against_the_demo_community(tmp_path):
    app = create_app({"DATA_DIR": str(tmp_path / "demo"), "CLOCK": Clock(), "TESTING": True,
                      "SQLITE_SYNCHRONOUS": "OFF"})  # fmt: skip
    try:
        seed_demo(app.extensions["store"])
        client = token_client(app, make_user(app, "planner1", "planner"))
        text = "描述,地址\n暴露垃圾,风情街12号\n乱堆物,新港花园3栋\n路灯坏,风清街5号附近\n不知道,火星基地\n"
        options = {"mapping": {"description": "描述"}, "defaults": {"category": "0102", "status": "reported",
                   "reported_at": "2026-05-01T08:00:00+08:00"}}  # fmt: skip
        view = upload(client, text.encode(), "addresses.csv", layer="blackspots", options=options).get_json()
        assert view["info"]["address_column"] == "地址"
        rows = {r["row"]: r for r in view["page"]["rows"]}
        assert rows[1]["geocoded"]["method"] in ("exact:address", "exact:house_number") and rows[1]["valid"]
        assert rows[2]["geocoded"]["matched"] == "新港花园" and rows[2]["valid"]
        assert rows[3]["geocoded"]["method"].startswith("fuzzy") and rows[3]["geocoded"]["confidence"] < 0.95
        assert [p["code"] for p in rows[4]["problems"]] == ["address_not_found"]
        point = shape(rows[1]["geometry"])
        assert app.extensions["places"] is not None and point.is_valid
    finally:
        app.extensions["store"].close()


# -- refusals -------------------------------------------------------------------------------------------------
def test_refusals_share_the_error_shape_and_write_nothing(app, client, store):
    is_error(client.post("/api/imports", data=b"x", content_type="text/csv"), 422, "wrong_type")
    is_error(upload(client, b"MZ\x90\x00binary", "virus.exe"), 422, "unsupported_format")
    is_error(upload(client, b""), 422, "empty_file")
    is_error(upload(client, b"a,b\n1,2\n", layer="nope"), 422, "not_found")
    is_error(upload(client, b"a,b\n1,2\n", crs="EPSG:0"), 422, "unknown_crs")
    is_error(upload(client, b"a,b\n1,2\n", options={"colour": "red"}), 422, "unknown_field")
    slip = zipped({"../../evil.shp": b"x", "../../evil.shx": b"x", "../../evil.dbf": b"x"})
    is_error(upload(client, slip, "evil.zip"), 422, "unsafe_path")
    view = upload(client, b"lng,lat\n113.3,23.1\n", "a.csv").get_json()
    is_error(client.post(f"/api/imports/{view['id']}/commit"), 422, "required")
    is_error(client.patch(f"/api/imports/{view['id']}", json={"layer": "bins", "mapping": {"name": "nope"}}), 422,
             "unknown_column")  # fmt: skip
    is_error(client.patch(f"/api/imports/{view['id']}", json={"layer": "bins", "defaults": {"capacity_l": "many"}}),
             422, "invalid_value")  # fmt: skip
    is_error(client.get("/api/imports/" + "0" * 32), 404, "not_found")
    is_error(client.get("/api/imports/../etc"), 404)
    is_error(client.get(f"/api/imports/{view['id']}?rows=some"), 422, "invalid_value")
    assert store.layer("bins")["feature_count"] == 0
    # Every refused upload removed what it kept; only the one preview that was made remains.
    kept = store.import_sessions()
    assert [record["id"] for record in kept] == [view["id"]] and store.blob_exists(kept[0]["meta"]["upload_key"])


def test_stale_preview_and_failed_commit_write_nothing(client, store, monkeypatch):
    view = upload(client, b"lng,lat\n113.3,23.1\n113.4,23.2\n", "a.csv", layer="bins",
                  options={"extent": [113.2, 23.0, 113.6, 23.4]}).get_json()  # fmt: skip
    client.post("/api/layers/bins/features", json={"type": "Feature", "properties": {},
                                                   "geometry": {"type": "Point", "coordinates": [113.5, 23.3]}})
    is_error(client.post(f"/api/imports/{view['id']}/commit"), 409, "preview_stale")
    assert client.get(f"/api/imports/{view['id']}").status_code == 200
    original = store.create

    def broken(*args, **kwargs):
        raise AppError("simulated")

    monkeypatch.setattr(store, "create", broken)
    assert client.post(f"/api/imports/{view['id']}/commit").status_code == 400
    monkeypatch.setattr(store, "create", original)
    assert store.layer("bins")["feature_count"] == 1
    assert client.post(f"/api/imports/{view['id']}/commit").status_code == 201
    assert store.layer("bins")["feature_count"] == 3


def test_size_limits(tmp_path):
    app = create_app({"DATA_DIR": str(tmp_path / "d"), "CLOCK": Clock(), "TESTING": True, "IMPORT_MAX_BYTES": 1000,
                      "IMPORT_MAX_ROWS": 3})  # fmt: skip
    try:
        client = token_client(app, make_user(app, "a", "admin"))
        is_error(upload(client, b"a,b\n" + b"1,2\n" * 600, "big.csv"), 413)
        is_error(upload(client, b"lng,lat\n" + b"1,2\n" * 4, "rows.csv"), 413, "too_many_rows")
        assert upload(client, b"lng,lat\n" + b"1,2\n" * 3, "rows.csv").status_code == 201
    finally:
        app.extensions["store"].close()


def test_permissions_and_ownership(app, client, anonymous):
    view = upload(client, b"lng,lat\n113.3,23.1\n", "a.csv").get_json()
    is_error(upload(anonymous, b"lng,lat\n1,2\n"), 401)
    leader = token_client(app, make_user(app, "boss", "leader"))
    is_error(upload(leader, b"lng,lat\n1,2\n"), 403, "forbidden")
    worker = token_client(app, make_user(app, "w1", "field_worker", grid_codes=["440106003012001"]))
    is_error(worker.get(f"/api/imports/{view['id']}"), 403)
    planner = token_client(app, make_user(app, "p1", "planner"))
    is_error(planner.get(f"/api/imports/{view['id']}"), 404)  # another user's session does not exist for them
    mine = upload(planner, b"lng,lat\n113.3,23.1\n", "a.csv").get_json()
    assert client.get(f"/api/imports/{mine['id']}").status_code == 200  # administrators see every session
    assert planner.delete(f"/api/imports/{mine['id']}").status_code == 204
    is_error(planner.get(f"/api/imports/{mine['id']}"), 404)


def test_sessions_expire_and_survive_a_restart(tmp_path):
    clock = Clock()
    config = {"DATA_DIR": str(tmp_path / "d"), "CLOCK": clock, "TESTING": True, "IMPORT_TTL_S": 60}
    app = create_app(config)
    token = make_user(app, "a", "admin")
    view = upload(token_client(app, token), b"lng,lat\n113.3,23.1\n", "a.csv", layer="bins").get_json()
    app.extensions["store"].close()
    again = create_app(config)
    try:
        client = token_client(again, token)
        assert client.get(f"/api/imports/{view['id']}").get_json()["counts"]["valid"] == 1
        clock.set(clock.now_us + 61 * 1_000_000)
        is_error(client.get(f"/api/imports/{view['id']}"), 404)
        store = again.extensions["store"]
        gone = store.import_session(view["id"])["meta"]["upload_key"]
        upload(client, b"lng,lat\n1,2\n", "b.csv")  # a new upload sweeps the expired one away, with its file
        assert store.import_session(view["id"]) is None and not store.blob_exists(gone)
    finally:
        again.extensions["store"].close()


def test_refused_rows_csv_keeps_formula_text_as_text(client):
    data = '名称,经度,纬度\n"=HYPERLINK(""http://x/"",""看"")",113.3,\n'.encode()
    view = upload(client, data, "formula.csv", layer="bins").get_json()
    assert view["counts"]["refused"] == 1
    rows = list(csv.reader(io.StringIO(client.get(f"/api/imports/{view['id']}/refused.csv").data.decode("utf-8-sig"))))
    assert rows[1][rows[0].index("名称")] == "'" + '=HYPERLINK("http://x/","看")'


def test_a_preview_through_one_app_process_is_committed_through_another(tmp_path, backend, clock):
    """Two apps on one store, as two app processes behind a proxy: the session is the store's, not a process's."""
    apps = [create_app({"DATA_DIR": str(tmp_path / name), "STORE_URL": backend, "CLOCK": clock, "TESTING": True})
            for name in ("one", "two")]  # fmt: skip
    try:
        token = make_user(apps[0], "importer", "planner")
        one, two = (token_client(app, token) for app in apps)
        data = "名称,lng,lat\n一号,113.3,23.1\n二号,113.31,23.11\n坏行,x,23.1\n".encode()
        view = upload(one, data, "bins.csv", layer="bins").get_json()
        assert view["counts"]["valid"] == 2
        changed = two.patch(f"/api/imports/{view['id']}", json={"mapping": {"name": "名称"}})
        assert changed.status_code == 200 and changed.get_json()["mapping"]["name"] == "名称"
        assert one.get(f"/api/imports/{view['id']}").get_json()["mapping"]["name"] == "名称"  # two's change
        committed = two.post(f"/api/imports/{view['id']}/commit", json={"expected_valid": 2})
        assert committed.status_code == 201, committed.get_json()
        is_error(one.post(f"/api/imports/{view['id']}/commit"), 409, "already_committed")  # never twice
        assert one.get(f"/api/imports/{view['id']}").get_json()["status"] == "committed"
        refused = one.get(f"/api/imports/{view['id']}/refused.csv").data.decode("utf-8-sig")
        assert "坏行" in refused
        store = apps[0].extensions["store"]
        names = sorted(f.properties for f in store.query("bins").features)
        assert len(names) == 2 and all("号" in n for n in names)
    finally:
        for app in apps:
            app.extensions["store"].close()
