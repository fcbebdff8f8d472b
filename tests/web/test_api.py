"""The REST API contract: every endpoint, and every class of bad input with a clear 4xx."""

from __future__ import annotations

import gzip
import json
from datetime import UTC

import numpy as np
import pytest

from geo import pointpack

GEOJSON = "application/geo+json"


def feature(lon=113.33, lat=23.13, **props):
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]}, "properties": props}


def post(client, layer, body, **kw):
    return client.post(
        f"/api/layers/{layer}/features",
        data=json.dumps(body, ensure_ascii=False),
        content_type="application/geo+json",
        **kw,
    )


def assert_error(response, status, code=None, field=None):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    error = response.get_json()["error"]
    assert error["status"] == status
    assert set(error) >= {"status", "code", "message", "message_zh", "details"}
    if code:
        codes = {error["code"]} | {d["code"] for d in error["details"]}
        assert code in codes, error
    if field:
        assert any(d["field"] == field for d in error["details"]), error["details"]
    return error


def test_health(client):
    assert client.get("/api/health").get_json() == {"status": "ok"}


def test_layers_lists_catalogue_with_counts(client):
    post(client, "bins", feature(name="一号"))
    layers = {layer["id"]: layer for layer in client.get("/api/layers").get_json()["layers"]}
    assert set(layers) >= {
        "blackspots",
        "bins",
        "collection_points",
        "toilets",
        "streetlights",
        "roads",
        "buildings",
        "grid",
    }
    assert layers["bins"]["feature_count"] == 1
    assert layers["bins"]["title"] == {"zh-CN": "垃圾箱", "en": "Litter bins"}
    assert layers["roads"]["geometry_types"] == ["LineString", "MultiLineString"]
    assert client.get("/api/layers/bins").get_json()["feature_count"] == 1


def test_config_lists_basemaps(client):
    config = client.get("/api/config").get_json()
    assert config["default_basemap"] == "none"
    ids = {b["id"]: b for b in config["basemaps"]}
    assert set(ids) == {"none", "osm", "tianditu", "amap"}
    assert ids["amap"]["crs"] == "gcj02"
    assert ids["tianditu"]["available"] is False


def test_create_single_and_bulk(client):
    r = post(client, "bins", feature(name="一号", capacity_l=240, sorted=True))
    assert r.status_code == 201 and r.mimetype == GEOJSON
    body = r.get_json()
    assert body["id"] and body["version"] == 1 and body["properties"]["name"] == "一号"
    assert r.headers["ETag"] == f'"{body["id"]}.1"'
    assert r.headers["Location"].endswith(f"/features/{body['id']}")
    r = post(client, "bins", {"type": "FeatureCollection", "features": [feature(113.3 + i / 1000) for i in range(5)]})
    assert r.status_code == 201
    assert len(r.get_json()["features"]) == 5


def test_query_bbox_limit_offset_next(client):
    post(
        client,
        "bins",
        {"type": "FeatureCollection", "features": [feature(113.30 + i / 1000, 23.10) for i in range(30)]},
    )
    r = client.get("/api/layers/bins/features?bbox=113.3045,23,113.3195,24&limit=5")
    assert r.mimetype == GEOJSON
    body = r.get_json()
    assert body["numberMatched"] == 15 and body["numberReturned"] == 5
    nxt = next(link for link in body["links"] if link["rel"] == "next")["href"]
    seen = [f["id"] for f in body["features"]]
    while nxt:
        page = client.get(nxt).get_json()
        seen += [f["id"] for f in page["features"]]
        nxt = next((link["href"] for link in page["links"] if link["rel"] == "next"), None)
    assert len(seen) == len(set(seen)) == 15
    assert client.get("/api/layers/bins/features?limit=10000").status_code == 200


def test_property_filters(client):
    post(
        client,
        "bins",
        {
            "type": "FeatureCollection",
            "features": [
                feature(name="甲", sorted=True, capacity_l=120),
                feature(name="乙", sorted=False, capacity_l=240),
            ],
        },
    )
    assert client.get("/api/layers/bins/features?sorted=true").get_json()["numberMatched"] == 1
    assert (
        client.get("/api/layers/bins/features?capacity_l=240").get_json()["features"][0]["properties"]["name"] == "乙"
    )
    assert client.get("/api/layers/bins/features?name=甲").get_json()["numberMatched"] == 1
    assert_error(client.get("/api/layers/bins/features?colour=red"), 400, field="colour")
    assert_error(client.get("/api/layers/bins/features?capacity_l=big"), 400, field="capacity_l")
    assert_error(client.get("/api/layers/bins/features?sorted=yes"), 400, field="sorted")


