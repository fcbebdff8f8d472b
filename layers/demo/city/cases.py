"""A year of cases for a generated city, with the rhythms of a real 数字城管 centre: more on weekdays than at
weekends, a summer peak, busy and quiet cells, places that keep coming back, illegal posters about half of
everything, and a few responsible units that are slow and leave their cases overdue."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from layers.demo.city.plan import CELL_M, CityPlan

DAY_US = 86_400_000_000
HOUR_US = 3_600_000_000
SLOT_US = 600_000_000  # cases are filed in 10-minute batches, as inspectors' phones send them
CASES_PER_CELL_YEAR = 41.0  # 25,600 cells at scale 1.0 give ~1.05 million cases a year
WEEKDAY = np.array([1.25, 1.15, 1.1, 1.05, 1.0, 0.75, 0.7])  # Monday first
CATEGORIES = {"0201": 0.45, "0102": 0.15, "0104": 0.10, "0504": 0.08, "0501": 0.05, "0507": 0.05, "0103": 0.03,
              "0404": 0.03, "0401": 0.02, "0101": 0.02, "0106": 0.02}  # fmt: skip
RECURRING_SHARE = 0.25  # of a cell's cases, at one of its two recurring places
SLOW_UNIT_SHARE = 0.1  # of the street offices' units, which fix late


@dataclass
class CityCase:
    """One case: where and when it was reported, and the steps it went through before ``now``."""

    reported_us: int
    cell: int
    x: float
    y: float
    category: str
    recurrence: int
    steps: list[tuple[int, str]]  # (instant, status) after the report


def _rates(plan: CityPlan, rng: np.random.Generator, days: int, start_weekday: int) -> np.ndarray:
    """Expected cases per day and cell: a cell's own busyness × weekday × season."""
    busy = rng.gamma(2.0, 0.5, len(plan.cells))
    day = np.arange(days)
    season = 1.0 + 0.3 * np.sin(2 * np.pi * (day - 100) / 365.0)
    weekly = WEEKDAY[(start_weekday + day) % 7]
    per_day = CASES_PER_CELL_YEAR / 365.0
    return per_day * np.outer(season * weekly / (season * weekly).mean(), busy / busy.mean())


def _workflow(rng, reported: np.ndarray, slow: np.ndarray, deadline_h: np.ndarray, now_us: int):
    """Instants of dispatch, fix and close for each case (the ones past ``now`` are not reached yet)."""
    n = reported.size
    dispatched = reported + (rng.exponential(2.0, n) * HOUR_US).astype(np.int64) + SLOT_US
    fix_h = rng.gamma(2.0, 0.35, n) * deadline_h * np.where(slow, 3.5, 1.0)
    fixed = dispatched + (fix_h * HOUR_US).astype(np.int64) + SLOT_US
    closed = fixed + (rng.exponential(12.0, n) * HOUR_US).astype(np.int64) + SLOT_US
    rejected = rng.random(n) < 0.03
    return dispatched, fixed, closed, rejected


def plan_cases(plan: CityPlan, rng: np.random.Generator, now_us: int, deadlines: dict[str, float]) -> list[CityCase]:
    """The cases of the year before ``now_us`` (the first day starts 365 days before it, at midnight UTC)."""
    days = 365
    start = (now_us // DAY_US - days) * DAY_US
    counts = rng.poisson(_rates(plan, rng, days, int((start // DAY_US + 3) % 7)))  # 1970-01-01 was a Thursday
    day, cell = np.nonzero(counts)
    repeat = counts[day, cell]
    day, cell = np.repeat(day, repeat), np.repeat(cell, repeat)
    # Daytime reports (08:00-20:00 China time, i.e. 00:00-12:00 UTC), in 10-minute slots.
    slot = rng.integers(0, 72, day.size)
    reported = start + day.astype(np.int64) * DAY_US + slot.astype(np.int64) * SLOT_US
    order = np.lexsort((cell, reported))
    reported, cell = reported[order], cell[order]
    reported = np.minimum(reported, now_us - SLOT_US)
    codes = list(CATEGORIES)
    category = rng.choice(len(codes), cell.size, p=np.array(list(CATEGORIES.values())) / sum(CATEGORIES.values()))
    hot = rng.uniform(20.0, CELL_M - 20.0, (len(plan.cells), 2, 2))  # two recurring places per cell
    at_hot = rng.random(cell.size) < RECURRING_SHARE
    which = rng.integers(0, 2, cell.size)
    x = np.where(at_hot, hot[cell, which, 0] + rng.normal(0, 3.0, cell.size), rng.uniform(5, CELL_M - 5, cell.size))
    y = np.where(at_hot, hot[cell, which, 1] + rng.normal(0, 3.0, cell.size), rng.uniform(5, CELL_M - 5, cell.size))
    x, y = np.clip(x, 1.0, CELL_M - 1.0), np.clip(y, 1.0, CELL_M - 1.0)
    units = sorted({code[:9] for code in plan.cells})
    slow_units = {u for u, r in zip(units, rng.random(len(units))) if r < SLOW_UNIT_SHARE}
    slow = np.array([plan.cells[c][:9] in slow_units for c in cell.tolist()], dtype=bool)
    deadline_h = np.array([deadlines[codes[k]] for k in category.tolist()])
    dispatched, fixed, closed, rejected = _workflow(rng, reported, slow, deadline_h, now_us)
    seen: dict[tuple[int, int], int] = {}
    out = []
    for i in range(cell.size):
        key = (int(cell[i]), int(which[i]))
        recurrence = seen.get(key, 0) if at_hot[i] else 0
        if at_hot[i]:
            seen[key] = recurrence + 1
        if rejected[i]:
            steps = [(int(dispatched[i]), "rejected")]
        else:
            steps = [(int(dispatched[i]), "dispatched"), (int(fixed[i]), "fixed"), (int(closed[i]), "closed")]
        steps = [(at, status) for at, status in steps if at < now_us]
        out.append(CityCase(int(reported[i]), int(cell[i]), float(plan.cell_xy[cell[i], 0] + x[i]),
                            float(plan.cell_xy[cell[i], 1] + y[i]), codes[category[i]], recurrence, steps))  # fmt: skip
    return out
