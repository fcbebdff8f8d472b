"""Coverage (覆盖分析): which targets have a facility within the service distance, in a straight line or
walking along the streets, with the facilities' service areas to draw beneath."""

from __future__ import annotations

from layers.analysis.kinds.paint import area, dot, line
from layers.analysis.run import MAX_RADIUS_M, RESULT_COLUMNS, frames, grid_layer, street_network
from layers.analysis.spec import Kind, Param

COVERED, UNCOVERED, UNREACHABLE = "#2e7d32", "#e53935", "#7b1fa2"
AREA = "#1e88e5"
METRICS = (("euclidean", "analysis.metric.euclidean"), ("network", "analysis.metric.network"))
NETWORK = ("metric", "network")
# The parameters of reach that coverage and proposals share: who must be reached, how distance is measured, how far.
REACH = (
    Param("targets", "layer", label="analysis.field.targets", role="targets", offer="all", required=True,
          input="targets"),
    Param("metric", "choice", label="analysis.field.metric", choices=METRICS, default="euclidean", input="metric"),
    Param("radius_m", "number", label="analysis.field.radius", unit="m", required=True, low=0, high=MAX_RADIUS_M,
          input="radius", form_default=100, presets="service_distance", presets_of="facilities"),
)  # fmt: skip


def target_paint(color: str, *, covered: bool = False) -> dict:
    """A target drawn in its state's colour, whatever its geometry; covered polygons paler."""
    polygon = area(color, weight=1 if covered else 1.5, opacity=0.95, fill_opacity=0.35 if covered else 0.6)
    return {"point": dot(color, weight=1.5, fill_opacity=0.95, radius=6), "line": line(color, 5, 0.9),
            "polygon": polygon | {"lineJoin": "round"}}  # fmt: skip


AREA_PAINT = {"line": line(AREA, 10, 0.28),
              "polygon": area(AREA, weight=1.5, opacity=0.6, fill_opacity=0.1, dash="5 4")}
DISTANCE_ROW = {"key": "radius", "label": "analysis.sum.distance", "format": "metres", "field": "radius_m",
                "param": "radius_m", "then": {"field": "metric", "param": "metric", "missing": "value.unset"}}


def run(store, values: dict, *, at: int | None = None):
    from geo.coverage import coverage, service_areas

    network = values["network"]
    f = frames(store, at, facilities=values["facilities"], targets=values["targets"], network=network,
               grid=grid_layer(store))  # fmt: skip
    # A saved coverage result may be the target layer: its old answers are not inputs.
    f["targets"] = f["targets"].drop(columns=[c for c in RESULT_COLUMNS if c in f["targets"].columns])
    network_arg = street_network(store, network, f["network"], at) if network else None
    metric, radius_m = values["metric"], values["radius_m"]
    result, summary = coverage(
        f["facilities"], f["targets"], radius_m, metric=metric, network=network_arg, grid_gdf=f.get("grid")
    )
    areas = service_areas(f["facilities"], radius_m, metric=metric, network=network_arg)
    return result, summary, {"service_areas": areas}


KIND = Kind(
    id="coverage",
    title="analysis.kind.coverage",
    hint="analysis.hint.coverage",
    result_title="analysis.result_title.coverage",
    values="siting",
    params=(
        Param("facilities", "layer", label="analysis.field.facilities", geometry="Point", role="facility",
              required=True, input="facilities"),
        *REACH,
        Param("network", "layer", geometry="LineString", role="network", when=NETWORK),
    ),  # fmt: skip
    runner=run,
    result={
        "shape": {"layer_of": "targets"},
        "counted": True,
        "legend_key": "state",
        "classes": [
            {"id": "covered", "label": "analysis.legend.covered", "when": {"covered": True}, "rank": 1,
             "paint": target_paint(COVERED, covered=True)},
            {"id": "uncovered", "label": "analysis.legend.uncovered", "when": {}, "rank": 3,
             "paint": target_paint(UNCOVERED)},
            {"id": "unreachable", "label": "analysis.legend.unreachable", "when": {"reachable": False}, "rank": 2,
             "paint": target_paint(UNREACHABLE)},
        ],  # fmt: skip
        "match": ["unreachable", "covered", "uncovered"],
        "areas": {"key": "service_areas", "paint": AREA_PAINT},
        "extras": [
            {"label": "analysis.legend.area_buffer", "shape": "polygon", "paint": AREA_PAINT["polygon"],
             "unless": list(NETWORK)},
            {"label": "analysis.legend.area_network", "shape": "line", "paint": AREA_PAINT["line"],
             "when": list(NETWORK)},
        ],  # fmt: skip
    },
    summary={
        "rows": [
            {"key": "covered", "label": "analysis.sum.covered", "format": "of_total", "field": "covered",
             "of": "targets"},
            {"key": "uncovered", "label": "analysis.sum.uncovered", "format": "count", "field": "uncovered"},
            {"key": "unreachable", "label": "analysis.sum.unreachable", "format": "count", "field": "unreachable"},
            {"key": "households_covered", "label": "analysis.sum.households_covered", "format": "of_total",
             "field": "households_covered", "of": "households_total", "when": {"finite": "households_total"}},
            DISTANCE_ROW,
        ],  # fmt: skip
        "sections": ["by_grid"],
    },
    saved_style={
        "color": "#616161", "weight": 1, "fillOpacity": 0.45, "radius": 5, "by": "covered",
        "classes": {"false": {"color": UNCOVERED, "fillColor": UNCOVERED, "weight": 1.5},
                    "true": {"color": COVERED, "fillColor": COVERED}},
    },  # fmt: skip
    result_of="targets",
)