def test_at_shows_the_past(client, clock):
    created = post(client, "bins", feature(name="旧")).get_json()
    before_update = clock.now_us + 500
    clock.set(clock.now_us + 1_000_000)
    r = client.patch(
        f"/api/layers/bins/features/{created['id']}",
        json={"properties": {"name": "新"}},
        headers={"If-Match": f'"{created["id"]}.1"'},
    )
    assert r.status_code == 200
    from datetime import datetime

    at = datetime.fromtimestamp(before_update / 1e6, UTC).isoformat()
    past = client.get("/api/layers/bins/features", query_string={"at": at}).get_json()
    assert past["features"][0]["properties"]["name"] == "旧"
    one = client.get(f"/api/layers/bins/features/{created['id']}", query_string={"at": at}).get_json()
    assert one["properties"]["name"] == "旧" and one["version"] == 1
    assert client.get("/api/layers/bins/features?at=2000-01-01").get_json()["numberMatched"] == 0
    assert_error(client.get("/api/layers/bins/features?at=last-spring"), 400, field="at")


def test_put_patch_delete_and_history(client):
    created = post(client, "toilets", feature(name="公厕", flush="flush")).get_json()
    url = f"/api/layers/toilets/features/{created['id']}"
    r = client.put(
        url, json=feature(113.331, 23.131, name="公厕", flush="dry"), headers={"If-Match": f'"{created["id"]}.1"'}
    )
    assert r.status_code == 200 and r.get_json()["version"] == 2 and r.get_json()["properties"]["flush"] == "dry"
    r = client.patch(
        url, json={"properties": {"name": None, "accessible": True}}, headers={"If-Match": r.headers["ETag"]}
    )
    assert r.get_json()["properties"] == {"flush": "dry", "accessible": True}
    r = client.delete(url, headers={"If-Match": r.headers["ETag"]})
    assert r.status_code == 204
    assert_error(client.get(url), 404, "not_found")
    history = client.get(url + "/history").get_json()["features"]
    assert [v["version"] for v in history] == [1, 2, 3, 4]
    assert [v["op"] for v in history] == ["create", "update", "update", "delete"]
    assert all(v["author"] == "tester" for v in history)


def test_author_is_the_authenticated_user_not_a_header(client):
    r = post(client, "bins", feature(), headers={"X-Client": "someone-else"})
    assert r.get_json()["author"] == "tester"


def test_stale_version_412_with_current(client):
    created = post(client, "bins", feature(name="a")).get_json()
    url = f"/api/layers/bins/features/{created['id']}"
    ok = client.patch(url, json={"properties": {"name": "b"}}, headers={"If-Match": f'"{created["id"]}.1"'})
    assert ok.status_code == 200
    stale = client.patch(url, json={"properties": {"name": "c"}}, headers={"If-Match": f'"{created["id"]}.1"'})
    error = assert_error(stale, 412, "version_mismatch", field="If-Match")
    assert error["current"]["properties"]["name"] == "b" and error["current"]["version"] == 2
    assert stale.headers["ETag"] == f'"{created["id"]}.2"'
    assert client.get(url).get_json()["properties"]["name"] == "b"
    assert_error(client.delete(url, headers={"If-Match": f'"{created["id"]}.1"'}), 412)
    assert_error(client.patch(url, json={"properties": {"name": "d"}}), 428, "precondition_required")
    assert_error(client.patch(url, json={"properties": {}}, headers={"If-Match": "garbage"}), 400, field="If-Match")
    assert client.patch(url, json={"properties": {"name": "e"}}, headers={"If-Match": "*"}).status_code == 200


@pytest.mark.parametrize(
    "body, code, field",
    [
        ("{not json", "invalid_json", "body"),
        ('{"type": "Feature", "geometry": {"type": "Point", "coordinates": [NaN, 1]}}', "invalid_json", "body"),
    ],
)
def test_not_json(client, body, code, field):
    r = client.post("/api/layers/bins/features", data=body, content_type="application/json")
    assert_error(r, 400, code, field)


