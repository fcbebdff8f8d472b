"""OGC API – Features at /ogc through the Flask test client: every endpoint in JSON and HTML, paging
links, the exact bbox subset, datetime instants, property filters, errors in the one shape, the read
gate, and the OpenAPI definition. Real clients (GDAL, OWSLib) are in test_ogc_clients.py."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import openapi_spec_validator
import pytest
import shapely
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

from layers.catalogue.extents import LayerExtents
from layers.interop.ogc import CONFORMANCE, CRS84, GEOJSON, HTML, OPENAPI_JSON
from layers.store import NewFeature
from server import create_app

ROOT = Path(__file__).resolve().parents[2]
ITEMS = "/ogc/collections/bins/items"
BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
SPEC = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/"
START_US = 1_767_225_600_000_000  # the conftest clock's start, 2026-01-01T00:00:00Z


# -- helpers ------------------------------------------------------------------------------------------


def point(lon, lat, **properties):
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]}, "properties": properties}


def line(coords, **properties):
    return {"type": "Feature", "geometry": {"type": "LineString", "coordinates": coords}, "properties": properties}


def post(client, layer, features) -> list[int]:
    response = client.post(f"/api/layers/{layer}/features", json={"type": "FeatureCollection", "features": features})
    assert response.status_code == 201, response.get_json()
    return [f["id"] for f in response.get_json()["features"]]


def check_error(response, status: int, field: str | None = None) -> dict:
    """The project's one error shape (``{"error": {status, code, message, message_zh, details}}``)."""
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/json"
    error = response.get_json()["error"]
    assert set(error) >= {"status", "code", "message", "message_zh", "details"}
    assert error["status"] == status
    for detail in error["details"]:
        assert {"field", "code", "reason"} <= set(detail)
    if field is not None:
        assert field in [d["field"] for d in error["details"]], error
    return error


def rels(doc: dict) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for link in doc["links"]:
        assert link["href"].startswith("http://localhost/"), link
        out.setdefault(link["rel"], []).append(link)
    return out


def iso(us: int) -> str:
    return datetime.fromtimestamp(us / 1e6, UTC).isoformat().replace("+00:00", "Z")


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.tags: set[str] = set()
        self.assets: list[str] = []  # the href of each <link>, the src of each <script>
        self.styled = False

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        attrs = dict(attrs)
        self.styled |= "style" in attrs or any(a.startswith("on") for a in attrs)
        if tag == "a":
            self.hrefs.append(attrs["href"])
        if tag in ("link", "script"):
            self.assets.append(attrs.get("href") or attrs.get("src") or "")


def html_page(response) -> _Page:
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.mimetype == HTML
    text = response.get_data(as_text=True)
    assert text.startswith("<!DOCTYPE html>")
    page = _Page()
    page.feed(text)
    # The product's own stylesheet, icon and map module only: no inline script or style, nothing from outside.
    assert not page.styled and not ({"style", "img", "iframe"} & page.tags), page.tags
    assert page.assets and all(a.startswith("/static/") and ".." not in a for a in page.assets), page.assets
    assert "/static/css/icon.svg" in page.assets and "/static/css/app.css" in page.assets
    assert not re.search(r"<script[^>]*>[^<]", text), "inline script"
    page.text = text
    return page


@pytest.fixture
def bins(client):
    """Twelve bins on a line of longitudes, every third damaged."""
    return post(
        client,
        "bins",
        [point(113.30 + i * 0.001, 23.10, name=f"箱{i:02d}", status="damaged" if i % 3 == 0 else "ok",
               sorted=i % 2 == 0, capacity_l=120 if i < 6 else 240) for i in range(12)],
    )  # fmt: skip


# -- landing page, conformance, API definition -------------------------------------------------------


@pytest.mark.parametrize("path", ["/ogc", "/ogc/"])
def test_landing_page_links(client, path):
    response = client.get(path)
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert "Accept" in response.headers["Vary"]
    links = rels(response.get_json())
    assert links["self"][0]["type"] == "application/json"
    assert links["alternate"][0]["type"] == HTML
    assert links["service-desc"][0]["type"] == OPENAPI_JSON
    assert links["service-doc"][0]["type"] == HTML
    assert links["conformance"][0]["href"].startswith("http://localhost/ogc/conformance")
    assert links["data"][0]["href"].startswith("http://localhost/ogc/collections")
    for link in response.get_json()["links"]:
        assert client.get(link["href"], headers={"Accept": link["type"]}).status_code == 200, link


