"""Tests for geo.coverage: straight-line and network coverage checked by hand, exact distances against
brute force and pyproj.Geod, summaries per grid cell, service areas, and the Monaco, Soho and Taipei data."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import pytest
import shapely
from shapely.geometry import LineString, Point, box

from geo.coverage import coverage, service_areas
from geo.network import RADIUS_TOLERANCE_M, StreetNetwork

DATA = Path(__file__).resolve().parents[1] / "data"
UTM49 = "EPSG:32649"
X0, Y0 = 735_000.0, 2_556_000.0  # central Guangzhou in WGS 84 / UTM 49N
GEOD = pyproj.Geod(ellps="WGS84")


def layer(geoms, wgs84=True, **columns) -> gpd.GeoDataFrame:
    """Geometries given in metres from (X0, Y0), stored in WGS 84 like real data (or left in UTM 49N)."""
    moved = [shapely.affinity.translate(g, X0, Y0) for g in geoms]
    gdf = gpd.GeoDataFrame(columns, geometry=moved, crs=UTM49)
    return gdf.to_crs("EPSG:4326") if wgs84 else gdf


def pts(*xy, wgs84=True, **columns) -> gpd.GeoDataFrame:
    return layer([Point(x, y) for x, y in xy], wgs84=wgs84, **columns)


def approx(value):
    return pytest.approx(value, rel=1e-6, abs=1e-6)


BINS = pts((0, 0), (300, 0), id=["b1", "b2"])


# --- straight line ----------------------------------------------------------------------------------


def test_straight_line_by_hand():
    homes = pts((30, 40), (0, 70), (150, 0), (300, 100), (1000, 0), households=[2, 3, 4, 5, 6], name=list("abcde"))
    result, summary = coverage(BINS, homes, 70)
    assert result.crs.to_epsg() == 4326
    assert result["name"].tolist() == list("abcde")  # the targets' own columns stay
    assert result["distance_m"].tolist() == [approx(v) for v in (50, 70, 150, 100, 700)]
    assert result["nearest_id"].tolist()[:2] == ["b1", "b1"] and result["nearest_id"].tolist()[3:] == ["b2", "b2"]
    assert result["covered"].tolist() == [True, True, False, False, False]
    assert result["reachable"].all()
    assert summary == {
        "targets": 5,
        "covered": 2,
        "uncovered": 3,
        "coverage_ratio": 0.4,
        "households_total": 20,
        "households_covered": 5,
        "unreachable": 0,
        "radius_m": 70.0,
        "metric": "euclidean",
        "by_grid": None,
    }


def test_polygons_and_lines_are_measured_to_their_edge():
    square = box(-10, -10, 10, 10)  # the bin is inside: distance 0
    house = box(40, -5, 60, 5)  # 40 m east of the bin
    path = LineString([(0, 100), (0, 200)])  # 100 m north
    result, _ = coverage(BINS, layer([square, house, path]), 70, id_column=None)
    assert result["distance_m"].tolist() == [approx(0), approx(40), approx(100)]
    assert result["nearest_id"].tolist() == [0, 0, 0]


@pytest.mark.parametrize("n", [1, 7, 200])
def test_exact_nearest_against_brute_force(n):
    rng = np.random.default_rng(n)
    bins = pts(*rng.uniform(0, 2000, (n, 2)))
    shapes = [
        box(x, y, x + w, y + h) for x, y, w, h in np.c_[rng.uniform(0, 2000, (300, 2)), rng.uniform(1, 80, (300, 2))]
    ]
    shapes += [Point(xy) for xy in rng.uniform(-500, 2500, (300, 2))]
    homes = layer(shapes)
    result, _ = coverage(bins, homes, 100, id_column=None)
    metric = homes.to_crs(UTM49).geometry.to_numpy()
    brute = shapely.distance(metric[:, None], bins.to_crs(UTM49).geometry.to_numpy()[None, :])
    assert result["distance_m"].to_numpy() == pytest.approx(brute.min(axis=1), rel=1e-9, abs=1e-6)
    assert (brute[np.arange(len(brute)), result["nearest_id"].to_numpy(dtype=int)] == brute.min(axis=1)).all()


def test_radius_is_inclusive_to_a_nanometre():
    """Exact coordinates in UTM 49N (the zone chosen, so no reprojection): 70 m to the last bit."""
    bins, homes = pts((0, 0), wgs84=False, id=[1]), pts((70, 0), (0, -70.5), wgs84=False)
    for radius, covered in [
        (70, [True, False]),
        (70 - RADIUS_TOLERANCE_M / 2, [True, False]),
        (70 - 2 * RADIUS_TOLERANCE_M, [False, False]),
        (70.5, [True, True]),
    ]:
        result, _ = coverage(bins, homes, radius)
        assert result["covered"].tolist() == covered, radius
    assert result["distance_m"].tolist() == [70.0, 70.5]
    assert result.crs.to_epsg() == 4326  # stored back in WGS 84


@pytest.mark.parametrize(
    ("radius", "covered", "ratio"),
    [(0, 0, 0.0), (49.9, 0, 0.0), (50, 3, 1.0), (1e6, 3, 1.0)],
    ids=["zero", "none", "all", "huge"],
)
def test_all_or_none_covered(radius, covered, ratio):
    homes = pts((30, 40), (-40, 30), (300, 50))  # each exactly 50 m from a bin
    _, summary = coverage(BINS, homes, radius)
    assert (summary["covered"], summary["coverage_ratio"], summary["uncovered"]) == (covered, ratio, 3 - covered)


@pytest.mark.parametrize("crs", ["EPSG:4326", "EPSG:4490", "EPSG:3857", UTM49, "EPSG:32650"])
def test_any_input_crs_gives_the_same_answer(crs):
    homes = pts((30, 40), (0, 70), (1000, 0))
    result, _ = coverage(BINS.to_crs(crs), homes.to_crs(crs), 70)
    assert result.crs.to_epsg() == 4326
    assert result["distance_m"].tolist() == [approx(50), approx(70), approx(700)]


def test_empty_layers():
    homes = pts((30, 40), households=[4])
    no_bins = BINS.iloc[:0]
    result, summary = coverage(no_bins, homes, 70)
    assert result["covered"].tolist() == [False] and result["reachable"].tolist() == [False]
    assert np.isnan(result["distance_m"].iloc[0]) and result["nearest_id"].iloc[0] is None
    assert (summary["covered"], summary["unreachable"], summary["coverage_ratio"]) == (0, 1, 0.0)
    result, summary = coverage(BINS, homes.iloc[:0], 70)
    assert result.empty and {"covered", "reachable", "distance_m", "nearest_id"} <= set(result.columns)
    assert (summary["targets"], summary["coverage_ratio"], summary["households_total"]) == (0, None, 0)
    street = layer([LineString([(0, 0), (100, 0)])])
    for metric, network in (("euclidean", None), ("network", street)):
        _, summary = coverage(no_bins, homes.iloc[:0], 70, metric=metric, network=network)
        assert summary["targets"] == 0


def test_missing_target_geometry_is_unreachable():
    homes = gpd.GeoDataFrame(geometry=[Point(113.3, 23.1), None], crs="EPSG:4326")
    result, summary = coverage(BINS, homes, 70)
    assert result["reachable"].tolist() == [True, False] and summary["unreachable"] == 1


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"facilities_gdf": "bins"}, TypeError, "facilities_gdf"),
        ({"targets_gdf": gpd.GeoDataFrame(geometry=[Point(0, 0)])}, ValueError, "no CRS"),
        ({"radius_m": -1}, ValueError, "radius_m"),
        ({"radius_m": "70"}, TypeError, "radius_m"),
        ({"radius_m": float("nan")}, ValueError, "radius_m"),
        ({"metric": "manhattan"}, ValueError, "metric"),
        ({"metric": "network"}, ValueError, "network="),
        ({"network": gpd.GeoDataFrame(geometry=[], crs="EPSG:4326")}, ValueError, "only used"),
        ({"metric": "network", "network": [1, 2]}, TypeError, "network"),
        ({"id_column": "code"}, ValueError, "no column 'code'"),
        ({"weight_column": "name"}, TypeError, "numeric"),
        ({"targets_gdf": pts((0, 0), covered=[1])}, ValueError, "overwrite"),
        ({"max_snap_m": 50}, ValueError, "only used"),
        (
            {"metric": "network", "network": gpd.GeoDataFrame(geometry=[], crs=4326), "max_snap_m": -5},
            ValueError,
            "max_snap_m",
        ),
        ({"grid_gdf": "cells"}, TypeError, "grid_gdf"),
    ],
)
def test_bad_input_is_refused_naming_it(kwargs, error, match):
    args = {"facilities_gdf": BINS, "targets_gdf": pts((0, 0), name=["x"]), "radius_m": 70} | kwargs
    with pytest.raises(error, match=match):
        coverage(**args)


def test_counts_per_grid_cell():
    west, east = box(-100, -100, 150, 100), box(150, -100, 400, 100)  # the shared edge belongs to "west"
    grid = layer([west, east], code=["440106003012001", "440106003012002"])
    homes = pts((30, 40), (150, 0), (200, 0), (290, 0), (0, 500), households=[1, 2, 3, 4, 5])
    _, summary = coverage(BINS, homes, 70, grid_gdf=grid)
    assert summary["by_grid"] == [
        {
            "code": "440106003012001",
            "targets": 2,
            "covered": 1,
            "uncovered": 1,
            "coverage_ratio": 0.5,
            "households_total": 3,
            "households_covered": 1,
        },
        {
            "code": "440106003012002",
            "targets": 2,
            "covered": 1,
            "uncovered": 1,
            "coverage_ratio": 0.5,
            "households_total": 7,
            "households_covered": 4,
        },
        {
            "code": None,
            "targets": 1,
            "covered": 0,
            "uncovered": 1,
            "coverage_ratio": 0.0,
            "households_total": 5,
            "households_covered": 0,
        },
    ]
    with pytest.raises(ValueError, match="grid_gdf has no column 'cell'"):
        coverage(BINS, homes, 70, grid_gdf=grid, grid_code_column="cell")
    _, summary = coverage(BINS, homes, 70, grid_gdf=gpd.GeoDataFrame(geometry=[], crs="EPSG:4326"))
    assert summary["by_grid"] == [
        {
            "code": None,
            "targets": 5,
            "covered": 2,
            "uncovered": 3,
            "coverage_ratio": 0.4,
            "households_total": 15,
            "households_covered": 5,
        }
    ]


# --- metric accuracy --------------------------------------------------------------------------------


def geodesic_relative_errors(lon0: float, lat0: float, seed: int) -> float:
    """Largest relative difference between our straight-line distances and WGS 84 geodesics, for
    homes up to ~1.5 km from their bin, bins 0.05 degrees (~5 km) apart over a 0.4 degree square."""
    rng = np.random.default_rng(seed)
    gx, gy = np.meshgrid(np.arange(-0.2, 0.201, 0.05), np.arange(-0.2, 0.201, 0.05))
    bins_xy = np.c_[gx.ravel() + lon0, gy.ravel() + lat0]
    owner = rng.integers(0, len(bins_xy), 500)
    homes_xy = bins_xy[owner] + rng.uniform(-0.01, 0.01, (500, 2))
    bins = gpd.GeoDataFrame({"id": np.arange(len(bins_xy))}, geometry=shapely.points(bins_xy), crs="EPSG:4326")
    homes = gpd.GeoDataFrame(geometry=shapely.points(homes_xy), crs="EPSG:4326")
    result, _ = coverage(bins, homes, 70)
    assert (result["nearest_id"].to_numpy(dtype=int) == owner).all()
    _, _, geodesic = GEOD.inv(bins_xy[owner, 0], bins_xy[owner, 1], homes_xy[:, 0], homes_xy[:, 1])
    return float(np.max(np.abs(result["distance_m"].to_numpy() - geodesic) / geodesic))


@pytest.mark.parametrize(
    ("lon", "lat"), [(113.3, 23.1), (7.42, 43.74), (108.2, 22.8)], ids=["guangzhou", "monaco", "nanning-zone-edge"]
)
def test_straight_line_distances_match_geodesics_within_0_1_percent(lon, lat):
    assert geodesic_relative_errors(lon, lat, 7) < 1e-3


# --- network ------------------------------------------------------------------------------------------


def t_junction():
    return layer(
        [LineString([(0, 0), (200, 0)]), LineString([(100, 0), (100, 100)]), LineString([(0, 500), (100, 500)])]
    )


def test_network_walks_round_the_corner_where_the_crow_flies_straight():
    bins, homes = pts((100, 80), id=["corner"]), pts((180, 0), (50, 500))
    straight, s_summary = coverage(bins, homes, 120)
    walked, w_summary = coverage(bins, homes, 120, metric="network", network=t_junction())
    assert straight["distance_m"].iloc[0] == approx(np.hypot(80, 80)) and straight["covered"].iloc[0]
    assert walked["distance_m"].iloc[0] == approx(160) and not walked["covered"].iloc[0]
    assert walked["reachable"].tolist() == [True, False] and np.isnan(walked["distance_m"].iloc[1])
    assert walked["nearest_id"].tolist() == ["corner", None]
    assert (w_summary["metric"], w_summary["unreachable"], s_summary["unreachable"]) == ("network", 1, 0)
    net = StreetNetwork.from_lines(t_junction())
    again, _ = coverage(bins, homes, 160, metric="network", network=net)
    assert again["covered"].tolist() == [True, False]


def test_network_radius_is_inclusive():
    street = layer([LineString([(0, 0), (200, 0)])], wgs84=False)
    bins, homes = pts((0, 0), wgs84=False, id=[1]), pts((70, 3), wgs84=False)
    for radius, covered in [(70, True), (70 - RADIUS_TOLERANCE_M / 2, True), (70 - 2 * RADIUS_TOLERANCE_M, False)]:
        result, _ = coverage(bins, homes, radius, metric="network", network=street)
        assert result["covered"].iloc[0] == covered


def test_service_areas():
    bins = pts((0, 0), (300, 0), id=["b1", "b2"], kind=["bin", "bin"])
    circles = service_areas(bins, 70)
    assert circles.crs.to_epsg() == 4326 and circles["id"].tolist() == ["b1", "b2"]
    assert circles.to_crs(UTM49).area.to_numpy() == pytest.approx([np.pi * 70**2] * 2, rel=3e-3)
    street = layer([LineString([(0, 0), (400, 0)])])
    stretches = service_areas(bins, 70, metric="network", network=street)
    assert stretches.crs.to_epsg() == 4326 and stretches["length_m"].sum() == approx(70 + 140)
    assert service_areas(bins.iloc[:0], 70).empty
    assert service_areas(bins.iloc[:0], 70, metric="network", network=street).empty


# --- real data ----------------------------------------------------------------------------------------

MONACO = DATA / "monaco" / "monaco-20211203.osm.pbf"
WALKABLE = {
    "footway",
    "path",
    "pedestrian",
    "steps",
    "living_street",
    "residential",
    "service",
    "unclassified",
    "tertiary",
    "tertiary_link",
    "secondary",
    "secondary_link",
    "primary",
    "primary_link",
    "track",
    "corridor",
    "cycleway",
}


def osm_points(tag: str) -> gpd.GeoDataFrame:
    points = gpd.read_file(MONACO, layer="points")
    return points[points["other_tags"].fillna("").str.contains(tag, regex=False)]


def test_monaco_buildings_by_waste_baskets_within_120_m():
    lines = gpd.read_file(MONACO, layer="lines")
    streets = lines[lines["highway"].isin(WALKABLE)]
    baskets = osm_points('"amenity"=>"waste_basket"')
    polygons = gpd.read_file(MONACO, layer="multipolygons")
    buildings = polygons[polygons["building"].notna()]
    net = StreetNetwork.from_lines(streets)
    walked, summary = coverage(
        baskets, buildings, 120, metric="network", network=net, id_column="osm_id", weight_column=None
    )
    straight, s_summary = coverage(baskets, buildings, 120, id_column="osm_id")
    assert summary["targets"] == len(buildings) == 1205 and len(baskets) == 41
    # 17 buildings snap to streets clipped off at the extract's edge, with no basket: unreachable
    assert (summary["unreachable"], summary["covered"], s_summary["covered"], s_summary["unreachable"]) == (
        17,
        170,
        371,
        0,
    )
    unreachable = walked[~walked["reachable"]]
    assert unreachable["distance_m"].isna().all() and unreachable["nearest_id"].isna().all()
    reached = walked["reachable"].to_numpy()
    # along the streets is never shorter than straight between the snapped ends
    snapped_homes, snapped_bins = net.snap(buildings), net.snap(baskets).set_index(baskets["osm_id"])
    ends = snapped_bins.geometry.loc[walked["nearest_id"][reached]].to_numpy()
    crow = shapely.distance(snapped_homes.geometry.to_numpy()[reached], ends)
    assert (walked["distance_m"].to_numpy()[reached] >= crow - 1e-6).all()


def test_soho_deaths_near_pumps_along_the_streets():
    folder = DATA / "snow_soho_1854"
    streets = gpd.read_file(folder / "Soho_Network.shp")
    pumps = gpd.read_file(folder / "SohoWater.shp")
    people = gpd.read_file(folder / "SohoPeople.shp")
    result, summary = coverage(
        pumps, people, 100, metric="network", network=streets, id_column=None, weight_column="Count"
    )
    assert (summary["targets"], summary["unreachable"], summary["Count_total"]) == (324, 0, 392)
    assert (summary["covered"], summary["Count_covered"]) == (90, 155)
    counts = result["nearest_id"].value_counts()
    assert (counts.index[0], counts.iloc[0]) == (8, 188)  # most addresses walk to the central pump
    centre = Point(np.average(shapely.get_coordinates(people.geometry), axis=0, weights=people["Count"]))
    assert pumps.distance(centre).idxmin() == 8


def read_taipei_bins() -> tuple[gpd.GeoDataFrame, int]:
    frames = [pd.read_csv(path, encoding="utf-8-sig") for path in sorted((DATA / "taipei").glob("trash_can*.csv"))]
    bins = pd.concat(frames, ignore_index=True)
    inside = bins["經度"].between(121.4, 121.7) & bins["緯度"].between(24.9, 25.25)
    kept = bins[inside]
    gdf = gpd.GeoDataFrame(kept, geometry=gpd.points_from_xy(kept["經度"], kept["緯度"]), crs="EPSG:4326")
    return gdf, int((~inside).sum())


def test_taipei_toilets_near_bins_on_the_road_network():
    bins, dropped = read_taipei_bins()
    assert (len(bins) + dropped, dropped) == (2517, 13)
    assert "行政區" in bins.columns  # the BOM was stripped from the first header
    roads = gpd.read_file(DATA / "taipei" / "taipei_roads_osm_derived.geojson")
    toilets = gpd.read_file(DATA / "taipei" / "taipei_public_toilets.geojson")
    toilets = toilets.cx[slice(*roads.total_bounds[[0, 2]]), slice(*roads.total_bounds[[1, 3]])]
    net = StreetNetwork.from_lines(roads)
    walked, summary = coverage(bins, toilets, 70, metric="network", network=net, id_column=None, max_snap_m=50)
    straight, s_summary = coverage(bins, toilets, 70, id_column=None)
    assert net.crs.to_epsg() == 32651 and summary["targets"] == s_summary["targets"] == 161
    # toilets beyond the two districts' roads or over 50 m from any road are unreachable
    assert (summary["unreachable"], summary["covered"], s_summary["covered"]) == (78, 26, 71)
    assert walked["distance_m"].isna().sum() == 78 and straight["distance_m"].notna().all()


def test_few_facilities_and_large_shapes_search_all_candidates():
    """More candidates are needed than there are facilities, and a park-sized polygon has many."""
    bins = pts((0, 0), (900, 0), (0, 900), id=[1, 2, 3])
    park = box(-400, -400, 1300, 1300).difference(box(-300, -300, 1200, 1200))  # a 100 m ring of green
    homes = layer([park, box(2000, 2000, 2010, 2010), Point(450, 450)])
    result, _ = coverage(bins, homes, 70)
    assert result["distance_m"].tolist() == [approx(300), approx(np.hypot(1100, 2000)), approx(np.hypot(450, 450))]
    many = pts(*[(x, y) for x in range(0, 2000, 40) for y in range(0, 2000, 40)], id=list(range(2500)))
    result, _ = coverage(many, homes.iloc[:1], 70)
    assert result["distance_m"].iloc[0] == approx(0)
