"""Import sessions: upload, preview with every row checked, column mapping, all-or-nothing commit."""

from layers.imports.sessions import (
    ImportLimits,
    Imports,
    detect_kind,
)

__all__ = [
    "ImportLimits",
    "Imports",
    "detect_kind",
]
