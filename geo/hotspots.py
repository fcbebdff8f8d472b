"""Where problems cluster and where they keep coming back: Getis-Ord Gi* hot spots on a hexagon or square
grid, and recurring places (the same problem reported again at the same spot after it was fixed).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from datetime import UTC, datetime
from numbers import Real

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely
from scipy import sparse
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree
from scipy.special import ndtr
from shapely.geometry import shape

from geo.crs import metric_crs_for_bounds

__all__ = ["FIXED_STATUSES", "IGNORED_STATUSES", "case_closures", "hex_grid", "hotspots", "recurrence",
           "square_grid"]

WGS84 = "EPSG:4326"
FIXED_STATUSES = ("fixed", "closed")  # a case in one of these has been dealt with
IGNORED_STATUSES = ("rejected", "duplicate")  # not a problem on the ground, or counted in its original
MAX_CELLS = 2_000_000  # cells laid out at most: a size_m that small for the extent is a mistake
_LEVELS = ((0.10, "90"), (0.05, "95"), (0.01, "99"))  # two-sided p-value thresholds, weakest first
_TOLERANCE_M = 1e-6


def _positive(value: object, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(value):
        raise TypeError(f"{name} must be a finite real number, got {value!r}")
    if value <= 0:
        raise ValueError(f"{name} must be > 0, got {value!r}")
    return float(value)


def _check_gdf(gdf: object, name: str) -> None:
    if not isinstance(gdf, gpd.GeoDataFrame):
        raise TypeError(f"{name} must be a GeoDataFrame, got {type(gdf).__name__}")
    if len(gdf) and gdf.crs is None:
        raise ValueError(f"{name} has no CRS: a CRS is required (e.g. gdf.set_crs('EPSG:4326')), never guessed")
    bad = gdf.geometry.isna() | gdf.geometry.is_empty
    if bad.any():
        raise ValueError(f"{name} has missing or empty geometries, e.g. at index {list(gdf.index[bad][:5])}")


def _metric(gdf: gpd.GeoDataFrame | gpd.GeoSeries):
    """The data in the UTM zone chosen for its lon/lat bounds, and that CRS."""
    crs = metric_crs_for_bounds(*(float(b) for b in gdf.to_crs(WGS84).total_bounds))
    return gdf.to_crs(crs), crs


# -- grids ---------------------------------------------------------------------------------------------
def _cells(kind: str, bounds, size: float):
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
        _check_gdf(data, "data")
        if not len(data):
            raise ValueError("data is empty: there is no extent to cover")
        data_m, crs = _metric(data)
        return crs, data_m.total_bounds
    try:
        minx, miny, maxx, maxy = (float(v) for v in data)
    except (TypeError, ValueError):
        raise TypeError(f"bounds must be a GeoDataFrame or (minx, miny, maxx, maxy) in lon/lat, got {data!r}") from None
    crs = metric_crs_for_bounds(minx, miny, maxx, maxy)
    to_metric = pyproj.Transformer.from_crs(WGS84, crs, always_xy=True)
    return crs, to_metric.transform_bounds(minx, miny, maxx, maxy, densify_pts=21)


def _grid(kind: str, data, size_m: float) -> gpd.GeoDataFrame:
    size = _positive(size_m, "size_m")
    crs, bounds = _extent(data)
    polygons, _, rows, cols = _cells(kind, bounds, size)
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


# -- Gi* hot spots -------------------------------------------------------------------------------------------
def _gi_star(centres: np.ndarray, x: np.ndarray, band: float) -> np.ndarray:
    """Getis-Ord Gi* with binary distance-band weights, each cell its own neighbour:
    (sum_j w_ij x_j - mean sum_j w_ij) / (S sqrt((n sum_j w_ij^2 - (sum_j w_ij)^2) / (n - 1))),
    S = sqrt(sum_j x_j^2 / n - mean^2).  Undefined z (no variance, or everyone a neighbour) is 0."""
    n = len(x)
    pairs = cKDTree(centres).query_pairs(band + _TOLERANCE_M, output_type="ndarray")
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
    _check_gdf(points_gdf, "points_gdf")
    if cell not in ("hex", "square"):
        raise ValueError(f"cell must be 'hex' or 'square', got {cell!r}")
    size = _positive(size_m, "size_m")
    band = 1.5 * size if distance_band_m is None else _positive(distance_band_m, "distance_band_m")
    columns = ["cell_id", "row", "col", "count", "value", "gi_z", "gi_p", "class"]
    if not len(points_gdf):
        return gpd.GeoDataFrame({c: [] for c in columns}, geometry=[], crs=WGS84)
    if not (points_gdf.geom_type == "Point").all():
        raise ValueError(f"points_gdf must hold Points, got {sorted(set(points_gdf.geom_type))}")
    values = _values(points_gdf, weight_column)
    points_m, crs = _metric(points_gdf)
    polygons, centres, rows, cols = _cells(cell, points_m.total_bounds, size)
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


# -- recurring places -----------------------------------------------------------------------------------
def _instant(value: object, name: str) -> pd.Timestamp:
    if pd.api.types.is_scalar(value) and pd.isna(value):
        return pd.NaT
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(f"{name} must be ISO 8601, got {value!r}") from None
    elif isinstance(value, datetime):
        parsed = value
    else:
        raise TypeError(f"{name} must hold ISO 8601 strings or datetimes, got {type(value).__name__}")
    if parsed.tzinfo is None:
        raise ValueError(f"{name} must carry a UTC offset (e.g. +08:00), got {value!r}")
    return pd.Timestamp(parsed).tz_convert("UTC")


def _seconds(values: pd.Series, name: str, *, required: bool) -> np.ndarray:
    """Seconds since the epoch (NaN where missing) from ISO 8601 strings with offsets or aware datetimes."""
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        stamps = values
    elif pd.api.types.is_datetime64_dtype(values.dtype):
        raise ValueError(f"{name} holds datetimes without a time zone (dtype {values.dtype}): "
                         "localise them first, e.g. .dt.tz_localize('Asia/Shanghai')")
    else:
        stamps = pd.Series([_instant(v, name) for v in values], index=values.index, dtype="datetime64[ns, UTC]")
    seconds = ((stamps - pd.Timestamp(0, tz="UTC")) / pd.Timedelta(seconds=1)).to_numpy(np.float64, na_value=np.nan)
    if required and np.isnan(seconds).any():
        raise ValueError(f"{name} is missing, e.g. at index {values.index[np.isnan(seconds)][0]!r}")
    return seconds


def _iso(seconds: float) -> str:
    return datetime.fromtimestamp(round(seconds, 3), UTC).isoformat(timespec="milliseconds")


def _places(xy: np.ndarray, categories: pd.Series, radius: float) -> np.ndarray:
    """Single-linkage places: cases of one category chained by steps of at most ``radius`` metres."""
    n = len(xy)
    pairs = cKDTree(xy).query_pairs(radius + _TOLERANCE_M, output_type="ndarray")
    codes = pd.factorize(categories)[0]
    pairs = pairs[codes[pairs[:, 0]] == codes[pairs[:, 1]]]
    graph = sparse.csr_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n, n))
    return connected_components(graph, directed=False)[1]


def recurrence(
    cases_gdf: gpd.GeoDataFrame, *, radius_m: float = 20.0, category_column: str = "category",
    reported_column: str = "reported_at", closed_column: str | None = None, status_column: str = "status",
    min_gap_days: float = 0, min_recurrences: int = 1,
) -> gpd.GeoDataFrame:
    """Places where the same problem comes back after it was fixed.

    Cases of one category are grouped into places by single linkage (a chain of cases each within
    ``radius_m`` of the next).  A case *recurs* when it is reported after (and at least ``min_gap_days``
    after) an earlier case of its place was fixed or closed.

    Parameters
    ----------
    cases_gdf : GeoDataFrame
        Case points in any CRS, e.g. from ``case_closures``; the index labels are the case ids.  Cases whose
        ``status_column`` (if present) is "rejected" or "duplicate" are left out.
    radius_m : float
        Linkage distance in metres.
    category_column, reported_column : str
        Category code, and when the case was reported: ISO 8601 strings with a UTC offset or tz-aware datetimes.
    closed_column : str, optional
        When the case was first fixed or closed (missing if never); default ``"fixed_at"`` (as
        ``case_closures`` gives).  Without closure times recurrence cannot be told, so that is an error.
    min_gap_days : float
        A report sooner than this after the fix is not counted (0: any report after the fix counts).
    min_recurrences : int
        Places with fewer recurrences are left out; 0 keeps every place.

    Returns
    -------
    GeoDataFrame
        One row per place, most recurrences first: the centroid point (WGS 84), ``category``, ``cases``,
        ``recurrence_count``, ``first_reported`` and ``last_reported`` (ISO 8601, UTC) and ``case_ids``
        (in order of report).

    Examples
    --------
    >>> from shapely.geometry import Point
    >>> cases = gpd.GeoDataFrame({"category": ["0102", "0102"],
    ...     "reported_at": ["2026-01-02T09:00:00+08:00", "2026-02-01T09:00:00+08:00"],
    ...     "fixed_at": ["2026-01-03T10:00:00+08:00", None]},
    ...     geometry=[Point(740000, 2560000), Point(740003, 2560004)], crs=32649)
    >>> recurrence(cases)[["cases", "recurrence_count", "case_ids"]].values.tolist()
    [[2, 1, [0, 1]]]
    """
    _check_gdf(cases_gdf, "cases_gdf")
    radius = _positive(radius_m, "radius_m")
    gap_s = 86_400.0 * (0.0 if min_gap_days == 0 else _positive(min_gap_days, "min_gap_days"))
    if isinstance(min_recurrences, bool) or not isinstance(min_recurrences, int) or min_recurrences < 0:
        raise ValueError(f"min_recurrences must be an integer >= 0, got {min_recurrences!r}")
    closed_column = closed_column or ("fixed_at" if "fixed_at" in cases_gdf.columns else None)
    if closed_column is None:
        raise ValueError("recurrence needs when each case was fixed or closed: pass closed_column=, or build the "
                         "cases with case_closures(history), which adds 'fixed_at'")
    for column in (category_column, reported_column, closed_column):
        if column not in cases_gdf.columns:
            raise ValueError(f"cases_gdf has no column {column!r}; it has {list(cases_gdf.columns)}")
    cases = cases_gdf
    if status_column in cases.columns:
        cases = cases[~cases[status_column].isin(IGNORED_STATUSES)]
    if len(cases) and not (cases.geom_type == "Point").all():
        raise ValueError(f"cases_gdf must hold Points, got {sorted(set(cases.geom_type))}")
    frame = pd.DataFrame({
        "id": cases.index, "category": cases[category_column].to_numpy(),
        "reported": _seconds(cases[reported_column], reported_column, required=True),
        "fixed": np.nan_to_num(_seconds(cases[closed_column], closed_column, required=False), nan=np.inf),
    })
    if not len(frame):
        return gpd.GeoDataFrame({c: [] for c in ("category", "cases", "recurrence_count", "first_reported",
                                                 "last_reported", "case_ids")}, geometry=[], crs=WGS84)
    cases_m, crs = _metric(cases)
    xy = shapely.get_coordinates(cases_m.geometry.values)
    frame["x"], frame["y"] = xy[:, 0], xy[:, 1]
    frame["place"] = _places(xy, frame["category"], radius)
    return _summarise_places(frame.sort_values(["place", "reported"], kind="stable"), gap_s, min_recurrences, crs)


def _summarise_places(frame: pd.DataFrame, gap_s: float, min_recurrences: int, crs) -> gpd.GeoDataFrame:
    by_place = frame.groupby("place", sort=False)
    earliest_fix = by_place["fixed"].cummin().groupby(frame["place"]).shift(1).fillna(np.inf)
    since_fix = frame["reported"] - earliest_fix
    frame = frame.assign(recurs=(since_fix > 0) & (since_fix >= gap_s))
    places = frame.groupby("place", sort=False).agg(
        category=("category", "first"), cases=("id", "size"), recurrence_count=("recurs", "sum"),
        first=("reported", "min"), last=("reported", "max"), x=("x", "mean"), y=("y", "mean"),
        case_ids=("id", list))
    places = places[places["recurrence_count"] >= min_recurrences]
    places = places.sort_values(["recurrence_count", "cases", "first"], ascending=[False, False, True])
    out = gpd.GeoDataFrame({
        "category": places["category"].to_numpy(), "cases": places["cases"].to_numpy(),
        "recurrence_count": places["recurrence_count"].to_numpy(dtype=np.int64),
        "first_reported": [_iso(s) for s in places["first"]], "last_reported": [_iso(s) for s in places["last"]],
        "case_ids": places["case_ids"].to_list(),
    }, geometry=gpd.points_from_xy(places["x"], places["y"]), crs=crs)
    return out.to_crs(WGS84)


# -- cases from the store's history ---------------------------------------------------------------------
def _version(record: object) -> tuple:
    """(fid, seconds, properties or None when deleted, geometry or None) of one stored version."""
    if all(hasattr(record, a) for a in ("fid", "valid_from", "properties")):  # layers.store.FeatureVersion
        fid, at, props, geometry = record.fid, record.valid_from, record.properties, getattr(record, "geometry", None)
    elif isinstance(record, (tuple, list)) and len(record) in (3, 4):
        fid, at, props, *rest = record
        geometry = rest[0] if rest else None
    else:
        raise TypeError(f"a history record must be (fid, valid_from, properties[, geometry]) or a stored "
                        f"version, got {type(record).__name__}")
    props = json.loads(props) if isinstance(props, str) else props
    if isinstance(props, dict) and props.get("type") == "Feature":  # a GeoJSON Feature carries its geometry
        geometry = props.get("geometry") if geometry is None else geometry
        props = props.get("properties") or {}
    if isinstance(at, (int, np.integer)) and not isinstance(at, bool):
        seconds = at / 1_000_000  # the store's microseconds since the epoch
    else:
        seconds = _seconds(pd.Series([at], dtype=object), "valid_from", required=True)[0]
    geometry = json.loads(geometry) if isinstance(geometry, str) else geometry
    if isinstance(geometry, dict):
        geometry = shape(geometry)
    return fid, seconds, props, geometry


def case_closures(history: Iterable) -> gpd.GeoDataFrame:
    """Each case's report, first fix and place, from the stored history of the blackspots layer.

    Parameters
    ----------
    history : iterable
        Versions of cases in any order: ``layers.store.FeatureVersion`` objects (``store.history(layer,
        fid)``), or tuples ``(fid, valid_from, properties[, geometry])`` where ``valid_from`` is ISO 8601 with
        an offset (or microseconds since the epoch), ``properties`` a dict (or a GeoJSON Feature dict, whose
        geometry is then used) and ``geometry`` GeoJSON or shapely in WGS 84.

    Returns
    -------
    GeoDataFrame
        One row per case, indexed by ``fid``, in WGS 84: ``category``, ``status`` (now), ``reported_at``
        (the property, or the first version's time), ``fixed_at`` (when a version first had status "fixed"
        or "closed", ISO 8601 UTC; missing if never) and the latest geometry.  Deleted cases and cases now
        "rejected" or "duplicate" are left out.  Feed it to ``recurrence``.

    Examples
    --------
    >>> point = {"type": "Point", "coordinates": [113.33, 23.13]}
    >>> versions = [(7, "2026-01-02T09:00:00+08:00", {"category": "0102", "status": "reported",
    ...                                               "reported_at": "2026-01-02T09:00:00+08:00"}, point),
    ...             (7, "2026-01-03T10:00:00+08:00", {"category": "0102", "status": "fixed",
    ...                                               "reported_at": "2026-01-02T09:00:00+08:00"}, point)]
    >>> case_closures(versions)["fixed_at"].tolist()
    ['2026-01-03T02:00:00.000+00:00']
    """
    cases: dict[object, list] = {}
    for n, record in enumerate(history):
        fid, seconds, props, geometry = _version(record)
        cases.setdefault(fid, []).append((seconds, n, props, geometry))
    rows, fids, geometries = [], [], []
    for fid, versions in cases.items():
        versions.sort(key=lambda v: v[:2])
        now = versions[-1][2]
        if now is None or now.get("status") in IGNORED_STATUSES:
            continue
        fixed = next((s for s, _, p, _ in versions if p and p.get("status") in FIXED_STATUSES), None)
        fids.append(fid)
        geometries.append(next((g for *_, g in reversed(versions) if g is not None), None))
        rows.append({"category": now.get("category"), "status": now.get("status"),
                     "reported_at": now.get("reported_at") or _iso(versions[0][0]),
                     "fixed_at": None if fixed is None else _iso(fixed)})
    frame = pd.DataFrame(rows, index=pd.Index(fids, name="fid"),
                         columns=["category", "status", "reported_at", "fixed_at"])
    return gpd.GeoDataFrame(frame, geometry=geometries, crs=WGS84).sort_index()
