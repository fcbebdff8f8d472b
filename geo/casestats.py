"""Statistics over the history of cases: the cases as they stood at any instant, what changed between two
instants (new, fixed, still open, recurring), and the figures of a leader's dashboard.

Everything works on one table of case *versions* (a pandas DataFrame, one row per version): ``fid``,
``valid_from`` and ``valid_to`` (microseconds since the epoch; ``valid_to`` is :data:`OPEN_END` while the
version is current), ``deleted``, ``x``/``y`` (WGS 84), ``status``, ``category``, ``grid_code``,
``responsible_unit``, ``reported_us``, ``dispatched_us``, ``deadline_us``, ``fixed_us`` (microseconds,
-1 when unset) and ``recurrence``. Which states are open, fixed or closed is passed in (``groups``), so this
module knows nothing of the workflow's storage.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

OPEN_END = np.iinfo(np.int64).max
COLUMNS = ("fid", "valid_from", "valid_to", "deleted", "x", "y", "status", "category", "grid_code",
           "responsible_unit", "reported_us", "dispatched_us", "deadline_us", "fixed_us", "recurrence")  # fmt: skip
DONE = ("fixed", "closed")  # states that mean "dealt with"; rejected and duplicate are closed but not fixed


def _check(history: object) -> pd.DataFrame:
    if not isinstance(history, pd.DataFrame):
        raise TypeError(f"history must be a pandas DataFrame, got {type(history).__name__}")
    missing = [c for c in COLUMNS if c not in history.columns]
    if missing:
        raise ValueError(f"history lacks the columns {missing}")
    return history


def snapshot(history: pd.DataFrame, at_us: int) -> pd.DataFrame:
    """The cases as they stood at ``at_us``: one row per case alive then (its version valid at that instant).

    >>> h = pd.DataFrame({c: [0, 0] for c in COLUMNS} | {"fid": [1, 1], "valid_from": [0, 10],
    ...     "valid_to": [10, OPEN_END], "deleted": [False, False], "status": ["reported", "filed"]})
    >>> snapshot(h, 5)["status"].tolist(), snapshot(h, 10)["status"].tolist()
    (['reported'], ['filed'])
    """
    h = _check(history)
    mask = (h["valid_from"].to_numpy() <= at_us) & (h["valid_to"].to_numpy() > at_us) & ~h["deleted"].to_numpy()
    return h.loc[mask].set_index("fid", drop=False)


def _groups(states: pd.Series, groups: Mapping[str, str]) -> pd.Series:
    return states.map(groups).fillna("unknown")


def _count_by(frame: pd.DataFrame, key: str, flags: Mapping[str, pd.Series]) -> list[dict]:
    """Rows ``{key: value, flag: n, ...}`` counting the true flags per value of ``key``, largest first."""
    table = pd.DataFrame({name: flag.astype(np.int64) for name, flag in flags.items()})
    table[key] = frame[key].fillna("").to_numpy()
    summed = table.groupby(key, sort=True).sum()
    summed = summed.loc[summed.sum(axis=1) > 0]
    order = summed.sort_values(list(flags), ascending=False, kind="stable")
    return [{key: str(k)} | {name: int(v) for name, v in row.items()} for k, row in order.iterrows()]


def compare(history: pd.DataFrame, from_us: int, to_us: int, groups: Mapping[str, str]) -> dict:
    """What changed between two instants.

    - ``new``: reported after ``from_us``, up to ``to_us``;
    - ``fixed``: open at ``from_us`` or reported since, and fixed or closed (not rejected or duplicate) at
      ``to_us``;
    - ``still_open``: open at both instants;
    - ``recurring``: reported in the period at a place where the same problem had been fixed before.

    Returns ``{"summary", "by_grid", "by_category", "ids"}`` (``ids``: the case ids behind each number).
    """
    if from_us > to_us:
        raise ValueError("from_us must not be after to_us")
    before, after = snapshot(history, from_us), snapshot(history, to_us)
    open_before = _groups(before["status"], groups) == "open"
    open_after = _groups(after["status"], groups) == "open"
    was_open = set(before.index[open_before.to_numpy()])
    new = (after["reported_us"] > from_us) & (after["reported_us"] <= to_us)
    new |= ~after.index.isin(before.index)
    fixed = after["status"].isin(DONE) & (after.index.isin(list(was_open)) | new)
    still_open = open_after & after.index.isin(list(was_open))
    recurring = new & (after["recurrence"].fillna(0) > 0)
    flags = {"new": new, "fixed": fixed, "still_open": still_open, "recurring": recurring}
    summary = {name: int(flag.sum()) for name, flag in flags.items()}
    summary |= {"open_before": int(open_before.sum()), "open_after": int(open_after.sum()),
                "cases_before": len(before), "cases_after": len(after)}  # fmt: skip
    return {
        "summary": summary,
        "by_grid": _count_by(after, "grid_code", flags),
        "by_category": _count_by(after, "category", flags),
        "ids": {name: sorted(int(i) for i in after.index[flag.to_numpy()]) for name, flag in flags.items()},
    }


def _months(us: pd.Series, tz: str) -> pd.Series:
    """``YYYY-MM`` of each instant in ``tz`` (unset instants, -1, become missing)."""
    stamps = pd.to_datetime(us.where(us >= 0), unit="us", utc=True).dt.tz_convert(tz)
    key = stamps.dt.year * 100 + stamps.dt.month  # integers, then text once per distinct month
    labels = {k: f"{int(k) // 100:04d}-{int(k) % 100:02d}" for k in key.dropna().unique()}
    return key.map(labels)


def _median_hours(frame: pd.DataFrame, key: str) -> list[dict]:
    """Median hours from dispatch to fix per value of ``key``, with how many fixes it rests on."""
    done = frame[(frame["fixed_us"] >= 0) & (frame["dispatched_us"] >= 0) & frame["status"].isin(DONE)]
    hours = (done["fixed_us"] - done["dispatched_us"]) / 3.6e9
    hours = hours[hours >= 0]
    if hours.empty:
        return []
    stats = hours.groupby(done.loc[hours.index, key].fillna("")).agg(["median", "count"])
    stats = stats.sort_values("median", kind="stable")
    return [{key: str(k), "median_hours": round(float(r["median"]), 1), "fixed": int(r["count"])}
            for k, r in stats.iterrows()]  # fmt: skip


def dashboard(
    history: pd.DataFrame, at_us: int, groups: Mapping[str, str], clock_states: set[str], *, tz: str = "UTC",
    since_us: int | None = None,
) -> dict:  # fmt: skip
    """The figures of the leaders' dashboard at ``at_us`` for the cases in ``history`` (already filtered by
    the caller): counts by state, state group, category and grid cell; reports and fixes per month (since
    ``since_us``, default all); overdue cases and the median time to fix per responsible unit; a ranking of
    grid cells by open and overdue cases."""
    now = snapshot(history, at_us)
    group = _groups(now["status"], groups)
    overdue = now["status"].isin(clock_states) & (now["deadline_us"] >= 0) & (now["deadline_us"] < at_us)
    is_open = group == "open"
    flags = {"cases": pd.Series(True, index=now.index), "open": is_open, "overdue": overdue,
             "fixed": now["status"].isin(DONE), "recurring": now["recurrence"].fillna(0) > 0}  # fmt: skip
    since = -1 if since_us is None else since_us
    reported = now[now["reported_us"] > since]
    fixed = now[(now["fixed_us"] > since) & now["status"].isin(DONE)]
    months = sorted(set(_months(reported["reported_us"], tz)) | set(_months(fixed["fixed_us"], tz)))
    by_month_reported = _months(reported["reported_us"], tz).value_counts()
    by_month_fixed = _months(fixed["fixed_us"], tz).value_counts()
    by_grid = _count_by(now, "grid_code", flags)
    ranking = sorted(by_grid, key=lambda r: (-r["overdue"], -r["open"], -r["recurring"], r["grid_code"]))
    return {
        "total": len(now),
        "by_status": {str(k): int(v) for k, v in now["status"].value_counts().sort_index().items()},
        "by_group": {str(k): int(v) for k, v in group.value_counts().sort_index().items()},
        "by_category": _count_by(now, "category", flags),
        "by_grid": by_grid,
        "by_month": [
            {"month": m, "reported": int(by_month_reported.get(m, 0)), "fixed": int(by_month_fixed.get(m, 0))}
            for m in months
        ],  # fmt: skip
        "overdue": {"count": int(overdue.sum()), "ids": sorted(int(i) for i in now.index[overdue.to_numpy()])},
        "time_to_fix": _median_hours(now, "responsible_unit"),
        "grid_ranking": [dict(r, rank=k) for k, r in enumerate(ranking, 1)],
        "open_points": [
            [float(x), float(y), int(f)]
            for x, y, f in now.loc[is_open.to_numpy(), ["x", "y", "fid"]].itertuples(index=False)
        ],  # fmt: skip
    }
