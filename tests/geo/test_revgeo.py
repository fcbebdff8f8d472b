"""Tests for geo.revgeo: hand-checkable fixtures in UTM 49N (most stored in WGS 84 like real data), the
order of the rules, and agreement with the demo community's own Addresser."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.affinity import translate
from shapely.geometry import LineString, MultiLineString, Point, Polygon, box

from geo.revgeo import reverse_geocode, reverse_geocode_one

UTM49 = "EPSG:32649"
X0, Y0 = 735_000.0, 2_556_000.0  # central Guangzhou in WGS 84 / UTM 49N


def shift(geom):
    return translate(geom, X0, Y0)


def layer(geoms, wgs84=True, **columns) -> gpd.GeoDataFrame:
    """Geometries given in metres from (X0, Y0), stored in WGS 84 (or left in UTM 49N)."""
    gdf = gpd.GeoDataFrame(columns, geometry=[None if g is None else shift(g) for g in geoms], crs=UTM49)
    return gdf.to_crs("EPSG:4326") if wgs84 else gdf


def points(*xy, wgs84=True, index=None) -> gpd.GeoDataFrame:
    gdf = layer([Point(x, y) for x, y in xy], wgs84=wgs84)
    return gdf if index is None else gdf.set_index(pd.Index(index))


def street(wgs84=True, drawn_east=True) -> gpd.GeoDataFrame:
    """风情街, 100 m along y = 0."""
    coords = [(0, 0), (100, 0)] if drawn_east else [(100, 0), (0, 0)]
    return layer([LineString(coords)], wgs84=wgs84, name=["风情街"])


@pytest.fixture(scope="module")
def world():
    """A street, a school beside it, a compound 150 m back, a grid cell around all of them."""
    roads = street()
    buildings = layer([box(20, 20, 60, 50), box(0, 150, 100, 250)], name=["新港小学", "新港花园"])
    cells = layer([box(-100, -100, 200, 400)], name=["第一网格"])
    return roads, buildings, cells


# --- house numbers ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("x", "y", "expected"),
    [
        (0, 5, "风情街1号附近"),
        (11.9, 5, "风情街1号附近"),
        (12, 5, "风情街3号附近"),
        (23.9, 5, "风情街3号附近"),
        (24, 5, "风情街5号附近"),
        (0, -5, "风情街2号附近"),
        (11.9, -5, "风情街2号附近"),
        (12, -5, "风情街4号附近"),
        (24, -5, "风情街6号附近"),
        (99, -40, "风情街18号附近"),
        (-30, 3, "风情街1号附近"),  # before the first vertex: number 1, left side
        (130, 3, "风情街17号附近"),  # beyond the last vertex: d = 100
    ],
)
def test_numbers_odd_on_the_left_even_on_the_right_two_per_12_m(x, y, expected):
    exact = reverse_geocode(points((x, y), wgs84=False), street(wgs84=False))  # no reprojection: exact at 12 m
    assert exact.tolist() == [expected]
    if x not in (12, 24):  # in WGS 84 a point at 12.000 m may come back at 11.999999999 m
        assert reverse_geocode(points((x, y)), street()).tolist() == [expected]


def test_numbers_follow_the_drawing_direction():
    got = reverse_geocode(points((30, 5), (30, -5)), street(drawn_east=False))
    assert got.tolist() == ["风情街12号附近", "风情街11号附近"]  # d = 70; north is now on the right


def test_multi_part_road_is_measured_along_its_merged_line():
    touching = [MultiLineString([[(50, 0), (100, 0)], [(0, 0), (50, 0)]])]
    apart = [MultiLineString([[(0, 0), (40, 0)], [(60, 0), (100, 0)]])]
    pts = points((70, 5), (30, -5))
    assert reverse_geocode(pts, layer(touching, name=["风情街"])).tolist() == ["风情街11号附近", "风情街6号附近"]
    # in pieces: measured along the pieces in order, the 20 m gap not counted (70 m -> 50 m)
    assert reverse_geocode(pts, layer(apart, name=["风情街"])).tolist() == ["风情街9号附近", "风情街6号附近"]


def test_unnamed_roads_are_skipped():
    roads = layer(
        [LineString([(0, 10), (100, 10)]), LineString([(0, 12), (100, 12)]), LineString([(0, 0), (100, 0)])],
        name=["", None, "风情街"],
    )
    assert reverse_geocode(points((30, 11)), roads).tolist() == ["风情街5号附近"]


def test_nearest_named_road_wins_and_ties_go_to_the_first_row():
    roads = layer([LineString([(0, 0), (100, 0)]), LineString([(0, 20), (100, 20)])], name=["南街", "北街"])
    assert reverse_geocode(points((30, 15), (30, 10)), roads).tolist() == ["北街6号附近", "南街5号附近"]


def test_road_reach_is_inclusive_and_adjustable():
    pts = points((50, 59.5), (50, 60.5), (50, 9.5), (50, 10.5))
    assert reverse_geocode(pts, street()).tolist() == ["风情街9号附近", "", "风情街9号附近", "风情街9号附近"]
    assert reverse_geocode(pts, street(), road_reach_m=10).tolist() == ["", "", "风情街9号附近", ""]


# --- buildings and cells ----------------------------------------------------------------------------


def test_rules_apply_in_order(world):
    pts = points(
        (40, 30),  # inside the school, 30 m from the street
        (40, 55),  # 5 m from the school but 55 m from the street: the street names it
        (50, 200),  # inside the compound
        (50, 260),  # 10 m north of the compound, 260 m from the street
        (50, 275),  # 25 m from the compound: beyond building_reach_m
        (50, 500),  # outside everything
        (20, 20),  # on the school's corner: inside
        index=list("abcdefg"),
    )
    got = reverse_geocode(pts, *world)
    assert got.to_dict() == {
        "a": "新港小学",
        "b": "风情街7号附近",
        "c": "新港花园",
        "d": "新港花园旁",
        "e": "第一网格内",
        "f": "",
        "g": "新港小学",
    }
    assert reverse_geocode(pts, *world, building_reach_m=30.0)["e"] == "新港花园旁"


def test_unnamed_buildings_are_skipped_and_the_smallest_named_building_wins():
    buildings = layer(
        [box(0, 100, 100, 200), box(40, 140, 60, 160), box(45, 145, 55, 155)],
        name=["新港花园", "3栋", None],
    )
    pts = points((50, 150), (30, 120), (50, 90))
    assert reverse_geocode(pts, street(), buildings).tolist() == ["3栋", "新港花园", "新港花园旁"]


def test_points_on_a_cell_edge_go_to_the_first_cell():
    cells = layer([box(0, 100, 100, 200), box(100, 100, 200, 200)], name=["第一网格", "第二网格"])
    pts = points((100, 150), (150, 150), wgs84=False)
    assert reverse_geocode(pts, street(wgs84=False), cells_gdf=cells.to_crs(UTM49)).tolist() == [
        "第一网格内",
        "第二网格内",
    ]


# --- empty and bad input ----------------------------------------------------------------------------


def test_empty_inputs(world):
    roads, buildings, cells = world
    empty_points = points().iloc[:0]
    assert reverse_geocode(empty_points, roads, buildings, cells).empty
    no_roads = gpd.GeoDataFrame(geometry=[], crs="EPSG:4326")
    pts = points((40, 30), (50, 275), (30, 5))
    assert reverse_geocode(pts, no_roads).tolist() == ["", "", ""]
    assert reverse_geocode(pts, no_roads, buildings, cells).tolist() == ["新港小学", "第一网格内", "新港小学旁"]
    assert reverse_geocode(pts, roads, buildings.iloc[:0], cells.iloc[:0]).tolist() == [
        "风情街7号附近",
        "",
        "风情街5号附近",
    ]


def test_a_layer_without_a_name_column_names_nothing(world):
    roads, buildings, cells = world
    pts = points((40, 30), (30, 5))
    got = reverse_geocode(pts, roads.drop(columns="name"), buildings.drop(columns="name"), cells)
    assert got.tolist() == ["第一网格内", "第一网格内"]


def test_missing_and_empty_points_get_an_empty_address(world):
    pts = gpd.GeoDataFrame(geometry=[None, Point(), shift(Point(30, 5))], crs=UTM49, index=[7, 8, 9])
    got = reverse_geocode(pts, *world)
    assert got.to_dict() == {7: "", 8: "", 9: "风情街5号附近"}


def test_one_point(world):
    lon, lat = points((40, 55)).geometry.iloc[0].coords[0]
    assert reverse_geocode_one(lon, lat, *world) == "风情街7号附近"
    assert reverse_geocode_one(lon, lat, *world, road_reach_m=50.0) == "新港小学旁"


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda w: reverse_geocode(pd.DataFrame({"x": [1]}), w[0]), TypeError),
        (lambda w: reverse_geocode(points((0, 0)).set_crs(None, allow_override=True), w[0]), ValueError),
        (lambda w: reverse_geocode(points((0, 0)), w[1]), ValueError),  # polygons as roads
        (lambda w: reverse_geocode(w[1], w[0]), ValueError),  # polygons as points
        (lambda w: reverse_geocode(points((0, 0)), w[0], road_reach_m=-1), ValueError),
        (lambda w: reverse_geocode(points((0, 0)), w[0], building_reach_m="20"), TypeError),
        (lambda w: reverse_geocode_one(113.3, 95.0, w[0]), ValueError),
        (lambda w: reverse_geocode_one("113.3", 23.1, w[0]), TypeError),
    ],
)
def test_bad_input_is_refused(world, call, error):
    with pytest.raises(error):
        call(world)


# --- the demo community -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo():
    from layers.demo.frame import Frame
    from layers.demo.roads import Addresser
    from layers.demo.world import build_world

    world = build_world(20260301, 1_767_225_600_000_000)
    frame = Frame()
    roads = gpd.GeoDataFrame(
        {"name": [r.name for r in world.roads]},
        geometry=[LineString(frame.lonlat(r.coords)) for r in world.roads],
        crs="EPSG:4326",
    )
    named = [(g, p) for g, p in world.buildings if p.get("name")]
    buildings = gpd.GeoDataFrame(
        [p for _, p in named], geometry=[Polygon(frame.lonlat(g.exterior.coords)) for g, _ in named], crs="EPSG:4326"
    )
    return world, frame, Addresser(world.roads), roads, buildings


def test_agrees_with_the_demo_addresser(demo):
    from layers.demo.frame import along

    world, frame, addresser, roads, _ = demo
    rng = np.random.default_rng(20260301)
    local, expected = [], []
    while len(local) < 400:
        road = world.roads[int(rng.integers(len(world.roads)))]
        pt = along(
            road.line, float(rng.uniform(0, road.line.length)), int(rng.choice([1, -1])), float(rng.uniform(0.5, 50))
        )
        near = sorted(r.line.distance(pt) for r in world.roads)
        nearest = addresser.nearest(pt).line
        d = nearest.project(pt)
        # Skip what a centimetre decides (the demo's WGS 84 is rounded to 7 decimals): near ties between
        # two roads, and points within 5 cm of a number boundary.
        if near[1] - near[0] < 0.05 or min(d % 12, 12 - d % 12) < 0.05 or near[0] > 60:
            continue
        local.append(pt)
        expected.append(addresser.address(pt) + "附近")
    pts = gpd.GeoDataFrame(geometry=[Point(frame.lonlat([p.coords[0]])[0]) for p in local], crs="EPSG:4326")
    assert reverse_geocode(pts, roads).tolist() == expected


def test_demo_buildings_and_grid(demo):
    world, frame, _, roads, buildings = demo
    cells = gpd.GeoDataFrame(
        [c.properties() for c in world.cells],
        geometry=[Polygon(frame.lonlat(c.polygon.exterior.coords)) for c in world.cells],
        crs="EPSG:4326",
    )
    school = Point(frame.lonlat([(140, 110)])[0])  # inside 新港小学
    yard = Point(frame.lonlat([(760, 700)])[0])  # inside 新港花园, over 60 m from any road
    got = reverse_geocode(gpd.GeoDataFrame(geometry=[school, yard], crs="EPSG:4326"), roads, buildings, cells)
    assert got.tolist() == ["新港小学", "新港花园"]
    assert reverse_geocode_one(*yard.coords[0], roads, None, cells) == f"{world.cells[2].properties()['name']}内"
