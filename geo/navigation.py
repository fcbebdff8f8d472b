"""Links that open walking directions to a case in the phone's map apps (AMap, Baidu, Apple, OpenStreetMap,
or any app through a ``geo:`` URI), each given the coordinate system that app expects."""

from __future__ import annotations

from urllib.parse import quote, urlencode

from geo.chinacoords import wgs84_to_bd09, wgs84_to_gcj02
from geo.numeric import real_number

__all__ = ["AMAP_NAVIGATION_URL", "APP_SOURCE", "BAIDU_DIRECTION_URL", "navigation_links"]

#: AMap URI API, 路径规划 (https://lbs.amap.com/api/uri-api/guide/travel/route): ``to=lon,lat[,name]``,
#: ``mode`` car/bus/walk/ride, ``coordinate=gaode`` (GCJ-02), ``callnative=1`` opens the app if installed.
AMAP_NAVIGATION_URL = "https://uri.amap.com/navigation"
#: Baidu Map URI API for the web, 公交、驾车、步行导航 (lbsyun.baidu.com, uri/api/web): ``destination=
#: latlng:lat,lng|name:…``, ``mode=walking``, ``coord_type=bd09ll``, ``output=html``, ``src`` required.
BAIDU_DIRECTION_URL = "https://api.map.baidu.com/direction"
#: Who is calling, for the providers' statistics (Baidu asks for ``webapp.companyName.appName``).
APP_SOURCE = "webapp.chuangwei.map"
_LINK_DECIMALS = 7  # 1e-7 degree is about 1 cm: the link's point lies within a centimetre of the case
_SHOWN_DECIMALS = 6  # about 0.1 m, for people to read and copy
_SAFE = ",:"  # left readable in query values; everything else (Chinese, |, spaces, &) is percent-encoded


def _fixed(value: float) -> str:
    return f"{value:.{_LINK_DECIMALS}f}"


def _check(lon: object, lat: object, name: object) -> tuple[float, float, str]:
    lon_f, lat_f = real_number(lon, "lon"), real_number(lat, "lat")
    if not -180.0 <= lon_f <= 180.0:
        raise ValueError(f"lon must be within [-180, 180], got {lon!r}")
    if not -90.0 <= lat_f <= 90.0:
        raise ValueError(f"lat must be within [-90, 90], got {lat!r}")
    if not isinstance(name, str):
        raise TypeError(f"name must be a str, got {type(name).__name__}")
    return lon_f, lat_f, " ".join(name.split())  # no line breaks or tabs inside a link's label


def navigation_links(lon: float, lat: float, name: str = "") -> dict:
    """Walking-directions links to a WGS 84 point for the usual map apps, and its coordinates in each system.

    AMap gets GCJ-02 and Baidu BD-09 (converted with :mod:`geo.chinacoords`); Apple, OpenStreetMap and
    ``geo:`` get WGS 84.  Outside China (:func:`geo.chinacoords.out_of_china`) GCJ-02 equals WGS 84, so
    the AMap link carries the point unchanged; BD-09 is still shifted there, as Baidu's own formula does.
    Links carry 7 decimals (about 1 cm), so converting a link's point back lands within a centimetre.

    Parameters
    ----------
    lon, lat : float
        WGS 84 degrees.
    name : str
        A label for the destination (e.g. the case title), percent-encoded as UTF-8.  Characters that
        separate fields in a link become their full-width forms: ``,`` in AMap's ``to``, ``|`` in Baidu's
        ``destination``, parentheses in the ``geo:`` label.

    Returns
    -------
    dict
        ``amap``, ``baidu``, ``geo`` (RFC 5870 ``geo:lat,lon`` with the ``?q=lat,lon(label)`` query that
        Android map apps read), ``apple``, ``osm`` (URLs) and ``coordinates``: ``{"wgs84": [lon, lat],
        "gcj02": [lon, lat], "bd09": [lon, lat]}`` rounded to 6 decimals.

    Examples
    --------
    >>> links = navigation_links(2.2945, 48.8584, "Tour Eiffel")  # outside China: GCJ-02 == WGS 84
    >>> links["coordinates"]["gcj02"]
    [2.2945, 48.8584]
    >>> links["osm"]
    'https://www.openstreetmap.org/?mlat=48.8584000&mlon=2.2945000#map=19/48.8584000/2.2945000'
    """
    lon_f, lat_f, label = _check(lon, lat, name)
    g_lon, g_lat = wgs84_to_gcj02(lon_f, lat_f)
    b_lon, b_lat = wgs84_to_bd09(lon_f, lat_f)
    lon_s, lat_s = _fixed(lon_f), _fixed(lat_f)
    amap_to = ",".join([_fixed(g_lon), _fixed(g_lat)] + ([label.replace(",", "，")] if label else []))
    amap = {"to": amap_to, "mode": "walk", "coordinate": "gaode", "callnative": "1", "src": APP_SOURCE}
    destination = f"latlng:{_fixed(b_lat)},{_fixed(b_lon)}" + (f"|name:{label.replace('|', '｜')}" if label else "")
    baidu = {"destination": destination, "coord_type": "bd09ll", "mode": "walking", "output": "html", "src": APP_SOURCE}
    geo_label = label.replace("(", "（").replace(")", "）")
    geo_q = f"{lat_s},{lon_s}" + (f"({quote(geo_label, safe='')})" if label else "")
    return {
        "amap": f"{AMAP_NAVIGATION_URL}?{urlencode(amap, quote_via=quote, safe=_SAFE)}",
        "baidu": f"{BAIDU_DIRECTION_URL}?{urlencode(baidu, quote_via=quote, safe=_SAFE)}",
        "geo": f"geo:{lat_s},{lon_s}?q={geo_q}",
        "apple": f"https://maps.apple.com/?daddr={lat_s},{lon_s}&dirflg=w",
        "osm": f"https://www.openstreetmap.org/?mlat={lat_s}&mlon={lon_s}#map=19/{lat_s}/{lon_s}",
        "coordinates": {
            system: [round(float(x), _SHOWN_DECIMALS), round(float(y), _SHOWN_DECIMALS)]
            for system, (x, y) in (("wgs84", (lon_f, lat_f)), ("gcj02", (g_lon, g_lat)), ("bd09", (b_lon, b_lat)))
        },
    }
