"""Real OGC API – Features clients against a real ``python server.py`` (the demo community, on a free
port, read with an API token): GDAL's OAPIF driver through pyogrio, and OWSLib. Every layer reads whole
with the same features as /api, and a bbox read is sent to the server and returns exactly the features
whose geometry intersects the box."""

from __future__ import annotations

import json
import urllib.request
import warnings
from urllib.parse import parse_qsl, urlencode, urlsplit

import pyogrio
import pytest
import shapely
from owslib import ogcapi
from owslib.ogcapi.features import Features

from tests.durability._support import ServerProcess, create_token

AUTH_OPTIONS = ("GDAL_HTTP_AUTH", "GDAL_HTTP_BEARER", "GDAL_HTTP_USERPWD", "CPL_DEBUG")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The demo server (seeded by server.py itself) and a reader's API token made by the command line."""
    data_dir = tmp_path_factory.mktemp("ogc-demo")
    token = create_token(data_dir, "ogc-reader", role="leader")
    process = ServerProcess.start(data_dir, tmp_path_factory.getbasetemp() / "ogc-server.log", extra=())
    try:
        yield process, token
    finally:
        process.stop()
    assert not process.server_errors(), process.tail()


def api(server, path: str):
    process, token = server
    url = f"http://127.0.0.1:{process.port}{path}"
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read().decode("utf-8"))


@pytest.fixture
def oapif(server):
    """The ``OAPIF:`` URL, with GDAL's bearer authentication set for the test and cleared after it.

    (GDAL_HTTP_HEADERS does not work here: the OAPIF driver sends its own headers, which replace it.)"""
    process, token = server
    pyogrio.set_gdal_config_options({"GDAL_HTTP_AUTH": "BEARER", "GDAL_HTTP_BEARER": token})
    try:
        yield f"OAPIF:http://127.0.0.1:{process.port}/ogc"
    finally:
        pyogrio.set_gdal_config_options(dict.fromkeys(AUTH_OPTIONS))


@pytest.fixture(scope="module")
def layers(server):
    return api(server, "/api/layers")["layers"]


def api_ids(server, layer_id: str, query: str = "") -> list[int]:
    body = api(server, f"/api/layers/{layer_id}/features?limit=10000&{query}")
    assert body["numberMatched"] == body["numberReturned"]
    return [f["id"] for f in body["features"]]


def fetched(capfd) -> list[str]:
    """The URLs GDAL fetched (its CPL_DEBUG lines ``HTTP: Fetch(url)``)."""
    return [line.split("Fetch(", 1)[1].rstrip(")") for line in capfd.readouterr().err.splitlines() if "Fetch(" in line]


def test_gdal_needs_the_token(server):
    process, _ = server
    with pytest.raises(pyogrio.errors.DataSourceError, match="401"):
        pyogrio.list_layers(f"OAPIF:http://127.0.0.1:{process.port}/ogc")


def test_gdal_logs_in_with_basic_auth_the_user_name_and_an_api_token(server, layers):
    """What ogr2ogr users do (``--config GDAL_HTTP_USERPWD name:token``, docs/ogc.md): HTTP Basic with an API
    token as the password; the account's password, or another user's name, is refused."""
    process, token = server
    url = f"OAPIF:http://127.0.0.1:{process.port}/ogc"
    try:
        pyogrio.set_gdal_config_options({"GDAL_HTTP_USERPWD": f"ogc-reader:{token}"})
        assert [name for name, _ in pyogrio.list_layers(url)] == [layer["id"] for layer in layers]
        for layer in layers:
            assert len(pyogrio.read_dataframe(url, layer=layer["id"])) == layer["feature_count"], layer["id"]
        for wrong in (f"someone-else:{token}", "ogc-reader:not-a-token"):
            pyogrio.set_gdal_config_options({"GDAL_HTTP_USERPWD": wrong})
            with pytest.raises(pyogrio.errors.DataSourceError, match="401"):
                pyogrio.list_layers(url)
    finally:
        pyogrio.set_gdal_config_options(dict.fromkeys(AUTH_OPTIONS))


