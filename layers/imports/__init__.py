"""Import sessions: upload, preview with every row checked, column mapping, all-or-nothing commit."""

from layers.imports.checks import detect_kind
from layers.imports.sessions import ImportLimits, Imports

__all__ = [
    "ImportLimits",
    "Imports",
    "detect_kind",
]
