"""Where problems cluster: Gi* hot and cold spots on cell grids, and recurring places."""

from geo.hotspots.gistar import (
    FIXED_STATUSES,
    IGNORED_STATUSES,
    case_closures,
    hex_grid,
    hotspots,
    recurrence,
    square_grid,
)

__all__ = [
    "FIXED_STATUSES",
    "IGNORED_STATUSES",
    "case_closures",
    "hex_grid",
    "hotspots",
    "recurrence",
    "square_grid",
]
