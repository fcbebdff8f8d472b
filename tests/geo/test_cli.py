"""``python -m geo`` as an operator runs it, in a subprocess: the four analyses on the repository's real data
(Snow's Soho shapefiles in EPSG:3857, Monaco's OSM PBF, Taipei's bin CSVs with a BOM and its roads), every
output format read back, and bad inputs answered with exit status 2 and one bilingual line."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import LineString, Point

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
SOHO = DATA / "snow_soho_1854"
MONACO = DATA / "monaco" / "monaco-20211203.osm.pbf"
TAIPEI = DATA / "taipei"
TOILETS = '''other_tags LIKE '%"amenity"=>"toilets"%\''''
RESULT_COLUMNS = {"covered", "reachable", "distance_m", "nearest_id"}


def geo(*args: object) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "geo", *map(str, args)], cwd=ROOT, capture_output=True,
                          encoding="utf-8", timeout=120)  # fmt: skip


def ok(*args: object) -> dict:
    """Run a command that must succeed; its stdout is the summary as JSON."""
    done = geo(*args)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    return json.loads(done.stdout)


def refused(*args: object) -> str:
    """Run a command that must be refused: status 2, one line in Chinese and English, nothing on stdout."""
    done = geo(*args)
    assert done.returncode == 2, (done.returncode, done.stdout, done.stderr)
    assert done.stdout == "" and "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert "错误" in lines[0] and "error:" in lines[0]
    return lines[0]


def test_soho_pumps_by_network_to_shapefile(tmp_path):
    out, summary_file = tmp_path / "soho.shp", tmp_path / "soho.json"
    summary = ok("coverage", "--facilities", SOHO / "SohoWater.shp", "--targets", SOHO / "SohoPeople.shp",
                 "--network", SOHO / "Soho_Network.shp", "--metric", "network", "--radius-m", 100,
                 "--weight-column", "Count", "-o", out, "--summary", summary_file)  # fmt: skip
    # the same figures as geo.coverage on these files (tests/geo/test_coverage.py)
    figures = (summary["targets"], summary["covered"], summary["Count_covered"], summary["unreachable"])
    assert figures == (324, 90, 155, 0)
    assert summary["inputs"]["targets"] == {"path": str(SOHO / "SohoPeople.shp"), "layer": None, "where": None,
                                            "features": 324, "dropped": 0, "crs": "EPSG:3857"}  # fmt: skip
    assert json.loads(summary_file.read_text(encoding="utf-8")) == summary
    assert (tmp_path / "soho.cpg").read_text(encoding="ascii") == "UTF-8"
    result = gpd.read_file(out)
    assert RESULT_COLUMNS <= set(result.columns) and len(result) == 324
    assert result.crs.to_epsg() == 4326 and int(result["covered"].sum()) == 90


def test_monaco_toilets_by_network_to_geopackage_and_map(tmp_path):
    out, page = tmp_path / "monaco.gpkg", tmp_path / "monaco.html"
    summary = ok("coverage", "--facilities", MONACO, "--facilities-layer", "points", "--facilities-where", TOILETS,
                 "--targets", MONACO, "--targets-layer", "multipolygons", "--targets-where", "building IS NOT NULL",
                 "--metric", "network", "--network", MONACO, "--network-layer", "lines",
                 "--network-where", "highway IS NOT NULL", "--radius-m", 300, "-o", f"{out}:buildings",
                 "--html", page)  # fmt: skip
    assert summary["inputs"]["facilities"]["features"] == 29 and summary["targets"] == 1205
    assert (summary["covered"], summary["unreachable"], summary["metric"]) == (643, 7, "network")
    result = gpd.read_file(out, layer="buildings")
    assert RESULT_COLUMNS <= set(result.columns) and int(result["covered"].sum()) == 643
    assert set(result["nearest_id"].dropna().astype("int64").astype(str)) <= set(
        gpd.read_file(MONACO, layer="points", where=TOILETS)["osm_id"])  # OSM ids, not row numbers
    html = page.read_text(encoding="utf-8")
    assert "© OpenStreetMap contributors" in html and (tmp_path / "monaco_files" / "leaflet.js").is_file()
    # OSM tags hold web sites (website=https://...): shown as text, while the page loads only its own files
    refs = re.findall(r"""(?:src|href)=["']?([^"'>\s]*)""", html)
    assert sorted(refs) == ["monaco_files/leaflet.css", "monaco_files/leaflet.js"]


def test_taipei_bins_csv_with_bom_by_toilets_to_every_format(tmp_path):
    base = ["coverage", "--facilities", TAIPEI / "taipei_public_toilets.geojson", "--facilities-where", "lat < 90",
            "--targets", TAIPEI / "trash_can2.csv", "--x-column", "經度", "--y-column", "緯度", "--crs", "EPSG:4326",
            "--radius-m", 300]  # fmt: skip
    for name in ("bins.geojson", "bins.gpkg", "bins.csv"):
        summary = ok(*base, "-o", tmp_path / name)
        result = gpd.read_file(tmp_path / name)
        assert {"行政區", "路名", "段、號及其他註明", "備註"} | RESULT_COLUMNS <= set(result.columns), name  # BOM gone
        assert set(result["行政區"]) == {"中正區"} and len(result) == summary["targets"] == 369
        if name.endswith(".csv"):  # no CRS in a CSV: WKT in WGS 84 lon/lat, by this tool's choice
            assert result.crs is None and result.total_bounds == pytest.approx([121.5, 25.0, 121.55, 25.05], abs=0.02)
        else:
            assert result.crs.to_epsg() == 4326
    assert summary["inputs"]["facilities"]["features"] == 1776  # the toilet with lat/lon swapped filtered out
    done = geo(*base, "-o", tmp_path / "bins.shp")
    assert done.returncode == 0 and "10" in done.stderr and "段、號及其他註明 → 段、號" in done.stderr
    shapefile = gpd.read_file(tmp_path / "bins.shp")  # GDAL's own cut would split a character: unreadable
    assert {"段、號", "行政區", "路名"} <= set(shapefile.columns) and "忠孝西路" in "".join(shapefile["路名"])


def test_taipei_bin_gaps_along_roads(tmp_path):
    summary = ok("gaps", "--points", TAIPEI / "trash_can9.csv", "--points-x-column", "經度",
                 "--points-y-column", "緯度", "--points-crs", "EPSG:4326",
                 "--lines", TAIPEI / "taipei_roads_osm_derived.geojson",
                 "--max-gap-m", 100, "--snap-m", 20, "-o", tmp_path / "gaps.geojson")  # fmt: skip
    assert summary["crs"] == "EPSG:32651" and summary["max_gap_m"] == 100 and summary["gaps"] > 100
    gaps = gpd.read_file(tmp_path / "gaps.geojson")
    assert len(gaps) == summary["gaps"] and (gaps["length_m"] > 100).all()
    assert {"師大路", "永康街"} <= set(gaps["line_name"].dropna())
    assert sum(gaps["length_m"]) == pytest.approx(summary["total_gap_m"])


def test_lamp_preset_per_road_class_and_broken_lamps(tmp_path):
    x0, y0 = 740000, 2560000  # UTM 49N, Guangzhou
    roads = gpd.GeoDataFrame({"id": [1, 2], "name": ["幸福路", "后巷"], "class": ["arterial", "alley"]},
                             geometry=[LineString([(x0, y0), (x0 + 200, y0)]),
                                       LineString([(x0, y0 + 50), (x0 + 200, y0 + 50)])], crs=32649)  # fmt: skip
    lamps = gpd.GeoDataFrame({"status": ["working", "working", "broken", "working"]}, crs=32649,
                             geometry=[Point(x0 + x, y0 + 52) for x in (0, 50, 100, 150)])  # fmt: skip
    roads.to_file(tmp_path / "roads.gpkg", layer="roads")
    lamps.to_file(tmp_path / "roads.gpkg", layer="lamps")
    args = ("gaps", "--points", f"{tmp_path / 'roads.gpkg'}:lamps", "--lines", tmp_path / "roads.gpkg",
            "--lines-layer", "roads", "--preset", "lamps", "--pole-height-m", 8)  # fmt: skip
    summary = ok(*args, "-o", tmp_path / "dark.geojson")
    assert summary["max_gap_m"] == {c: 56.0 for c in ("arterial", "secondary", "branch", "alley", "commercial")}
    assert "CJJ 45-2015" in summary["source"]["zh-CN"] and summary["broken_left_out"] == 1
    # the alley's lamps stand at 0, 50, (100 broken), 150 m: 50 -> 150 is dark, 150 -> 200 (50 m) is not;
    # the arterial, 52 m away (beyond --snap-m 15), has no lamp at all
    dark = gpd.read_file(tmp_path / "dark.geojson")
    assert sorted(zip(dark["line_name"], dark["start_m"].round(6), dark["end_m"].round(6))) == [
        ("后巷", 50.0, 150.0), ("幸福路", 0.0, 200.0)]
    lit = ok(*args, "--include-broken", "-o", tmp_path / "lit.geojson")
    assert lit["total_gap_m"] == pytest.approx(summary["total_gap_m"] - 100.0)


def test_proposals_and_hotspots_on_soho(tmp_path):
    sites = ok("proposals", "--targets", SOHO / "SohoPeople.shp", "--facilities", SOHO / "SohoWater.shp",
               "--network", SOHO / "Soho_Network.shp", "--radius-m", 100, "--count", 3, "--weight-column", "Count",
               "-o", tmp_path / "sites.geojson")  # fmt: skip
    assert sites["count"] == 3 and sites["covered_after"] > sites["covered_before"] == 178
    proposed = gpd.read_file(tmp_path / "sites.geojson")
    assert proposed["rank"].tolist() == [1, 2, 3] and (proposed["newly_covered"] > 0).all()
    cells = ok("hotspots", "--points", SOHO / "SohoPeople.shp", "--weight-column", "Count", "--size-m", 50,
               "-o", tmp_path / "cells.csv")  # fmt: skip
    table = gpd.read_file(tmp_path / "cells.csv")  # WKT geometry, WGS 84
    assert len(table) == cells["cells"] and sum(cells["classes"].values()) == cells["cells"]
    assert cells["classes"]["hot_99"] > 0 and set(table["class"]) == set(cells["classes"])


@pytest.fixture(scope="module")
def no_crs(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("no-crs")
    for suffix in (".shp", ".shx", ".dbf"):  # the .prj left behind
        shutil.copyfile(SOHO / f"SohoWater{suffix}", folder / f"pumps{suffix}")
    return folder / "pumps.shp"


PEOPLE = ("--targets", SOHO / "SohoPeople.shp")


@pytest.mark.parametrize(("args", "expected"), [
    (("--facilities", "no/such/file.geojson", *PEOPLE, "--radius-m", 70), "no such file: no/such/file.geojson"),
    (("--facilities", "NO_CRS", *PEOPLE, "--radius-m", 70), "has no CRS and it is never guessed"),
    (("--facilities", MONACO, "--facilities-layer", "toilets", *PEOPLE, "--radius-m", 70), "has no layer 'toilets'"),
    (("--facilities", MONACO, *PEOPLE, "--radius-m", 70), "has 5 layers"),
    (("--facilities", SOHO / "SohoWater.shp", *PEOPLE, "--radius-m", -70), "--radius-m: '-70' must be > 0"),
    (("--facilities", SOHO / "SohoWater.shp", *PEOPLE), "required: --radius-m"),
    (("--facilities", SOHO / "SohoWater.shp", *PEOPLE, "--radius-m", 70, "--metric", "network"), "needs --network"),
    (("--facilities", TAIPEI / "taipei_public_toilets.geojson", *PEOPLE, "--radius-m", 70), "FID 201"),
    (("--facilities", TAIPEI / "trash_can1.csv", *PEOPLE, "--radius-m", 70), "--facilities-x-column"),
], ids=["missing-file", "no-crs", "unknown-layer", "layer-not-chosen", "negative-radius", "no-radius",
        "network-without-streets", "lat-lon-swapped", "csv-without-xy"])  # fmt: skip
def test_bad_inputs_exit_2_with_one_bilingual_line(tmp_path, no_crs, args, expected):
    args = [no_crs if a == "NO_CRS" else a for a in args]
    line = refused("coverage", *args, "-o", tmp_path / "out.geojson")
    assert expected in line
    assert not (tmp_path / "out.geojson").exists()


def test_bad_outputs_are_refused_before_any_work(tmp_path):
    args = ("coverage", "--facilities", SOHO / "SohoWater.shp", *PEOPLE, "--radius-m", 70)
    assert ".geojson, .json, .gpkg, .shp, .csv" in refused(*args, "-o", tmp_path / "out.kml")
    assert "no such directory" in refused(*args, "-o", tmp_path / "nowhere" / "out.geojson")
    assert ".html" in refused(*args, "-o", tmp_path / "out.geojson", "--html", tmp_path / "map.png")
    assert not (tmp_path / "out.geojson").exists()
    no_lines = refused("gaps", "--points", SOHO / "SohoPeople.shp", "--max-gap-m", 50, "-o", tmp_path / "g.shp")
    assert "required: --lines" in no_lines
    assert "road class column 'class'" in refused(
        "gaps", "--points", SOHO / "SohoWater.shp", "--lines", SOHO / "Soho_Network.shp", "--preset", "lamps",
        "-o", tmp_path / "g.shp")  # fmt: skip