def test_conformance_declares_only_what_is_honoured(client):
    body = client.get("/ogc/conformance").get_json()
    assert body["conformsTo"] == [SPEC + c for c in ("core", "geojson", "html", "oas30")] == list(CONFORMANCE)
    assert not any("features-2" in c or "crs" in c for c in body["conformsTo"])  # Part 2 would invite crs=…


def test_formats_by_f_and_accept(client):
    assert client.get("/ogc/collections", headers={"Accept": "*/*"}).mimetype == "application/json"
    assert client.get("/ogc/collections", headers={"Accept": "application/json"}).mimetype == "application/json"
    assert client.get("/ogc/collections", headers=BROWSER).mimetype == HTML
    assert client.get("/ogc/collections?f=json", headers=BROWSER).mimetype == "application/json"
    assert client.get("/ogc/collections?f=html").mimetype == HTML
    check_error(client.get("/ogc/collections?f=xml"), 400, "f")


# -- collections --------------------------------------------------------------------------------------


def test_collections_are_the_layers_with_their_extents(client, store, bins):
    roads = post(client, "roads", [line([[113.40, 23.20], [113.42, 23.23]], **{"class": "alley"})])
    created = client.post("/api/layers", json={"id": "dog_bins", "title": {"zh-CN": "狗便箱", "en": "Dog-waste bins"},
                                               "geometry_types": ["Point"]})  # fmt: skip
    assert created.status_code == 201
    body = client.get("/ogc/collections").get_json()
    by_id = {c["id"]: c for c in body["collections"]}
    assert list(by_id) == [layer["id"] for layer in store.layers()]
    assert rels(body)["self"][0]["href"] == "http://localhost/ogc/collections?f=json"
    bins_ = by_id["bins"]
    assert bins_["title"] == "垃圾箱 / Litter bins" and bins_["itemType"] == "feature" and bins_["crs"] == [CRS84]
    assert bins_["extent"]["spatial"]["crs"] == CRS84
    assert bins_["extent"]["spatial"]["bbox"] == [pytest.approx([113.30, 23.10, 113.311, 23.10])]
    assert by_id["roads"]["extent"]["spatial"]["bbox"] == [[113.40, 23.20, 113.42, 23.23]]
    assert "extent" not in by_id["dog_bins"] and by_id["dog_bins"]["title"] == "狗便箱 / Dog-waste bins"
    items = {link["type"]: link["href"] for link in rels(bins_)["items"]}
    assert set(items) == {GEOJSON, HTML}
    # /collections/{id} is the same object, links included (/req/core/sfc-md-success)
    for cid, entry in by_id.items():
        assert client.get(f"/ogc/collections/{cid}").get_json() == entry
    # a write moves the extent
    post(client, "bins", [point(113.5, 23.5)])
    assert client.get("/ogc/collections/bins").get_json()["extent"]["spatial"]["bbox"] == [[113.30, 23.10, 113.5, 23.5]]
    assert roads


def test_layer_extents_follow_writes_and_deletions(client, store):
    roads = [line([[113.30 + i * 0.01, 23.1], [113.305 + i * 0.01, 23.2]], **{"class": "alley"}) for i in range(5)]
    road_ids = post(client, "roads", roads)
    bin_ids = post(client, "bins", [point(113.3, 23.1), point(113.4, 23.3)])
    extents = LayerExtents(store, page=2)  # pages of 2: the paging is exercised
    assert extents.get(store.layer("roads")) == pytest.approx((113.30, 23.1, 113.345, 23.2))
    assert extents.get(store.layer("bins")) == pytest.approx((113.3, 23.1, 113.4, 23.3))
    for layer, fid in (("roads", road_ids[-1]), ("bins", bin_ids[-1])):
        assert (
            client.delete(f"/api/layers/{layer}/features/{fid}", headers={"If-Match": f'"{fid}.1"'}).status_code == 204
        )
    assert extents.get(store.layer("roads")) == pytest.approx((113.30, 23.1, 113.335, 23.2))
    assert extents.get(store.layer("bins")) == pytest.approx((113.3, 23.1, 113.3, 23.1))
    assert extents.get(store.layer("toilets")) is None
    with pytest.raises(ValueError, match="page"):
        LayerExtents(store, page=0)


