"""Fixed facts of the fictional community and the local metric frame its geometry is drawn in.

Everything is laid out in metres on a local grid (x east, y north, origin at the south-west corner of
the community) that sits in WGS 84 / UTM zone 49N (EPSG:32649), so distances and spacings read as on
the ground; only the finished features are converted to WGS 84 longitude/latitude.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import numpy as np
from pyproj import Transformer
from shapely.geometry import LineString, Point, Polygon
from shapely.geometry.polygon import orient

NAME = "新港社区（虚构示例）/ Xingang Community (fictional example)"
NAME_ZH = "新港社区（虚构示例）"
DIVISION, STREET, COMMUNITY = "440106", "003", "012"  # 天河区, a street office, a community
CENTRE_LONLAT = (113.33, 23.13)
WIDTH_M, HEIGHT_M = 1200.0, 1000.0
METRIC_CRS = "EPSG:32649"
CST = timezone(timedelta(hours=8))  # China Standard Time, for the dates people read
DAY_US = 86_400_000_000
HOUR_US = 3_600_000_000

# The seed's side roads: three without any streetlight, three without any litter bin.
UNLIT_SIDE_ROADS = ("马王六村支路", "龙泉怡苑支路", "新港花园支路")
BINLESS_SIDE_ROADS = ("马王六村支路", "龙泉怡苑支路", "天主教堂支路")


class Frame:
    """Converts local metric coordinates to GeoJSON geometries in WGS 84, rounded to 7 decimals."""

    def __init__(self) -> None:
        to_utm = Transformer.from_crs("EPSG:4326", METRIC_CRS, always_xy=True)
        cx, cy = to_utm.transform(*CENTRE_LONLAT)
        self.x0, self.y0 = cx - WIDTH_M / 2, cy - HEIGHT_M / 2
        self._to_wgs = Transformer.from_crs(METRIC_CRS, "EPSG:4326", always_xy=True)

    def lonlat(self, coords) -> list[list[float]]:
        xy = np.asarray(coords, dtype=float).reshape(-1, 2)
        lon, lat = self._to_wgs.transform(xy[:, 0] + self.x0, xy[:, 1] + self.y0)
        return [[round(float(a), 7), round(float(b), 7)] for a, b in zip(lon, lat)]

    def geojson(self, geom) -> dict:
        if isinstance(geom, Point):
            return {"type": "Point", "coordinates": self.lonlat([geom.coords[0]])[0]}
        if isinstance(geom, LineString):
            return {"type": "LineString", "coordinates": self.lonlat(geom.coords)}
        if isinstance(geom, Polygon):
            ring = orient(geom, 1.0).exterior.coords  # RFC 7946: outer ring CCW
            return {"type": "Polygon", "coordinates": [self.lonlat(ring)]}
        raise TypeError(f"unsupported geometry {geom.geom_type}")


def iso_cst(us: int) -> str:
    """ISO 8601 in China Standard Time, as a grid worker's phone would write it."""
    return datetime.fromtimestamp(us // 1_000_000, CST).isoformat(timespec="seconds")


def along(line: LineString, dist: float, side: int, offset: float) -> Point:
    """The point ``dist`` metres along ``line`` and ``offset`` metres to its left (side=1) or right (-1)."""
    dist = min(max(dist, 0.0), line.length)
    a = line.interpolate(max(dist - 0.5, 0.0))
    b = line.interpolate(min(dist + 0.5, line.length))
    dx, dy = b.x - a.x, b.y - a.y
    norm = float(np.hypot(dx, dy)) or 1.0
    p = line.interpolate(dist)
    return Point(p.x - side * offset * dy / norm, p.y + side * offset * dx / norm)


def chinese_number(n: int) -> str:
    """1..99 in Chinese numerals, as in street names such as 西围十二巷."""
    digits = "零一二三四五六七八九"
    if n < 10:
        return digits[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else digits[tens]) + "十" + (digits[ones] if ones else "")
