"""Road stretches: every road cut into pieces of about a fixed length, measured in metres, the units that a
street-cleanliness survey samples (as the UK's litter transects and San Francisco's street segments do)."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import shapely
from shapely.ops import substring

from geo.crs import to_metric


def _lines(geometry) -> list:
    if geometry is None or geometry.is_empty:
        return []
    if geometry.geom_type == "LineString":
        return [geometry]
    if geometry.geom_type == "MultiLineString":
        return list(geometry.geoms)
    return []


def road_stretches(roads_gdf: gpd.GeoDataFrame, length_m: float, class_column: str = "class") -> gpd.GeoDataFrame:
    """Cut every road into stretches of about ``length_m`` metres.

    A line of ``L`` metres becomes ``max(1, round(L / length_m))`` pieces of equal length, so every stretch
    lies between about 2/3 and 2 times ``length_m`` (a short road is one stretch). Lengths are measured in the
    UTM zone of the data, never in degrees.

    Parameters
    ----------
    roads_gdf : GeoDataFrame
        Lines in a geographic CRS, with an ``id`` column and (optionally) ``class_column``.
    length_m : float
        The stretch length aimed at, in metres (> 0).
    class_column : str
        The road class column; a missing column or value gives the class ``"unknown"``.

    Returns
    -------
    GeoDataFrame
        One row per stretch in WGS 84: ``road`` (the road's id), ``part`` (0, 1 … along the line, parts of a
        multi-line numbered on), ``road_class``, ``length_m`` and the geometry, ordered by road and part.

    Examples
    --------
    >>> from shapely.geometry import LineString
    >>> roads = gpd.GeoDataFrame({"id": [1], "class": ["branch"]},
    ...                          geometry=[LineString([(113.3, 23.1), (113.303, 23.1)])], crs="EPSG:4326")
    >>> len(road_stretches(roads, 100))  # about 307 m: three stretches
    3
    """
    if not isinstance(roads_gdf, gpd.GeoDataFrame):
        raise TypeError(f"roads_gdf must be a GeoDataFrame, got {type(roads_gdf).__name__}")
    if isinstance(length_m, bool) or not isinstance(length_m, (int, float)) or not math.isfinite(length_m):
        raise TypeError(f"length_m must be a number of metres, got {length_m!r}")
    if length_m <= 0:
        raise ValueError(f"length_m must be positive, got {length_m}")
    columns = ["road", "part", "road_class", "length_m"]
    if len(roads_gdf) == 0:
        return gpd.GeoDataFrame({c: [] for c in columns}, geometry=[], crs="EPSG:4326")
    metric = to_metric(roads_gdf)
    classes = roads_gdf[class_column] if class_column in roads_gdf.columns else [None] * len(roads_gdf)
    rows, pieces = [], []
    for road_id, road_class, geometry in zip(roads_gdf["id"], classes, metric.geometry):
        part = 0
        for line in _lines(geometry):
            count = max(1, round(line.length / length_m))
            step = line.length / count
            for k in range(count):
                pieces.append(substring(line, k * step, (k + 1) * step))
                is_class = isinstance(road_class, str) and road_class
                rows.append((road_id, part, road_class if is_class else "unknown", float(step)))
                part += 1
    frame = gpd.GeoDataFrame(
        {name: [row[i] for row in rows] for i, name in enumerate(columns)},
        geometry=gpd.GeoSeries(np.array(pieces, dtype=object), crs=metric.crs).to_crs("EPSG:4326").values,
        crs="EPSG:4326",
    )
    frame["geometry"] = shapely.set_precision(frame.geometry.values, 1e-7)
    return frame
