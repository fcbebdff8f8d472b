"""Metric projections for measuring: every distance, buffer and length is computed in metres in the
WGS 84 / UTM zone chosen for the data, never in degrees; geodesic distances on the WGS 84 ellipsoid.

GCJ-02/BD-09 conversions live in ``geo.chinacoords``.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pyproj
from numpy.typing import ArrayLike

from geo.numeric import Coord, as_output, lonlat_arrays, real_number

__all__ = ["distance_m", "metric_crs_for", "metric_crs_for_bounds", "to_metric"]

_UTM_LAT_MIN, _UTM_LAT_MAX = -80.0, 84.0
_WGS84_GEOD = pyproj.Geod(ellps="WGS84")  # immutable; Geod.inv keeps no state


def metric_crs_for(lon: float, lat: float) -> pyproj.CRS:
    """Pick the WGS 84 / UTM zone (EPSG:326xx north, 327xx south) of a point.

    Parameters
    ----------
    lon, lat : float
        WGS 84 degrees, `lat` within UTM's [-80, 84].  Plain 6-degree zones are
        used, without the Norway/Svalbard exceptions.

    Returns
    -------
    pyproj.CRS
        A projected CRS in metres.

    Examples
    --------
    >>> metric_crs_for(113.3, 23.1).to_epsg()  # Guangzhou
    32649
    """
    lon_f, lat_f = real_number(lon, "lon"), real_number(lat, "lat")
    if not -180.0 <= lon_f <= 180.0:
        raise ValueError(f"lon must be within [-180, 180], got {lon!r}")
    if not _UTM_LAT_MIN <= lat_f <= _UTM_LAT_MAX:
        raise ValueError(f"lat must be within UTM's [-80, 84], got {lat!r}")
    zone = min(int((lon_f + 180.0) // 6.0) + 1, 60)  # lon 180 would give a zone 61
    return pyproj.CRS.from_epsg((32600 if lat_f >= 0.0 else 32700) + zone)


def metric_crs_for_bounds(minx: float, miny: float, maxx: float, maxy: float) -> pyproj.CRS:
    """Pick the WGS 84 / UTM zone of the centre of lon/lat bounds.

    Parameters
    ----------
    minx, miny, maxx, maxy : float
        WGS 84 degrees; antimeridian-crossing bounds are refused.  Distortion grows
        away from the zone, so this suits city- to province-sized areas.

    Returns
    -------
    pyproj.CRS
        A projected CRS in metres.

    Examples
    --------
    >>> metric_crs_for_bounds(151.0, -34.0, 151.4, -33.7).to_epsg()  # Sydney
    32756
    """
    x0, y0, x1, y1 = (real_number(v, n) for v, n in zip((minx, miny, maxx, maxy), ("minx", "miny", "maxx", "maxy")))
    if not (-180.0 <= x0 <= x1 <= 180.0 and -90.0 <= y0 <= y1 <= 90.0):
        raise ValueError(f"bounds must be lon/lat degrees with min <= max, got {(minx, miny, maxx, maxy)}")
    return metric_crs_for((x0 + x1) / 2.0, (y0 + y1) / 2.0)


def to_metric(gdf: gpd.GeoDataFrame | gpd.GeoSeries) -> gpd.GeoDataFrame | gpd.GeoSeries:
    """Reproject lon/lat data to the UTM zone chosen for its total bounds.

    Parameters
    ----------
    gdf : GeoDataFrame or GeoSeries
        Data with a geographic CRS.  A missing CRS is an error, never guessed.
        GCJ-02/BD-09 data must be converted to WGS 84 first (no CRS can say so).

    Returns
    -------
    GeoDataFrame or GeoSeries
        A reprojected copy, in metres.

    Examples
    --------
    >>> from shapely.geometry import Point
    >>> to_metric(gpd.GeoSeries([Point(113.3, 23.1)], crs="EPSG:4326")).crs.to_epsg()
    32649
    """
    if not isinstance(gdf, (gpd.GeoDataFrame, gpd.GeoSeries)):
        raise TypeError(f"gdf must be a GeoDataFrame or GeoSeries, got {type(gdf).__name__}")
    if gdf.crs is None:
        raise ValueError("gdf has no CRS: a CRS is required (e.g. gdf.set_crs('EPSG:4326')), never guessed")
    if not gdf.crs.is_geographic:
        raise ValueError(f"gdf must have a geographic (lon/lat) CRS, got {gdf.crs.name!r}")
    bounds = gdf.total_bounds
    if not np.all(np.isfinite(bounds)):
        raise ValueError("gdf has no non-empty geometry to choose a UTM zone from")
    return gdf.to_crs(metric_crs_for_bounds(*(float(b) for b in bounds)))


def distance_m(lon1: ArrayLike, lat1: ArrayLike, lon2: ArrayLike, lat2: ArrayLike) -> Coord:
    """Geodesic distance in metres on the WGS 84 ellipsoid.

    Parameters
    ----------
    lon1, lat1, lon2, lat2 : float or array_like
        WGS 84 degrees of both ends; all must broadcast together.

    Returns
    -------
    float or ndarray
        Distances in metres.

    Examples
    --------
    >>> round(distance_m(116.0, 40.0, 117.0, 40.0), 1)
    85393.4
    """
    ends = (*lonlat_arrays(lon1, lat1), *lonlat_arrays(lon2, lat2))
    try:
        arrays = np.broadcast_arrays(*ends)
    except ValueError:
        raise ValueError(f"point shapes do not match: {ends[0].shape} vs {ends[2].shape}") from None
    _, _, dist = _WGS84_GEOD.inv(*(np.ascontiguousarray(a).ravel() for a in arrays))
    return as_output(np.asarray(dist, dtype=np.float64).reshape(arrays[0].shape))


def distance_to_box_m(lon: float, lat: float, box: tuple[float, float, float, float]) -> float:
    """Geodesic metres from a WGS 84 point to the nearest point of a lon/lat box (0 inside it).

    >>> distance_to_box_m(113.3, 23.1, (113.2, 23.0, 113.4, 23.2))
    0.0
    >>> round(distance_to_box_m(0.0, 0.0, (113.2, 23.0, 113.4, 23.2)) / 1000)
    12384
    """
    minx, miny, maxx, maxy = box
    if not (minx <= maxx and miny <= maxy):
        raise ValueError(f"box must be (minx, miny, maxx, maxy), got {box!r}")
    near_lon, near_lat = min(max(lon, minx), maxx), min(max(lat, miny), maxy)
    if (near_lon, near_lat) == (lon, lat):
        return 0.0
    return float(distance_m(lon, lat, near_lon, near_lat))
