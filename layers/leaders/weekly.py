"""Figures the leaders' pages show beyond compare and the dashboard themselves: the cases open, fixed and
closed week by week between two dates (the before/after page's time slider), and open and overdue cases
with the median time to fix per responsible unit (the dashboard's unit table)."""

from __future__ import annotations

import math
from collections.abc import Mapping

import pandas as pd

from geo import casestats
from layers.store import Tallies

WEEK_US = 7 * 24 * 3600 * 1_000_000
MAX_STEPS = 260  # five years of weeks; longer periods step by several weeks


def week_instants(from_us: int, to_us: int) -> list[int]:
    """``from_us``, then every week after it up to ``to_us``, and ``to_us`` itself; at most MAX_STEPS + 1.

    >>> [t // WEEK_US for t in week_instants(0, 2 * WEEK_US + 5)]
    [0, 1, 2, 2]
    """
    if from_us > to_us:
        raise ValueError("from_us must not be after to_us")
    step = WEEK_US * max(1, math.ceil((to_us - from_us) / WEEK_US / MAX_STEPS))
    out = list(range(from_us, to_us, step))
    return out + [to_us] if not out or out[-1] != to_us else out


def weekly_series(store: Tallies, layer_id: str, scope: dict, from_us: int, to_us: int,
                  groups: Mapping[str, str]) -> list[dict]:  # fmt: skip
    """Per instant of :func:`week_instants`: ``at_us`` and the number of cases then, open, fixed and closed,
    counted by the store (``Tallies.counts_at`` by status within ``scope``, its ``filters`` and ``prefix``)."""
    instants = week_instants(from_us, to_us)
    out = []
    for at, by_status in zip(instants, store.counts_at(layer_id, instants, "status", **scope)):
        counts = {g: 0 for g in ("open", "fixed", "closed")}
        for status, n in by_status.items():
            group = groups.get(status)
            if group in counts:
                counts[group] += n
        out.append({"at_us": at, "cases": sum(by_status.values())} | counts)
    return out


def by_unit(history: pd.DataFrame, at_us: int, groups: Mapping[str, str], figures: dict) -> list[dict]:
    """Per responsible unit at ``at_us``: cases, open and overdue ones, and the median hours from dispatch to
    fix with the fixes behind it (from the dashboard ``figures``: its ``overdue`` ids and ``time_to_fix``).
    Most overdue first. Cases not yet dispatched have no unit and are left out."""
    now = casestats.snapshot(history, at_us)
    now = now[now["responsible_unit"].notna() & (now["responsible_unit"] != "")]
    overdue = now.index.isin(figures["overdue"]["ids"])
    table = pd.DataFrame({
        "unit": now["responsible_unit"].astype(str).to_numpy(),
        "cases": 1,
        "open": (now["status"].map(groups) == "open").to_numpy(dtype=int),
        "overdue": overdue.astype(int),
    })  # fmt: skip
    sums = table.groupby("unit", sort=True).sum()
    fix = {row["responsible_unit"]: row for row in figures["time_to_fix"]}
    rows = [
        {"responsible_unit": unit, "cases": int(r["cases"]), "open": int(r["open"]), "overdue": int(r["overdue"]),
         "median_hours": fix[unit]["median_hours"] if unit in fix else None,
         "fixed": fix[unit]["fixed"] if unit in fix else 0}
        for unit, r in sums.iterrows()
    ]  # fmt: skip
    return sorted(rows, key=lambda r: (-r["overdue"], -r["open"], r["responsible_unit"]))
