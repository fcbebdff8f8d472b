"""Layers as GeoDataFrames for the analyses, and analysis results back into the store as layers."""

from __future__ import annotations

import json
import math
import re
from datetime import datetime

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.geojson import bounds
from layers.catalogue.schema import check_layer_definition
from layers.store import NewFeature, Store

MAX_FEATURES = 2_000_000


def layer_frame(store: Store, layer_id: str, *, at: int | None = None, filters: dict | None = None) -> gpd.GeoDataFrame:
    """Every feature of a layer (as now, or ``at`` an instant) with its properties as columns, the feature id
    in ``id`` and geometry in WGS 84. Raise KeyError for an unknown layer."""
    page = store.query(layer_id, at=at, filters=filters, limit=MAX_FEATURES)
    rows = [json.loads(v.properties or "{}") | {"id": v.fid} for v in page.features]
    geometries = shapely.from_geojson([v.geometry for v in page.features]) if page.features else []
    frame = gpd.GeoDataFrame(pd.DataFrame(rows), geometry=list(geometries), crs="EPSG:4326")
    if "id" not in frame.columns:
        frame["id"] = pd.Series(dtype="int64")
    return frame


_KINDS = {"b": "boolean", "i": "integer", "u": "integer", "f": "number"}


def _property_spec(series: pd.Series, name: str) -> dict:
    kind = _KINDS.get(series.dtype.kind, "string")
    title = {"zh-CN": name, "en": name}
    return {"type": kind, "title": title}


def _clean(value):
    """JSON-ready values: numpy scalars to Python, NaN to None, lists and dicts to text."""
    if value is None:
        return None
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return None if math.isnan(value) else float(value)
    if isinstance(value, (list, tuple, dict)):
        return json.dumps(value, ensure_ascii=False, default=str)
    if isinstance(value, (pd.Timestamp, datetime)):
        return value.isoformat()
    return value


def save_result_layer(
    store: Store,
    frame: gpd.GeoDataFrame,
    *,
    layer_id: str,
    title: dict,
    parameters: dict,
    author: str,
    style: dict | None = None,
) -> dict:
    """Store an analysis result as a new read-only layer whose definition records the parameters
    (``rules.analysis``), so results of different dates can be compared and exported like any layer."""
    if not re.fullmatch(r"[a-z][a-z0-9_]{1,39}", layer_id):
        raise ValueError(f"bad layer id {layer_id!r}")
    frame = frame.to_crs("EPSG:4326") if frame.crs and frame.crs.to_epsg() != 4326 else frame
    columns = [c for c in frame.columns if c != frame.geometry.name and re.fullmatch(r"[A-Za-z_]\w{0,63}", str(c))]
    properties = {str(c): _property_spec(frame[c], str(c)) for c in columns}
    geometry_types = sorted(set(frame.geometry.geom_type.dropna())) or ["Point"]
    definition = {
        "id": layer_id,
        "title": title,
        "geometry_types": geometry_types,
        "editable": False,
        "order": 900,
        "properties": properties,
        "required": [],
        "style": style or {},
        "rules": {"analysis": parameters},
        "label_property": None,
    }
    problems = check_layer_definition(definition)
    if problems:
        raise ValueError(f"the result cannot be a layer: {problems}")
    features = []
    for geometry, values in zip(frame.geometry, frame[columns].itertuples(index=False, name=None)):
        if geometry is None or geometry.is_empty:
            continue
        geojson = json.loads(shapely.to_geojson(geometry))
        props = {c: _clean(v) for c, v in zip(columns, values)}
        for c, spec in properties.items():  # a text column with lists was declared string: keep it one
            if spec["type"] == "string" and props[c] is not None and not isinstance(props[c], str):
                props[c] = str(props[c])
        features.append(NewFeature(geojson, {k: v for k, v in props.items() if v is not None}, bounds(geojson)))
    layer = store.create_layer(definition, author)
    if features:
        store.create(layer_id, features, author)
    return store.layer(layer["id"])
