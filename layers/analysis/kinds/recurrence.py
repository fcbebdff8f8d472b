"""Recurring blackspots (反复出现的问题点): places where a problem was reported again after it was fixed."""

from __future__ import annotations

from geo import hotspots as hotspots_mod
from layers.analysis.kinds.paint import WHITE, dot
from layers.analysis.spec import Kind, Param
from layers.catalogue.frames import layer_frame

RECURRENCE = "#d81b60"  # magenta: no catalogue layer uses it


def run(store, values: dict, *, at: int | None = None):
    layer, radius_m = values["layer"], values["radius_m"]
    cases = layer_frame(store, layer, at=at)
    history = [v for fid in cases["id"] for v in store.history(layer, int(fid)) if at is None or v.valid_from <= at]
    closures = hotspots_mod.case_closures(history)
    places = hotspots_mod.recurrence(closures, radius_m=radius_m, closed_column="fixed_at")
    summary = {
        "places": len(places),
        "recurrences": int(places["recurrence_count"].sum()) if len(places) else 0,
        "radius_m": radius_m,
    }
    return places, summary, {}


KIND = Kind(
    id="recurrence",
    title="analysis.kind.recurrence",
    hint="analysis.hint.recurrence",
    result_title="analysis.result_title.recurrence",
    params=(
        Param("layer", "layer", label="analysis.field.incidents", geometry="Point", role="cases", input="layer"),
        Param("radius_m", "number", label="analysis.field.merge_radius", hint="analysis.hint.merge_radius", unit="m",
              default=20.0, low=0, high=500, input="radius"),
    ),  # fmt: skip
    runner=run,
    result={
        "shape": "point",
        "classes": [{"id": "place", "label": "analysis.legend.recurrence", "when": {}, "rank": 0,
                     "paint": {"point": dot(RECURRENCE, weight=2, fill_opacity=0.75, radius=8)}}],
        # The bigger, the more often: radius 5 + 3 √count pixels (at most 22); smaller circles on top.
        "size": {"property": "recurrence_count", "base": 5, "factor": 3, "max": 22},
    },  # fmt: skip
    summary={
        "rows": [
            {"key": "places", "label": "analysis.sum.places", "format": "count", "field": "places"},
            {"key": "recurrences", "label": "analysis.sum.recurrences", "format": "count", "field": "recurrences"},
            {"key": "radius", "label": "analysis.field.merge_radius", "format": "metres", "field": "radius_m",
             "param": "radius_m"},
        ],  # fmt: skip
    },
    saved_style={"color": WHITE, "fillColor": RECURRENCE, "fillOpacity": 0.8, "weight": 2, "radius": 7},
)
