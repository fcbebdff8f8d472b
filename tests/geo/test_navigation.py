"""Tests for geo.navigation: each link parsed back, its point converted back to WGS 84 within 1 cm, the
reference Tiananmen pair, Chinese names, and a point outside China."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, unquote, urlsplit

import numpy as np
import pyproj
import pytest

from geo import chinacoords
from geo.navigation import AMAP_NAVIGATION_URL, APP_SOURCE, BAIDU_DIRECTION_URL, navigation_links

GEOD = pyproj.Geod(ellps="WGS84")
# The reference pair of tests/geo/test_crs.py (published, good to ~1e-5 deg).
TIANANMEN_WGS84 = (116.397128, 39.916527)
TIANANMEN_GCJ02 = (116.403371, 39.917929)
CASE = (113.3312345, 23.1298765)  # a point in Tianhe, Guangzhou, with more decimals than a link keeps
NAME = "风情街12号 暴露垃圾 (店外经营), 门前|三包 & 50%"


def distance_m(a, b) -> float:
    return float(GEOD.inv(a[0], a[1], b[0], b[1])[2])


def query(url: str) -> dict[str, str]:
    parts = urlsplit(url)
    parsed = parse_qs(parts.query, strict_parsing=True, keep_blank_values=True)
    assert all(len(v) == 1 for v in parsed.values()), url
    return {k: v[0] for k, v in parsed.items()}


def amap_point(url: str) -> tuple[float, float, str]:
    assert url.startswith(AMAP_NAVIGATION_URL + "?")
    params = query(url)
    assert params["mode"] == "walk" and params["coordinate"] == "gaode" and params["callnative"] == "1"
    lon, lat, *name = params["to"].split(",")
    return float(lon), float(lat), ",".join(name)


def baidu_point(url: str) -> tuple[float, float, str]:
    assert url.startswith(BAIDU_DIRECTION_URL + "?")
    params = query(url)
    assert (params["coord_type"], params["mode"], params["output"], params["src"]) == (
        "bd09ll",
        "walking",
        "html",
        APP_SOURCE,
    )
    fields = dict(part.split(":", 1) for part in params["destination"].split("|"))
    lat, lon = (float(v) for v in fields["latlng"].split(","))
    return lon, lat, fields.get("name", "")


def geo_point(uri: str) -> tuple[float, float, str]:
    m = re.fullmatch(r"geo:(-?[\d.]+),(-?[\d.]+)\?q=(-?[\d.]+),(-?[\d.]+)(?:\((.*)\))?", uri)
    assert m, uri
    assert m.group(1, 2) == m.group(3, 4)  # the point and the query agree
    return float(m[2]), float(m[1]), unquote(m[5] or "")


def apple_point(url: str) -> tuple[float, float]:
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc) == ("https", "maps.apple.com")
    params = query(url)
    assert params["dirflg"] == "w"
    lat, lon = (float(v) for v in params["daddr"].split(","))
    return lon, lat


def osm_point(url: str) -> tuple[float, float]:
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc) == ("https", "www.openstreetmap.org")
    params = query(url)
    zoom, lat, lon = parts.fragment.removeprefix("map=").split("/")
    assert zoom == "19" and (float(lat), float(lon)) == (float(params["mlat"]), float(params["mlon"]))
    return float(params["mlon"]), float(params["mlat"])


@pytest.mark.parametrize("point", [CASE, TIANANMEN_WGS84, (87.6168, 43.8256), (121.4737, 31.2304), (2.2945, 48.8584)])
def test_every_link_leads_back_within_a_centimetre(point):
    links = navigation_links(*point, NAME)
    gcj = amap_point(links["amap"])[:2]
    bd = baidu_point(links["baidu"])[:2]
    assert distance_m(point, chinacoords.gcj02_to_wgs84(*gcj)) < 0.01
    assert distance_m(point, chinacoords.bd09_to_wgs84(*bd)) < 0.01
    for wgs in (geo_point(links["geo"])[:2], apple_point(links["apple"]), osm_point(links["osm"])):
        assert distance_m(point, wgs) < 0.01


def test_coordinates_are_the_conversions_rounded_to_six_decimals():
    coords = navigation_links(*CASE)["coordinates"]
    assert coords["wgs84"] == [round(CASE[0], 6), round(CASE[1], 6)]
    expected_gcj = chinacoords.wgs84_to_gcj02(*CASE)
    expected_bd = chinacoords.wgs84_to_bd09(*CASE)
    assert coords["gcj02"] == [round(expected_gcj[0], 6), round(expected_gcj[1], 6)]
    assert coords["bd09"] == [round(expected_bd[0], 6), round(expected_bd[1], 6)]
    for system in ("gcj02", "bd09"):
        back = chinacoords.convert(*coords[system], system, "wgs84")
        assert distance_m(CASE, back) < 0.15  # 6 decimals: about 0.1 m


def test_tiananmen_reference_pair():
    links = navigation_links(*TIANANMEN_WGS84, "天安门")
    for gcj in (links["coordinates"]["gcj02"], amap_point(links["amap"])[:2]):
        assert gcj == pytest.approx(TIANANMEN_GCJ02, abs=1e-5)
    assert baidu_point(links["baidu"])[:2] == pytest.approx(chinacoords.gcj02_to_bd09(*TIANANMEN_GCJ02), abs=2e-5)
    assert 300 < distance_m(TIANANMEN_WGS84, links["coordinates"]["gcj02"]) < 800  # AMap's offset is real


def test_chinese_names_round_trip_and_are_percent_encoded():
    links = navigation_links(*CASE, NAME)
    for key in ("amap", "baidu", "geo"):
        assert links[key].isascii(), key
        assert " " not in links[key] and "|" not in links[key]
    assert amap_point(links["amap"])[2] == NAME.replace(",", "，")
    assert baidu_point(links["baidu"])[2] == NAME.replace("|", "｜")
    assert geo_point(links["geo"])[2] == NAME.replace("(", "（").replace(")", "）")
    assert "%E9%A3%8E%E6%83%85%E8%A1%97" in links["amap"]  # 风情街 in UTF-8


def test_without_a_name_the_links_carry_only_the_point():
    links = navigation_links(*CASE)
    assert amap_point(links["amap"])[2] == "" and query(links["amap"])["to"].count(",") == 1
    assert "|" not in query(links["baidu"])["destination"]
    assert "(" not in links["geo"]
    whitespace = navigation_links(*CASE, " \t\n ")
    assert whitespace["amap"] == links["amap"] and whitespace["geo"] == links["geo"]


def test_outside_china_gcj02_is_wgs84():
    paris = (2.2945, 48.8584)
    assert chinacoords.out_of_china(*paris)
    links = navigation_links(*paris, "Tour Eiffel")
    assert links["coordinates"]["gcj02"] == links["coordinates"]["wgs84"] == list(paris)
    assert amap_point(links["amap"])[:2] == pytest.approx(paris, abs=1e-12)
    assert links["coordinates"]["bd09"] != list(paris)  # Baidu's formula shifts everywhere


def test_wgs84_links_use_latitude_first_where_the_apps_expect_it():
    links = navigation_links(113.3, 23.1)
    assert links["apple"] == "https://maps.apple.com/?daddr=23.1000000,113.3000000&dirflg=w"
    assert links["geo"] == "geo:23.1000000,113.3000000?q=23.1000000,113.3000000"
    assert links["osm"].endswith("#map=19/23.1000000/113.3000000")


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (("113.3", 23.1), TypeError),
        ((113.3, None), TypeError),
        ((True, 23.1), TypeError),
        ((113.3, 23.1, 5), TypeError),
        ((np.nan, 23.1), ValueError),
        ((113.3, 91.0), ValueError),
        ((181.0, 23.1), ValueError),
    ],
)
def test_bad_input_is_refused(args, error):
    with pytest.raises(error):
        navigation_links(*args)
