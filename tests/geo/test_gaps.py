"""geo.gaps: dark stretches and bin gaps along roads, on hand-checkable fixtures in metres (EPSG:32649,
stored as WGS 84), on real Monaco and Taipei data, and against a plain reference implementation."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import LineString, MultiLineString, Point
from shapely.ops import substring

from geo.formats.osm import OSM_ROAD_CLASS
from geo.gaps import bin_gap_thresholds, lamp_gap_thresholds, line_gaps, working_points

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
UTM49 = "EPSG:32649"  # central meridian 111°E; x0 below sits on it, near 23°N
X0, Y0 = 500_000.0, 2_550_000.0
EXACT = 1e-6  # metres


def utm(geoms, to_wgs84: bool = True, **columns) -> gpd.GeoDataFrame:
    """Geometries given in metres from (X0, Y0), as a GeoDataFrame in WGS 84 (as stored) or in UTM."""
    moved = [None if g is None else shapely.transform(g, lambda xy: xy + (X0, Y0)) for g in geoms]
    gdf = gpd.GeoDataFrame(columns, geometry=moved, crs=UTM49)
    return gdf.to_crs(4326) if to_wgs84 else gdf


def street(length_m: float = 200.0, y: float = 0.0) -> LineString:
    return LineString([(0, y), (length_m, y)])


def lamps_at(*xs: float, y: float = 3.0) -> gpd.GeoDataFrame:
    return utm([Point(x, y) for x in xs])


def spans(gaps: gpd.GeoDataFrame) -> list[tuple[float, float]]:
    return list(zip(gaps["start_m"].tolist(), gaps["end_m"].tolist()))


def assert_spans(gaps: gpd.GeoDataFrame, expected: list[tuple[float, float]]) -> None:
    got = spans(gaps)
    assert len(got) == len(expected), got
    for (s, e), (s0, e0) in zip(got, expected):
        assert s == pytest.approx(s0, abs=EXACT) and e == pytest.approx(e0, abs=EXACT), got
    assert gaps["length_m"].to_numpy() == pytest.approx([e - s for s, e in expected], abs=EXACT)


# -- hand-checkable fixtures -------------------------------------------------------------------------
def test_straight_street_one_gap_and_its_geometry():
    gaps, summary = line_gaps(
        lamps_at(0, 30, 60, 150), utm([street()], id=[7], name=["小巷"], **{"class": ["alley"]}), 56
    )
    assert_spans(gaps, [(60.0, 150.0)])  # 150-200 is 50 m: not a gap
    assert gaps.crs.to_epsg() == 4326
    row = gaps.iloc[0]
    assert (row["line_id"], row["line_name"], row["line_class"], row["part"]) == (7, "小巷", "alley", 0)
    xy = shapely.get_coordinates(gaps.to_crs(UTM49).geometry.values) - (X0, Y0)
    assert xy == pytest.approx(np.array([[60.0, 0.0], [150.0, 0.0]]), abs=EXACT)
    assert summary["total_gap_m"] == pytest.approx(90.0, abs=EXACT)
    assert summary["checked_length_m"] == pytest.approx(200.0, abs=EXACT)
    assert (summary["gaps"], summary["lines_checked"], summary["crs"]) == (1, 1, UTM49)
    assert summary["by_line"] == [
        {"line_id": 7, "name": "小巷", "class": "alley", "length_m": pytest.approx(200.0, abs=EXACT),
         "gap_m": pytest.approx(90.0, abs=EXACT), "gaps": 1}
    ]  # fmt: skip
    assert (summary["max_gap_m"], summary["snap_m"]) == (56.0, 15.0)
    json.dumps(summary, allow_nan=False, ensure_ascii=False)


def test_a_street_with_no_lamp_is_one_gap():
    gaps, summary = line_gaps(lamps_at(), utm([street()]), 56)
    assert_spans(gaps, [(0.0, 200.0)])
    assert gaps["line_id"].tolist() == [0]  # no id column: the index
    assert gaps["line_name"].isna().all() and gaps["line_class"].isna().all()


def test_ends_count_and_a_bent_street_is_measured_along_it():
    bent = LineString([(0, 0), (100, 0), (100, 100)])  # 200 m along, 141 m end to end
    gaps, _ = line_gaps(lamps_at(), utm([bent]), 56)
    assert_spans(gaps, [(0.0, 200.0)])
    xy = shapely.get_coordinates(gaps.to_crs(UTM49).geometry.values) - (X0, Y0)
    assert xy == pytest.approx(np.array([[0.0, 0.0], [100.0, 0.0], [100.0, 100.0]]), abs=EXACT)
    gaps, _ = line_gaps(utm([Point(97, 40), Point(40, -2)]), utm([bent]), 56)  # at 140 m and 40 m along
    assert_spans(gaps, [(40.0, 140.0), (140.0, 200.0)])


def test_lamps_beyond_snap_distance_are_ignored():
    lamps = utm([Point(100, 14.0), Point(50, -16.0), Point(150, 20.0)])
    gaps, _ = line_gaps(lamps, utm([street()]), 56, snap_m=15)
    assert_spans(gaps, [(0.0, 100.0), (100.0, 200.0)])
    gaps, _ = line_gaps(lamps, utm([street()]), 56, snap_m=13)
    assert_spans(gaps, [(0.0, 200.0)])


def test_a_lamp_at_a_t_junction_serves_both_roads():
    # A runs east; B leaves A at x=100 going north. The lamp at (100, 10) is 10 m off A and on B.
    roads = utm([street(), LineString([(100, 0), (100, 200)])], id=["A", "B"])
    lamps = utm([Point(10, 0), Point(100, 10), Point(190, 0), Point(100, 105)])
    gaps, summary = line_gaps(lamps, roads, 100)
    assert len(gaps) == 0 and summary["lines_checked"] == 2
    gaps, _ = line_gaps(lamps, roads, 100, snap_m=5)  # now too far from A
    assert gaps["line_id"].tolist() == ["A"]
    assert_spans(gaps, [(10.0, 190.0)])
    gaps, _ = line_gaps(lamps.iloc[[0, 2, 3]], roads, 100)  # without it both are dark
    assert gaps["line_id"].tolist() == ["A", "B"]
    assert_spans(gaps, [(10.0, 190.0), (0.0, 105.0)])


def test_a_multilinestring_is_handled_part_by_part():
    two_parts = MultiLineString([[(0, 0), (100, 0)], [(0, 100), (300, 100)]])
    gaps, summary = line_gaps(lamps_at(50), utm([two_parts], id=[1]), 60)
    assert gaps["part"].tolist() == [1]
    assert_spans(gaps, [(0.0, 300.0)])
    assert summary["checked_length_m"] == pytest.approx(400.0, abs=EXACT)
    assert summary["by_line"][0]["gap_m"] == pytest.approx(300.0, abs=EXACT)
    gaps, _ = line_gaps(lamps_at(), utm([two_parts]), 60)
    assert gaps["part"].tolist() == [0, 1]
    assert_spans(gaps, [(0.0, 100.0), (0.0, 300.0)])


def test_zero_length_and_null_lines_are_skipped():
    roads = utm([LineString([(5, 5), (5, 5)]), None, street()], id=[1, 2, 3])
    gaps, summary = line_gaps(lamps_at(), roads, 56)
    assert gaps["line_id"].tolist() == [3]
    assert (summary["lines_checked"], summary["lines_skipped"], summary["lines_unchecked"]) == (1, 2, 0)
    zero_part = MultiLineString([[(0, 0), (0, 0)], [(0, 50), (100, 50)]])
    gaps, _ = line_gaps(lamps_at(), utm([zero_part]), 56)
    assert gaps["part"].tolist() == [1]  # parts keep their own index


def test_threshold_by_class_leaves_other_classes_unchecked():
    roads = utm(
        [street(), street(y=100), street(y=200), street(y=300)], **{"class": ["alley", "arterial", None, "alley"]}
    )
    gaps, summary = line_gaps(lamps_at(), roads, {"alley": 150.0})
    assert gaps["line_class"].tolist() == ["alley", "alley"]
    assert summary["unchecked_classes"] == ["arterial", None]
    assert (summary["lines_checked"], summary["lines_unchecked"]) == (2, 2)
    assert summary["by_class"] == [
        {"class": "alley", "lines": 2, "length_m": pytest.approx(400.0, abs=EXACT),
         "gap_m": pytest.approx(400.0, abs=EXACT), "gaps": 2}
    ]  # fmt: skip
    assert summary["max_gap_m"] == {"alley": 150.0}


def test_a_stretch_exactly_as_long_as_the_threshold_is_not_a_gap():
    gaps, _ = line_gaps(lamps_at(0, 56, 112), utm([street(112)]), 56)  # through WGS 84 and back
    assert len(gaps) == 0
    gaps, _ = line_gaps(lamps_at(0, 56, 112), utm([street(112)]), 55.99)
    assert_spans(gaps, [(0.0, 56.0), (56.0, 112.0)])


def test_empty_point_layer_makes_every_line_a_gap():
    gaps, summary = line_gaps(lamps_at().iloc[:0], utm([street(), street(50, y=100)]), 10)
    assert_spans(gaps, [(0.0, 200.0), (0.0, 50.0)])
    assert summary["total_gap_m"] == pytest.approx(250.0, abs=EXACT)


def test_empty_line_layer():
    gaps, summary = line_gaps(lamps_at(10), utm([]), 56, grid_gdf=utm([shapely.box(0, 0, 1, 1)], code=["A"]))
    assert len(gaps) == 0 and gaps.crs.to_epsg() == 4326
    assert {"line_id", "start_m", "end_m", "length_m", "grid_code"} <= set(gaps.columns)
    assert (summary["total_gap_m"], summary["gaps"], summary["lines_checked"], summary["by_grid"]) == (0.0, 0, 0, [])


def test_projected_input_is_measured_in_utm_like_geographic_input():
    lamps = [Point(0, 3), Point(130, -3)]
    ours_wgs84, _ = line_gaps(utm(lamps), utm([street()]), 56)
    ours_utm, summary = line_gaps(utm(lamps, to_wgs84=False), utm([street()], to_wgs84=False), 56)
    assert summary["crs"] == UTM49
    assert_spans(ours_utm, [(0.0, 130.0), (130.0, 200.0)])
    assert_spans(ours_wgs84, spans(ours_utm))
    # Web Mercator stretches metres by ~1/cos(23°); the answer must not.
    mercator, summary = line_gaps(utm(lamps).to_crs(3857), utm([street()]).to_crs(3857), 56)
    assert summary["crs"] == UTM49
    assert_spans(mercator, spans(ours_utm))


def test_points_and_lines_in_different_crs_and_a_far_away_point():
    lamps = pd.concat([utm([Point(100, 0)]).to_crs(3857), gpd.GeoDataFrame(geometry=[Point(1e7, 1e6)], crs=3857)])
    gaps, summary = line_gaps(lamps, utm([street()]), 56)  # the far point must not move the UTM zone
    assert summary["crs"] == UTM49
    assert_spans(gaps, [(0.0, 100.0), (100.0, 200.0)])


def test_per_grid_totals_with_two_cells():
    cells = utm(
        [shapely.box(-50, -50, 200, 50), shapely.box(200, -50, 450, 50)], code=["440106003012001", "440106003012002"]
    )
    roads = utm([street(400), street(100, y=500)], id=["in", "outside"])
    gaps, summary = line_gaps(lamps_at(100, 180, 400), roads, 60, grid_gdf=cells)
    assert_spans(gaps, [(0.0, 100.0), (100.0, 180.0), (180.0, 400.0), (0.0, 100.0)])
    assert gaps["grid_code"].tolist()[:3] == ["440106003012001", "440106003012001", "440106003012002"]
    assert pd.isna(gaps["grid_code"].iloc[3])  # outside every cell
    assert summary["by_grid"] == [
        {"code": "440106003012002", "gap_m": pytest.approx(220.0, abs=EXACT), "gaps": 1},
        {"code": "440106003012001", "gap_m": pytest.approx(180.0, abs=EXACT), "gaps": 2},
        {"code": None, "gap_m": pytest.approx(100.0, abs=EXACT), "gaps": 1},
    ]
    json.dumps(summary, allow_nan=False)


def test_an_empty_grid_without_columns_totals_every_gap_outside_the_cells():
    """An empty grid layer (a store without grid cells) has no ``code`` column to read: as in coverage, every
    gap is outside every cell."""
    gaps, summary = line_gaps(lamps_at(100), utm([street(200)]), 60, grid_gdf=utm([]))
    assert pd.isna(gaps["grid_code"]).all() and len(gaps) == 2
    assert summary["by_grid"] == [{"code": None, "gap_m": pytest.approx(200.0, abs=EXACT), "gaps": 2}]


def test_broken_lamps_count_as_missing_only_when_filtered_out():
    lamps = utm([Point(0, 0), Point(50, 0), Point(100, 0)], status=["working", "broken", None])
    assert len(line_gaps(lamps, utm([street(100)]), 56)[0]) == 0
    working = working_points(lamps)
    assert working["status"].iloc[0] == "working" and pd.isna(working["status"].iloc[1])  # not known broken
    assert_spans(line_gaps(working, utm([street(100)]), 56)[0], [(0.0, 100.0)])
    assert len(working_points(lamps, broken_values=("broken", None))) == 1


# -- input checks -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("change", "error", "words"),
    [
        (lambda p, r: (p.geometry, r), TypeError, "points_gdf must be a GeoDataFrame, got GeoSeries"),
        (lambda p, r: (p, r.set_crs(None, allow_override=True)), ValueError, "lines_gdf has no CRS"),
        (lambda p, r: (p, utm([shapely.box(0, 0, 1, 1)])), ValueError, "has Polygon"),
        (lambda p, r: (utm([Point(0, 0), None]), r), ValueError, "index 1) has no geometry"),
        (lambda p, r: (utm([LineString([(0, 0), (1, 1)])]), r), ValueError, "points_gdf must hold Point"),
    ],
)
def test_bad_layers_are_named(change, error, words):
    points, lines = change(lamps_at(1), utm([street()]))
    with pytest.raises(error, match=words.replace("(", r"\(").replace(")", r"\)")):
        line_gaps(points, lines, 56)


@pytest.mark.parametrize(
    ("kwargs", "error", "words"),
    [
        ({"max_gap_m": 0}, ValueError, "max_gap_m must be > 0, got 0"),
        ({"max_gap_m": True}, TypeError, "max_gap_m must be a real number, got bool"),
        ({"max_gap_m": "56"}, TypeError, "got str"),
        ({"max_gap_m": {}}, ValueError, "empty dict"),
        ({"max_gap_m": {"alley": -1}}, ValueError, "max_gap_m\\['alley'\\] must be > 0"),
        ({"max_gap_m": {"alley": 5}, "class_column": "kind"}, ValueError, "no column 'kind'"),
        ({"max_gap_m": 56, "snap_m": -1}, ValueError, "snap_m must be >= 0, got -1"),
        ({"max_gap_m": 56, "snap_m": float("nan")}, ValueError, "snap_m must be finite"),
        ({"max_gap_m": 56, "grid_gdf": utm([shapely.box(0, 0, 1, 1)], name=["a"])}, ValueError,
         "grid_gdf has no column 'code'"),
    ],
)
def test_bad_arguments_are_named(kwargs, error, words):
    with pytest.raises(error, match=words):
        line_gaps(lamps_at(1), utm([street()], **{"class": ["alley"]}), **kwargs)


def test_working_points_checks_its_arguments():
    with pytest.raises(ValueError, match="no column 'state'"):
        working_points(lamps_at(1), status_column="state")
    with pytest.raises(TypeError, match="got 'broken'"):
        working_points(utm([Point(0, 0)], status=["broken"]), broken_values="broken")


# -- thresholds and their sources --------------------------------------------------------------------
def test_lamp_thresholds_follow_cjj45_and_say_the_factor_is_a_choice():
    rule = lamp_gap_thresholds()
    assert rule["thresholds"] == dict.fromkeys(["arterial", "secondary", "branch", "alley", "commercial"], 56.0)
    assert rule["spacing_m"]["alley"] == 28.0
    assert "CJJ 45-2015" in rule["source"]["zh-CN"] and "选择" in rule["source"]["zh-CN"]
    assert "CJJ 45-2015" in rule["source"]["en"] and "choice, not the standard" in rule["source"]["en"]
    assert lamp_gap_thresholds(distribution="cutoff", factor_of_spacing=1.5)["thresholds"]["alley"] == 36.0
    heights = {"arterial": 12, "secondary": 10, "branch": 8, "alley": 6, "commercial": 8}
    by_height = lamp_gap_thresholds(pole_height_m=heights, distribution="non_cutoff")["thresholds"]
    assert by_height == {"arterial": 96.0, "secondary": 80.0, "branch": 64.0, "alley": 48.0, "commercial": 64.0}
    with pytest.raises(ValueError, match="distribution must be one of"):
        lamp_gap_thresholds(distribution="full")
    with pytest.raises(ValueError, match=r"no height for classes \['alley'\]"):
        lamp_gap_thresholds(pole_height_m={"arterial": 12}, classes=["arterial", "alley"])
    with pytest.raises(ValueError, match="pole_height_m must be > 0"):
        lamp_gap_thresholds(pole_height_m=0)


def test_bin_thresholds_use_the_upper_bounds_of_cjj27():
    rule = bin_gap_thresholds()
    assert rule["thresholds"] == {"arterial": 80.0, "secondary": 100.0, "branch": 100.0, "alley": 100.0,
                                  "commercial": 50.0}  # fmt: skip
    assert rule["category"]["alley"] == "ordinary"
    assert "CJJ 27-2005" in rule["source"]["zh-CN"] and "ordinary roads" in rule["source"]["en"]
    assert bin_gap_thresholds({"commercial": 40})["thresholds"] == {"commercial": 40.0}
    with pytest.raises(ValueError, match=r"by_road_class keys must be among .* got \['alley'\]"):
        bin_gap_thresholds({"alley": 30})
    with pytest.raises(ValueError, match="min <= max"):
        bin_gap_thresholds({"arterial": [80, 50]})
    with pytest.raises(TypeError, match="metres or a \\[min, max\\] pair"):
        bin_gap_thresholds({"arterial": [1, 2, 3]})


def test_presets_agree_with_the_layer_catalogue():
    catalogue = ROOT / "layers" / "catalogue"
    lamps = json.loads((catalogue / "streetlights.json").read_text(encoding="utf-8"))["rules"]["spacing"]
    rule = lamp_gap_thresholds(
        spacing_factors=lamps["max_spacing_factor"], pole_height_m=lamps["default_pole_height_m"]
    )
    assert rule["thresholds"] == lamp_gap_thresholds()["thresholds"]
    bins = json.loads((catalogue / "bins.json").read_text(encoding="utf-8"))["rules"]["service_distance"]
    assert bin_gap_thresholds(bins["by_road_class"]) == bin_gap_thresholds()
    roads = json.loads((catalogue / "roads.json").read_text(encoding="utf-8"))
    assert set(roads["properties"]["class"]["enum"]) == set(bin_gap_thresholds()["thresholds"])


# -- against plain shapely, one road at a time -------------------------------------------------------
def reference_gaps(points_xy, lines, limit, snap_m):
    """The obvious per-line loop with shapely's own project and substring (metric coordinates)."""
    found = []
    for i, line in enumerate(lines):
        positions = sorted(line.project(Point(p)) for p in points_xy if line.distance(Point(p)) <= snap_m)
        stops = [0.0, *positions, line.length]
        found += [(i, a, b, substring(line, a, b)) for a, b in zip(stops, stops[1:]) if b - a > limit + 1e-6]
    return found