def test_wrong_content_type(client):
    r = client.post("/api/layers/bins/features", data="x=1", content_type="application/x-www-form-urlencoded")
    assert_error(r, 415, "unsupported_media_type", field="Content-Type")


@pytest.mark.parametrize(
    "payload, code, field",
    [
        ({"type": "Point", "coordinates": [1, 2]}, "invalid_geojson", "type"),
        ([1, 2, 3], "invalid_geojson", "type"),
        ({"type": "FeatureCollection"}, "invalid_geojson", "features"),
        ({"type": "FeatureCollection", "features": []}, "empty", "features"),
        ({"type": "Feature", "properties": {}}, "empty_geometry", "feature.geometry"),
        (
            {"type": "Feature", "geometry": {"type": "Point", "coordinates": []}},
            "empty_geometry",
            "feature.geometry.coordinates",
        ),
        (
            {"type": "Feature", "geometry": {"type": "Circle", "coordinates": [1, 2]}},
            "invalid_geojson",
            "feature.geometry.type",
        ),
        (
            {"type": "Feature", "geometry": {"type": "LineString", "coordinates": [[113.3, 23.1], [113.4, 23.1]]}},
            "geometry_type_mismatch",
            "feature.geometry.type",
        ),
        (
            {"type": "Feature", "geometry": {"type": "Point", "coordinates": [200, 23.1]}},
            "coordinates_out_of_range",
            "feature.geometry.coordinates",
        ),
        (
            {"type": "Feature", "geometry": {"type": "Point", "coordinates": [23.13, 113.33]}},
            "coordinates_swapped",
            "feature.geometry.coordinates",
        ),
        (
            {"type": "Feature", "geometry": {"type": "Point", "coordinates": [12616000.0, 2649000.0]}},
            "wrong_crs",
            "feature.geometry.coordinates",
        ),
        (
            {"type": "Feature", "geometry": {"type": "Point", "coordinates": ["113", 23]}},
            "invalid_position",
            "feature.geometry.coordinates",
        ),
        (
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [113.3, 23.1]},
                "properties": {"colour": "red"},
            },
            "unknown_field",
            "feature.properties.colour",
        ),
        (
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [113.3, 23.1]},
                "properties": {"capacity_l": "240"},
            },
            "invalid_value",
            "feature.properties.capacity_l",
        ),
        (
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [113.3, 23.1]},
                "properties": {"status": "gone"},
            },
            "invalid_value",
            "feature.properties.status",
        ),
        (
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [113.3, 23.1]},
                "properties": {},
                "extra": 1,
            },
            "unknown_field",
            "feature.extra",
        ),
        (
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [113.3, 23.1]},
                "crs": {"type": "name", "properties": {"name": "EPSG:3857"}},
            },
            "unsupported_crs",
            "crs",
        ),
    ],
)
def test_bad_features_are_refused_naming_the_field(client, payload, code, field):
    r = post(client, "bins", payload)
    assert r.status_code in (400, 422)
    assert_error(r, r.status_code, code, field)
    assert client.get("/api/layers/bins").get_json()["feature_count"] == 0


def test_self_intersecting_polygon_names_where(client):
    bowtie = {
        "type": "Polygon",
        "coordinates": [[[113.30, 23.10], [113.31, 23.11], [113.31, 23.10], [113.30, 23.11], [113.30, 23.10]]],
    }
    error = assert_error(
        post(client, "buildings", {"type": "Feature", "geometry": bowtie, "properties": {}}), 422, "invalid_geometry"
    )
    detail = error["details"][0]
    assert detail["location"] == pytest.approx([113.305, 23.105])
    assert "self-intersection" in detail["reason"]


def test_unclosed_ring_and_short_line(client):
    ring = {"type": "Polygon", "coordinates": [[[113.30, 23.10], [113.31, 23.11], [113.31, 23.10], [113.30, 23.12]]]}
    assert_error(post(client, "buildings", {"type": "Feature", "geometry": ring}), 422, "ring_not_closed")
    short = {"type": "LineString", "coordinates": [[113.30, 23.10]]}
    assert_error(
        post(client, "roads", {"type": "Feature", "geometry": short, "properties": {"class": "alley"}}),
        422,
        "too_few_positions",
    )


