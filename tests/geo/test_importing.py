"""Tests for geo.formats (importing, importchecks, charsets, tables, shapefiles and osm): every
format, every problem kind, encodings, coordinate systems, and the real data in tests/data/."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from openpyxl import Workbook
from shapely.geometry import LineString, MultiPolygon, Point, Polygon, box

from geo import chinacoords
from geo.formats.charsets import cpg_encoding, decode
from geo.formats.importchecks import check_extent, check_geometry_types, check_ranges, duplicates
from geo.formats.importing import SourceError, parse_crs, read_source
from geo.formats.osm import OSM_ROAD_CLASS, parse_tags, read_osm
from geo.formats.shapefiles import scan_dbf
from geo.formats.tables import find_coordinate_columns, parse_numbers

DATA = Path(__file__).resolve().parents[1] / "data"
TAIPEI = DATA / "taipei"
TAIPEI_CITY = (121.45, 24.96, 121.67, 25.22)  # lon/lat box of Taipei City
MONACO = DATA / "monaco" / "monaco-20211203.osm.pbf"
SNOW = DATA / "snow_soho_1854"


def csv(text: str, encoding: str = "utf-8", **options):
    return read_source("csv", {"a.csv": text.encode(encoding)}, **options)


def codes(table_or_frame) -> dict[int, list[str]]:
    frame = getattr(table_or_frame, "problems", table_or_frame)
    return {int(r): sorted(g["code"]) for r, g in frame.groupby("row")}


def shapefile_files(gdf: gpd.GeoDataFrame, tmp_path: Path, encoding: str | None, stem: str = "bins") -> dict:
    folder = tmp_path / f"shp-{encoding}"
    folder.mkdir()
    gdf.to_file(folder / f"{stem}.shp", **({"encoding": encoding} if encoding else {}))
    return {p.name: p.read_bytes() for p in folder.iterdir()}


# -- real data ----------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def taipei_bins():
    tables = [read_source("csv", {p.name: p.read_bytes()}) for p in sorted(TAIPEI.glob("trash_can*.csv"))]
    return tables


def test_taipei_bins_bom_and_columns(taipei_bins):
    assert sum(len(t.frame) for t in taipei_bins) == 2517
    for table in taipei_bins:
        assert table.info["encoding"] == "utf-8-sig"
        assert table.info["geometry_columns"] == {"x": "經度", "y": "緯度", "wkt": None}
        assert list(table.frame.columns)[0] == "行政區"  # the BOM is not part of the first column's name
        assert table.problems.empty
    first = taipei_bins[0]
    assert first.frame.iloc[0]["路名"] == "北安路"
    assert shapely.get_coordinates(first.geometry[:1]).tolist() == [[121.5491667, 25.08388889]]


def test_taipei_bins_outside_the_city_and_repeated_points_are_flagged(taipei_bins):
    geoms = np.concatenate([t.geometry for t in taipei_bins])
    outside = check_extent(geoms, TAIPEI_CITY)
    assert len(outside) == 20 and set(outside["code"]) == {"outside_extent"}
    assert outside["row"].tolist() == [649, 658, 688, 691, 692, 693, 723, 777, 778, 779, 780, 831, 835, 843, 844,
                                       845, 846, 847, 848, 2511]  # fmt: skip
    assert outside["reason"].iloc[0] == (
        "[121.3027, 25.02225] is outside the community's extent [121.45000, 24.96000, 121.67000, 25.22000]"
    )
    assert shapely.get_coordinates(geoms[649]).tolist() == [[121.302677, 25.022252]]  # 4 and 5 decimals above
    exact = duplicates(geoms, 0.0)
    assert len(exact) == 241 and set(exact["code"]) == {"duplicate_row"}
    row = int(exact["row"].iloc[0])
    earlier = int(exact["reason"].iloc[0].rsplit(" ", 1)[1]) - 1
    assert earlier < row and geoms[earlier].equals(geoms[row])
    near = duplicates(geoms, 2.0)
    assert len(near) == 249 and set(exact["row"]) < set(near["row"])  # 8 more within 2 m, every exact one too


def test_taipei_toilets_swapped_record_is_named():
    table = read_source("geojson", {"t.geojson": (TAIPEI / "taipei_public_toilets.geojson").read_bytes()})
    assert len(table.frame) == 1777
    assert codes(table) == {201: ["coordinates_swapped"]}
    reason = table.problems["reason"].iloc[0]
    assert "25.05412" in reason and "latitude and longitude look swapped" in reason
    assert table.geometry[201] is None and table.source_geometry[201] is not None
    assert table.frame.iloc[201]["Title"] == "公廁坐落：建成公園地下停車場"


def test_snow_shapefiles_in_epsg_3857_come_out_in_wgs84():
    files = {p.name: p.read_bytes() for p in SNOW.glob("Soho*")}
    expected = {"SohoPeople": 324, "SohoWater": 13, "Soho_Network": 118}
    for layer, count in expected.items():
        table = read_source("shapefile", files, layer=layer)
        assert len(table.frame) == count and table.problems.empty
        assert table.info["crs_declared"] == "EPSG:3857" and not table.info["crs_assumed"]
        x0, y0, x1, y1 = shapely.total_bounds(table.geometry)
        assert -0.15 < x0 < x1 < -0.12 and 51.50 < y0 < y1 < 51.52  # Soho, London
    deaths = read_source("shapefile", files, layer="SohoPeople")
    assert deaths.frame["Count"].sum() > 324
    with pytest.raises(SourceError) as info:
        read_source("shapefile", files, layer="Nope")
    assert info.value.code == "unknown_layer"


@pytest.mark.parametrize(("target", "count"), [("roads", 2404), ("buildings", 1205), ("toilets", 31), ("bins", 41),
                                               ("collection_points", 17), ("streetlights", 17)])  # fmt: skip
def test_monaco_extract_into_each_layer(target, count):
    table = read_source("osm_pbf", {"m.osm.pbf": MONACO.read_bytes()}, osm_target=target)
    assert len(table.frame) == count
    assert table.problems.empty
    x0, y0, x1, y1 = shapely.total_bounds(table.geometry)
    assert 7.40 < x0 < x1 < 7.45 and 43.72 < y0 < y1 < 43.76


def two_point_ring_extract() -> bytes:
    """A hand-made OSM XML extract (read by GDAL's OSM driver as an extract is): a good building (way 10), a
    building multipolygon (relation 20) whose outer ring has two points (way 11: node 5 twice, as real
    extracts hold), and a waste basket that is a multipolygon of the same broken ring (relation 21)."""
    return b"""<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6" generator="tests">
  <node id="1" lat="23.1000" lon="113.3000"/><node id="2" lat="23.1000" lon="113.3010"/>
  <node id="3" lat="23.1010" lon="113.3010"/><node id="4" lat="23.1010" lon="113.3000"/>
  <node id="5" lat="23.1020" lon="113.3020"/>
  <node id="7" lat="23.1005" lon="113.3005"><tag k="amenity" v="waste_basket"/></node>
  <way id="10"><nd ref="1"/><nd ref="2"/><nd ref="3"/><nd ref="4"/><nd ref="1"/><tag k="building" v="yes"/>
    <tag k="name" v="good"/></way>
  <way id="11"><nd ref="5"/><nd ref="5"/></way>
  <relation id="20"><member type="way" ref="11" role="outer"/><tag k="type" v="multipolygon"/>
    <tag k="building" v="yes"/><tag k="name" v="broken"/></relation>
  <relation id="21"><member type="way" ref="11" role="outer"/><tag k="type" v="multipolygon"/>
    <tag k="amenity" v="waste_basket"/></relation>
</osm>
"""


@pytest.mark.parametrize(("target", "good"), [("buildings", ["good"]), ("bins", [None])])
def test_a_two_point_ring_is_a_problem_of_its_row(target, good):
    """The bulk read of such an extract dies in GEOS ("Invalid number of points in LinearRing"): the broken
    multipolygon is a row with an invalid_geometry problem naming its OSM id; every other row is read."""
    table = read_source("osm_pbf", {"x.osm.pbf": two_point_ring_extract()}, osm_target=target)
    broken = table.frame.index[table.frame["osm_id"].astype(str).isin(["20", "21"])].tolist()
    assert len(broken) == 1 and table.geometry[broken[0]] is None
    assert table.problems[["row", "code", "field"]].values.tolist() == [[broken[0], "invalid_geometry", "geometry"]]
    assert table.problems["reason"].iloc[0].startswith("OSM 2")
    others = [i for i in range(len(table.frame)) if i != broken[0]]
    assert table.frame["name"].iloc[others].tolist() == good and all(table.geometry[i] is not None for i in others)


def test_monaco_roads_classes_and_lit():
    roads = read_osm(str(MONACO), "roads")
    assert set(roads["class"]) <= set(OSM_ROAD_CLASS.values())
    lit = roads["lit"].value_counts(dropna=False).to_dict()
    assert lit[True] == 519 and lit[False] == 4
    toilets = read_osm(str(MONACO), "toilets")
    assert set(toilets.geom_type) == {"Point"}  # areas become their representative point
    with pytest.raises(ValueError, match="OSM extract fills"):
        read_osm(str(MONACO), "grid")


def test_osm_tags():
    assert parse_tags('"lit"=>"yes","addr:street"=>"Rue \\"A\\""') == {"lit": "yes", "addr:street": 'Rue "A"'}


# -- encodings ----------------------------------------------------------------------------------------
def test_decode_prefers_declared_then_utf8_then_gb18030():
    assert decode("垃圾箱".encode("gbk")).encoding == "gb18030"
    assert decode("垃圾箱".encode()).encoding == "utf-8"
    assert decode(b"\xef\xbb\xbfok").text == "ok"
    assert decode("垃圾箱".encode("big5"), "big5").text == "垃圾箱"
    assert cpg_encoding("UTF-8") == "utf-8" and cpg_encoding("936") == "gbk" and cpg_encoding("nonsense") is None


def test_gbk_csv_is_detected():
    table = csv("名称,经度,纬度\n东门垃圾箱,113.3,23.1\n", "gbk")
    assert table.info["encoding"] == "gb18030"
    assert table.frame.iloc[0]["名称"] == "东门垃圾箱"


def test_undecodable_csv_fields_are_named_not_replaced():
    data = "名称,备注,经度,纬度\n东门,好,113.3,23.1\n".encode() + b"\xff\xfe,ok,113.4,23.2\n"
    table = read_source("csv", {"a.csv": data})
    assert table.info["undecodable_bytes"] == 2
    assert codes(table) == {1: ["undecodable_text"]}
    assert table.problems.iloc[0]["field"] == "名称"
    assert table.frame.iloc[0]["名称"] == "东门"


@pytest.mark.parametrize("cpg", ["GBK", None])
def test_gbk_shapefile_with_and_without_cpg(tmp_path, cpg):
    gdf = gpd.GeoDataFrame({"名称": ["东门垃圾箱", "西门"], "容量": [240, 120]},
                           geometry=[Point(113.3, 23.1), Point(113.31, 23.11)], crs=4326)  # fmt: skip
    files = shapefile_files(gdf, tmp_path, "GBK")
    if cpg is None:
        del files["bins.cpg"]
    table = read_source("shapefile", files)
    assert table.frame["名称"].tolist() == ["东门垃圾箱", "西门"]
    assert table.info["encoding"] == ("gbk" if cpg else "gb18030")
    assert table.info["encoding_source"] == ("cpg" if cpg else "detected")


def test_utf8_shapefile_and_undecodable_record(tmp_path):
    gdf = gpd.GeoDataFrame({"name": ["东门", "西门"]}, geometry=[Point(113.3, 23.1), Point(113.31, 23.11)], crs=4326)
    files = shapefile_files(gdf, tmp_path, "UTF-8")
    assert read_source("shapefile", files).frame["name"].tolist() == ["东门", "西门"]
    dbf = bytearray(files["bins.dbf"])
    at = bytes(dbf).index("西门".encode())
    dbf[at : at + 2] = b"\xff\xfe"  # broken bytes in the second record
    files["bins.dbf"] = bytes(dbf)
    table = read_source("shapefile", files)
    assert codes(table) == {1: ["undecodable_text"]}
    assert table.problems.iloc[0]["field"] == "name"
    assert scan_dbf(files["bins.dbf"], "utf-8").undecodable.keys() == {1}


# -- tables ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("names", [("经度", "纬度"), ("lng", "lat"), ("LON", "LAT"), ("Longitude", "Latitude"),
                                   ("x", "y"), ("經度", "緯度")])  # fmt: skip
def test_coordinate_columns_are_recognised(names):
    assert find_coordinate_columns(["名称", "\ufeff" + names[0], f" {names[1]} "]) == ("\ufeff" + names[0],
                                                                                      f" {names[1]} ")
    table = csv(f"名称,{names[0]},{names[1]}\n东门,113.3,23.1\n")
    assert shapely.get_coordinates(table.geometry).tolist() == [[113.3, 23.1]]


def test_numbers_are_parsed_strictly():
    values, bad = parse_numbers(["113.3", "1e2", " 7 ", "", "113,3", "12°", "NaN", "inf"])
    assert values[:3].tolist() == [113.3, 100.0, 7.0]
    assert bad.tolist() == [False, False, False, False, True, True, True, True]
    table = csv("名称,经度,纬度\n甲,113.3,23.1\n乙,113°18',23.1\n丙,113.3,\n丁,,\n")
    assert codes(table) == {1: ["invalid_number"], 2: ["empty_geometry"]}
    assert table.geometry[3] is None  # no coordinates at all: for the caller to report or geocode


def test_tsv_ragged_rows_and_wkt_column():
    table = csv("name\tWKT\n东门\tPOINT (113.3 23.1)\n西门\tLINESTRING (0 0, 1 1)\n坏\tPOINT (1\n"
                "多\tPOINT (1 1)\textra\n")
    assert table.info["delimiter"] == "\t"
    assert codes(table) == {2: ["invalid_geometry"], 3: ["wrong_field_count"]}
    assert table.geometry[1].geom_type == "LineString"


def test_xlsx_sheets_and_typed_cells():
    book = Workbook()
    book.active.title = "说明"
    book.active.append(["这一页没有数据"])
    sheet = book.create_sheet("垃圾箱")
    sheet.append(["名称", "经度", "纬度", "容量"])
    sheet.append(["东门", 113.3, 23.1, 240])
    sheet.append(["西门", "113.31", "23.11", None])
    buffer = io.BytesIO()
    book.save(buffer)
    files = {"a.xlsx": buffer.getvalue()}
    table = read_source("xlsx", files, sheet="垃圾箱")
    assert table.info["sheets"] == ["说明", "垃圾箱"] and table.info["sheet"] == "垃圾箱"
    assert table.frame["容量"].tolist() == [240, None]
    assert shapely.get_coordinates(table.geometry).tolist() == [[113.3, 23.1], [113.31, 23.11]]
    assert read_source("xlsx", files).info["geometry_columns"] == {"x": None, "y": None, "wkt": None}
    with pytest.raises(SourceError) as info:
        read_source("xlsx", files, sheet="nope")
    assert info.value.code == "unknown_sheet"


# -- other formats ----------------------------------------------------------------------------------------
def test_geopackage_layer_choice(tmp_path):
    path = tmp_path / "two.gpkg"
    gpd.GeoDataFrame({"名称": ["东门"]}, geometry=[Point(113.3, 23.1)], crs=4326).to_file(path, layer="bins")
    gpd.GeoDataFrame({"名称": ["新港东路"]}, geometry=[LineString([(113.3, 23.1), (113.4, 23.1)])],
                     crs=4326).to_file(path, layer="roads")  # fmt: skip
    files = {"two.gpkg": path.read_bytes()}
    first = read_source("geopackage", files)
    assert first.info["layers"] == ["bins", "roads"] and first.info["layer"] == "bins"
    roads = read_source("geopackage", files, layer="roads")
    assert roads.frame["名称"].tolist() == ["新港东路"] and roads.geometry[0].geom_type == "LineString"


def test_kml_and_kmz(tmp_path):
    path = tmp_path / "a.kml"
    gpd.GeoDataFrame({"name": ["东门垃圾箱"], "备注": ["完好"]}, geometry=[Point(113.3, 23.1)],
                     crs=4326).to_file(path, driver="KML")  # fmt: skip
    kml = read_source("kml", {"a.kml": path.read_bytes()})
    assert "东门垃圾箱" in kml.frame.astype(str).to_numpy().ravel().tolist()
    assert shapely.get_coordinates(kml.geometry).tolist() == [[113.3, 23.1]]
    kmz = read_source("kmz", {"doc.kml": path.read_bytes(), "files/icon.png": b"\x89PNG"})
    assert len(kmz.frame) == 1


def test_geojson_problems_and_legacy_crs():
    collection = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"名称": "东门", "标签": ["a", "b"]},
         "geometry": {"type": "Point", "coordinates": [113.3, 23.1]}},
        {"type": "Feature", "properties": {}, "geometry": None},
        {"type": "Feature", "properties": {}, "geometry": {"type": "Polygon",
                                                          "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1]]]}},
        {"type": "Feature", "properties": {}, "geometry": {"type": "LineString", "coordinates": [[0, 0]]}},
    ]}  # fmt: skip
    table = read_source("geojson", {"a": json.dumps(collection, ensure_ascii=False).encode()})
    assert codes(table) == {2: ["invalid_geometry"], 3: ["invalid_geometry"]}
    assert "ring" in table.problems.iloc[0]["reason"]
    assert table.frame.iloc[0]["标签"] == '["a", "b"]'
    projected = {"type": "FeatureCollection", "crs": {"type": "name", "properties": {"name": "EPSG:3857"}},
                 "features": [{"type": "Feature", "properties": {},
                               "geometry": {"type": "Point", "coordinates": [12613000, 2646000]}}]}  # fmt: skip
    table = read_source("geojson", {"a": json.dumps(projected).encode()})
    lon, lat = shapely.get_coordinates(table.geometry)[0]
    assert 113.2 < lon < 113.4 and 23.0 < lat < 23.3
    with pytest.raises(SourceError):
        read_source("geojson", {"a": b"{not json"})


# -- coordinate systems -------------------------------------------------------------------------------------
@pytest.mark.parametrize("system", ["gcj02", "bd09", "GCJ-02", "BD-09"])
def test_chinese_web_map_coordinates_are_converted(system):
    wgs = np.array([[113.3243, 23.1061], [116.397128, 39.916527]])
    key = system.lower().replace("-", "")
    lon, lat = chinacoords.convert(wgs[:, 0], wgs[:, 1], "wgs84", key)
    text = "名称,lng,lat\n" + "".join(f"p{i},{x!r},{y!r}\n" for i, (x, y) in enumerate(zip(lon.tolist(), lat.tolist())))
    table = csv(text, crs=system)
    assert table.info["crs"] == key
    assert np.abs(shapely.get_coordinates(table.geometry) - wgs).max() < 1e-7
    unconverted = csv(text)
    assert np.abs(shapely.get_coordinates(unconverted.geometry) - wgs).max() > 1e-3  # hundreds of metres


def test_any_epsg_code_for_tables():
    table = csv("x,y\n12613000,2646000\n", crs="EPSG:3857")
    lon, lat = shapely.get_coordinates(table.geometry)[0]
    assert 113.2 < lon < 113.4 and 23.0 < lat < 23.3
    assert csv("x,y\n12613000,2646000\n", crs="3857").info["crs"] == "EPSG:3857"
    with pytest.raises(SourceError) as info:
        csv("x,y\n1,2\n", crs="EPSG:999999")
    assert info.value.field == "crs"
    assert parse_crs("bd09") == ("bd09", None)


def test_range_problems_are_named():
    table = csv("名称,lng,lat\n好,113.3,23.1\n颠倒,23.1,113.3\n米,12613000,2646000\n超,200,89\n")
    assert codes(table) == {1: ["coordinates_swapped"], 2: ["wrong_crs"], 3: ["coordinates_out_of_range"]}
    assert table.geometry[1] is None and table.geometry[0] is not None
    problems, ok = check_ranges(np.array([Point(-190, 0), None], dtype=object))
    assert problems["code"].tolist() == ["coordinates_out_of_range"] and ok.tolist() == [False, True]


# -- row checks -------------------------------------------------------------------------------------------------
def test_geometry_checks():
    bowtie = Polygon([(0, 0), (1, 1), (1, 0), (0, 1), (0, 0)])
    two = MultiPolygon([box(0, 0, 1, 1), box(2, 2, 3, 3)])
    geoms = np.array([box(0, 0, 1, 1), MultiPolygon([box(0, 0, 1, 1)]), two,
                      bowtie, Point(0, 0), shapely.Polygon(), None, Point(1, 2, 3)], dtype=object)  # fmt: skip
    kept, problems = check_geometry_types(geoms, ("Polygon", "Point"))
    assert codes(problems) == {2: ["geometry_type_mismatch"], 3: ["invalid_geometry"], 5: ["empty_geometry"],
                               6: ["empty_geometry"]}  # fmt: skip
    assert kept[1].geom_type == "Polygon"  # a single-part multipolygon goes in as its one part
    assert kept[2] is None and kept[3] is None
    assert not kept[7].has_z
    assert "self-intersection" in problems.loc[problems["row"] == 3, "reason"].iloc[0].lower()
    flat = check_geometry_types(np.array([LineString([(0, 0), (0, 0)])], dtype=object), ("LineString",))[1]
    assert flat["code"].tolist() == ["invalid_geometry"]


def test_extent_and_swaps_relative_to_it():
    extent = (113.2, 23.0, 113.5, 23.3)
    geoms = np.array([Point(113.3, 23.1), Point(23.1, 113.3), Point(121.5, 25.0), None], dtype=object)
    found = check_extent(geoms, extent)
    assert codes(found) == {1: ["coordinates_swapped"], 2: ["outside_extent"]}
    inside_swapped = check_extent(np.array([Point(23.1, 113.3)], dtype=object), (23.0, 113.2, 23.3, 113.5))
    assert inside_swapped.empty
    swapped = check_extent(np.array([Point(23.1, 50.0)], dtype=object), (49.0, 23.0, 51.0, 24.0))
    assert swapped["code"].tolist() == ["coordinates_swapped"]
    assert check_extent(geoms, None).empty


def test_duplicates_within_the_file_and_of_stored_features():
    base = Point(113.3, 23.1)
    metres = 1 / 111_320  # about a metre in latitude
    geoms = np.array([base, Point(113.3, 23.1 + 1.5 * metres), Point(113.3, 23.1 + 5 * metres), base, None],
                     dtype=object)  # fmt: skip
    found = duplicates(geoms, 2.0)
    assert codes(found) == {1: ["duplicate_row"], 3: ["duplicate_row"]}
    assert found["reason"].tolist() == ["within 2 m of row 1", "within 2 m of row 1"]
    assert duplicates(geoms, 0.0)["row"].tolist() == [3]
    stored = duplicates(geoms, 2.0, np.array([Point(113.3, 23.1 + 5.5 * metres)], dtype=object), np.array([77]))
    assert "within 2 m of stored feature 77" in stored["reason"].tolist()
    lines = np.array([LineString([(113.3, 23.1), (113.31, 23.1)]), LineString([(113.3, 23.1), (113.31, 23.1)]),
                      LineString([(113.3, 23.2), (113.31, 23.2)])], dtype=object)  # fmt: skip
    assert codes(duplicates(lines, 2.0)) == {1: ["duplicate_row"]}


def test_source_errors():
    with pytest.raises(SourceError):
        read_source("dwg", {"a": b"x"})
    with pytest.raises(SourceError) as info:
        csv("")
    assert info.value.code == "empty_file"
    with pytest.raises(SourceError) as info:
        read_source("csv", {"a": b"a,b\n1,2\n"}, x_column="nope", y_column="b")
    assert info.value.code == "unknown_column"
    broken = io.BytesIO()
    with zipfile.ZipFile(broken, "w") as archive:
        archive.writestr("a.txt", "x")
    with pytest.raises(SourceError):
        read_source("kmz", {"a.txt": b"x"})
    assert pd.isna(pd.NA)


def test_the_one_pass_number_parse_agrees_with_the_cell_by_cell_check():
    """A CSV column of plain decimals is converted in one pass; over its alphabet it accepts and refuses
    exactly what the strict pattern does (random cells of digits, signs, points, exponents, spaces)."""
    import random

    import pandas as pd

    from geo.formats.tables import _plain_decimals

    rnd = random.Random(5)
    cells = ["1", "1.", "1.e5", ".5", "+.5e-3", "-0", "1e", ".e5", "+-1", "1.2.3", "1e999", " 23 ", "", "1E+05"]
    cells += ["".join(rnd.choice("0123456789+-.eE ") for _ in range(rnd.randint(0, 7))) for _ in range(5000)]
    one_pass = 0
    for cell in cells:
        fast = _plain_decimals([cell, "1"])
        # The same cell beside a cell of another alphabet takes the cell-by-cell path.
        slow_values, slow_bad = parse_numbers(pd.Series([cell, "1", "x"], dtype="string"))
        if fast is None:  # only ever when some cell is not a number
            assert slow_bad[0], cell
            continue
        one_pass += 1
        values, bad = fast
        assert bool(bad[0]) == bool(slow_bad[0]), cell
        assert (np.isnan(values[0]) and np.isnan(slow_values[0])) or values[0] == slow_values[0], cell
    assert one_pass > 1000
    values, bad = parse_numbers(pd.Series(["113.25", " 23.5", "", "1e999"], dtype="string"))
    assert values[:2].tolist() == [113.25, 23.5] and np.isnan(values[2:]).all()
    assert bad.tolist() == [False, False, False, True]