def test_random_bent_streets_match_shapely_project_and_substring():
    rng = np.random.default_rng(7)
    lines = []
    for _ in range(40):
        start = rng.uniform(0, 1000, 2)
        lines.append(LineString(start + np.cumsum(rng.normal(0, 40, (rng.integers(2, 7), 2)), axis=0)))
    points = rng.uniform(-20, 1100, (400, 2))
    gaps, _ = line_gaps(utm([Point(p) for p in points], to_wgs84=False), utm(lines, to_wgs84=False), 35.0)
    expected = reference_gaps(
        points + (X0, Y0), [shapely.transform(g, lambda xy: xy + (X0, Y0)) for g in lines], 35, 15
    )
    assert len(gaps) == len(expected) > 20
    assert gaps["line_id"].tolist() == [e[0] for e in expected]
    assert_spans(gaps, [(e[1], e[2]) for e in expected])
    for got, (_, _, _, want) in zip(gaps.to_crs(UTM49).geometry, expected):
        assert got.equals_exact(want, 1e-6)


@settings(max_examples=80, deadline=None)
@given(
    centimetres=st.lists(st.integers(0, 30_000), max_size=25),
    length_cm=st.integers(100, 30_000),
    limit_cm=st.integers(1, 10_000),
)
def test_gaps_are_the_long_intervals_between_sorted_positions(centimetres, length_cm, limit_cm):
    # Whole centimetres: a stretch is exactly the threshold or differs from it by >= 1 cm.
    length, limit = length_cm / 100, limit_cm / 100
    positions = sorted(min(c / 100, length) for c in centimetres)
    stops = [0.0, *positions, length]
    expected = [(a, b) for a, b in zip(stops, stops[1:]) if b - a > limit]
    lamps = utm([Point(p, 2.0) for p in positions], to_wgs84=False)
    gaps, summary = line_gaps(lamps, utm([street(length)], to_wgs84=False), limit)
    assert_spans(gaps, expected)
    assert summary["total_gap_m"] == pytest.approx(sum(b - a for a, b in expected), abs=EXACT)


