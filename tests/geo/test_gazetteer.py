"""Tests for geo.gazetteer: normalisation of Chinese addresses, exact and fuzzy matches with their
confidence, and house numbers that agree with geo.revgeo both ways."""

from __future__ import annotations

import geopandas as gpd
import pytest
from shapely.affinity import translate
from shapely.geometry import LineString, Point, box

from geo.crs import distance_m
from geo.gazetteer import Gazetteer, normalize_address
from geo.revgeo import reverse_geocode

UTM49 = "EPSG:32649"
X0, Y0 = 735_000.0, 2_556_000.0


def layer(geoms, **columns) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(columns, geometry=[translate(g, X0, Y0) for g in geoms], crs=UTM49).to_crs(4326)


@pytest.fixture(scope="module")
def world():
    roads = layer([LineString([(0, 0), (100, 0)]), LineString([(0, 300), (0, 600)])], name=["风情街", "新港东路"])
    buildings = layer([box(20, 20, 60, 50), box(0, 150, 100, 250)], name=["新港小学", "新港花园"],
                      address=["风情街8号", None])  # fmt: skip
    cells = layer([box(-100, -100, 200, 700)], name=["第三网格"])
    return roads, buildings, cells, Gazetteer(roads, buildings, cells)


@pytest.mark.parametrize(("text", "expected"), [
    ("广州市海珠区 风情街 12 号", "广州市海珠区风情街12号"),
    ("风情街十二号附近", "风情街12号"),
    ("风情街一〇五号", "风情街105号"),
    ("ＸＸ路１８号（新港花园）", "xx路18号新港花园"),
    ("新港花园旁", "新港花园"),
    (None, ""),
])  # fmt: skip
def test_normalize(text, expected):
    assert normalize_address(text) == expected


def test_house_numbers_round_trip_with_reverse_geocoding(world):
    roads, _, _, gazetteer = world
    for number in [n for n in range(1, 17) if n != 8]:  # 风情街8号 is the school's doorplate: see below
        found = gazetteer.geocode_one(f"风情街{number}号")
        assert found["method"] == "exact:house_number" and found["confidence"] == 0.95
        point = gpd.GeoDataFrame(geometry=[Point(found["lon"], found["lat"])], crs=4326)
        assert reverse_geocode(point, roads).iloc[0] == f"风情街{number}号附近"


def test_reverse_then_forward_lands_near_the_point(world):
    roads, _, _, gazetteer = world
    points = layer([Point(37, 4), Point(81, -6)])
    addresses = reverse_geocode(points, roads).tolist()
    found = gazetteer.geocode(addresses)
    d = distance_m(found["lon"].to_numpy(), found["lat"].to_numpy(), points.geometry.x.to_numpy(),
                   points.geometry.y.to_numpy())  # fmt: skip
    assert (d < 12).all()  # within one doorplate stretch


def test_buildings_addresses_roads_and_cells(world):
    _, buildings, cells, gazetteer = world
    found = gazetteer.geocode(["新港小学", "新港花园3栋2单元", "风情街8号", "新港东路", "第三网格内", "火星基地", ""])
    assert found["method"].tolist() == ["exact:building", "exact:building", "exact:address", "exact:road",
                                        "exact:cell", "none", "none"]  # fmt: skip
    assert found["confidence"].tolist() == [1.0, 0.9, 1.0, 0.7, 0.5, 0.0, 0.0]
    school = buildings.geometry.iloc[0]
    assert school.contains(Point(found["lon"].iloc[0], found["lat"].iloc[0]))
    assert found["matched"].iloc[2] == "风情街8号"
    assert cells.geometry.iloc[0].contains(Point(found["lon"].iloc[4], found["lat"].iloc[4]))


def test_fuzzy_matches_carry_a_lower_confidence(world):
    *_, gazetteer = world
    typo = gazetteer.geocode_one("风清街12号")  # 清 for 情
    assert typo["method"] == "fuzzy:house_number" and typo["matched"] == "风情街"
    assert 0.5 < typo["confidence"] < 0.95
    beyond = gazetteer.geocode_one("风情街999号")
    assert beyond["method"] == "exact:house_number_beyond" and beyond["confidence"] == 0.6


def test_empty_gazetteer_and_bad_input():
    assert Gazetteer().geocode_one("风情街1号")["method"] == "none"
    with pytest.raises(TypeError):
        Gazetteer(roads_gdf=gpd.GeoDataFrame({"name": ["a"]}, geometry=[Point(0, 0)]))