def test_feature_schema_types_every_property(client):
    link = rels(client.get("/ogc/collections/streetlights").get_json())["describedby"][0]
    assert link["type"] == "application/schema+json"
    response = client.get(link["href"])
    assert response.status_code == 200 and response.mimetype == "application/schema+json"
    schema = response.get_json()
    assert schema["$id"] == "http://localhost/ogc/collections/streetlights/schema"
    properties = schema["properties"]["properties"]["properties"]
    assert properties["pole_height_m"]["type"] == "number"  # so GDAL reads 4.5 after a page of 6s as a real
    blackspots = client.get("/ogc/collections/blackspots/schema").get_json()["properties"]["properties"]["properties"]
    assert blackspots["reported_at"] == {"type": "string", "format": "date-time", "title": "上报时间 / Reported at"}
    bins = client.get("/ogc/collections/bins/schema").get_json()["properties"]["properties"]["properties"]
    assert bins["status"]["enum"] == ["ok", "damaged", "missing"] and bins["sorted"]["type"] == "boolean"
    page = html_page(client.get("/ogc/collections/bins/schema", headers=BROWSER))
    assert "capacity_l" in page.text and "integer" in page.text


def test_unknown_collection_is_404_in_the_error_shape(client):
    for path in ("/ogc/collections/nope", "/ogc/collections/nope/items", "/ogc/collections/nope/items/1",
                 "/ogc/collections/nope/schema"):  # fmt: skip
        check_error(client.get(path), 404, "collectionId")


# -- items: paging, counts, bbox, filters -------------------------------------------------------------


def test_items_default_page_and_next_links_cover_every_feature_once(client, bins):
    first = client.get("/ogc/collections/bins/items")
    assert first.status_code == 200 and first.mimetype == GEOJSON
    body = first.get_json()
    assert body["type"] == "FeatureCollection"
    assert body["numberMatched"] == 12 and body["numberReturned"] == 10 == len(body["features"])  # default 10
    assert datetime.fromisoformat(body["timeStamp"]).tzinfo is not None
    links = rels(body)
    assert {link["type"] for link in links["self"] + links["next"]} == {GEOJSON}
    assert links["alternate"][0]["type"] == HTML and "prev" not in links
    seen, url, pages = [], "/ogc/collections/bins/items?limit=5&status=ok", 0
    while url:
        page = client.get(url).get_json()
        seen += [f["id"] for f in page["features"]]
        assert page["numberMatched"] == 8 and page["numberReturned"] == len(page["features"])
        nexts = [link for link in page["links"] if link["rel"] == "next"]
        url = nexts[0]["href"] if nexts else None
        if url:
            assert dict(parse_qsl(urlsplit(url).query)) | {"offset": "x"} == {
                "status": "ok", "limit": "5", "offset": "x", "f": "json"}  # fmt: skip
        pages += 1
    ok = [fid for i, fid in enumerate(bins) if i % 3]
    assert seen == ok and pages == 2
    last = client.get("/ogc/collections/bins/items?limit=5&offset=5&status=ok").get_json()
    prev = rels(last)["prev"][0]["href"]
    assert dict(parse_qsl(urlsplit(prev).query))["offset"] == "0"
    assert "next" not in rels(last)


def test_limit_bounds(client, bins):
    check_error(client.get("/ogc/collections/bins/items?limit=0"), 400, "limit")
    check_error(client.get("/ogc/collections/bins/items?limit=ten"), 400, "limit")
    check_error(client.get("/ogc/collections/bins/items?offset=-1"), 400, "offset")
    body = client.get("/ogc/collections/bins/items?limit=10000").get_json()
    assert body["numberReturned"] == 12


