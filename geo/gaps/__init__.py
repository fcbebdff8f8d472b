"""Gaps along lines: dark or bin-less stretches of road measured in metres along each line."""

from geo.gaps.lines import (
    BIN_CATEGORY_OF_CLASS,
    CJJ27_BIN_SPACING_M,
    CJJ45_SPACING_FACTORS,
    ROAD_CLASSES,
    bin_gap_thresholds,
    lamp_gap_thresholds,
    line_gaps,
    working_points,
)

__all__ = [
    "BIN_CATEGORY_OF_CLASS",
    "CJJ27_BIN_SPACING_M",
    "CJJ45_SPACING_FACTORS",
    "ROAD_CLASSES",
    "bin_gap_thresholds",
    "lamp_gap_thresholds",
    "line_gaps",
    "working_points",
]
