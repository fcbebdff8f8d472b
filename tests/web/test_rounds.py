"""Planning a round through the API: grid or named cases, a start position, the route along the road,
straight lines without roads, and refusals."""

from __future__ import annotations

import pytest
from pyproj import Geod
from shapely.geometry import shape

from tests.web.case_world import WEST, report, seed, users


@pytest.fixture
def world(app, client):
    seed(client)
    return users(app)


def _length_m(geometry: dict) -> float:
    return Geod(ellps="WGS84").geometry_length(shape(geometry))


def test_round_of_a_grid_follows_the_road_from_the_start(world):
    # three cases along 风情街 (lat 23.105) at lon .302, .308, .305, a fourth in the east cell
    ids = [report(world["west"], lon=lon, lat=23.1051).get_json()["id"] for lon in (113.302, 113.308, 113.305)]
    report(world["east"], lon=113.315, lat=23.1051)
    r = world["west"].post("/api/rounds", json={"grid": WEST, "start": {"lon": 113.301, "lat": 23.1049}})
    assert r.status_code == 200, r.get_json()
    plan = r.get_json()
    assert [c["id"] for c in plan["cases"]] == [ids[0], ids[2], ids[1]]
    assert plan["method"] == "network"
    # 0.007° of longitude along the road (~716 m) plus six ~11 m connectors between the road and a stop
    assert 775 < plan["length_m"] < 790
    assert _length_m(plan["route"]) == pytest.approx(plan["length_m"], abs=1.0)
    assert sum(c["leg_m"] for c in plan["cases"]) == pytest.approx(plan["length_m"], abs=0.5)


def test_round_without_roads_is_straight(app, client):
    grid = {"type": "Feature", "properties": {"code": WEST},
            "geometry": {"type": "Polygon", "coordinates": [[[113.3, 23.1], [113.31, 23.1], [113.31, 23.11],
                                                             [113.3, 23.1]]]}}  # fmt: skip
    assert client.post("/api/layers/grid/features", json=grid).status_code == 201
    ids = [client.post("/api/cases", json={"category": "0102", "lon": lon, "lat": 23.1011}).get_json()["id"]
           for lon in (113.309, 113.301, 113.305)]  # fmt: skip
    plan = client.post("/api/rounds", json={"case_ids": ids}).get_json()
    assert plan["method"] == "straight" and plan["length_m"] == pytest.approx(plan["straight_length_m"])
    assert [c["id"] for c in plan["cases"]] in ([ids[1], ids[2], ids[0]], [ids[0], ids[2], ids[1]])
    assert plan["cases"][0]["leg_m"] == 0.0


@pytest.mark.parametrize(
    "body, field",
    [
        ({}, "case_ids"),
        ({"grid": "1"}, "grid"),
        ({"case_ids": [1, 1]}, "case_ids"),
        ({"case_ids": [999]}, "case_ids[0]"),
        ({"case_ids": [], "grid": WEST}, "case_ids"),
        ({"grid": WEST, "start": {"lon": 500, "lat": 1}}, "start"),
        ({"grid": WEST, "speed": 3}, "speed"),
    ],
)
def test_bad_rounds_name_the_field(world, body, field):
    r = world["west"].post("/api/rounds", json=body)
    assert r.status_code == 422 and r.get_json()["error"]["details"][0]["field"] == field