def test_limit_above_the_maximum_uses_the_maximum(tmp_path):
    app = create_app({"DATA_DIR": str(tmp_path / "small"), "MAX_LIMIT": 5, "READ_REQUIRES_LOGIN": False})
    try:
        store = app.extensions["store"]
        store.create("bins", [NewFeature({"type": "Point", "coordinates": [113.3, 23.1]}, {}, (113.3, 23.1) * 2)] * 7,
                     "test")  # fmt: skip
        client = app.test_client()
        body = client.get("/ogc/collections/bins/items?limit=50").get_json()  # the standard: no error
        assert body["numberReturned"] == 5 and body["numberMatched"] == 7
        assert dict(parse_qsl(urlsplit(rels(body)["next"][0]["href"]).query))["limit"] == "5"
        spec = client.get("/ogc/openapi").get_json()["components"]["parameters"]["limit"]["schema"]
        assert spec == {"type": "integer", "minimum": 1, "maximum": 5, "default": 10}
    finally:
        app.extensions["store"].close()


def test_bbox_returns_exactly_the_features_whose_geometry_intersects(client):
    box = (113.301, 23.101, 113.303, 23.103)
    features = [
        line([[113.300, 23.100], [113.304, 23.104]], name="crosses", **{"class": "alley"}),
        line([[113.300, 23.108], [113.310, 23.098]], name="corner-only-by-bbox", **{"class": "alley"}),
        line([[113.302, 23.090], [113.302, 23.101]], name="touches-edge", **{"class": "alley"}),
        line([[113.310, 23.110], [113.320, 23.120]], name="far", **{"class": "alley"}),
    ]
    ids = post(client, "roads", features)
    shapes = shapely.from_geojson([json.dumps(f["geometry"]) for f in features])
    expected = {fid for fid, shape in zip(ids, shapes) if shapely.intersects(shape, shapely.box(*box))}
    assert len(expected) == 2  # the diagonal whose bounding box overlaps is not among them
    body = client.get(f"/ogc/collections/roads/items?bbox={','.join(map(str, box))}&limit=100").get_json()
    assert {f["id"] for f in body["features"]} == expected and body["numberMatched"] == 2
    six = client.get("/ogc/collections/roads/items?bbox=113.301,23.101,-10,113.303,23.103,100").get_json()
    assert {f["id"] for f in six["features"]} == expected  # heights are checked and dropped (2-D data)
    for bad in ("1,2,3", "113.303,23.101,113.301,23.103", "23.1,113.3,23.2,113.4", "a,b,c,d", "0,0,5,1,1,4"):
        check_error(client.get(f"/ogc/collections/roads/items?bbox={bad}"), 400, "bbox")


def test_property_filters_unknown_and_repeated_parameters(client, bins):
    def ids(query):
        return [f["id"] for f in client.get(f"/ogc/collections/bins/items?limit=100&{query}").get_json()["features"]]

    assert ids("status=damaged") == bins[::3]
    assert ids("sorted=true") == ids("sorted=1") == bins[::2]  # GDAL sends booleans as 1/0
    assert ids("capacity_l=240&status=ok") == [fid for i, fid in enumerate(bins) if i >= 6 and i % 3]
    error = check_error(client.get("/ogc/collections/bins/items?colour=red&limit=0&limit=1&capacity_l=big"), 400)
    assert {(d["field"], d["code"]) for d in error["details"]} == {
        ("colour", "unknown_parameter"), ("limit", "repeated"), ("capacity_l", "invalid_value")}  # fmt: skip
    check_error(client.get("/ogc/collections?bbox=1,2,3,4"), 400, "bbox")  # only items take bbox
    check_error(client.get("/ogc/collections/bins/items?crs=EPSG:3857"), 400, "crs")
    assert client.get(f"/ogc/collections/bins/items?crs={CRS84}&bbox-crs={CRS84}&bbox=113,23,114,24").status_code == 200


# -- time --------------------------------------------------------------------------------------------


