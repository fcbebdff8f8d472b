"""Where problems cluster: Getis-Ord Gi* hot and cold spots on a hexagon or square grid.  The entry point for
hot spots, grids (``geo.hotspots.grids``) and recurring places (``geo.hotspots.recurring``), re-exported here.
"""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy import sparse
from scipy.spatial import cKDTree
from scipy.special import ndtr

from geo.checks import check_geometries
from geo.hotspots.grids import MAX_CELLS as MAX_CELLS
from geo.hotspots.grids import TOLERANCE_M, WGS84, cells, hex_grid, in_metric_crs, positive, square_grid
from geo.hotspots.recurring import FIXED_STATUSES, IGNORED_STATUSES, case_closures, recurrence

__all__ = ["FIXED_STATUSES", "IGNORED_STATUSES", "case_closures", "hex_grid", "hotspots", "recurrence",
           "square_grid"]

_LEVELS = ((0.10, "90"), (0.05, "95"), (0.01, "99"))  # two-sided p-value thresholds, weakest first


def _gi_star(centres: np.ndarray, x: np.ndarray, band: float) -> np.ndarray:
    """Getis-Ord Gi* with binary distance-band weights, each cell its own neighbour:
    (sum_j w_ij x_j - mean sum_j w_ij) / (S sqrt((n sum_j w_ij^2 - (sum_j w_ij)^2) / (n - 1))),
    S = sqrt(sum_j x_j^2 / n - mean^2).  Undefined z (no variance, or everyone a neighbour) is 0."""
    n = len(x)
    pairs = cKDTree(centres).query_pairs(band + TOLERANCE_M, output_type="ndarray")
    i = np.concatenate([pairs[:, 0], pairs[:, 1], np.arange(n)])
    j = np.concatenate([pairs[:, 1], pairs[:, 0], np.arange(n)])
    weights = sparse.csr_matrix((np.ones(len(i)), (i, j)), shape=(n, n))
    w_sum = np.asarray(weights.sum(axis=1)).ravel()  # binary: also the sum of squared weights
    mean = x.mean()
    s = math.sqrt(np.mean((x - mean) ** 2))  # = sqrt(sum x^2 / n - mean^2), without cancellation
    spread = s * np.sqrt(np.maximum(n * w_sum - w_sum**2, 0.0) / max(n - 1, 1))
    numerator = weights @ x - mean * w_sum
    ok = spread > 1e-12 * max(1.0, abs(mean))
    return np.divide(numerator, spread, out=np.zeros(n), where=ok)


def _classes(z: np.ndarray, p: np.ndarray) -> np.ndarray:
    out = np.full(len(z), "not_significant", dtype=object)
    for level, name in _LEVELS:
        out[(p < level) & (z > 0)] = f"hot_{name}"
        out[(p < level) & (z < 0)] = f"cold_{name}"
    return out


def hotspots(
    points_gdf: gpd.GeoDataFrame, *, cell: str = "hex", size_m: float = 100.0,
    distance_band_m: float | None = None, weight_column: str | None = None,
) -> gpd.GeoDataFrame:
    """Hot and cold spots of points on a grid over their extent: Getis-Ord Gi* per cell.

    Parameters
    ----------
    points_gdf : GeoDataFrame
        Points (e.g. cases) in any CRS.
    cell : {"hex", "square"}
        The grid, as ``hex_grid`` / ``square_grid``.  Every cell over the points' bounding box is in the
        study area, empty ones included: Gi* compares each neighbourhood with the whole area.
    size_m : float
        Distance between the centres of adjacent cells.
    distance_band_m : float, optional
        Cells whose centres are at most this far apart are neighbours (binary weights; each cell is its
        own neighbour, the "star").  Default ``1.5 * size_m``: the ring of 6 hexagons, or the 8 squares
        around a square.
    weight_column : str, optional
        Sum this column per cell instead of counting points.

    Returns
    -------
    GeoDataFrame
        Cells in WGS 84: ``cell_id``, ``row``, ``col``, ``count``, ``value`` (what Gi* saw: the count or the
        summed weight), ``gi_z``, ``gi_p`` (two-sided, normal) and ``class``: "hot_99", "hot_95", "hot_90",
        "not_significant", "cold_90", "cold_95" or "cold_99" (p below 0.01, 0.05, 0.10).

    Examples
    --------
    >>> from shapely.geometry import Point
    >>> pts = gpd.GeoDataFrame(geometry=[Point(740000 + 40 * i, 2560000) for i in range(50)], crs=32649)
    >>> int(hotspots(pts, size_m=200.0)["count"].sum())
    50
    """
    check_geometries(points_gdf, "points_gdf")
    if cell not in ("hex", "square"):
        raise ValueError(f"cell must be 'hex' or 'square', got {cell!r}")
    size = positive(size_m, "size_m")
    band = 1.5 * size if distance_band_m is None else positive(distance_band_m, "distance_band_m")
    columns = ["cell_id", "row", "col", "count", "value", "gi_z", "gi_p", "class"]
    if not len(points_gdf):
        return gpd.GeoDataFrame({c: [] for c in columns}, geometry=[], crs=WGS84)
    if not (points_gdf.geom_type == "Point").all():
        raise ValueError(f"points_gdf must hold Points, got {sorted(set(points_gdf.geom_type))}")
    values = _values(points_gdf, weight_column)
    points_m, crs = in_metric_crs(points_gdf)
    polygons, centres, rows, cols = cells(cell, points_m.total_bounds, size)
    home = cKDTree(centres).query(shapely.get_coordinates(points_m.geometry.values))[1]  # the lattice's Voronoi cells
    count = np.bincount(home, minlength=len(centres))
    x = count.astype(np.float64) if values is None else np.bincount(home, weights=values, minlength=len(centres))
    z = _gi_star(centres, x, band)
    p = 2.0 * ndtr(-np.abs(z))
    out = gpd.GeoDataFrame({"cell_id": np.arange(len(rows)), "row": rows, "col": cols, "count": count, "value": x,
                            "gi_z": z, "gi_p": p, "class": _classes(z, p)}, geometry=polygons, crs=crs)
    out.attrs.update(metric_crs=crs.to_string(), size_m=size, cell=cell, distance_band_m=band)
    return out.to_crs(WGS84)


def _values(points_gdf: gpd.GeoDataFrame, column: str | None) -> np.ndarray | None:
    if column is None:
        return None
    if column not in points_gdf.columns:
        raise ValueError(f"weight_column {column!r} is not a column of points_gdf")
    values = points_gdf[column]
    if pd.api.types.is_bool_dtype(values) or not pd.api.types.is_numeric_dtype(values):
        raise TypeError(f"points_gdf[{column!r}] must be numeric, got dtype {values.dtype}")
    out = values.to_numpy(dtype=np.float64, na_value=np.nan)
    if not np.isfinite(out).all():
        raise ValueError(f"points_gdf[{column!r}] must be finite, got {out[~np.isfinite(out)][0]!r}")
    return out