# -- real data ---------------------------------------------------------------------------------------
MONACO = DATA / "monaco" / "monaco-20211203.osm.pbf"
OSM_CLASS = OSM_ROAD_CLASS  # OSM highway -> our road class, from the one mapping in geo/formats/osm.py


def check_consistent(gaps: gpd.GeoDataFrame, summary: dict, thresholds: dict) -> None:
    assert summary["total_gap_m"] <= summary["checked_length_m"] + EXACT
    assert (gaps["length_m"] > gaps["line_class"].map(thresholds)).all()
    assert (gaps["start_m"] >= 0).all() and (gaps["end_m"] > gaps["start_m"]).all()
    ordered = gaps.sort_values(["line_id", "part", "start_m"])
    same_part = (ordered["line_id"].to_numpy()[1:] == ordered["line_id"].to_numpy()[:-1]) & (
        ordered["part"].to_numpy()[1:] == ordered["part"].to_numpy()[:-1]
    )
    assert (ordered["start_m"].to_numpy()[1:][same_part] >= ordered["end_m"].to_numpy()[:-1][same_part]).all()
    metric_length = gaps.to_crs(summary["crs"]).length.to_numpy()
    assert metric_length == pytest.approx(gaps["length_m"].to_numpy(), abs=1e-6)
    assert sum(r["gap_m"] for r in summary["by_class"]) == pytest.approx(summary["total_gap_m"])
    assert sum(r["gap_m"] for r in summary["by_line"]) == pytest.approx(summary["total_gap_m"])
    json.dumps(summary, allow_nan=False, ensure_ascii=False)