def test_datetime_instant_reads_the_layer_as_it_was(client, clock):
    second = 10**6
    t0, t1, t2 = START_US + 10 * second, START_US + 20 * second, START_US + 30 * second
    clock.set(t0)
    (a,) = post(client, "bins", [point(113.3, 23.1, status="ok", name="A")])
    clock.set(t1)
    patched = client.patch(f"/api/layers/bins/features/{a}", json={"properties": {"status": "damaged"}},
                           headers={"If-Match": f'"{a}.1"'})  # fmt: skip
    assert patched.status_code == 200, patched.get_json()
    clock.set(t2)
    (b,) = post(client, "bins", [point(113.31, 23.1, name="B")])

    def state(when):
        body = client.get(f"/ogc/collections/bins/items?datetime={when}").get_json()
        return {f["id"]: f["properties"].get("status") for f in body["features"]}, body["numberMatched"]

    assert state(iso(t0 - second)) == ({}, 0)
    assert state(iso(t0 + second)) == ({a: "ok"}, 1)
    assert state(iso(t1 + second)) == ({a: "damaged"}, 1)
    assert state(iso(t2 + second)) == ({a: "damaged", b: None}, 2)
    assert state("2026-01-01T08:00:15%2B08:00") == ({a: "ok"}, 1)  # t0 + 5 s, written with an offset
    assert state("2026-01-01T08:00:15+08:00") == ({a: "ok"}, 1)  # an unencoded "+" arrives as a space
    old = client.get(f"/ogc/collections/bins/items/{a}?datetime={iso(t0 + second)}")
    assert old.headers["ETag"] == f'"{a}.1"' and old.get_json()["properties"]["status"] == "ok"
    check_error(client.get(f"/ogc/collections/bins/items/{b}?datetime={iso(t1)}"), 404, "featureId")
    check_error(client.get("/ogc/collections/bins/items?datetime=yesterday"), 400, "datetime")
    check_error(client.get("/ogc/collections/bins/items?datetime=1066-10-14"), 400, "datetime")


def test_datetime_interval_gives_what_existed_then_as_it_was_last(client, clock):
    second = 10**6
    t0, t1, t2, t3 = (START_US + k * 10 * second for k in (1, 2, 3, 4))
    clock.set(t0)
    (a,) = post(client, "bins", [point(113.3, 23.1, status="ok", name="A")])
    clock.set(t1)
    client.patch(f"/api/layers/bins/features/{a}", json={"properties": {"status": "damaged"}},
                 headers={"If-Match": f'"{a}.1"'})  # fmt: skip
    clock.set(t2)
    (b,) = post(client, "bins", [point(113.31, 23.1, name="B")])
    clock.set(t3)
    assert client.delete(f"/api/layers/bins/features/{b}", headers={"If-Match": f'"{b}.1"'}).status_code == 204

    def state(interval):
        body = client.get(f"/ogc/collections/bins/items?datetime={interval}").get_json()
        return {f["id"]: (f["properties"].get("status"), f["version"]) for f in body["features"]}, body["numberMatched"]

    s_ = second
    assert state(f"../{iso(t0 - s_)}") == ({}, 0)
    assert state(f"../{iso(t0 + s_)}") == ({a: ("ok", 1)}, 1)
    assert state(f"{iso(t0)}/{iso(t1 - s_)}") == ({a: ("ok", 1)}, 1)
    assert state(f"{iso(t0)}/{iso(t2 - s_)}") == ({a: ("damaged", 2)}, 1)  # before B
    assert state(f"{iso(t0)}/{iso(t2 + s_)}") == ({a: ("damaged", 2), b: (None, 1)}, 2)
    assert state(f"{iso(t2 + s_)}/{iso(t3 + s_)}") == ({a: ("damaged", 2), b: (None, 1)}, 2)  # B deleted in it
    assert state(f"{iso(t3 + s_)}/..") == ({a: ("damaged", 2)}, 1)  # B was gone by then
    assert state("../..") == state(f"{iso(t0)}/") == ({a: ("damaged", 2), b: (None, 1)}, 2)
    box = "&bbox=113.305,23.09,113.32,23.11"  # only B
    body = client.get(f"/ogc/collections/bins/items?datetime=../..{box}").get_json()
    assert [f["id"] for f in body["features"]] == [b]
    old = client.get(f"/ogc/collections/bins/items/{a}?datetime=../{iso(t0 + s_)}")
    assert old.headers["ETag"] == f'"{a}.1"'
    assert client.get(f"/ogc/collections/bins/items/{b}?datetime={iso(t2)}/..").get_json()["id"] == b
    check_error(client.get(f"/ogc/collections/bins/items/{b}?datetime=../{iso(t1)}"), 404, "featureId")
    check_error(client.get(f"/ogc/collections/bins/items?datetime={iso(t2)}/{iso(t0)}"), 400, "datetime")
    check_error(client.get(f"/ogc/collections/bins/items?datetime={iso(t0)}/{iso(t1)}/{iso(t2)}"), 400, "datetime")
    check_error(client.get("/ogc/collections/bins/items?datetime=.."), 400, "datetime")


