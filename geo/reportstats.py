"""Figures of a period report that the compare and dashboard figures (``geo.casestats``) do not give: the
places where the same problem keeps coming back (recurring blackspots, grouped in metres), and the median
time to fix of the fixes made within the period.

Both take a table of cases as they stood at the end of the period (``casestats.snapshot``): ``fid``,
``x``/``y`` (WGS 84 lon/lat), ``category``, ``recurrence``, ``reported_us``, ``dispatched_us``,
``fixed_us`` and ``status``, plus the column to group by.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from geo.casestats import DONE
from geo.crs import to_metric

__all__ = ["period_fix_hours", "recurring_places"]

_NEEDED = ("fid", "x", "y", "category", "recurrence", "reported_us")


def _check(cases: object, needed: tuple[str, ...]) -> pd.DataFrame:
    if not isinstance(cases, pd.DataFrame):
        raise TypeError(f"cases must be a pandas DataFrame, got {type(cases).__name__}")
    missing = [c for c in needed if c not in cases.columns]
    if missing:
        raise ValueError(f"cases lacks the columns {missing}")
    return cases


def _metric_xy(cases: pd.DataFrame) -> np.ndarray:
    """Positions in metres: the UTM zone of the data (``geo.crs``), or beyond UTM's latitudes an azimuthal
    equidistant projection centred on the data."""
    points = gpd.GeoSeries(gpd.points_from_xy(cases["x"], cases["y"]), crs=4326)
    try:
        projected = to_metric(points)
    except ValueError:
        lon, lat = points.x.mean(), points.y.mean()
        projected = points.to_crs(f"+proj=aeqd +lat_0={lat:.6f} +lon_0={lon:.6f} +datum=WGS84 +units=m")
    return np.column_stack([projected.x.to_numpy(), projected.y.to_numpy()])


def _components(xy: np.ndarray, radius_m: float) -> np.ndarray:
    """Single-linkage groups: points closer than ``radius_m`` (directly or through others) share a label."""
    labels = np.arange(len(xy))
    if len(xy) < 2:
        return labels
    for i, j in sorted(cKDTree(xy).query_pairs(radius_m)):
        a, b = labels[i], labels[j]
        if a != b:
            labels[labels == max(a, b)] = min(a, b)
    return labels


def recurring_places(cases: pd.DataFrame, radius_m: Mapping[str, float], to_us: int, *,
                     recent: Collection[int] = (), top: int = 5) -> list[dict]:  # fmt: skip
    """The places where a problem came back, those with the most recent recurrences first.

    A recurring case is one reported up to ``to_us`` with ``recurrence`` > 0 (the same category had been
    fixed near it before).  Recurring cases of one category within that category's ``radius_m`` of each
    other (directly or through a chain) form one place; the place's reports are every case of ``cases`` of
    that category within the radius of any of them.  Places are ranked by their recurring cases among
    ``recent`` (the ids the caller counts as this period's, e.g. ``casestats.compare``'s "recurring"),
    then recurring cases ever, then reports, then the latest report.

    Returns
    -------
    list of dict
        ``category``, ``recurring_in_period``, ``recurring`` (ever), ``reports``, ``fids`` (every report,
        oldest first), ``recurring_fids``, ``latest_fid`` (the latest report), ``lon``/``lat`` (of that
        report), ``first_reported_us`` and ``last_reported_us``.

    Examples
    --------
    >>> cases = pd.DataFrame({"fid": [1, 2, 3, 4], "x": [113.3, 113.30001, 113.30002, 113.31],
    ...     "y": [23.1] * 4, "category": ["0102"] * 4, "recurrence": [0, 1, 2, 1],
    ...     "reported_us": [10, 20, 30, 40]})
    >>> [(p["fids"], p["recurring"]) for p in recurring_places(cases, {"0102": 30}, 100)]
    [([1, 2, 3], 2), ([4], 1)]
    >>> [(p["fids"], p["recurring_in_period"]) for p in recurring_places(cases, {"0102": 30}, 100, recent=[4])]
    [([4], 1), ([1, 2, 3], 0)]
    """
    cases = _check(cases, _NEEDED)
    recent = {int(f) for f in recent}
    if isinstance(top, bool) or not isinstance(top, int) or top < 0:
        raise ValueError(f"top must be a whole number >= 0, got {top!r}")
    cases = cases[cases["reported_us"] <= to_us].reset_index(drop=True)
    if cases.empty or not (cases["recurrence"].fillna(0) > 0).any():
        return []
    cases = cases.sort_values(["reported_us", "fid"], kind="stable")
    xy = _metric_xy(cases)
    places = []
    for category in sorted(cases.loc[cases["recurrence"].fillna(0) > 0, "category"].dropna().unique()):
        if category not in radius_m:
            raise ValueError(f"radius_m has no radius for category {category!r}")
        radius = float(radius_m[category])
        mask = (cases["category"] == category).to_numpy()
        same, same_xy = cases[mask], xy[mask]
        recurring = (same["recurrence"].fillna(0) > 0).to_numpy()
        labels = _components(same_xy[recurring], radius)
        tree = cKDTree(same_xy)
        for label in np.unique(labels):
            members = same_xy[recurring][labels == label]
            near = sorted({int(i) for hits in tree.query_ball_point(members, radius) for i in hits})
            reports = same.iloc[near]
            rec = same[recurring].iloc[np.flatnonzero(labels == label)]
            latest = reports.iloc[-1]
            rec_fids = [int(f) for f in rec["fid"]]
            places.append({
                "category": str(category), "recurring_in_period": len(recent.intersection(rec_fids)),
                "recurring": len(rec),
                "reports": len(reports), "fids": [int(f) for f in reports["fid"]],
                "recurring_fids": rec_fids, "latest_fid": int(latest["fid"]),
                "lon": float(latest["x"]), "lat": float(latest["y"]),
                "first_reported_us": int(reports["reported_us"].min()),
                "last_reported_us": int(reports["reported_us"].max()),
            })  # fmt: skip
    places.sort(key=lambda p: (-p["recurring_in_period"], -p["recurring"], -p["reports"], -p["last_reported_us"],
                               p["latest_fid"]))  # fmt: skip
    return places[:top]


def period_fix_hours(cases: pd.DataFrame, from_us: int, to_us: int, key: str) -> dict[str, dict]:
    """Median hours from dispatch to fix per value of ``key``, over the cases fixed within (``from_us``,
    ``to_us``] and fixed or closed at the end of it: ``{value: {"median_hours", "fixed"}}``.

    >>> cases = pd.DataFrame({"grid_code": ["a", "a", "b"], "status": ["closed", "fixed", "closed"],
    ...     "dispatched_us": [0, 0, 0], "fixed_us": [3_600_000_000, 10_800_000_000, 5]})
    >>> period_fix_hours(cases, 10, 20_000_000_000, "grid_code")
    {'a': {'median_hours': 2.0, 'fixed': 2}}
    """
    cases = _check(cases, ("status", "dispatched_us", "fixed_us", key))
    done = cases[cases["status"].isin(DONE) & (cases["dispatched_us"] >= 0) & (cases["fixed_us"] > from_us)
                 & (cases["fixed_us"] <= to_us)]  # fmt: skip
    hours = (done["fixed_us"] - done["dispatched_us"]) / 3.6e9
    hours = hours[hours >= 0]
    if hours.empty:
        return {}
    stats = hours.groupby(done.loc[hours.index, key].fillna("")).agg(["median", "count"])
    return {str(k): {"median_hours": round(float(r["median"]), 1), "fixed": int(r["count"])}
            for k, r in stats.iterrows()}  # fmt: skip
