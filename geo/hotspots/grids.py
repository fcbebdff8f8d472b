"""Hexagon and square cell grids built in metres over a layer's extent, plus the input checks and metric
projection that the hot-spot and recurrence modules share.
"""

from __future__ import annotations

import math
from numbers import Real

import geopandas as gpd
import numpy as np
import pyproj
import shapely

from geo.checks import check_geometries
from geo.crs import metric_crs_for_bounds

__all__ = ["MAX_CELLS", "WGS84", "hex_grid", "square_grid"]

WGS84 = "EPSG:4326"
MAX_CELLS = 2_000_000  # cells laid out at most: a size_m that small for the extent is a mistake
TOLERANCE_M = 1e-6  # round-off slack: cells or cases exactly a band or radius apart still count as neighbours


def positive(value: object, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(value):
        raise TypeError(f"{name} must be a finite real number, got {value!r}")
    if value <= 0:
        raise ValueError(f"{name} must be > 0, got {value!r}")
    return float(value)


def in_metric_crs(gdf: gpd.GeoDataFrame | gpd.GeoSeries):
    """The data in the UTM zone chosen for its lon/lat bounds, and that CRS."""
    crs = metric_crs_for_bounds(*(float(b) for b in gdf.to_crs(WGS84).total_bounds))
    return gdf.to_crs(crs), crs


# -- grids ---------------------------------------------------------------------------------------------
def cells(kind: str, bounds, size: float):
    """Cells of a lattice centred on the bounds whose interior meets them (touching alone is not enough),
    numbered row by row from the north, west to east.  Returns polygons, centres, rows, columns."""
    minx, miny, maxx, maxy = (float(b) for b in bounds)
    dx, dy = (size, size) if kind == "square" else (size, size * math.sqrt(3.0) / 2.0)
    nx, ny = int((maxx - minx) / 2 / dx) + 2, int((maxy - miny) / 2 / dy) + 2
    if (2 * nx + 1) * (2 * ny + 1) > MAX_CELLS:
        raise ValueError(f"size_m {size!r} is too small for an extent of {maxx - minx:.0f} m x {maxy - miny:.0f} m")
    r, c = (a.ravel() for a in np.meshgrid(np.arange(-ny, ny + 1), np.arange(-nx, nx + 1), indexing="ij"))
    x = (minx + maxx) / 2 + (c + (0.5 * (r % 2) if kind == "hex" else 0.0)) * dx
    y = (miny + maxy) / 2 + r * dy
    if kind == "square":
        polygons = shapely.box(x - dx / 2, y - dy / 2, x + dx / 2, y + dy / 2)
    else:  # pointy-top: a vertex due north and south, flat sides east and west, size_m across the flats
        angles = np.radians(30.0 + 60.0 * np.arange(6))
        radius = size / math.sqrt(3.0)
        polygons = shapely.polygons(np.stack([x[:, None] + radius * np.cos(angles),
                                              y[:, None] + radius * np.sin(angles)], axis=-1))
    extent = shapely.envelope(shapely.multipoints([(minx, miny), (maxx, maxy)]))
    keep = shapely.intersects(polygons, extent) & ~shapely.touches(polygons, extent)
    keep = np.flatnonzero(keep)[np.lexsort((x[keep], -y[keep]))]
    rows = r[keep].max() - r[keep]
    return polygons[keep], np.column_stack([x[keep], y[keep]]), rows, c[keep] - c[keep].min()


def _extent(data):
    if isinstance(data, (gpd.GeoDataFrame, gpd.GeoSeries)):
        if isinstance(data, gpd.GeoSeries):
            data = gpd.GeoDataFrame(geometry=data)
        check_geometries(data, "data")
        if not len(data):
            raise ValueError("data is empty: there is no extent to cover")
        data_m, crs = in_metric_crs(data)
        return crs, data_m.total_bounds
    try:
        minx, miny, maxx, maxy = (float(v) for v in data)
    except (TypeError, ValueError):
        raise TypeError(f"bounds must be a GeoDataFrame or (minx, miny, maxx, maxy) in lon/lat, got {data!r}") from None
    crs = metric_crs_for_bounds(minx, miny, maxx, maxy)
    to_metric = pyproj.Transformer.from_crs(WGS84, crs, always_xy=True)
    return crs, to_metric.transform_bounds(minx, miny, maxx, maxy, densify_pts=21)


def _grid(kind: str, data, size_m: float) -> gpd.GeoDataFrame:
    size = positive(size_m, "size_m")
    crs, bounds = _extent(data)
    polygons, _, rows, cols = cells(kind, bounds, size)
    out = gpd.GeoDataFrame({"cell_id": np.arange(len(rows)), "row": rows, "col": cols}, geometry=polygons, crs=crs)
    out.attrs.update(metric_crs=crs.to_string(), size_m=size, cell=kind)
    return out.to_crs(WGS84)


def hex_grid(data: gpd.GeoDataFrame | tuple, size_m: float) -> gpd.GeoDataFrame:
    """Hexagons over the extent of the data, built in metres, returned in WGS 84.

    Parameters
    ----------
    data : GeoDataFrame, GeoSeries or (minx, miny, maxx, maxy)
        Data in any CRS, or lon/lat bounds.  The UTM zone chosen for it is the grid's metric CRS.
    size_m : float
        Distance between the centres of adjacent cells: pointy-top hexagons (a vertex due north)
        ``size_m`` across the flats, side ``size_m / sqrt(3)``, area ``sqrt(3) / 2 * size_m**2``.

    Returns
    -------
    GeoDataFrame
        Every cell whose interior meets the data's bounding box (empty ones too): ``cell_id`` numbered
        row by row from the north, west to east, ``row``, ``col``; ``attrs`` holds ``metric_crs``.

    Examples
    --------
    >>> cells = hex_grid((113.30, 23.10, 113.31, 23.11), 500.0)
    >>> len(cells), cells.attrs["metric_crs"]
    (11, 'EPSG:32649')
    """
    return _grid("hex", data, size_m)


def square_grid(data: gpd.GeoDataFrame | tuple, size_m: float) -> gpd.GeoDataFrame:
    """Squares ``size_m`` on a side over the extent of the data; otherwise as ``hex_grid``.

    Examples
    --------
    >>> len(square_grid((113.30, 23.10, 113.31, 23.11), 500.0))
    9
    """
    return _grid("square", data, size_m)

