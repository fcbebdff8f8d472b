"""The planners' analyses run on stored layers."""

from layers.analysis.run import (
    frame_dates,
    presets,
    run_coverage,
    run_gaps,
    run_hotspots,
    run_proposals,
    run_recurrence,
)

__all__ = [
    "frame_dates",
    "presets",
    "run_coverage",
    "run_gaps",
    "run_hotspots",
    "run_proposals",
    "run_recurrence",
]