@pytest.fixture(scope="module")
def monaco():
    points = gpd.read_file(MONACO, layer="points")
    lines = gpd.read_file(MONACO, layer="lines")
    lamps = points[points["highway"] == "street_lamp"]
    roads = lines[lines["highway"].isin(list(OSM_CLASS))].copy()
    roads["class"] = roads["highway"].map(OSM_CLASS)
    roads["lit"] = roads["other_tags"].str.extract(r'"lit"=>"([^"]*)"', expand=False)
    return lamps, roads.rename(columns={"osm_id": "id"})


def test_monaco_dark_streets_by_class(monaco):
    lamps, roads = monaco
    assert len(lamps) == 17 and len(roads) > 2000
    thresholds = lamp_gap_thresholds()["thresholds"]
    gaps, summary = line_gaps(lamps, roads, thresholds)
    assert summary["crs"] == "EPSG:32632"
    assert summary["lines_checked"] == len(roads) - summary["lines_skipped"]
    check_consistent(gaps, summary, thresholds)
    # 17 mapped lamps for a whole city: most of it is dark (ways shorter than the threshold are not).
    assert 0.5 * summary["checked_length_m"] < summary["total_gap_m"] < summary["checked_length_m"]
    lit = roads[roads["lit"] == "yes"]
    lit_gaps, lit_summary = line_gaps(lamps, lit, thresholds)
    check_consistent(lit_gaps, lit_summary, thresholds)
    assert lit_summary["total_gap_m"] < summary["total_gap_m"]


