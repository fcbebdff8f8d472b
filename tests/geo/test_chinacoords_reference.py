"""GCJ-02 and BD-09 conversions against values published by two independent open-source implementations.

- googollee/eviltransform (BSD-2-Clause), its Python test suite: WGS 84 -> GCJ-02 pairs for Shanghai,
  Shenzhen and Beijing. (Its two BD-09 pairs near Yiwu lie ~10 m from what the public BD-09 formula gives,
  here and in coordtransform alike, so they are not used.)
- wandergis/coordtransform (MIT), test/app.js: all four conversions of (116.404, 39.915).
"""

from __future__ import annotations

import pytest
from pyproj import Geod

from geo.chinacoords import bd09_to_gcj02, bd09_to_wgs84, gcj02_to_bd09, gcj02_to_wgs84, wgs84_to_gcj02

GEOD = Geod(ellps="WGS84")

# (wgs lat, wgs lng, gcj lat, gcj lng), eviltransform python/test.py
EVILTRANSFORM_WGS_GCJ = [
    (31.1774276, 121.5272106, 31.17530398364597, 121.531541859215),  # Shanghai
    (22.543847, 113.912316, 22.540796131694766, 113.9171764808363),  # Shenzhen
    (39.911954, 116.377817, 39.91334545536069, 116.38404722455657),  # Beijing
]


def metres(lon1, lat1, lon2, lat2) -> float:
    return GEOD.inv(lon1, lat1, lon2, lat2)[2]


@pytest.mark.parametrize("wlat, wlng, glat, glng", EVILTRANSFORM_WGS_GCJ)
def test_wgs84_to_gcj02_matches_eviltransform(wlat, wlng, glat, glng):
    lon, lat = wgs84_to_gcj02(wlng, wlat)
    assert metres(lon, lat, glng, glat) < 0.001
    back_lon, back_lat = gcj02_to_wgs84(glng, glat)  # the iterated inverse lands on the published input
    assert metres(back_lon, back_lat, wlng, wlat) < 0.01


def test_all_four_conversions_match_coordtransform():
    published = {
        "bd09togcj02": (116.39762729119315, 39.90865673957631),
        "gcj02tobd09": (116.41036949371029, 39.92133699351021),
        "wgs84togcj02": (116.41024449916938, 39.91640428150164),
        "gcj02towgs84": (116.39775550083061, 39.91359571849836),  # one-step inverse in coordtransform
    }
    ours = {
        "bd09togcj02": bd09_to_gcj02(116.404, 39.915),
        "gcj02tobd09": gcj02_to_bd09(116.404, 39.915),
        "wgs84togcj02": wgs84_to_gcj02(116.404, 39.915),
        "gcj02towgs84": gcj02_to_wgs84(116.404, 39.915),
    }
    for name, (lon, lat) in published.items():
        # coordtransform's one-step inverses err by metres (GCJ-02) and centimetres (BD-09); ours iterate
        tolerance = {"gcj02towgs84": 2.0, "bd09togcj02": 0.1}.get(name, 0.001)
        assert metres(*ours[name], lon, lat) < tolerance, name
    # and BD-09 -> WGS 84 is the composition, exact both ways
    lon, lat = bd09_to_wgs84(*gcj02_to_bd09(*wgs84_to_gcj02(116.404, 39.915)))
    assert metres(lon, lat, 116.404, 39.915) < 0.01
