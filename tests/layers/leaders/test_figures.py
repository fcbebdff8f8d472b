"""The leaders' figures read from the store at the instants they show (``Tallies``) equal the same
statistics over the whole history read into memory (``CaseTimeline``, the way they were computed before),
on random case histories, with filters and area scopes; and an area's figures are the sums of its
children's."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from geo import casestats
from layers.accounts import CASE_LAYER
from layers.cases import workflow
from layers.cases.timeline import CaseTimeline
from layers.catalogue import load_catalogue
from layers.leaders import GROUPS, Filters, Leaders
from layers.leaders.weekly import WEEK_US, by_unit, weekly_series
from layers.store import NewFeature, open_store

TZ = ZoneInfo("Asia/Shanghai")
HOUR = 3_600_000_000
T0 = 1_767_225_600_000_000  # 2026-01-01T00:00:00Z
CELLS = ("440106003012001", "440106003012002", "440106003013001", "440106004001001", "440107001001001")
STATES = tuple(workflow.STATES)


def _iso(us: int, naive: bool = False) -> str:
    stamp = datetime.fromtimestamp(us / 1e6, UTC).astimezone(TZ)
    return stamp.replace(tzinfo=None).isoformat() if naive else stamp.isoformat()


@pytest.fixture
def store(backend, clock):
    store = open_store(backend, clock=clock)
    store.sync_builtin_layers(load_catalogue())
    yield store
    store.close()


def _case(x: float, y: float, props: dict) -> NewFeature:
    return NewFeature({"type": "Point", "coordinates": [x, y]}, props, (x, y, x, y))


def random_history(store, seed: int, n: int = 60) -> int:
    """``n`` cases over ~20 weeks, each through random states (with dispatch times, deadlines, fixes, a
    recurrence now and then, times with and without an offset), some deleted; returns the last instant."""
    rng = random.Random(seed)
    end = T0
    for _ in range(n):
        at = T0 + rng.randrange(20 * 7 * 24) * HOUR
        cell = rng.choice(CELLS)
        props = {"status": "reported", "category": rng.choice(["0102", "0201", "0404"]), "grid_code": cell,
                 "reported_at": _iso(at, naive=rng.random() < 0.2), "recurrence": rng.choice([0, 0, 0, 1])}  # fmt: skip
        x, y = round(113.3 + rng.random() / 100, 6), round(23.1 + rng.random() / 100, 6)
        [v] = store.create(CASE_LAYER, [_case(x, y, props)], "t", at=at)
        for state in rng.sample(STATES[1:], rng.randrange(len(STATES) - 1)):
            at += rng.randrange(1, 200) * HOUR
            props = props | {"status": state}
            if state == "dispatched":
                props |= {"dispatched_at": _iso(at), "deadline": _iso(at + rng.choice([24, 72]) * HOUR),
                          "responsible_unit": f"unit {cell[-3:]}"}  # fmt: skip
            if state == "fixed":
                props["fixed_at"] = _iso(at)
            store.update(CASE_LAYER, v.fid, _case(x, y, props), None, "t", at=at)
        if rng.random() < 0.1:
            at += HOUR
            store.delete(CASE_LAYER, v.fid, None, "t", at=at)
        end = max(end, at)
    return end


def whole_history(store, filters: Filters) -> pd.DataFrame:
    """The old way: every version in memory, filtered with pandas."""
    history = CaseTimeline().history(store, TZ)
    mask = pd.Series(True, index=history.index)
    if filters.grids is not None:
        mask &= history["grid_code"].isin(list(filters.grids)).fillna(False)
    if filters.categories is not None:
        mask &= history["category"].isin(list(filters.categories)).fillna(False)
    if filters.area is not None:
        mask &= history["grid_code"].str.startswith(filters.area).fillna(False)
    return history.loc[mask.to_numpy()]


SCOPES = [Filters(), Filters(categories={"0102", "0404"}), Filters(grids={CELLS[0], CELLS[3]}),
          Filters(area="440106003"), Filters(area="440106", categories={"0201"}), Filters(area="440108")]  # fmt: skip


@pytest.mark.parametrize("seed", [11, 12])
def test_figures_from_the_store_equal_those_of_the_whole_history(store, seed):
    end = random_history(store, seed)
    rng = random.Random(seed)
    leaders = Leaders()
    instants = [T0 - 1, end, end + HOUR] + [T0 + rng.randrange(end - T0) for _ in range(4)]
    for filters in SCOPES:
        brute = whole_history(store, filters)
        for _ in range(3):
            a, b = sorted(rng.sample(instants, 2))
            ours = leaders.history(store, TZ, filters, (a, b))
            assert casestats.compare(ours, a, b, GROUPS) == casestats.compare(brute, a, b, GROUPS)
            dash = casestats.dashboard(ours, b, GROUPS, set(workflow.CLOCK_STATES), tz=str(TZ), since_us=a)
            assert dash == casestats.dashboard(brute, b, GROUPS, set(workflow.CLOCK_STATES), tz=str(TZ), since_us=a)
            assert by_unit(ours, b, GROUPS, dash) == by_unit(brute, b, GROUPS, dash)
        weeks = weekly_series(store, CASE_LAYER, filters.store_scope(), T0 - WEEK_US, end, GROUPS)
        for week in weeks:
            now = casestats.snapshot(brute, week["at_us"])
            groups = now["status"].map(GROUPS).value_counts()
            assert week == {"at_us": week["at_us"], "cases": len(now)} | {
                g: int(groups.get(g, 0)) for g in ("open", "fixed", "closed")}  # fmt: skip


def test_an_area_is_the_sum_of_its_children(store):
    end = random_history(store, 13, n=80)
    leaders = Leaders()
    a, b = T0 + 6 * WEEK_US, end

    def figures(area: str | None) -> tuple[dict, dict]:
        history = leaders.history(store, TZ, Filters(area=area), (a, b))
        compare = casestats.compare(history, a, b, GROUPS)["summary"]
        dash = casestats.dashboard(history, b, GROUPS, set(workflow.CLOCK_STATES), tz=str(TZ))
        return compare, {"total": dash["total"], "overdue": dash["overdue"]["count"]} | dash["by_group"]

    def added(parts: list[tuple[dict, dict]]) -> tuple[dict, dict]:
        keys = [{name for p in parts for name in p[k]} for k in (0, 1)]
        return tuple({name: sum(p[k].get(name, 0) for p in parts) for name in keys[k]} for k in (0, 1))

    for parent, children in (("440106003", ["440106003012", "440106003013"]),
                             ("440106003012", ["440106003012001", "440106003012002"]),
                             ("440106", ["440106003", "440106004"])):  # fmt: skip
        assert figures(parent) == added([figures(c) for c in children])
    assert figures("440106")[1]["total"] + figures("440107")[1]["total"] == figures(None)[1]["total"] > 0
