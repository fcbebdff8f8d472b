"""Run the planners' analyses on stored layers: check the parameters, load the layers as GeoDataFrames,
call the pure functions in ``geo/``, and optionally keep the result as a layer.

Every entry point takes the request's parameters as a dict and returns ``(result_gdf, summary, extra)``;
bad parameters raise ValidationFailed naming the field.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from datetime import datetime

import geopandas as gpd
import pandas as pd

from geo import gaps as gaps_mod
from geo import hotspots as hotspots_mod
from geo import siting
from layers.catalogue import load_catalogue
from layers.catalogue.frames import layer_frame
from layers.errors import Detail, ValidationFailed
from layers.store import Store

MAX_RADIUS_M = 20_000.0
NETWORK_LAYER = "roads"
# Lamps and bins stand on the pavement: a road with a width counts them up to this far beyond its edge.
SNAP_EDGE_M = 5.0
RESULT_COLUMNS = ("covered", "reachable", "distance_m", "nearest_id")


def _refuse(problems: list[Detail]) -> None:
    if problems:
        raise ValidationFailed("The analysis parameters were refused.", message_zh="分析参数无效。", details=problems)


class Params:
    """Typed access to a parameter dict, collecting every problem before refusing."""

    def __init__(self, store: Store, body) -> None:
        self.store = store
        self.body = body if isinstance(body, dict) else {}
        self.problems: list[Detail] = [] if isinstance(body, dict) else [Detail("", "wrong_type", "send an object")]

    def layer(self, key: str, default: str | None = None, *, geometry: str | None = None) -> str | None:
        layer_id = self.body.get(key, default)
        layer = self.store.layer(layer_id) if isinstance(layer_id, str) else None
        if layer is None:
            self.problems.append(Detail(key, "unknown_layer", f"no layer {layer_id!r}"))
        elif geometry and not any(g.endswith(geometry) for g in layer["geometry_types"]):
            self.problems.append(Detail(key, "wrong_geometry", f"layer {layer_id!r} must hold {geometry} features"))
        return layer_id if layer else None

    def number(self, key: str, default=None, *, low: float = 0.0, high: float = MAX_RADIUS_M, required=True):
        value = self.body.get(key, default)
        if value is None and not required:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            self.problems.append(Detail(key, "wrong_type", "a number is required"))
            return None
        if not low < value <= high:
            self.problems.append(Detail(key, "invalid_value", f"must be above {low:g} and at most {high:g}"))
            return None
        return float(value)

    def choice(self, key: str, options: tuple, default):
        value = self.body.get(key, default)
        if value not in options:
            self.problems.append(Detail(key, "invalid_value", f"one of {', '.join(map(str, options))}"))
        return value

    def integer(self, key: str, *, low: int, high: int, required: bool = False):
        value = self.body.get(key)
        if value is None and not required:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            self.problems.append(Detail(key, "invalid_value", f"an integer from {low} to {high}"))
            return None
        return value

    def thresholds(self, key: str, default):
        """A number, or {road class: number}, or the default."""
        value = self.body.get(key, default)
        if isinstance(value, dict):
            bad = [k for k, v in value.items() if isinstance(v, bool) or not isinstance(v, (int, float)) or v <= 0]
            if bad:
                self.problems.append(Detail(key, "invalid_value", f"positive numbers per road class; bad: {bad}"))
            return {k: float(v) for k, v in value.items() if k not in bad}
        return self.number(key, value)

    def done(self) -> None:
        _refuse(self.problems)


def presets() -> dict:
    """The distance presets the analyses offer, each with its source, from the layer catalogue."""
    catalogue = {d["id"]: d for d in load_catalogue()}
    lamp = gaps_mod.lamp_gap_thresholds()
    bins = gaps_mod.bin_gap_thresholds()
    return {
        "service_distance": {
            k: d["rules"]["service_distance"] for k, d in catalogue.items() if "service_distance" in d.get("rules", {})
        },
        "lamp_gaps": lamp,
        "bin_gaps": bins,
        "streetlight_spacing": catalogue["streetlights"]["rules"].get("spacing"),
    }


def _frames(store: Store, at: int | None, **layers: str) -> dict[str, gpd.GeoDataFrame]:
    return {name: layer_frame(store, layer_id, at=at) for name, layer_id in layers.items() if layer_id}


def run_coverage(store: Store, body, *, at: int | None = None):
    from geo.coverage import coverage, service_areas

    p = Params(store, body)
    facilities = p.layer("facilities", geometry="Point")
    targets = p.layer("targets")
    radius_m = p.number("radius_m")
    metric = p.choice("metric", ("euclidean", "network"), "euclidean")
    network = p.layer("network", NETWORK_LAYER, geometry="LineString") if metric == "network" else None
    p.done()
    f = _frames(store, at, facilities=facilities, targets=targets, network=network, grid="grid")
    # A saved coverage result may be the target layer: its old answers are not inputs.
    f["targets"] = f["targets"].drop(columns=[c for c in RESULT_COLUMNS if c in f["targets"].columns])
    network_arg = _network(f["network"], _network_key(store, network, at)) if network else None
    result, summary = coverage(
        f["facilities"], f["targets"], radius_m, metric=metric, network=network_arg, grid_gdf=f["grid"]
    )
    areas = service_areas(f["facilities"], radius_m, metric=metric, network=network_arg)
    return result, summary, {"service_areas": areas}


_NETWORKS: OrderedDict = OrderedDict()  # (store, layer, revision, at) -> StreetNetwork; a few, newest last
_NETWORKS_LOCK = threading.Lock()
NETWORK_CACHE_SIZE = 4


def _network(lines: gpd.GeoDataFrame, key: tuple | None = None):
    """The street graph of a line layer. Building it costs seconds for a city (noding 250k edges), so the
    graph of each (layer, revision, instant) is kept for the next analysis; any write to the layer bumps
    its revision and so builds a new one."""
    from geo.network import StreetNetwork

    with _NETWORKS_LOCK:
        if key is not None and key in _NETWORKS:
            _NETWORKS.move_to_end(key)
            return _NETWORKS[key]
    network = StreetNetwork.from_lines(lines)
    if key is not None:
        with _NETWORKS_LOCK:
            _NETWORKS[key] = network
            while len(_NETWORKS) > NETWORK_CACHE_SIZE:
                _NETWORKS.popitem(last=False)
    return network


def _network_key(store: Store, layer_id: str, at: int | None) -> tuple:
    return (store.key, layer_id, store.layer(layer_id)["revision"], at)


def run_gaps(store: Store, body, *, at: int | None = None):
    p = Params(store, body)
    points = p.layer("points", "streetlights", geometry="Point")
    lines = p.layer("lines", NETWORK_LAYER, geometry="LineString")
    default = (gaps_mod.bin_gap_thresholds() if points == "bins" else gaps_mod.lamp_gap_thresholds())["thresholds"]
    max_gap = p.thresholds("max_gap_m", default)
    snap_m = p.number("snap_m", 15.0, high=200.0)
    snap_edge_m = p.number("snap_edge_m", SNAP_EDGE_M, high=100.0, required=False)
    exclude_broken = body.get("exclude_broken", True) if isinstance(body, dict) else True
    p.done()
    f = _frames(store, at, points=points, lines=lines, grid="grid")
    pts = f["points"]
    if exclude_broken and "status" in pts.columns:
        pts = gaps_mod.working_points(pts)
    result, summary = gaps_mod.line_gaps(pts, f["lines"], max_gap, snap_m=snap_m, snap_edge_m=snap_edge_m,
                                         grid_gdf=f["grid"])  # fmt: skip
    summary["exclude_broken"] = bool(exclude_broken)
    return result, summary, {}


def run_proposals(store: Store, body, *, at: int | None = None):
    p = Params(store, body)
    facilities = p.layer("facilities", geometry="Point")
    targets = p.layer("targets")
    radius_m = p.number("radius_m")
    metric = p.choice("metric", ("euclidean", "network"), "euclidean")
    count = p.integer("count", low=1, high=1000)
    candidates = p.layer("candidates") if isinstance(body, dict) and body.get("candidates") else None
    spacing_m = p.number("spacing_m", 25.0, low=1.0, high=1000.0)
    method = p.choice("method", ("auto", "greedy", "exact"), "auto")
    network = p.layer("network", NETWORK_LAYER, geometry="LineString")
    p.done()
    f = _frames(store, at, facilities=facilities, targets=targets, network=network, candidates=candidates)
    pool = f["candidates"] if candidates else siting.candidates_along(f["network"], spacing_m)
    network_arg = _network(f["network"], _network_key(store, network, at)) if metric == "network" else None
    result, summary = siting.propose_sites(
        f["targets"],
        pool,
        radius_m,
        count=count,
        existing_gdf=f["facilities"],
        metric=metric,
        network=network_arg,
        method=method,
    )
    return result, summary, {}


def run_hotspots(store: Store, body, *, at: int | None = None):
    p = Params(store, body)
    layer = p.layer("layer", "blackspots", geometry="Point")
    cell = p.choice("cell", ("hex", "square"), "hex")
    size_m = p.number("size_m", 100.0, low=5.0, high=5000.0)
    category = body.get("category") if isinstance(body, dict) else None
    p.done()
    points = layer_frame(store, layer, at=at)
    if category and "category" in points.columns:
        points = points[points["category"] == category]
    if points.empty:
        return gpd.GeoDataFrame(geometry=[], crs="EPSG:4326"), {"cells": 0, "points": 0}, {}
    cells = hotspots_mod.hotspots(points, cell=cell, size_m=size_m)
    summary = {
        "points": len(points),
        "cells": len(cells),
        "size_m": size_m,
        "cell": cell,
        "classes": {str(k): int(v) for k, v in cells["class"].value_counts().items()},
    }
    return cells, summary, {}


def run_recurrence(store: Store, body, *, at: int | None = None):
    p = Params(store, body)
    layer = p.layer("layer", "blackspots", geometry="Point")
    radius_m = p.number("radius_m", 20.0, high=500.0)
    p.done()
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


def frame_dates(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Datetime columns as ISO text, so a result can be written as GeoJSON or kept as a layer."""
    out = frame.copy()
    for column in out.columns:
        if column != out.geometry.name and pd.api.types.is_datetime64_any_dtype(out[column]):
            out[column] = out[column].map(lambda v: v.isoformat() if isinstance(v, (pd.Timestamp, datetime)) else None)
    return out
