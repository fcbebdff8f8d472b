"""Recurring places: the same problem reported again at the same spot after it was fixed, and each case's
report and first fix read from the store's history of the blackspots layer.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy import sparse
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree
from shapely.geometry import shape

from geo.checks import check_geometries
from geo.hotspots.grids import TOLERANCE_M, WGS84, in_metric_crs, positive

__all__ = ["FIXED_STATUSES", "IGNORED_STATUSES", "case_closures", "recurrence"]

FIXED_STATUSES = ("fixed", "closed")  # a case in one of these has been dealt with
IGNORED_STATUSES = ("rejected", "duplicate")  # not a problem on the ground, or counted in its original


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
    pairs = cKDTree(xy).query_pairs(radius + TOLERANCE_M, output_type="ndarray")
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
    check_geometries(cases_gdf, "cases_gdf")
    radius = positive(radius_m, "radius_m")
    gap_s = 86_400.0 * (0.0 if min_gap_days == 0 else positive(min_gap_days, "min_gap_days"))
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
    cases_m, crs = in_metric_crs(cases)
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
