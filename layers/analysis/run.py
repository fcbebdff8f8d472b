"""What every analysis kind runs on: its parameters checked against its declaration, the stored layers as
GeoDataFrames, the street graph (kept for the next run), and the presets with their sources.

A kind's runner (``layers/analysis/kinds/``) gets the checked parameters and calls the pure functions in
``geo/``; bad parameters raise ValidationFailed naming every bad field at once.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from datetime import datetime

import geopandas as gpd
import pandas as pd

from geo import gaps as gaps_mod
from layers.catalogue import load_catalogue, role_layer
from layers.catalogue.frames import layer_frame
from layers.errors import Detail, ValidationFailed
from layers.store import Store

MAX_RADIUS_M = 20_000.0
# Lamps and bins stand on the pavement: a road with a width counts them up to this far beyond its edge.
SNAP_EDGE_M = 5.0
RESULT_COLUMNS = ("covered", "reachable", "distance_m", "nearest_id")


def _refuse(problems: list[Detail]) -> None:
    if problems:
        raise ValidationFailed(key="errors.analysis.refused", details=problems)


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


def check_values(kind, store: Store, body) -> dict:
    """The parameters of ``kind`` (a Kind) in ``body``, checked and with their defaults, by name; raise
    ValidationFailed naming every bad one. A parameter that does not apply (``when``, ``if_given``) is None."""
    p = Params(store, body)
    definitions = store.layers()
    values: dict = {}
    for param in kind.params:
        if param.when and values.get(param.when[0]) != param.when[1]:
            values[param.name] = None
        elif param.if_given and not p.body.get(param.name):
            values[param.name] = None
        else:
            values[param.name] = _check(p, param, kind, definitions)
    p.done()
    return values


def _check(p: Params, param, kind, definitions: list[dict]):
    name, default = param.name, param.default
    if param.type == "layer":
        if default is None and not param.required and param.role:
            default = role_layer(definitions, param.role, feeds=kind.id if param.role == "facility" else None)
        return p.layer(name, default, geometry=param.geometry)
    if param.type == "number":
        return p.number(name, default, low=param.low, high=param.high, required=not param.nullable)
    if param.type == "integer":
        return p.integer(name, low=param.low, high=param.high, required=not param.nullable)
    if param.type == "choice":
        return p.choice(name, tuple(value for value, _ in param.choices), default)
    if param.type == "thresholds":  # absent: the kind's runner takes the presets of its variant
        return p.thresholds(name, None) if name in p.body else None
    if param.type == "boolean":
        return bool(p.body.get(name, default))
    return p.body.get(name, default)


def presets() -> dict:
    """The distance presets the analyses offer, each with its source, from the layer catalogue."""
    rules = {d["id"]: d.get("rules", {}) for d in load_catalogue()}
    return {
        "service_distance": {i: r["service_distance"] for i, r in rules.items() if "service_distance" in r},
        "lamp_gaps": gaps_mod.lamp_gap_thresholds(),
        "bin_gaps": gaps_mod.bin_gap_thresholds(),
        "streetlight_spacing": next((r["spacing"] for r in rules.values() if "spacing" in r), None),
    }


def frames(store: Store, at: int | None, **layers: str | None) -> dict[str, gpd.GeoDataFrame]:
    """The named layers as GeoDataFrames as they stood ``at``; names whose layer is None are left out, and so
    is ``grid`` when it held no cell then (a store without grid cells totals nothing by cell)."""
    out = {name: layer_frame(store, layer_id, at=at) for name, layer_id in layers.items() if layer_id}
    return {name: frame for name, frame in out.items() if name != "grid" or len(frame)}


def grid_layer(store: Store) -> str | None:
    """The grid cells' layer (role ``grid``), which results are totalled by."""
    return role_layer(store.layers(), "grid")


def street_network(store: Store, layer_id: str, lines: gpd.GeoDataFrame, at: int | None):
    """The street graph of line layer ``layer_id`` as it stood ``at`` (``lines``), kept for the next run."""
    return _network(lines, _network_key(store, layer_id, at))


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


def frame_dates(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Datetime columns as ISO text, so a result can be written as GeoJSON or kept as a layer."""
    out = frame.copy()
    for column in out.columns:
        if column != out.geometry.name and pd.api.types.is_datetime64_any_dtype(out[column]):
            out[column] = out[column].map(lambda v: v.isoformat() if isinstance(v, (pd.Timestamp, datetime)) else None)
    return out
