"""Hot spots (问题热点): cells where cases cluster (hot) or are rare (cold), by Getis-Ord Gi*."""

from __future__ import annotations

import geopandas as gpd

from geo import hotspots as hotspots_mod
from layers.analysis.kinds.paint import area
from layers.analysis.spec import Kind, Param
from layers.catalogue.frames import layer_frame

COLORS = {
    "hot_99": "#b71c1c",
    "hot_95": "#e53935",
    "hot_90": "#ef9a9a",
    "not_significant": "#9e9e9e",
    "cold_90": "#90caf9",
    "cold_95": "#1e88e5",
    "cold_99": "#0d47a1",
}
RANKS = {"hot_99": 7, "cold_99": 6, "hot_95": 5, "cold_95": 4, "hot_90": 3, "cold_90": 2, "not_significant": 1}
CELLS = (("hex", "analysis.cell.hex"), ("square", "analysis.cell.square"))


def _paint(cls: str) -> dict:
    """Reds for hot, blues for cold, a faint outline only when not significant."""
    if cls == "not_significant":
        return {"polygon": area(COLORS[cls], weight=0.75, opacity=0.5, fill_opacity=0)}
    return {"polygon": area(COLORS[cls], weight=1, opacity=0.9, fill_opacity=0.55)}


def run(store, values: dict, *, at: int | None = None):
    points = layer_frame(store, values["layer"], at=at)
    category = values["category"]
    if category and "category" in points.columns:
        points = points[points["category"] == category]
    if points.empty:
        return gpd.GeoDataFrame(geometry=[], crs="EPSG:4326"), {"cells": 0, "points": 0}, {}
    size_m, cell = values["size_m"], values["cell"]
    cells = hotspots_mod.hotspots(points, cell=cell, size_m=size_m)
    summary = {
        "points": len(points),
        "cells": len(cells),
        "size_m": size_m,
        "cell": cell,
        "classes": {str(k): int(v) for k, v in cells["class"].value_counts().items()},
    }
    return cells, summary, {}


KIND = Kind(
    id="hotspots",
    title="analysis.kind.hotspots",
    hint="analysis.hint.hotspots",
    result_title="analysis.result_title.hotspots",
    params=(
        Param("layer", "layer", label="analysis.field.incidents", geometry="Point", role="cases", input="layer"),
        Param("cell", "choice", label="analysis.field.cell", choices=CELLS, default="hex", input="cell"),
        Param("size_m", "number", label="analysis.field.cell_size", hint="analysis.hint.cell_size", unit="m",
              default=100.0, low=5, high=5000, input="size"),
        Param("category", "text"),
    ),  # fmt: skip
    runner=run,
    result={
        "shape": "polygon",
        "classes": [{"id": c, "label": f"analysis.hotspot.{c}", "when": {"class": c}, "rank": RANKS[c],
                     "paint": _paint(c)} for c in COLORS],  # fmt: skip
    },
    summary={
        "rows": [
            {"key": "points", "label": "analysis.sum.points", "format": "count", "field": "points"},
            {"key": "cells", "label": "analysis.sum.cells", "format": "count", "field": "cells"},
            {"key": "size", "label": "analysis.field.cell_size", "format": "metres", "field": "size_m",
             "param": "size_m", "then": {"field": "cell", "param": "cell"}},
        ],  # fmt: skip
        "sections": ["classes"],
    },
    saved_style={
        "color": COLORS["not_significant"], "weight": 0.75, "opacity": 0.6, "fillOpacity": 0, "by": "class",
        "classes": {c: {"color": COLORS[c], "fillColor": COLORS[c], "fillOpacity": 0.55, "opacity": 0.9, "weight": 1}
                    for c in COLORS if c != "not_significant"},
    },  # fmt: skip
)