TAIPEI = DATA / "taipei"


def taipei_class(name: object) -> str | None:
    """Road class from a Taipei street name (a choice for this test): 巷/弄 alleys, 街 branch roads,
    路/段/道 arterials, unnamed ways unknown."""
    if not isinstance(name, str):
        return None
    if name.endswith(("巷", "弄")):
        return "alley"
    return "arterial" if name.endswith(("路", "段", "道")) else "branch"


@pytest.fixture(scope="module")
def taipei():
    roads = gpd.read_file(TAIPEI / "taipei_roads_osm_derived.geojson")
    roads["class"] = roads["name"].map(taipei_class)
    table = pd.concat([pd.read_csv(TAIPEI / f"trash_can{i}.csv", encoding="utf-8-sig") for i in range(1, 13)])
    bins = gpd.GeoDataFrame(table, geometry=gpd.points_from_xy(table["經度"], table["緯度"]), crs=4326)
    return bins, roads


def test_taipei_bin_gaps_by_class(taipei):
    bins, roads = taipei
    assert len(bins) == 2517
    thresholds = bin_gap_thresholds()["thresholds"]
    gaps, summary = line_gaps(bins, roads, thresholds, snap_m=20)
    assert summary["crs"] == "EPSG:32651"
    assert summary["unchecked_classes"] == [None]  # unnamed ways have no class
    check_consistent(gaps, summary, thresholds)
    assert {r["class"] for r in summary["by_class"]} == {"arterial", "branch", "alley"}
    # The bins mistyped outside the city change nothing, not even the UTM zone.
    minx, miny, maxx, maxy = roads.total_bounds
    inside = bins.cx[minx - 0.01 : maxx + 0.01, miny - 0.01 : maxy + 0.01]
    assert len(inside) < len(bins) - 500
    gaps_inside, summary_inside = line_gaps(inside, roads, thresholds, snap_m=20)
    assert summary_inside["total_gap_m"] == pytest.approx(summary["total_gap_m"], abs=EXACT)
    assert len(gaps_inside) == len(gaps)


