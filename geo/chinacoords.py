"""Coordinate systems used by Chinese web maps: GCJ-02 (AMap/Gaode, Tencent) and BD-09 (Baidu).

Chinese map providers publish shifted coordinates: GCJ-02, and BD-09 (GCJ-02 shifted again). GPS and most
open data use WGS 84; CGCS2000 (EPSG:4490) differs from it by centimetres and is treated as WGS 84. The
inverses are solved by fixed-point iteration, so WGS 84 -> GCJ-02 -> WGS 84 round-trips to far below a
centimetre. ``static/js/common/chinacoords.js`` mirrors these conversions for the browser; keep the two in step.

Conventions: degrees, longitude first. Conversions take floats or array-likes that broadcast together and
return floats for scalar input, else new arrays of the broadcast shape. Public functions raise TypeError
for non-numeric input and ValueError for NaN/infinite, out-of-range or mismatched input, naming the value.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike, NDArray

from geo.numeric import Arrays, Coord, as_output, lonlat_arrays, real_number

__all__ = [
    "bd09_to_gcj02",
    "bd09_to_wgs84",
    "convert",
    "gcj02_to_bd09",
    "gcj02_to_wgs84",
    "gcj02_to_wgs84_approx",
    "out_of_china",
    "wgs84_to_bd09",
    "wgs84_to_gcj02",
]

# Krasovsky 1940 ellipsoid, as used by the published GCJ-02 formula.
_KRASOVSKY_A_M = 6378245.0
_KRASOVSKY_EE = 0.00669342162296594323
_X_PI = math.pi * 3000.0 / 180.0
# The usual rough out-of-China box.  Hong Kong, Macau and Taiwan (and parts of
# neighbouring countries) fall inside and get shifted, as in every common
# implementation; changing that would disagree with the map providers' SDKs.
_CHINA_LON_MIN, _CHINA_LON_MAX = 72.004, 137.8347
_CHINA_LAT_MIN, _CHINA_LAT_MAX = 0.8293, 55.8271
_ALIASES = {
    "wgs84": "wgs84",
    "epsg:4326": "wgs84",
    "cgcs2000": "wgs84",
    "epsg:4490": "wgs84",
    "gcj02": "gcj02",
    "bd09": "bd09",
}


def _check_iteration(tol_deg: float, max_iter: int) -> None:
    if real_number(tol_deg, "tol_deg") <= 0.0:
        raise ValueError(f"tol_deg must be positive, got {tol_deg!r}")
    if isinstance(max_iter, bool) or not isinstance(max_iter, (int, np.integer)):
        raise TypeError(f"max_iter must be an int, got {type(max_iter).__name__}")
    if max_iter < 1:
        raise ValueError(f"max_iter must be at least 1, got {max_iter!r}")


def _outside(lon: NDArray[np.float64], lat: NDArray[np.float64]) -> NDArray[np.bool_]:
    return (lon < _CHINA_LON_MIN) | (lon > _CHINA_LON_MAX) | (lat < _CHINA_LAT_MIN) | (lat > _CHINA_LAT_MAX)


def _gcj_offset_deg(lon: NDArray[np.float64], lat: NDArray[np.float64]) -> Arrays:
    """GCJ-02 minus WGS 84 at a WGS 84 point, ignoring the out-of-China box."""
    x, y = lon - 105.0, lat - 35.0
    common = (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    t_lat = (
        -100.0
        + 2.0 * x
        + 3.0 * y
        + 0.2 * y * y
        + 0.1 * x * y
        + 0.2 * np.sqrt(np.abs(x))
        + common
        + (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
        + (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    )
    t_lon = (
        300.0
        + x
        + 2.0 * y
        + 0.1 * x * x
        + 0.1 * x * y
        + 0.1 * np.sqrt(np.abs(x))
        + common
        + (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
        + (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0
    )
    rad_lat = lat / 180.0 * np.pi
    magic = 1.0 - _KRASOVSKY_EE * np.sin(rad_lat) ** 2
    sqrt_magic = np.sqrt(magic)
    d_lat = t_lat * 180.0 / ((_KRASOVSKY_A_M * (1.0 - _KRASOVSKY_EE)) / (magic * sqrt_magic) * np.pi)
    d_lon = t_lon * 180.0 / (_KRASOVSKY_A_M / sqrt_magic * np.cos(rad_lat) * np.pi)
    return d_lon, d_lat


def _bd_forward(lon: NDArray[np.float64], lat: NDArray[np.float64]) -> Arrays:
    z = np.sqrt(lon * lon + lat * lat) + 0.00002 * np.sin(lat * _X_PI)
    theta = np.arctan2(lat, lon) + 0.000003 * np.cos(lon * _X_PI)
    return z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006


def _solve(
    forward: Callable[..., Arrays], target: Arrays, start: Arrays, tol_deg: float, max_iter: int, what: str
) -> Arrays:
    """Fixed-point iteration ``p -= forward(p) - target`` from `start`.

    Both shifts change by well under 1 % of a degree per degree, so the map is a
    strong contraction: each step gains about two digits.
    """
    lon, lat = start
    step = math.inf
    for _ in range(max_iter):
        f_lon, f_lat = forward(lon, lat)
        step_lon, step_lat = f_lon - target[0], f_lat - target[1]
        lon, lat = lon - step_lon, lat - step_lat
        step = float(max(np.max(np.abs(step_lon), initial=0.0), np.max(np.abs(step_lat), initial=0.0)))
        if step < tol_deg:
            return lon, lat
    raise RuntimeError(f"{what} did not converge in {max_iter} iterations (last step {step:.3g} deg)")


def out_of_china(lon: ArrayLike, lat: ArrayLike) -> bool | NDArray[np.bool_]:
    """Tell whether points lie outside the rough box where GCJ-02 shifts apply.

    Parameters
    ----------
    lon, lat : float or array_like
        Degrees.  Hong Kong, Macau and Taiwan count as inside, as everywhere else.

    Returns
    -------
    bool or ndarray of bool
        True where no GCJ-02 shift is applied.

    Examples
    --------
    >>> out_of_china(116.4, 39.9), out_of_china(2.35, 48.85)
    (False, True)
    """
    mask = _outside(*lonlat_arrays(lon, lat))
    return bool(mask) if mask.ndim == 0 else mask


def wgs84_to_gcj02(lon: ArrayLike, lat: ArrayLike) -> tuple[Coord, Coord]:
    """Convert WGS 84 to GCJ-02 (AMap, Tencent) with the public formula.

    Parameters
    ----------
    lon, lat : float or array_like
        WGS 84 degrees.  Points outside China (:func:`out_of_china`) stay unchanged.

    Returns
    -------
    tuple of float or ndarray
        GCJ-02 ``(lon, lat)``; shifts are roughly 50-700 m.

    Examples
    --------
    >>> lon, lat = wgs84_to_gcj02(116.397128, 39.916527)  # Tiananmen
    >>> round(lon, 6), round(lat, 6)
    (116.403372, 39.917931)
    """
    lon_a, lat_a = lonlat_arrays(lon, lat)
    d_lon, d_lat = _gcj_offset_deg(lon_a, lat_a)
    outside = _outside(lon_a, lat_a)
    return as_output(np.where(outside, lon_a, lon_a + d_lon)), as_output(np.where(outside, lat_a, lat_a + d_lat))


def gcj02_to_wgs84(lon: ArrayLike, lat: ArrayLike, tol_deg: float = 1e-10, max_iter: int = 30) -> tuple[Coord, Coord]:
    """Convert GCJ-02 to WGS 84 by iterating ``w -= wgs84_to_gcj02(w) - g``.

    Starts at the GCJ-02 point and stops when the step is below `tol_deg` (1e-10
    deg is about 0.01 mm), normally after 4-6 steps.  The out-of-China test is made
    on the GCJ-02 input, so points within ~700 m of the box edge (sea or remote
    borderland) may not round-trip.

    Parameters
    ----------
    lon, lat : float or array_like
        GCJ-02 degrees.
    tol_deg : float, optional
        Convergence threshold on the largest step, degrees.
    max_iter : int, optional
        Maximum number of iterations.

    Returns
    -------
    tuple of float or ndarray
        WGS 84 ``(lon, lat)``.

    Raises
    ------
    RuntimeError
        If not converged after `max_iter` iterations.

    Examples
    --------
    >>> lon, lat = gcj02_to_wgs84(116.403372, 39.917931)
    >>> round(lon, 6), round(lat, 6)
    (116.397128, 39.916527)
    """
    _check_iteration(tol_deg, max_iter)
    g_lon, g_lat = lonlat_arrays(lon, lat)
    inside = ~_outside(g_lon, g_lat)

    def forward(w_lon: NDArray[np.float64], w_lat: NDArray[np.float64]) -> Arrays:
        # No box test inside: a smooth map keeps the iteration a contraction even
        # when the solution lies just across the box edge.
        d_lon, d_lat = _gcj_offset_deg(w_lon, w_lat)
        return w_lon + np.where(inside, d_lon, 0.0), w_lat + np.where(inside, d_lat, 0.0)

    w_lon, w_lat = _solve(forward, (g_lon, g_lat), (g_lon, g_lat), tol_deg, max_iter, "gcj02_to_wgs84")
    return as_output(w_lon), as_output(w_lat)


def gcj02_to_wgs84_approx(lon: ArrayLike, lat: ArrayLike) -> tuple[Coord, Coord]:
    """Convert GCJ-02 to WGS 84 with the common one-step inverse (errors up to ~5 m).

    It subtracts the shift evaluated at the GCJ-02 point rather than at the unknown
    WGS 84 one.  Kept to compare with other tools; prefer :func:`gcj02_to_wgs84`.

    Parameters
    ----------
    lon, lat : float or array_like
        GCJ-02 degrees.

    Returns
    -------
    tuple of float or ndarray
        Approximate WGS 84 ``(lon, lat)``.

    Examples
    --------
    >>> lon, lat = gcj02_to_wgs84_approx(116.403372, 39.917931)
    >>> round(lon, 5), round(lat, 5)
    (116.39713, 39.91653)
    """
    g_lon, g_lat = lonlat_arrays(lon, lat)
    d_lon, d_lat = _gcj_offset_deg(g_lon, g_lat)
    outside = _outside(g_lon, g_lat)
    return as_output(np.where(outside, g_lon, g_lon - d_lon)), as_output(np.where(outside, g_lat, g_lat - d_lat))


def gcj02_to_bd09(lon: ArrayLike, lat: ArrayLike) -> tuple[Coord, Coord]:
    """Convert GCJ-02 to BD-09 (Baidu) with the published ``x_pi`` formula.

    Parameters
    ----------
    lon, lat : float or array_like
        GCJ-02 degrees; applied everywhere, like Baidu's API (no box test).

    Returns
    -------
    tuple of float or ndarray
        BD-09 ``(lon, lat)``.

    Examples
    --------
    >>> lon, lat = gcj02_to_bd09(116.403372, 39.917931)
    >>> round(lon, 6), round(lat, 6)
    (116.409739, 39.92427)
    """
    b_lon, b_lat = _bd_forward(*lonlat_arrays(lon, lat))
    return as_output(b_lon), as_output(b_lat)


def bd09_to_gcj02(lon: ArrayLike, lat: ArrayLike, tol_deg: float = 1e-10, max_iter: int = 30) -> tuple[Coord, Coord]:
    """Convert BD-09 to GCJ-02: the ``x_pi`` inverse formula, refined by iteration.

    The closed-form inverse alone errs by up to ~0.2 m; a few fixed-point steps on
    :func:`gcj02_to_bd09` bring the round trip far below 1 mm.

    Parameters
    ----------
    lon, lat : float or array_like
        BD-09 degrees.
    tol_deg : float, optional
        Convergence threshold on the largest step, degrees.
    max_iter : int, optional
        Maximum number of refinement steps.

    Returns
    -------
    tuple of float or ndarray
        GCJ-02 ``(lon, lat)``.

    Raises
    ------
    RuntimeError
        If not converged after `max_iter` steps.

    Examples
    --------
    >>> lon, lat = bd09_to_gcj02(*gcj02_to_bd09(116.403372, 39.917931))
    >>> round(lon, 9), round(lat, 9)
    (116.403372, 39.917931)
    """
    _check_iteration(tol_deg, max_iter)
    b_lon, b_lat = lonlat_arrays(lon, lat)
    x, y = b_lon - 0.0065, b_lat - 0.006
    z = np.sqrt(x * x + y * y) - 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _X_PI)
    start = (z * np.cos(theta), z * np.sin(theta))
    g_lon, g_lat = _solve(_bd_forward, (b_lon, b_lat), start, tol_deg, max_iter, "bd09_to_gcj02")
    return as_output(g_lon), as_output(g_lat)


def wgs84_to_bd09(lon: ArrayLike, lat: ArrayLike) -> tuple[Coord, Coord]:
    """Convert WGS 84 to BD-09 via GCJ-02.

    Parameters
    ----------
    lon, lat : float or array_like
        WGS 84 degrees.

    Returns
    -------
    tuple of float or ndarray
        BD-09 ``(lon, lat)``.

    Examples
    --------
    >>> lon, lat = wgs84_to_bd09(116.397128, 39.916527)
    >>> round(lon, 6), round(lat, 6)
    (116.409739, 39.924269)
    """
    return gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))


def bd09_to_wgs84(lon: ArrayLike, lat: ArrayLike) -> tuple[Coord, Coord]:
    """Convert BD-09 to WGS 84 via GCJ-02, with both iterated inverses.

    Parameters
    ----------
    lon, lat : float or array_like
        BD-09 degrees.

    Returns
    -------
    tuple of float or ndarray
        WGS 84 ``(lon, lat)``.

    Examples
    --------
    >>> lon, lat = bd09_to_wgs84(116.409739, 39.924269)
    >>> round(lon, 6), round(lat, 6)
    (116.397128, 39.916527)
    """
    return gcj02_to_wgs84(*bd09_to_gcj02(lon, lat))


def _system(name: object, what: str) -> str:
    if not isinstance(name, str):
        raise TypeError(f"{what} must be a str, got {type(name).__name__}")
    if name.strip().lower() not in _ALIASES:
        raise ValueError(f"unknown {what} coordinate system {name!r}; expected one of {sorted(_ALIASES)}")
    return _ALIASES[name.strip().lower()]


def convert(lon: ArrayLike, lat: ArrayLike, src: str, dst: str) -> tuple[Coord, Coord]:
    """Convert between ``"wgs84"``, ``"gcj02"`` and ``"bd09"``.

    Parameters
    ----------
    lon, lat : float or array_like
        Degrees in `src`.
    src, dst : str
        ``"wgs84"``, ``"gcj02"`` or ``"bd09"``, case-insensitive; ``"EPSG:4326"``,
        ``"cgcs2000"`` and ``"EPSG:4490"`` mean WGS 84.

    Returns
    -------
    tuple of float or ndarray
        ``(lon, lat)`` in `dst` (a validated copy if it is the same system).

    Examples
    --------
    >>> lon, lat = convert(116.397128, 39.916527, "EPSG:4326", "gcj02")
    >>> round(lon, 6), round(lat, 6)
    (116.403372, 39.917931)
    """
    steps = {
        ("wgs84", "gcj02"): wgs84_to_gcj02,
        ("gcj02", "wgs84"): gcj02_to_wgs84,
        ("gcj02", "bd09"): gcj02_to_bd09,
        ("bd09", "gcj02"): bd09_to_gcj02,
        ("wgs84", "bd09"): wgs84_to_bd09,
        ("bd09", "wgs84"): bd09_to_wgs84,
    }
    key = (_system(src, "src"), _system(dst, "dst"))
    if key[0] == key[1]:
        lon_a, lat_a = lonlat_arrays(lon, lat)
        return as_output(lon_a), as_output(lat_a)
    return steps[key](lon, lat)
