"""The input check shared by the analyses that take point or polygon layers: a GeoDataFrame with a CRS and
no missing or empty geometries, refused with a message naming the argument."""

from __future__ import annotations

import geopandas as gpd


def check_geometries(gdf: object, name: str) -> None:
    """Refuse ``gdf`` unless it is a GeoDataFrame with a CRS (when not empty) and every geometry present.

    >>> check_geometries([], "targets")
    Traceback (most recent call last):
    ...
    TypeError: targets must be a GeoDataFrame, got list
    """
    if not isinstance(gdf, gpd.GeoDataFrame):
        raise TypeError(f"{name} must be a GeoDataFrame, got {type(gdf).__name__}")
    if len(gdf) and gdf.crs is None:
        raise ValueError(f"{name} has no CRS: a CRS is required (e.g. gdf.set_crs('EPSG:4326')), never guessed")
    bad = gdf.geometry.isna() | gdf.geometry.is_empty
    if bad.any():
        raise ValueError(f"{name} has missing or empty geometries, e.g. at index {list(gdf.index[bad][:5])}")
