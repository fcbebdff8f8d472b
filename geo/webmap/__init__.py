"""Standalone HTML result maps (folium on the vendored Leaflet, no CDN)."""

from geo.webmap.page import (
    LEAFLET_DIR,
    STYLES,
    page_html,
    write_map,
)

__all__ = [
    "LEAFLET_DIR",
    "STYLES",
    "page_html",
    "write_map",
]