def test_gdal_reads_every_layer_whole(server, oapif, layers, capfd):
    listed = pyogrio.list_layers(oapif)
    assert [name for name, _ in listed] == [layer["id"] for layer in layers]
    for (name, geometry_type), layer in zip(listed, layers):
        assert layer["feature_count"] > 0, name  # the demo fills every layer
        assert geometry_type.replace("Multi", "") in {t.replace("Multi", "") for t in layer["geometry_types"]}
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            frame = pyogrio.read_dataframe(oapif, layer=name, fid_as_index=True)
        assert not [str(w.message) for w in caught if "Lossy" in str(w.message)], name  # typed by describedby
        assert len(frame) == layer["feature_count"], name
        assert sorted(frame.index) == api_ids(server, name), name
        assert pyogrio.read_info(oapif, layer=name)["features"] == layer["feature_count"]  # from numberMatched
    # GDAL asks for pages of 1000, more than any demo layer has: small pages make it follow `next` links
    capfd.readouterr()
    pyogrio.set_gdal_config_options({"CPL_DEBUG": "ON"})
    try:
        paged = pyogrio.read_dataframe(oapif, layer="buildings", fid_as_index=True, PAGE_SIZE=97)
    finally:
        pyogrio.set_gdal_config_options({"CPL_DEBUG": None})
    assert sorted(paged.index) == api_ids(server, "buildings") and len(paged) > 7 * 97
    pages = [url for url in fetched(capfd) if "/buildings/items" in url and "limit=97" in url]
    assert len(pages) == -(-len(paged) // 97) and sum("offset=" in url for url in pages) == len(pages) - 1
    bins = pyogrio.read_dataframe(oapif, layer="bins", fid_as_index=True)
    stored = {f["id"]: f for f in api(server, "/api/layers/bins/features?limit=10000")["features"]}
    for fid, row in bins.iterrows():
        assert row["name"] == stored[fid]["properties"]["name"]
        assert list(row.geometry.coords)[0] == pytest.approx(stored[fid]["geometry"]["coordinates"])
    lights = pyogrio.read_dataframe(oapif, layer="streetlights", fid_as_index=True)
    stored = {
        f["id"]: f["properties"] for f in api(server, "/api/layers/streetlights/features?limit=10000")["features"]
    }
    assert lights["pole_height_m"].dtype == "float64"
    assert lights["pole_height_m"].to_dict() == {fid: p.get("pole_height_m") for fid, p in stored.items()}


@pytest.mark.parametrize("layer", ["bins", "roads", "buildings", "grid"])
def test_gdal_bbox_is_sent_to_the_server_and_exact(server, oapif, layer, capfd):
    whole = pyogrio.read_dataframe(oapif, layer=layer, fid_as_index=True)
    minx, miny, maxx, maxy = whole.total_bounds
    # the middle third, nudged off any coordinate the data is likely to share
    box = (minx + (maxx - minx) / 3 + 1.7e-6, miny + (maxy - miny) / 3 + 1.3e-6,
           maxx - (maxx - minx) / 3 - 0.9e-6, maxy - (maxy - miny) / 3 - 1.1e-6)  # fmt: skip
    expected = set(whole.index[shapely.intersects(whole.geometry.values, shapely.box(*box))])
    assert 0 < len(expected) < len(whole)
    capfd.readouterr()
    pyogrio.set_gdal_config_options({"CPL_DEBUG": "ON"})
    try:
        part = pyogrio.read_dataframe(oapif, layer=layer, bbox=box, fid_as_index=True)
    finally:
        pyogrio.set_gdal_config_options({"CPL_DEBUG": None})
    assert set(part.index) == expected
    items = [url for url in fetched(capfd) if f"/collections/{layer}/items" in url and "bbox=" in url]
    assert items, "GDAL did not send the bbox to the server"
    query = [(k, v) for k, v in parse_qsl(urlsplit(items[-1]).query) if k != "limit"] + [("limit", "10000")]
    served = api(server, f"/ogc/collections/{layer}/items?{urlencode(query)}")
    assert {f["id"] for f in served["features"]} == expected  # the server alone gives the exact subset


def test_gdal_sends_equality_filters_as_parameters(server, oapif, capfd):
    pyogrio.set_gdal_config_options({"CPL_DEBUG": "ON"})
    try:
        damaged = pyogrio.read_dataframe(oapif, layer="bins", where="status = 'damaged'", fid_as_index=True)
        sorted_ok = pyogrio.read_dataframe(oapif, layer="bins", where="sorted = 1 AND status = 'ok'", fid_as_index=True)
    finally:
        pyogrio.set_gdal_config_options({"CPL_DEBUG": None})
    assert sorted(damaged.index) == api_ids(server, "bins", "status=damaged")
    assert sorted(sorted_ok.index) == api_ids(server, "bins", "sorted=true&status=ok")
    urls = fetched(capfd)
    assert any("status=damaged" in url for url in urls) and any("sorted=1" in url for url in urls)


def test_owslib(server, layers, monkeypatch):
    process, token = server
    # OWSLib 0.35 adds the headers to its module-wide dictionary; keep that from leaking out of this test.
    monkeypatch.setattr(ogcapi, "REQUEST_HEADERS", dict(ogcapi.REQUEST_HEADERS))
    client = Features(f"http://127.0.0.1:{process.port}/ogc", headers={"Authorization": f"Bearer {token}"})
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core" in client.conformance()["conformsTo"]
    assert client.feature_collections() == [layer["id"] for layer in layers]
    assert client.collection("bins")["extent"]["spatial"]["bbox"][0][0] < 180
    assert "/collections/bins/items" in client.api()["paths"]
    box = [113.326, 23.126, 113.333, 23.132]
    expected = api_ids(server, "bins", "bbox=" + ",".join(map(str, box)))
    assert len(expected) > 7
    page = client.collection_items("bins", bbox=box, limit=5, offset=2)
    assert page["numberMatched"] == len(expected) and page["numberReturned"] == 5
    assert [f["id"] for f in page["features"]] == expected[2:7]
    one = client.collection_item("bins", expected[3])
    assert one["id"] == expected[3] and one["properties"] == page["features"][1]["properties"]
    assert client.response_headers["ETag"] == f'"{expected[3]}.{one["version"]}"'
