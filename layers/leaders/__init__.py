"""The leaders' figures (compare, dashboard, weekly series, tables) and their printable report."""

from layers.leaders.figures import (
    GROUPS,
    Filters,
    Leaders,
    check_area,
    check_period,
    compare_view,
    dashboard_view,
    names,
)

__all__ = [
    "Filters",
    "GROUPS",
    "Leaders",
    "check_area",
    "check_period",
    "compare_view",
    "dashboard_view",
    "names",
]
