"""Proposed sites (选址建议): new facilities along the streets (or among candidate points) that bring the most
targets within reach, or the fewest that reach them all; drawn as numbered markers."""

from __future__ import annotations

from geo import siting
from layers.analysis.kinds.coverage import DISTANCE_ROW, NETWORK, REACH
from layers.analysis.kinds.paint import WHITE, area
from layers.analysis.run import frames, street_network
from layers.analysis.spec import Kind, Param

PROPOSAL = "#4a148c"
CIRCLE = area(PROPOSAL, weight=1.5, opacity=0.7, fill_opacity=0.06, dash="6 5")
WEIGHTED = {"truthy": "weight_column", "finite": "weight_total"}
METHODS = (("auto", None), ("greedy", "analysis.method.greedy"), ("exact", "analysis.method.exact"))


def run(store, values: dict, *, at: int | None = None):
    candidates, network = values["candidates"], values["network"]
    f = frames(store, at, facilities=values["facilities"], targets=values["targets"], network=network,
               candidates=candidates)  # fmt: skip
    pool = f["candidates"] if candidates else siting.candidates_along(f["network"], values["spacing_m"])
    metric = values["metric"]
    network_arg = street_network(store, network, f["network"], at) if metric == "network" else None
    result, summary = siting.propose_sites(
        f["targets"],
        pool,
        values["radius_m"],
        count=values["count"],
        existing_gdf=f["facilities"],
        metric=metric,
        network=network_arg,
        method=values["method"],
    )
    return result, summary, {}


KIND = Kind(
    id="proposals",
    title="analysis.kind.proposals",
    hint="analysis.hint.proposals",
    result_title="analysis.result_title.proposals",
    values="siting",
    params=(
        Param("facilities", "layer", label="analysis.field.existing", geometry="Point", role="facility",
              required=True, input="facilities"),
        *REACH,
        Param("count", "integer", label="analysis.field.count", hint="analysis.hint.count", nullable=True, low=1,
              high=1000, input="count", form_default=5, problem="analysis.need_count"),
        Param("candidates", "layer", if_given=True),
        Param("spacing_m", "number", unit="m", default=25.0, low=1, high=1000),
        Param("method", "choice", choices=METHODS, default="auto"),
        Param("network", "layer", geometry="LineString", role="network"),
    ),  # fmt: skip
    runner=run,
    result={
        "shape": "point",
        "classes": [],
        "markers": {"number": "rank", "title": "analysis.proposal_title"},
        "circle": {"radius": "radius_m", "paint": CIRCLE, "unless": list(NETWORK)},
        "extras": [
            {"label": "analysis.legend.proposal", "badge": True},
            {"label": "analysis.legend.proposal_radius", "shape": "polygon", "paint": CIRCLE, "unless": list(NETWORK)},
        ],
    },
    summary={
        "rows": [
            {"key": "count", "label": "analysis.sum.sites", "format": "count", "field": "count",
             "requested": "count_requested", "requested_label": "analysis.sum.sites_of"},
            {"key": "covered_before", "label": "analysis.sum.covered_before", "format": "of_total",
             "field": "covered_before", "of": "targets"},
            {"key": "covered_after", "label": "analysis.sum.covered_after", "format": "of_total",
             "field": "covered_after", "of": "targets"},
            {"key": "weight_before", "label": "analysis.sum.households_before", "format": "of_total",
             "field": "weight_before", "of": "weight_total", "when": WEIGHTED},
            {"key": "weight_after", "label": "analysis.sum.households_after", "format": "of_total",
             "field": "weight_after", "of": "weight_total", "when": WEIGHTED},
            {"key": "uncoverable", "label": "analysis.sum.uncoverable", "format": "count", "field": "uncoverable",
             "when": {"positive": "uncoverable"}},
            {"key": "method", "label": "analysis.sum.method", "format": "labels", "field": "method",
             "labels": {"exact": "analysis.method.exact", "greedy": "analysis.method.greedy"},
             "and": {"field": "status", "labels": {"optimal": "analysis.status.optimal",
                                                   "feasible": "analysis.status.feasible"}}},
            {"key": "gap_ratio", "label": "analysis.sum.gap_ratio", "format": "percent", "field": "gap_ratio",
             "when": {"positive": "gap_ratio"}},
            DISTANCE_ROW,
        ],  # fmt: skip
        "sections": ["fewer_sites"],
    },
    saved_style={"color": WHITE, "fillColor": PROPOSAL, "fillOpacity": 0.95, "weight": 2, "radius": 8},
    property_titles={"distance_m": "analysis.prop.along_m"},
)
