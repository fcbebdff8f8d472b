"""Input checks shared by the gap tools: GeoDataFrames with a CRS, the right geometry types, positive metres;
each raises TypeError/ValueError naming what it got.
"""

from __future__ import annotations

from collections.abc import Mapping

import geopandas as gpd
import numpy as np
import shapely

from geo.numeric import real_number


def check_gdf(gdf: object, name: str) -> None:
    if not isinstance(gdf, gpd.GeoDataFrame):
        raise TypeError(f"{name} must be a GeoDataFrame, got {type(gdf).__name__}")
    if gdf.crs is None:
        raise ValueError(f"{name} has no CRS: a CRS is required (e.g. gdf.set_crs('EPSG:4326')), never guessed")


def check_inputs(points_gdf, lines_gdf, max_gap_m, snap_m, class_column, grid_gdf, grid_code_column):
    for gdf, name in ((points_gdf, "points_gdf"), (lines_gdf, "lines_gdf")):
        check_gdf(gdf, name)
    _check_types(points_gdf, "points_gdf", ("Point",), allow_null=False)
    _check_types(lines_gdf, "lines_gdf", ("LineString", "LinearRing", "MultiLineString"), allow_null=True)
    if grid_gdf is not None:
        check_gdf(grid_gdf, "grid_gdf")
        _check_types(grid_gdf, "grid_gdf", ("Polygon", "MultiPolygon"), allow_null=True)
        if len(grid_gdf) and grid_code_column not in grid_gdf.columns:  # an empty grid layer may lack columns
            raise ValueError(f"grid_gdf has no column {grid_code_column!r}, got columns {list(grid_gdf.columns)}")
    snap = real_number(snap_m, "snap_m")
    if snap < 0:
        raise ValueError(f"snap_m must be >= 0, got {snap_m!r}")
    if not isinstance(max_gap_m, Mapping):
        return snap, positive(max_gap_m, "max_gap_m")
    if not max_gap_m:
        raise ValueError("max_gap_m is an empty dict: no road class would be checked")
    if class_column not in lines_gdf.columns:
        raise ValueError(f"max_gap_m is given by class but lines_gdf has no column {class_column!r}, "
                         f"got columns {list(lines_gdf.columns)}")  # fmt: skip
    return snap, {k: positive(v, f"max_gap_m[{k!r}]") for k, v in max_gap_m.items()}


TYPE_IDS = {"Point": 0, "LineString": 1, "LinearRing": 2, "Polygon": 3, "MultiLineString": 5, "MultiPolygon": 6}


def _check_types(gdf: gpd.GeoDataFrame, name: str, allowed: tuple[str, ...], allow_null: bool) -> None:
    geoms = gdf.geometry.values
    kinds = np.asarray(shapely.get_type_id(geoms))
    bad = ~np.isin(kinds, [TYPE_IDS[k] for k in allowed])
    bad = bad & (kinds != -1) if allow_null else bad | np.asarray(shapely.is_empty(geoms))
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        geom = geoms[first]
        got = "no geometry" if geom is None else ("an empty geometry" if geom.is_empty else geom.geom_type)
        raise ValueError(f"{name} must hold {'/'.join(allowed)} geometries; {int(bad.sum())} rows do not, "
                         f"the first (index {gdf.index[first]!r}) has {got}")  # fmt: skip


def positive(value: object, name: str) -> float:
    number = real_number(value, name)
    if number <= 0:
        raise ValueError(f"{name} must be > 0, got {value!r}")
    return number
