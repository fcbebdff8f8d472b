"""Open311 GeoReport v2 as data: discovery, services, requests, and reports posted through it."""

from layers.interop.open311.documents import (
    COMMON_PARAMS,
    active_category,
    deadline_text,
)

__all__ = [
    "COMMON_PARAMS",
    "active_category",
    "deadline_text",
]