def test_swap_inside_valid_range_is_caught_by_project_extent(client):
    post(client, "bins", {"type": "FeatureCollection", "features": [feature(121.5, 25.0), feature(121.6, 25.1)]})
    # Taipei-like data: [25.05, 121.55] is in range but far outside the project, and swapped it is inside.
    assert_error(post(client, "bins", feature(25.05, 121.55)), 422, "coordinates_swapped")


def test_bulk_with_one_bad_feature_stores_nothing(client):
    features = [feature(113.3 + i / 1000) for i in range(10)]
    features[7]["properties"] = {"capacity_l": -5}
    error = assert_error(post(client, "bins", {"type": "FeatureCollection", "features": features}), 422)
    assert error["details"][0]["field"] == "features[7].properties.capacity_l"
    assert client.get("/api/layers/bins").get_json()["feature_count"] == 0


def test_size_limits(app, client):
    app.config["MAX_CONTENT_LENGTH"] = 1000
    assert_error(
        post(client, "bins", {"type": "FeatureCollection", "features": [feature()] * 50}), 413, "payload_too_large"
    )
    app.config["MAX_CONTENT_LENGTH"] = 10**8
    app.config["MAX_FEATURES_PER_REQUEST"] = 3
    assert_error(
        post(client, "bins", {"type": "FeatureCollection", "features": [feature()] * 4}), 413, "too_many_features"
    )
    app.config["MAX_VERTICES"] = 10
    line = {"type": "LineString", "coordinates": [[113.3 + i / 1e4, 23.1] for i in range(11)]}
    assert_error(
        post(client, "roads", {"type": "Feature", "geometry": line, "properties": {"class": "alley"}}),
        422,
        "too_many_vertices",
    )


def test_unknown_layer_and_feature(client):
    assert_error(client.get("/api/layers/nope/features"), 404, "not_found", field="layer")
    assert_error(client.get("/api/layers/bins/features/999"), 404, "not_found", field="id")
    assert_error(client.get("/api/layers/bins/features/999/history"), 404)
    assert_error(
        client.patch("/api/layers/bins/features/999", json={"properties": {}}, headers={"If-Match": '"999.1"'}), 404
    )
    assert_error(client.get("/api/nothing-here"), 404)
    assert_error(client.post("/api/health"), 405)


@pytest.mark.parametrize(
    "query, field",
    [
        ("bbox=1,2,3", "bbox"),
        ("bbox=a,b,c,d", "bbox"),
        ("bbox=114,23,113,24", "bbox"),
        ("bbox=23,113,24,114", "bbox"),
        ("bbox=1,2,3,inf", "bbox"),
        ("limit=0", "limit"),
        ("limit=10001", "limit"),
        ("limit=ten", "limit"),
        ("offset=-1", "offset"),
    ],
)
def test_bad_query_parameters(client, query, field):
    assert_error(client.get(f"/api/layers/bins/features?{query}"), 400, field=field)


def test_custom_layer(client):
    definition = {
        "id": "dog_waste_bins",
        "title": {"zh-CN": "狗便箱", "en": "Dog-waste bins"},
        "geometry_types": ["Point"],
        "properties": {"kind": {"type": "string", "enum": ["bag", "box"], "title": {"zh-CN": "类型", "en": "Kind"}}},
        "required": ["kind"],
        "style": {"color": "#123456", "radius": 5},
    }
    r = client.post("/api/layers", json=definition)
    assert r.status_code == 201 and r.get_json()["feature_count"] == 0
    assert_error(client.post("/api/layers", json=definition), 409, "layer_exists", field="id")
    assert post(client, "dog_waste_bins", feature(kind="bag")).status_code == 201
    assert_error(post(client, "dog_waste_bins", feature(kind="bucket")), 422, field="feature.properties.kind")
    assert_error(post(client, "dog_waste_bins", feature()), 422, "required", field="feature.properties.kind")