# -- one feature -------------------------------------------------------------------------------------


def test_feature_links_etag_and_404(client, bins):
    fid = bins[4]
    response = client.get(f"/ogc/collections/bins/items/{fid}")
    assert response.status_code == 200 and response.mimetype == GEOJSON
    body = response.get_json()
    assert body["type"] == "Feature" and body["id"] == fid and body["properties"]["name"] == "箱04"
    links = rels(body)
    assert links["self"][0]["type"] == GEOJSON and links["alternate"][0]["type"] == HTML
    assert links["collection"][0]["href"] == "http://localhost/ogc/collections/bins?f=json"
    assert response.headers["ETag"] == f'"{fid}.1"'
    assert client.get(f"/ogc/collections/bins/items/{fid}", headers={"If-None-Match": f'"{fid}.1"'}).status_code == 304
    check_error(client.get("/ogc/collections/bins/items/987654"), 404, "featureId")
    check_error(client.get(f"/ogc/collections/roads/items/{fid}"), 404, "featureId")  # another layer's id
    check_error(client.get(f"/ogc/collections/bins/items/{fid}?limit=3"), 400, "limit")
    deleted = client.delete(f"/api/layers/bins/features/{fid}", headers={"If-Match": f'"{fid}.1"'})
    assert deleted.status_code == 204
    check_error(client.get(f"/ogc/collections/bins/items/{fid}"), 404, "featureId")


def test_only_get(client):
    check_error(client.post("/ogc/collections/bins/items", json=point(113.3, 23.1)), 405)
    check_error(client.delete("/ogc/collections/bins"), 405)


# -- read gate -----------------------------------------------------------------------------------------


def test_read_gate(app, anonymous, tmp_path):
    for path in ("/ogc", "/ogc/conformance", "/ogc/openapi", "/ogc/collections", "/ogc/collections/bins/items"):
        response = anonymous.get(path)
        check_error(response, 401)
        challenges = response.headers["WWW-Authenticate"]  # Basic (user name + API token) for QGIS/GDAL, Bearer
        assert challenges.startswith("Basic ") and ', Bearer realm="chuangwei"' in challenges
    bad = anonymous.get("/ogc/collections", headers={"Authorization": "Bearer cw_not_a_token"})
    assert check_error(bad, 401)["code"] == "invalid_token"
    page = anonymous.get("/ogc/collections/bins/items?limit=3", headers=BROWSER)
    assert page.status_code == 303
    assert page.headers["Location"].endswith("/login?next=%2Fogc%2Fcollections%2Fbins%2Fitems%3Flimit%3D3")
    public = create_app({"DATA_DIR": str(tmp_path / "public"), "READ_REQUIRES_LOGIN": False})
    try:
        assert public.test_client().get("/ogc/collections/bins/items").status_code == 200
        spec = public.test_client().get("/ogc/openapi").get_json()
        assert {} in spec["security"]  # anonymous reading is allowed, and said so
    finally:
        public.extensions["store"].close()


# -- HTML -----------------------------------------------------------------------------------------------


def test_every_endpoint_has_an_escaped_html_page_with_every_link(client, bins):
    (evil,) = post(client, "bins", [point(113.305, 23.105, name='<script>alert("x")</script>&amp;')])
    for path in ("/ogc", "/ogc/conformance", "/ogc/collections", "/ogc/collections/bins", f"{ITEMS}/{evil}"):
        page = html_page(client.get(path, headers=BROWSER))
        twin = client.get(path + "?f=json").get_json()
        for link in twin["links"]:
            assert link["href"] in page.hrefs, (path, link)
    items = html_page(client.get("/ogc/collections/bins/items?limit=20&f=html"))
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;amp;" in items.text
    assert "<script>" not in items.text
    assert f"http://localhost/ogc/collections/bins/items/{evil}?f=html" in items.hrefs
    paged = html_page(client.get("/ogc/collections/bins/items?limit=5&offset=5&f=html"))
    nexts = [h for h in paged.hrefs if "offset=10" in h]
    assert nexts and all("f=html" in h for h in nexts)
    conformance = html_page(client.get("/ogc/conformance?f=html"))
    assert set(CONFORMANCE) <= set(conformance.hrefs)
    feature = html_page(client.get(f"/ogc/collections/bins/items/{evil}?f=html"))
    assert "&lt;script&gt;" in feature.text and "<script>" not in feature.text


