"""Case statistics on a hand-written history whose every answer can be counted by hand: a case fixed in
the period, one still open, one new and open, one new and fixed, one rejected, one closed before the period,
a problem fixed and reported again at the same place (recurring), a deleted case, and overdue ones."""

from __future__ import annotations

import pandas as pd
import pytest

from geo.casestats import COLUMNS, OPEN_END, compare, dashboard, snapshot

H = 3_600_000_000  # one hour in microseconds
D = 24 * H
T0 = 1_767_225_600_000_000  # 2026-01-01T00:00Z
GROUPS = {"reported": "open", "filed": "open", "dispatched": "open", "in_progress": "open", "reopened": "open",
          "fixed": "fixed", "closed": "closed", "rejected": "closed", "duplicate": "closed"}  # fmt: skip
CLOCK = {"dispatched", "in_progress", "reopened"}
FROM, TO = T0 + 10 * D, T0 + 20 * D


def case(fid, category, grid, unit, reported, steps, *, recurrence=0, x=113.3, y=23.1, deleted_at=None):
    """Versions of one case: ``steps`` are (instant, status); dispatch sets a 48 h deadline, fixed sets fixed."""
    rows, props = [], {"status": "reported", "dispatched_us": -1, "deadline_us": -1, "fixed_us": -1}
    times = [reported] + [t for t, _ in steps]
    states = ["reported"] + [s for _, s in steps]
    for k, (t, status) in enumerate(zip(times, states)):
        props = dict(props, status=status)
        if status == "dispatched":
            props |= {"dispatched_us": t, "deadline_us": t + 48 * H}
        if status == "fixed":
            props["fixed_us"] = t
        end = times[k + 1] if k + 1 < len(times) else (deleted_at or OPEN_END)
        rows.append({"fid": fid, "valid_from": t, "valid_to": end, "deleted": False, "x": x, "y": y,
                     "category": category, "grid_code": grid, "responsible_unit": unit, "reported_us": reported,
                     "recurrence": recurrence} | props)  # fmt: skip
    if deleted_at:
        rows.append(dict(rows[-1], valid_from=deleted_at, valid_to=OPEN_END, deleted=True))
    return rows


def history() -> pd.DataFrame:
    rows = []
    # 1: open before the period, fixed and closed during it
    rows += case(1, "0102", "A", "unit-A", T0 + 1 * D, [(T0 + 2 * D, "filed"), (T0 + 2 * D + H, "dispatched"),
                 (T0 + 12 * D, "fixed"), (T0 + 13 * D, "closed")])  # fmt: skip
    # 2: open before and after (dispatched, overdue at TO)
    rows += case(2, "0102", "A", "unit-A", T0 + 3 * D, [(T0 + 4 * D, "filed"), (T0 + 4 * D + H, "dispatched")])
    # 3: reported in the period, still open (reported) at TO
    rows += case(3, "0201", "B", "unit-B", T0 + 15 * D, [])
    # 4: reported in the period and fixed (awaiting the check) by TO
    rows += case(4, "0201", "B", "unit-B", T0 + 11 * D, [(T0 + 11 * D + H, "filed"),
                 (T0 + 11 * D + 2 * H, "dispatched"), (T0 + 11 * D + 12 * H, "fixed")])  # fmt: skip
    # 5: reported in the period and rejected: new, but neither fixed nor open
    rows += case(5, "0201", "A", "unit-A", T0 + 16 * D, [(T0 + 16 * D + H, "rejected")])
    # 6: closed before the period: in neither count
    rows += case(6, "0504", "B", "unit-B", T0 + 1 * D, [(T0 + 1 * D + H, "filed"), (T0 + 1 * D + 2 * H, "dispatched"),
                 (T0 + 2 * D, "fixed"), (T0 + 3 * D, "closed")])  # fmt: skip
    # 7: the problem of case 6 again at the same place, reported in the period: new and recurring, open
    rows += case(7, "0504", "B", "unit-B", T0 + 14 * D, [(T0 + 14 * D + H, "filed")], recurrence=1)
    # 8: open before the period, deleted during it (a wrong entry): gone at TO
    rows += case(8, "0102", "A", "unit-A", T0 + 5 * D, [], deleted_at=T0 + 12 * D)
    # 9: reported after TO: not seen
    rows += case(9, "0102", "A", "unit-A", T0 + 25 * D, [])
    frame = pd.DataFrame(rows)
    return frame[list(COLUMNS)]


