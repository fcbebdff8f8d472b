"""Tests for geo.formats.exporting: every format, read back with geo.formats.importing, keeps Chinese text,
types, missing values and geometry; shapefiles are zipped UTF-8 with a .cpg; limits are refused with a reason."""

from __future__ import annotations

import io
import json
import zipfile

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import Point, box

from geo.formats.exporting import EXPORT_FORMATS, XLSX_CELL_LIMIT, export_layer
from geo.formats.importing import read_source

KIND = {"geojson": "geojson", "gpkg": "geopackage", "shp": "shapefile", "kml": "kml", "csv": "csv", "xlsx": "xlsx"}
TEXT = "东门垃圾箱（北侧）·臺北市“测试”"


def bins() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({
        "id": pd.array([1, 2, 3], dtype="Int64"),
        "name": pd.Series([TEXT, None, "西门"], dtype=object),
        "capacity_l": pd.array([240, None, 120], dtype="Int64"),
        "sorted": pd.array([True, None, False], dtype="boolean"),
        "pole_height_m": [1.5, np.nan, 8.0],
    }, geometry=[Point(113.3, 23.1), Point(113.31, 23.11), Point(113.32, 23.12)], crs=4326)  # fmt: skip


def read_back(data: bytes, fmt: str):
    files = {"f": data}
    if fmt == "shp":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            files = {n: archive.read(n) for n in archive.namelist()}
    return read_source(KIND[fmt], files)


def column(table, *names):
    found = next(c for c in table.frame.columns if str(c).lower() in names)
    return table.frame[found].tolist()


@pytest.mark.parametrize("fmt", list(EXPORT_FORMATS))
def test_every_format_round_trips_chinese_text_and_geometry(fmt):
    data, _ = export_layer(bins(), fmt, "bins")
    table = read_back(data, fmt)
    assert len(table.frame) == 3 and table.problems.empty
    names = column(table, "name")
    assert names[0] == TEXT and names[2] == "西门"
    assert names[1] is None or names[1] == "" or pd.isna(names[1])
    assert shapely.get_coordinates(table.geometry).tolist() == [[113.3, 23.1], [113.31, 23.11], [113.32, 23.12]]
    capacity = [None if v is None or v == "" or pd.isna(v) else float(v) for v in column(table, "capacity_l")]
    assert capacity == [240.0, None, 120.0]


def test_shapefile_zip_has_a_utf8_cpg_and_says_which_names_were_cut():
    data, notes = export_layer(bins(), "shp", "bins")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert sorted(archive.namelist()) == ["bins.cpg", "bins.dbf", "bins.prj", "bins.shp", "bins.shx"]
        assert archive.read("bins.cpg") == b"UTF-8"
    assert any("pole_height_m → pole_heigh" in en for _, en in notes)


def test_geojson_keeps_types_and_ids():
    collection = json.loads(export_layer(bins(), "geojson", "bins")[0])
    first, second = collection["features"][:2]
    assert first["id"] == 1 and first["properties"] == {"name": TEXT, "capacity_l": 240, "sorted": True,
                                                        "pole_height_m": 1.5}  # fmt: skip
    assert second["properties"] == {"name": None, "capacity_l": None, "sorted": None, "pole_height_m": None}


def test_csv_is_excel_friendly_and_polygons_are_wkt():
    polygons = gpd.GeoDataFrame({"id": [7], "名称": ["新港花园"]}, geometry=[box(113.3, 23.1, 113.31, 23.11)], crs=4326)
    text = export_layer(polygons, "csv")[0]
    assert text.startswith(b"\xef\xbb\xbf")
    header, row = text.decode("utf-8-sig").splitlines()
    assert header == "WKT,id,名称" and row.startswith('"POLYGON ((113.31 23.1')
    back = read_source("csv", {"a.csv": text})
    assert back.geometry[0].equals(polygons.geometry.iloc[0])


def test_kml_keeps_the_feature_id_beside_the_placemark_id():
    table = read_back(export_layer(bins(), "kml", "bins")[0], "kml")
    assert column(table, "feature_id") == ["1", "2", "3"]


def test_projected_input_is_written_in_wgs84_and_bad_input_is_refused():
    projected = bins().to_crs(3857)
    table = read_back(export_layer(projected, "geojson")[0], "geojson")
    assert np.allclose(shapely.get_coordinates(table.geometry)[0], [113.3, 23.1])
    with pytest.raises(ValueError, match="unknown format"):
        export_layer(bins(), "dwg")
    with pytest.raises(TypeError):
        export_layer(pd.DataFrame(), "csv")
    long = bins().assign(name=["长" * (XLSX_CELL_LIMIT + 1), None, None])
    with pytest.raises(ValueError, match="spreadsheet cell"):
        export_layer(long, "xlsx")


def test_gbk_shapefile_in_utf8_shapefile_out(tmp_path):
    gbk = bins().drop(columns=["sorted"]).rename(columns={"pole_height_m": "height_m"})
    gbk.to_file(tmp_path / "gbk.shp", encoding="GBK")
    files = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    del files["gbk.cpg"]  # the encoding must be found without it
    table = read_source("shapefile", files)
    assert table.info["encoding"] == "gb18030"
    again = gpd.GeoDataFrame(table.frame, geometry=list(table.geometry), crs=4326)
    out = read_back(export_layer(again, "shp", "again")[0], "shp")
    assert out.info["encoding"] == "utf-8" and column(out, "name")[0] == TEXT


def test_csv_written_by_path_keeps_formula_text_as_text(tmp_path):
    from geo.formats.layerio import write_layer

    gdf = gpd.GeoDataFrame({"name": ["=1+1", "西门", "@SUM(A1)"]}, geometry=[Point(113.3, 23.1)] * 3, crs=4326)
    write_layer(gdf, str(tmp_path / "out.csv"))
    text = (tmp_path / "out.csv").read_text(encoding="utf-8-sig")
    assert "'=1+1" in text and "'@SUM(A1)" in text and "西门" in text and "'西门" not in text
