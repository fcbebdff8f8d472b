"""Input checks shared by the street network and its users: radius numbers in metres, layers that must
have a CRS, and the metric CRS to measure several layers in."""

from __future__ import annotations

from numbers import Real

import geopandas as gpd
import numpy as np
import pyproj

from geo.crs import metric_crs_for_bounds

__all__ = ["RADIUS_TOLERANCE_M", "metric_crs_for_frames", "radius_number"]

#: A distance counts as within a radius when ``distance_m <= radius_m + RADIUS_TOLERANCE_M``: a facility
#: placed exactly at the radius stays covered despite floating-point noise from projecting.
RADIUS_TOLERANCE_M = 1e-9


def radius_number(value: object, name: str) -> float:
    """A finite, non-negative number of metres, or TypeError/ValueError naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"{name} must be a number of metres, got {type(value).__name__}")
    if not np.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be finite and >= 0, got {value!r}")
    return float(value)


def check_frame(gdf: object, name: str) -> None:
    if not isinstance(gdf, (gpd.GeoDataFrame, gpd.GeoSeries)):
        raise TypeError(f"{name} must be a GeoDataFrame, got {type(gdf).__name__}")
    if gdf.crs is None:
        raise ValueError(f"{name} has no CRS: set one (e.g. .set_crs('EPSG:4326')), it is never guessed")


def metric_crs_for_frames(*frames: gpd.GeoDataFrame | gpd.GeoSeries) -> pyproj.CRS:
    """The WGS 84 / UTM zone for the union of the lon/lat bounds of several layers.

    Parameters
    ----------
    *frames : GeoDataFrame or GeoSeries
        Layers in any CRS (each must have one); empty layers are skipped.

    Returns
    -------
    pyproj.CRS
        A projected CRS in metres (``geo.crs.metric_crs_for_bounds`` of the union).

    Examples
    --------
    >>> from shapely.geometry import Point
    >>> a = gpd.GeoSeries([Point(113.2, 23.1)], crs="EPSG:4326")
    >>> b = gpd.GeoSeries([Point(12600000, 2640000)], crs="EPSG:3857")
    >>> metric_crs_for_frames(a, b).to_epsg()
    32649
    """
    boxes = []
    for k, frame in enumerate(frames):
        check_frame(frame, f"frames[{k}]")
        bounds = frame.total_bounds
        if not np.all(np.isfinite(bounds)):
            continue
        to_lonlat = pyproj.Transformer.from_crs(frame.crs, "EPSG:4326", always_xy=True)
        boxes.append(to_lonlat.transform_bounds(*bounds, densify_pts=21))
    if not boxes:
        raise ValueError("no layer has a non-empty geometry to choose a metric CRS from")
    b = np.asarray(boxes)
    return metric_crs_for_bounds(b[:, 0].min(), b[:, 1].min(), b[:, 2].max(), b[:, 3].max())


def geometries_in(gdf: gpd.GeoDataFrame | gpd.GeoSeries, crs: pyproj.CRS) -> np.ndarray:
    """The geometries of ``gdf`` as a shapely array in ``crs`` (no reprojection when already there)."""
    series = gdf.geometry if isinstance(gdf, gpd.GeoDataFrame) else gdf
    if not series.crs.equals(crs):
        series = series.to_crs(crs)
    return np.asarray(series.values, dtype=object)
