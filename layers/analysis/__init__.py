"""The planners' analyses run on stored layers: one declaration per kind (``kinds/``) and what they share
(``run.py``: parameter checks, layers as frames, the street graph, the presets)."""

from layers.analysis.kinds import KINDS, declarations, run_analysis
from layers.analysis.run import frame_dates, presets

__all__ = [
    "KINDS",
    "declarations",
    "frame_dates",
    "presets",
    "run_analysis",
]