def test_snapshot_shows_each_case_as_it_stood():
    h = history()
    assert snapshot(h, FROM)["status"].to_dict() == {1: "dispatched", 2: "dispatched", 6: "closed", 8: "reported"}
    at_to = snapshot(h, TO)["status"].to_dict()
    assert at_to == {1: "closed", 2: "dispatched", 3: "reported", 4: "fixed", 5: "rejected", 6: "closed",
                     7: "filed"}  # fmt: skip


def test_compare_counts_by_hand():
    result = compare(history(), FROM, TO, GROUPS)
    assert result["ids"] == {"new": [3, 4, 5, 7], "fixed": [1, 4], "still_open": [2], "recurring": [7]}
    assert result["summary"] == {"new": 4, "fixed": 2, "still_open": 1, "recurring": 1, "open_before": 3,
                                 "open_after": 3, "cases_before": 4, "cases_after": 7}  # fmt: skip
    by_grid = {r["grid_code"]: r for r in result["by_grid"]}
    assert by_grid["A"] == {"grid_code": "A", "new": 1, "fixed": 1, "still_open": 1, "recurring": 0}
    assert by_grid["B"] == {"grid_code": "B", "new": 3, "fixed": 1, "still_open": 0, "recurring": 1}
    by_category = {r["category"]: r for r in result["by_category"]}
    assert by_category["0201"]["new"] == 3 and by_category["0504"]["recurring"] == 1
    assert by_category["0102"] == {"category": "0102", "new": 0, "fixed": 1, "still_open": 1, "recurring": 0}


def test_compare_of_an_empty_period_and_bad_order():
    same = compare(history(), TO, TO, GROUPS)
    assert same["summary"]["new"] == same["summary"]["fixed"] == 0
    assert same["summary"]["still_open"] == same["summary"]["open_after"]
    with pytest.raises(ValueError):
        compare(history(), TO, FROM, GROUPS)
    empty = compare(history().iloc[:0], FROM, TO, GROUPS)
    assert empty["summary"]["cases_after"] == 0 and empty["by_grid"] == []


def test_dashboard_by_hand():
    figures = dashboard(history(), TO, GROUPS, CLOCK, tz="Asia/Shanghai")
    assert figures["total"] == 7
    assert figures["by_status"] == {"closed": 2, "dispatched": 1, "filed": 1, "fixed": 1, "rejected": 1, "reported": 1}
    assert figures["by_group"] == {"closed": 3, "fixed": 1, "open": 3}
    assert figures["overdue"] == {"count": 1, "ids": [2]}  # dispatched on day 4 with 48 h: late at day 20
    grid = {r["grid_code"]: r for r in figures["by_grid"]}
    assert grid["A"] == {"grid_code": "A", "cases": 3, "open": 1, "overdue": 1, "fixed": 1, "recurring": 0}
    assert [r["grid_code"] for r in figures["grid_ranking"]] == ["A", "B"]  # A has the overdue case
    # dispatch to fix: case 1 took 10 days minus an hour (239 h), case 6 22 h, case 4 10 h
    units = {r["responsible_unit"]: r for r in figures["time_to_fix"]}
    assert units["unit-A"] == {"responsible_unit": "unit-A", "median_hours": 239.0, "fixed": 1}
    assert units["unit-B"] == {"responsible_unit": "unit-B", "median_hours": 16.0, "fixed": 2}
    months = {m["month"]: m for m in figures["by_month"]}
    assert months == {"2026-01": {"month": "2026-01", "reported": 7, "fixed": 3}}
    assert sorted(p[2] for p in figures["open_points"]) == [2, 3, 7]


def test_dashboard_before_anything_happened():
    figures = dashboard(history(), T0, GROUPS, CLOCK)
    assert figures["total"] == 0 and figures["by_month"] == [] and figures["time_to_fix"] == []


def test_inputs_are_checked():
    with pytest.raises(TypeError):
        snapshot([], 0)
    with pytest.raises(ValueError):
        snapshot(history().drop(columns=["status"]), 0)
