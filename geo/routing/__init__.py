"""A field worker's round through open cases: visiting order and street legs."""

from geo.routing.round import (
    RoundPlan,
    UnreachableLegWarning,
    order_stops,
    path_length_m,
    plan_round,
)

__all__ = [
    "RoundPlan",
    "UnreachableLegWarning",
    "order_stops",
    "path_length_m",
    "plan_round",
]