def test_lamps_on_a_wide_roads_pavement_count_when_its_width_is_known():
    """A 40 m arterial with kerb lamps 20.5 m from its centre line, and a 4 m alley beside it whose
    centre line is 24 m from those lamps: the arterial's own lamps count for it, never for the alley."""
    roads = utm([street(300.0), street(300.0, y=44.0)], width_m=[40.0, 4.0], name=["大道", "小巷"])
    lamps = utm([Point(x, 20.5) for x in range(0, 301, 50)])
    plain, plain_summary = line_gaps(lamps, roads, 56.0)  # snap 15 m: the arterial looks dark
    assert set(plain["line_name"]) == {"大道", "小巷"} and plain_summary["lines_snapped_by_width"] == 0
    assert plain_summary["snap_edge_m"] is None
    wide, summary = line_gaps(lamps, roads, 56.0, snap_edge_m=5.0)
    assert set(wide["line_name"]) == {"小巷"}  # 24 m from the alley: max(15, 2 + 5) = 15 m, not counted
    assert wide["length_m"].sum() == pytest.approx(300.0, abs=EXACT)
    assert summary["snap_edge_m"] == 5.0 and summary["lines_snapped_by_width"] == 1
    # No width, or a width that is not a positive number: snap_m as before.
    for width in (None, "宽", 0.0, -3.0):
        unknown = utm([street(300.0)], width_m=[width])
        assert line_gaps(lamps, unknown, 56.0, snap_edge_m=5.0)[1]["lines_snapped_by_width"] == 0
    assert line_gaps(lamps, roads.drop(columns="width_m"), 56.0, snap_edge_m=5.0)[1]["total_gap_m"] == pytest.approx(
        plain_summary["total_gap_m"])
    with pytest.raises(ValueError, match="snap_edge_m"):
        line_gaps(lamps, roads, 56.0, snap_edge_m=-1.0)
