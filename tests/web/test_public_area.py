"""Public reports from outside the deployment's area (a point at [0, 0], another city) are refused with 422
``outside_extent`` and store nothing; the area is the grid cells' box (with a margin in metres) or the
SERVICE_AREA setting."""

from __future__ import annotations

import pytest

from server import create_app

CELL = "440106003012001"


def report(lon, lat):
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": {"category": "0102", "description": "路口垃圾堆积"}}  # fmt: skip


@pytest.fixture
def public(app, client):
    square = [[[113.30, 23.10], [113.31, 23.10], [113.31, 23.11], [113.30, 23.11], [113.30, 23.10]]]
    cell = {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": square}, "properties": {"code": CELL}}
    assert client.post("/api/layers/grid/features", json=cell).status_code == 201
    app.config["PUBLIC_REPORTS"] = True
    return app.test_client()


def cases(store) -> int:
    return store.version_rows("blackspots", ())[0]


@pytest.mark.parametrize(("lon", "lat"), [(0.0, 0.0), (116.39, 39.91), (113.30, 23.16), (113.35, 23.105)])
def test_reports_far_from_the_area_are_refused_and_store_nothing(public, store, lon, lat):
    before = cases(store)
    r = public.post("/api/reports", json=report(lon, lat))
    assert r.status_code == 422
    error = r.get_json()["error"]
    assert error["code"] == "outside_extent" and error["details"][0]["field"] == "geometry"
    assert cases(store) == before


@pytest.mark.parametrize(("lon", "lat"), [(113.305, 23.105), (113.3145, 23.105), (113.305, 23.1145)])
def test_reports_inside_or_within_the_margin_are_taken(public, lon, lat):
    r = public.post("/api/reports", json=report(lon, lat))  # inside; ~470 m east; ~500 m north
    assert r.status_code == 201


def test_the_area_is_a_setting(app, public):
    app.config["SERVICE_AREA"] = [116.3, 39.8, 116.5, 40.0]
    app.config["SERVICE_AREA_MARGIN_M"] = 0
    assert public.post("/api/reports", json=report(116.39, 39.91)).status_code == 201
    assert public.post("/api/reports", json=report(113.305, 23.105)).status_code == 422


@pytest.mark.parametrize("area", [[1, 2, 3], "a,b,c,d", [10, 10, 5, 5], [0, -95, 10, 10]])
def test_a_bad_area_setting_stops_the_start(tmp_path, backend, clock, area):
    with pytest.raises(ValueError, match="SERVICE_AREA"):
        create_app({"DATA_DIR": str(tmp_path / "d"), "STORE_URL": backend, "CLOCK": clock, "SERVICE_AREA": area})
