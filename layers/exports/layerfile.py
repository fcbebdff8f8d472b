"""A layer as a file: its features as they are now or were ``at`` an instant, with one column per property
typed by the layer's schema (integers stay integers, booleans booleans, text text), written by
``geo.formats.exporting``."""

from __future__ import annotations

import json
import re
from datetime import datetime
from zoneinfo import ZoneInfo

import geopandas as gpd
import pandas as pd
import shapely

from geo.formats.exporting import EXPORT_FORMATS, export_layer
from layers.areas import Area, area_query
from layers.errors import Detail, NotFound, ValidationFailed
from layers.store import Store

__all__ = ["EXPORT_FORMATS", "export", "layer_export_frame"]

MAX_EXPORT_FEATURES = 2_000_000
_DTYPES = {"integer": "Int64", "boolean": "boolean", "number": "float64"}


def layer_export_frame(store: Store, layer: dict, at: int | None = None, area: Area | None = None) -> gpd.GeoDataFrame:
    """``id``, then each property of the schema in order (missing values empty), then the geometry; the
    features of ``area`` only when given."""
    page = area_query(store, layer["id"], area, at=at, limit=MAX_EXPORT_FEATURES)
    props = [json.loads(v.properties or "{}") for v in page.features]
    schema = layer.get("properties", {})
    data = {"id": pd.array([v.fid for v in page.features], dtype="Int64")}
    extra = sorted({k for p in props for k in p} - set(schema))  # properties of an older schema
    for name in [*schema, *extra]:
        values = [p.get(name) for p in props]
        kind = schema.get(name, {}).get("type")
        if kind in _DTYPES:
            data[name] = pd.array(values, dtype=_DTYPES[kind])
        else:
            data[name] = pd.Series([v if v is None or isinstance(v, str) else json.dumps(v, ensure_ascii=False)
                                    for v in values], dtype=object)  # fmt: skip
    geometry = shapely.from_geojson([v.geometry for v in page.features]) if page.features else []
    return gpd.GeoDataFrame(pd.DataFrame(data), geometry=list(geometry), crs="EPSG:4326")


def _file_stem(text: str) -> str:
    return re.sub(r"[\\/:*?\"<>|\s]+", "_", text).strip("._") or "layer"


def export(store: Store, layer_id: str, fmt: str, at: int | None, tz: ZoneInfo, area: Area | None = None) -> dict:
    """``{"data", "media_type", "filename", "filename_ascii", "notes"}`` for one layer (of one area) in one
    format; an area's export is named after it too."""
    if fmt not in EXPORT_FORMATS:
        raise ValidationFailed(key="errors.export.unknown_format", params={"fmt": repr(fmt)},
                               code="invalid_parameter", details=[Detail("format", "invalid_value",
                               f"one of {', '.join(EXPORT_FORMATS)}")])  # fmt: skip
    layer = store.layer(layer_id)
    if layer is None:
        raise NotFound(key="errors.layer.not_found", params={"layer_id": layer_id},
                       details=[Detail("layer", "not_found", f"unknown layer '{layer_id}'")])
    frame = layer_export_frame(store, layer, at, area)
    try:
        data, notes = export_layer(frame, fmt, name=layer_id)
    except ValueError as exc:
        raise ValidationFailed(key="errors.export.cannot_export", code="cannot_export",
                               details=[Detail("format", "cannot_export", str(exc))]) from None
    when = datetime.fromtimestamp((at if at is not None else store.now()) / 1e6, tz)
    stamp = when.strftime("%Y%m%d-%H%M") if at is not None else when.strftime("%Y%m%d")
    media_type, suffix = EXPORT_FORMATS[fmt]
    title = (layer.get("title") or {}).get("zh-CN") or layer_id
    if area is not None:
        title, layer_id = f"{title}-{area.name or area.code}", f"{layer_id}-{area.code}"
    return {"data": data, "media_type": media_type, "notes": notes,
            "filename": f"{_file_stem(title)}-{stamp}{suffix}", "filename_ascii": f"{layer_id}-{stamp}{suffix}"}