# -- OpenAPI ----------------------------------------------------------------------------------------------


def _refs(node):
    if isinstance(node, dict):
        if "$ref" in node:
            yield node["$ref"]
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def test_openapi_describes_every_path_and_parameter(client, store):
    client.post("/api/layers", json={"id": "dog_bins", "title": {"zh-CN": "狗便箱", "en": "Dog bins"},
                                     "geometry_types": ["Point"],
                                     "properties": {"kind": {"type": "string", "enum": ["bag", "box"],
                                                             "title": {"zh-CN": "类型", "en": "Kind"}}}})  # fmt: skip
    response = client.get("/ogc/openapi", headers={"Accept": OPENAPI_JSON})
    assert response.status_code == 200
    assert response.headers["Content-Type"].replace(" ", "").startswith(OPENAPI_JSON)
    spec = response.get_json()
    assert spec["openapi"].startswith("3.0.") and spec["servers"] == [{"url": "http://localhost/ogc"}]
    for ref in set(_refs(spec)):
        node = spec
        for part in ref.removeprefix("#/").split("/"):
            node = node[part]  # every $ref resolves inside the document
    layers = [layer["id"] for layer in store.layers()]
    assert "dog_bins" in layers
    expected = {"/", "/conformance", "/openapi", "/collections"}
    for lid in layers:
        expected |= {f"/collections/{lid}", f"/collections/{lid}/schema", f"/collections/{lid}/items"}
        expected.add(f"/collections/{lid}/items/{{featureId}}")
    assert set(spec["paths"]) == expected
    params = spec["components"]["parameters"]
    assert params["limit"]["schema"] == {"type": "integer", "minimum": 1, "maximum": 10000, "default": 10}
    items = spec["paths"]["/collections/dog_bins/items"]["get"]
    names = [params[p["$ref"].rsplit("/", 1)[1]]["name"] if "$ref" in p else p["name"] for p in items["parameters"]]
    assert names == ["f", "bbox", "limit", "offset", "datetime", "crs", "bbox-crs", "area", "kind"]
    assert {"$ref": "#/components/parameters/limit"} in items["parameters"]  # where GDAL looks for the page size
    for path, item in spec["paths"].items():
        assert set(item) == {"get"} and {"200", "400", "401", "500"} <= set(item["get"]["responses"]), path
    assert set(spec["components"]["securitySchemes"]) == {"bearerAuth", "basicAuth", "sessionCookie"}
    assert {} not in spec["security"]  # reading needs a login here
    doc = html_page(client.get("/ogc/openapi?f=html"))
    for path in spec["paths"]:
        assert f"GET {path}" in doc.text


def test_openapi_is_valid_openapi_3_0(client, bins):
    spec = client.get("/ogc/openapi").get_json()
    assert spec["openapi"].startswith("3.0.")
    openapi_spec_validator.validate(spec, cls=openapi_spec_validator.OpenAPIV30SpecValidator)
    broken = json.loads(json.dumps(spec))
    del broken["paths"]["/"]["get"]["responses"]  # an operation without responses is not OpenAPI
    with pytest.raises(OpenAPIValidationError):
        openapi_spec_validator.validate(broken, cls=openapi_spec_validator.OpenAPIV30SpecValidator)


def test_every_ogc_route_is_documented(app):
    text = (ROOT / "docs" / "ogc.md").read_text(encoding="utf-8")
    names = {"layer_id": "collectionId", "fid": "featureId"}
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/ogc"):
            path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: "{" + names[m[1]] + "}", rule.rule)
            assert f"`GET {path.rstrip('/') or '/ogc'}`" in text, f"{path} is not in docs/ogc.md"
