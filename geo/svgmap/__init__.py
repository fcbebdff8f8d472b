"""Static maps as standalone SVG text for printed reports."""

from geo.svgmap.render import (
    FONT_FAMILY,
    render_svg,
)

__all__ = [
    "FONT_FAMILY",
    "render_svg",
]