@pytest.mark.parametrize(
    "definition, field",
    [
        ({"id": "Bad Id", "title": {"zh-CN": "x", "en": "x"}, "geometry_types": ["Point"]}, "id"),
        ({"id": "ok_id", "title": {"en": "only English"}, "geometry_types": ["Point"]}, "title"),
        ({"id": "ok_id", "title": {"zh-CN": "x", "en": "x"}, "geometry_types": ["Blob"]}, "geometry_types"),
        (
            {
                "id": "ok_id",
                "title": {"zh-CN": "x", "en": "x"},
                "geometry_types": ["Point"],
                "properties": {"a": {"type": "text", "title": {"zh-CN": "a", "en": "a"}}},
            },
            "properties.a.type",
        ),
        ({"id": "ok_id", "title": {"zh-CN": "x", "en": "x"}, "geometry_types": ["Point"], "surprise": 1}, "surprise"),
        (
            {"id": "ok_id", "title": {"zh-CN": "x", "en": "x"}, "geometry_types": ["Point"], "style": {"color": "red"}},
            "style.color",
        ),
    ],
)
def test_bad_layer_definitions(client, definition, field):
    assert_error(client.post("/api/layers", json=definition), 422, field=field)


def test_point_payload(client):
    post(
        client,
        "streetlights",
        {
            "type": "FeatureCollection",
            "features": [feature(113.30 + i / 1000, 23.10, status="working" if i % 3 else "broken") for i in range(9)],
        },
    )
    r = client.get("/api/layers/streetlights/points", headers={"Accept-Encoding": "gzip"})
    assert r.headers["Content-Encoding"] == "gzip"
    decoded = pointpack.decode(gzip.decompress(r.data))
    assert len(decoded["fids"]) == 9
    assert decoded["values"].count("broken") == 3
    assert np.allclose(decoded["x"], [113.30 + i / 1000 for i in range(9)], atol=1e-6)
    plain = client.get("/api/layers/streetlights/points")
    assert "Content-Encoding" not in plain.headers and plain.data[:4] == b"CWP1"
    assert_error(client.get("/api/layers/roads/points"), 422, "not_a_point_layer")


def test_read_only_layer(client, store):
    definition = {
        "id": "archive",
        "title": {"zh-CN": "档案", "en": "Archive"},
        "geometry_types": ["Point"],
        "editable": False,
    }
    client.post("/api/layers", json=definition)
    assert_error(post(client, "archive", feature()), 409, "read_only")


def test_gzip_for_clients_that_accept_it(client):
    post(client, "bins", {"type": "FeatureCollection", "features": [feature(113.3 + i / 1000) for i in range(50)]})
    plain = client.get("/api/layers/bins/features")
    zipped = client.get("/api/layers/bins/features", headers={"Accept-Encoding": "gzip, deflate"})
    assert "Content-Encoding" not in plain.headers
    assert zipped.headers["Content-Encoding"] == "gzip" and "Accept-Encoding" in zipped.headers["Vary"]
    unzipped = json.loads(gzip.decompress(zipped.data))
    assert unzipped["features"] == plain.get_json()["features"]
    assert len(zipped.data) < len(plain.data) / 3
    js = client.get("/static/vendor/leaflet-1.9.4/leaflet-src.esm.js", headers={"Accept-Encoding": "gzip"})
    assert js.headers["Content-Encoding"] == "gzip" and gzip.decompress(js.data).startswith(b"/* @preserve")
    small = client.get("/api/health", headers={"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in small.headers


def test_point_payload_booleans_and_revalidation(client):
    post(
        client, "bins", {"type": "FeatureCollection", "features": [feature(sorted=True), feature(113.34, sorted=False)]}
    )
    first = client.get("/api/layers/bins/points")
    assert pointpack.decode(first.data)["values"] == [True, False]
    again = client.get("/api/layers/bins/points", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and not again.data
    post(client, "bins", feature(113.35, sorted=True))
    changed = client.get("/api/layers/bins/points", headers={"If-None-Match": first.headers["ETag"]})
    assert changed.status_code == 200 and pointpack.decode(changed.data)["values"] == [True, False, True]


def test_config_says_when_the_data_is_the_fictional_demo(client, store):
    assert client.get("/api/config").get_json()["demo"] is None
    store.set_meta("demo", {"name": "示例", "fictional": True})
    assert client.get("/api/config").get_json()["demo"]["fictional"] is True
