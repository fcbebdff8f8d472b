"""Gaps along streets (沿街空白段): stretches of road longer than their class's threshold without a lamp or bin.
The thresholds come from the gap preset of the points' layer (its facility role's ``gap_preset``)."""

from __future__ import annotations

from geo import gaps as gaps_mod
from layers.analysis.kinds.paint import WHITE, line
from layers.analysis.run import SNAP_EDGE_M, frames, grid_layer
from layers.analysis.spec import Kind, Param
from layers.catalogue import facility

GAP = "#d50000"
VARIANTS = {
    "of": "points",
    "by_preset": {
        "lamps": {"presets": "lamp_gaps", "legend": "analysis.legend.gap_lamps",
                  "total": "analysis.sum.total_gap_lamps", "broken": "analysis.field.broken_lamps"},
        "bins": {"presets": "bin_gaps", "legend": "analysis.legend.gap_bins",
                 "total": "analysis.sum.total_gap_bins", "broken": "analysis.field.broken_bins"},
    },
    # Point layers that are no facility with a gap preset: the lamp thresholds, broken "facilities".
    "fallback": {"presets": "lamp_gaps", "legend": "analysis.legend.gap_lamps",
                 "total": "analysis.sum.total_gap_lamps", "broken": "analysis.field.broken_other"},
}  # fmt: skip
THRESHOLDS = {"lamp_gaps": gaps_mod.lamp_gap_thresholds, "bin_gaps": gaps_mod.bin_gap_thresholds}


def variant(definition: dict | None) -> dict:
    """The gap variant (presets and texts) of a point layer."""
    preset = (facility(definition) or {}).get("gap_preset")
    return VARIANTS["by_preset"].get(preset, VARIANTS["fallback"])


def run(store, values: dict, *, at: int | None = None):
    points = values["points"]
    max_gap = values["max_gap_m"]
    if max_gap is None:
        max_gap = THRESHOLDS[variant(store.layer(points))["presets"]]()["thresholds"]
    f = frames(store, at, points=points, lines=values["lines"], grid=grid_layer(store))
    pts = f["points"]
    if values["exclude_broken"] and "status" in pts.columns:
        pts = gaps_mod.working_points(pts)
    result, summary = gaps_mod.line_gaps(pts, f["lines"], max_gap, snap_m=values["snap_m"],
                                         snap_edge_m=values["snap_edge_m"], grid_gdf=f.get("grid"))  # fmt: skip
    summary["exclude_broken"] = values["exclude_broken"]
    return result, summary, {}


KIND = Kind(
    id="gaps",
    title="analysis.kind.gaps",
    hint="analysis.hint.gaps",
    result_title="analysis.result_title.gaps",
    params=(
        Param("points", "layer", label="analysis.field.gap_points", geometry="Point", role="facility", offer="role",
              input="points"),
        Param("max_gap_m", "thresholds", label="analysis.field.thresholds", unit="m", presets="gap_thresholds",
              presets_of="points", by_property="class", input="threshold"),
        Param("snap_m", "number", label="analysis.field.snap", hint="analysis.hint.snap", unit="m", default=15.0,
              low=0, high=200, input="snap"),
        Param("exclude_broken", "boolean", label="analysis.field.broken_other", label_variant="broken", default=True,
              input="exclude-broken"),
        Param("lines", "layer", geometry="LineString", role="network"),
        Param("snap_edge_m", "number", unit="m", default=SNAP_EDGE_M, low=0, high=100, nullable=True),
    ),  # fmt: skip
    runner=run,
    variants=VARIANTS,
    result={
        "shape": "line",
        "classes": [{"id": "gap", "label": {"variant": "legend"}, "when": {}, "rank": 1,
                     "paint": {"line": line(GAP, 6, 0.95)}}],
        "casing": {"line": line(WHITE, 11, 0.85)},
    },
    summary={
        "rows": [
            {"key": "total_gap_m", "label": {"variant": "total"}, "format": "metres", "field": "total_gap_m",
             "round": True},
            {"key": "gaps", "label": "analysis.sum.gaps", "format": "count", "field": "gaps"},
            {"key": "checked_length_m", "label": "analysis.sum.checked_length", "format": "metres",
             "field": "checked_length_m", "round": True},
            {"key": "exclude_broken", "label": "analysis.sum.broken_missing", "format": "yes_no",
             "field": "exclude_broken"},
        ],  # fmt: skip
        "sections": ["unchecked_classes", "by_class", "by_line"],
    },
    saved_style={"color": GAP, "weight": 5, "opacity": 0.9},
    label_property="line_name",
)
