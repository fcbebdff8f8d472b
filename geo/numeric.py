"""Input checks shared by the coordinate modules: finite numbers, lon/lat ranges, scalar-or-array output."""

from __future__ import annotations

import math
from numbers import Real

import numpy as np
from numpy.typing import ArrayLike, NDArray

Coord = float | NDArray[np.float64]
Arrays = tuple[NDArray[np.float64], NDArray[np.float64]]


def float_array(value: ArrayLike, name: str) -> NDArray[np.float64]:
    arr = np.asarray(value)
    if arr.dtype.kind not in "iuf":
        raise TypeError(f"{name} must be numeric, got {type(value).__name__} (dtype {arr.dtype})")
    arr = arr.astype(np.float64)  # always a copy, so callers' arrays are never modified
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite, got {arr[~np.isfinite(arr)].flat[0]!r}")
    return arr


def lonlat_arrays(lon: ArrayLike, lat: ArrayLike) -> Arrays:
    lon_a, lat_a = float_array(lon, "lon"), float_array(lat, "lat")
    try:
        lon_a, lat_a = (a.copy() for a in np.broadcast_arrays(lon_a, lat_a))
    except ValueError:
        raise ValueError(f"lon and lat shapes do not match: {lon_a.shape} vs {lat_a.shape}") from None
    for arr, name, limit in ((lon_a, "lon", 180.0), (lat_a, "lat", 90.0)):
        bad = np.abs(arr) > limit
        if np.any(bad):
            raise ValueError(f"{name} must be within [-{limit:g}, {limit:g}], got {arr[bad].flat[0]!r}")
    return lon_a, lat_a


def as_output(arr: NDArray[np.float64]) -> Coord:
    return float(arr) if arr.ndim == 0 else arr


def real_number(value: object, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value!r}")
    return float(value)
