"""A walkable street graph: noding, snapping points onto streets, and distances along them."""

from geo.network.graph import (
    RADIUS_TOLERANCE_M,
    StreetNetwork,
    metric_crs_for_frames,
    radius_number,
    spatial_order,
)

__all__ = [
    "RADIUS_TOLERANCE_M",
    "StreetNetwork",
    "metric_crs_for_frames",
    "radius_number",
    "spatial_order",
]
