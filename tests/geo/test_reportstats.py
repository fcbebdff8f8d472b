"""Report figures on tiny hand-made case tables: recurring places grouped in metres per category, ranked by
the period's recurrences, and the median time to fix of the fixes within a period."""

from __future__ import annotations

import pandas as pd
import pytest

from geo.reportstats import period_fix_hours, recurring_places

HOUR = 3_600_000_000
LON, LAT = 113.3, 23.1
M_LON = 1 / 102_400  # degrees of longitude per metre at 23.1° N (0.001° ≈ 102.4 m)


def cases(rows: list[tuple]) -> pd.DataFrame:
    """(fid, metres east of LON, category, recurrence, reported hour)"""
    return pd.DataFrame([{"fid": f, "x": LON + east * M_LON, "y": LAT, "category": c, "recurrence": r,
                          "reported_us": h * HOUR} for f, east, c, r, h in rows])  # fmt: skip


def test_places_group_within_the_category_radius_in_metres():
    table = cases([
        (1, 0, "0102", 0, 1), (2, 10, "0102", 1, 2), (3, 25, "0102", 2, 3),  # a chain: 0-10-25 m
        (4, 70, "0102", 1, 4),  # 45 m from the chain: a place of its own with a 30 m radius
        (5, 5, "0504", 1, 5),  # the same spot, another category: another place
        (6, 200, "0102", 0, 6),  # never recurred: no place
    ])  # fmt: skip
    places = recurring_places(table, {"0102": 30, "0504": 20}, 10 * HOUR)
    assert [(p["category"], p["fids"], p["recurring_fids"]) for p in places] == [
        ("0102", [1, 2, 3], [2, 3]), ("0504", [5], [5]), ("0102", [4], [4])]  # ties: the latest report first
    assert places[0]["latest_fid"] == 3 and places[0]["first_reported_us"] == HOUR
    assert places[0]["lon"] == pytest.approx(LON + 25 * M_LON)


def test_ranking_follows_the_period_then_history_and_stops_at_top():
    table = cases([(1, 0, "0102", 1, 1), (2, 5, "0102", 2, 2), (3, 500, "0102", 1, 3), (4, 1000, "0102", 1, 9)])
    ranked = recurring_places(table, {"0102": 30}, 10 * HOUR, recent=[4])
    assert [p["fids"] for p in ranked] == [[4], [1, 2], [3]]
    assert [p["recurring_in_period"] for p in ranked] == [1, 0, 0]
    assert [p["fids"] for p in recurring_places(table, {"0102": 30}, 10 * HOUR, top=2)] == [[1, 2], [4]]
    # reports after the end of the period do not exist yet
    assert [p["fids"] for p in recurring_places(table, {"0102": 30}, 2 * HOUR)] == [[1, 2]]


@pytest.mark.parametrize(
    "table, radius, error",
    [
        ("cases", {}, TypeError),
        (pd.DataFrame({"fid": [1]}), {}, ValueError),
        (cases([(1, 0, "0102", 1, 1)]), {}, ValueError),  # no radius for the category
    ],
)
def test_bad_input_is_named(table, radius, error):
    with pytest.raises(error):
        recurring_places(table, radius, 10 * HOUR)


def test_no_recurrence_no_places():
    assert recurring_places(cases([(1, 0, "0102", 0, 1)]), {"0102": 30}, 10 * HOUR) == []
    assert recurring_places(cases([]).reindex(columns=["fid", "x", "y", "category", "recurrence", "reported_us"]),
                            {}, 10 * HOUR) == []  # fmt: skip


def test_fix_hours_count_only_fixes_within_the_period():
    table = pd.DataFrame({
        "grid": ["a", "a", "a", "b", "b"],
        "status": ["closed", "fixed", "closed", "rejected", "closed"],
        "dispatched_us": [0, 0, 0, 0, -1],
        "fixed_us": [2 * HOUR, 4 * HOUR, 50 * HOUR, 3 * HOUR, 3 * HOUR],
    })  # fmt: skip
    assert period_fix_hours(table, HOUR, 10 * HOUR, "grid") == {"a": {"median_hours": 3.0, "fixed": 2}}
    assert period_fix_hours(table, 10 * HOUR, 20 * HOUR, "grid") == {}
