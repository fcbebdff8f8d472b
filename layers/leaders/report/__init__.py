"""The leaders' printable report: figures, before/after maps and the words of a 创卫 work summary."""

from layers.leaders.report.build import (
    before_after_page,
    build_report,
    file_name,
    place_photos,
)

__all__ = [
    "before_after_page",
    "build_report",
    "file_name",
    "place_photos",
]
