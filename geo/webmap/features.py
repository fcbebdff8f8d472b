"""Result features as JSON for a standalone result map (``geo.webmap``): property values, a layer's
GeoJSON feature collection in WGS 84, and JSON that is safe inside the page's ``<script>``."""

from __future__ import annotations

import json
import math
from datetime import date, datetime

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely


def json_value(value: object):
    """A property value as JSON: numbers, text, booleans; missing (None, NaN, NaT) as null."""
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, (datetime, date, pd.Timestamp)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [json_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): json_value(v) for k, v in value.items()}
    return str(value)


def collection(gdf: gpd.GeoDataFrame, keys: np.ndarray, numbered: str | None) -> dict:
    wgs = gdf if gdf.crs.equals("EPSG:4326") else gdf.to_crs(4326)
    geoms = shapely.transform(np.asarray(wgs.geometry.values, dtype=object), lambda xy: np.round(xy, 7))
    geometry = json.loads("[" + ",".join(shapely.to_geojson(geoms)) + "]") if len(geoms) else []
    columns = [c for c in wgs.columns if c != wgs.geometry.name]
    rows = wgs[columns].to_numpy(dtype=object)
    features = []
    for i, geom in enumerate(geometry):
        properties = {str(c): json_value(v) for c, v in zip(columns, rows[i])}
        mark = {"k": keys[i]}
        if numbered is not None:
            mark["n"] = "" if properties[numbered] is None else str(properties[numbered])
        features.append({"type": "Feature", "geometry": geom, "properties": properties, "webmap": mark})
    return {"type": "FeatureCollection", "features": features}


def script_json(value: object) -> str:
    """JSON safe inside an HTML <script>: no '<', '>', '&' or line separators left as such."""
    text = json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    for raw, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"),
                         ("\u2029", "\\u2029")):  # fmt: skip
        text = text.replace(raw, escaped)
    return text
