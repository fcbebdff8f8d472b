"""Static SVG maps: well-formed XML, every feature drawn, points where the metric projection puts them,
escaped text, a scale bar in metres, deterministic output, and refusals that name what was wrong."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import geopandas as gpd
import pytest
from shapely.geometry import LineString, Point, box

from geo.svgmap import render_svg

NS = {"s": "http://www.w3.org/2000/svg"}
X0, Y0 = 740_000.0, 2_560_000.0  # metres in WGS 84 / UTM 49N (EPSG:32649), near Guangzhou


def utm(geoms, **columns) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(columns, geometry=list(geoms), crs=32649)


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def layer(root: ET.Element, k: int) -> ET.Element:
    return root.find(f".//s:g[@data-layer='{k}']", NS)


@pytest.fixture
def community():
    cells = utm([box(X0, Y0, X0 + 500, Y0 + 1000), box(X0 + 500, Y0, X0 + 1000, Y0 + 1000)], name=["西片", "东片"])
    road = utm([LineString([(X0, Y0 + 500), (X0 + 1000, Y0 + 500)])], name=["风情街"])
    cases = utm([Point(X0 + 250, Y0 + 750), Point(X0 + 750, Y0 + 250), Point(X0 + 800, Y0 + 300)],
                kind=["open", "fixed", "fixed"])  # fmt: skip
    return [
        ("网格", cells, {"fill": "none", "stroke": "#777777", "text": "name", "label": "网格边界"}),
        ("道路", road, {"stroke": "#ffffff", "stroke_width": 3, "legend": False}),
        ("问题", cases, {"by": "kind", "radius": 5,
                       "classes": {"open": {"fill": "#d62f27", "label": ("未办结", "open")},
                                   "fixed": {"fill": "#1a9850", "label": "已整改"}}}),
    ]  # fmt: skip


def test_every_feature_is_drawn_in_well_formed_svg(community):
    root = parse(render_svg(community, width_px=520, padding_px=10, title="整治后：2026年11月29日"))
    assert root.tag == "{http://www.w3.org/2000/svg}svg" and root.get("data-crs") == "EPSG:32649"
    assert len(layer(root, 0).findall("s:path", NS)) == 2
    assert [t.text for t in layer(root, 0).findall("s:text", NS)] == ["西片", "东片"]
    assert len(layer(root, 1).findall("s:path", NS)) == 1 and layer(root, 1).get("fill") == "none"
    circles = layer(root, 2).findall("s:circle", NS)
    assert [c.get("data-key") for c in circles] == ["open", "fixed", "fixed"]
    assert [c.get("fill") for c in circles] == ["#d62f27", "#1a9850", "#1a9850"]
    legend = [t.text for t in root.find("s:g[@class='legend']", NS).findall("s:text", NS)]
    assert legend == ["网格边界", "未办结（1）", "已整改（2）"]  # the road asked to stay out of it
    assert root.find("s:g[@class='north-arrow']/s:text", NS).text == "北"
    assert root.find("s:g[@class='title']/s:text", NS).text == "整治后：2026年11月29日"


def test_a_point_lands_where_the_metric_frame_puts_it(community):
    # 1000 m across 500 px (520 minus two paddings of 10): 0.5 px a metre, y pointing down
    root = parse(render_svg(community, width_px=520, padding_px=10))
    first = layer(root, 2).find("s:circle", NS)
    assert (float(first.get("cx")), float(first.get("cy"))) == (135.0, 135.0)  # 250 m east, 750 m north
    area = root.find("s:svg[@class='map-area']", NS)
    assert (area.get("width"), area.get("height")) == ("520", "520")
    cell = layer(root, 0).find("s:path", NS).get("d")
    assert " 10 510 " in cell and cell.endswith("Z")  # the south-west corner at the bottom left


def test_lon_lat_input_is_projected_to_metres():
    # two points 0.01° of longitude apart at 23.1° N: about 1,023 m, whatever the degrees say
    points = gpd.GeoDataFrame(geometry=[Point(113.30, 23.10), Point(113.31, 23.10)], crs=4326)
    root = parse(render_svg([("点", points, {"fill": "#000000"})], width_px=1040, padding_px=10))
    assert root.get("data-crs") == "EPSG:32649"
    xs = [float(c.get("cx")) for c in layer(root, 0).findall("s:circle", NS)]
    metres = (xs[1] - xs[0]) / float(root.get("data-scale"))
    assert metres == pytest.approx(points.to_crs(32649).geometry[0].distance(points.to_crs(32649).geometry[1]), abs=0.2)
    assert metres == pytest.approx(1023.4, rel=0.002)  # the geodesic distance, within UTM's scale error here
    bar = root.find("s:g[@class='scale-bar']", NS)
    assert bar.get("data-length-m") == "200" and bar.findall("s:text", NS)[-1].text == "200 米"
    assert float(bar.get("data-length-px")) == pytest.approx(200 * float(root.get("data-scale")), abs=0.1)


def test_text_is_escaped_and_the_output_deterministic(community):
    hostile = '<script>alert("x")</script> & 第三网格'
    cells = community[0][1].assign(name=[hostile, "东片"])
    layers = [("网格", cells, community[0][2] | {"label": hostile}), community[2]]
    svg = render_svg(layers, title=hostile + "\x00")
    assert "<script>" not in svg and svg == render_svg(layers, title=hostile + "\x00")
    root = parse(svg)
    assert layer(root, 0).find("s:text", NS).text == hostile
    assert root.find("s:g[@class='title']/s:text", NS).text == hostile
    assert root.find("s:g[@class='legend']/s:text", NS).text == hostile


def test_inline_variant_has_no_namespace_url(community):
    svg = render_svg(community, xmlns=False)
    assert svg.startswith("<svg class=") and "http" not in svg and "url(" not in svg and "style=" not in svg


def test_numbered_badges_and_an_empty_layer(community):
    places = utm([Point(X0 + 100, Y0 + 100), Point(X0 + 900, Y0 + 900)], rank=[1, 2])
    empty = gpd.GeoDataFrame(geometry=[], crs=4326)
    root = parse(render_svg([*community, ("点位", places, {"numbered": "rank", "fill": "#1f4e9c", "label": "反复"}),
                             ("无", empty, {"fill": "#000000"})]))  # fmt: skip
    badges = layer(root, 3).findall("s:g[@class='badge']", NS)
    assert [b.find("s:text", NS).text for b in badges] == ["1", "2"]
    assert list(layer(root, 4)) == []


def test_nothing_to_draw_still_makes_a_map():
    root = parse(render_svg([("空", gpd.GeoDataFrame(geometry=[], crs=4326), None)], width_px=300))
    assert root.find("s:g[@class='scale-bar']", NS) is not None


@pytest.mark.parametrize(
    "change, error, match",
    [
        (lambda ls: [("x", ls[0][1].set_crs(None, allow_override=True), None)], ValueError, "no CRS"),
        (lambda ls: [("x", ls[2][1], {"fill": 'red" onload="alert(1)'})], ValueError, "colour"),
        (lambda ls: [("x", ls[2][1], {"colour": "red"})], ValueError, "unknown keys"),
        (lambda ls: [("x", ls[2][1], {"by": "status"})], ValueError, "not a column"),
        (lambda ls: [("x", ls[2][1], {"radius": -1})], ValueError, ">= 0"),
        (lambda ls: [ls[2][1]], TypeError, "triple"),
        (lambda ls: "layers", TypeError, "list of"),
    ],
)
def test_refusals_name_the_problem(community, change, error, match):
    with pytest.raises(error, match=match):
        render_svg(change(community))
    with pytest.raises(ValueError, match="width_px"):
        render_svg(community, width_px=0)
