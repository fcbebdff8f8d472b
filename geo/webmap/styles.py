"""Style presets of a standalone result map (``geo.webmap``), and the check that turns one (title, frame, style)
layer into what the page draws: its styles by class, its legend entries with counts, its features and bounds."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping

import geopandas as gpd
import numpy as np
import pandas as pd

from geo import i18n
from geo.webmap.features import collection, json_value

__all__ = ["STYLES"]

_COLOUR = re.compile(r"^(#[0-9A-Fa-f]{3,8}|[A-Za-z]{3,20}|rgba?\([0-9., %]+\))$")
_PATH_OPTIONS = {"color": "color", "fill_color": "fillColor", "weight": "weight", "opacity": "opacity",
                 "fill_opacity": "fillOpacity", "dash_array": "dashArray", "radius": "radius"}  # fmt: skip
_STYLE_KEYS = set(_PATH_OPTIONS) | {"by", "classes", "numbered", "label", "tooltip", "preset", "fit", "choice"}


def _coverage_status(gdf: gpd.GeoDataFrame) -> np.ndarray:
    """covered / uncovered / unreachable from the ``covered`` and ``reachable`` columns of a coverage result."""
    if "covered" not in gdf.columns:
        raise ValueError(f"the 'coverage' style needs a coverage result (a 'covered' column), got {list(gdf.columns)}")
    covered = gdf["covered"].fillna(False).to_numpy(dtype=bool)
    reachable = gdf["reachable"].fillna(True).to_numpy(dtype=bool) if "reachable" in gdf else np.ones(len(gdf), bool)
    return np.where(covered, "covered", np.where(reachable, "uncovered", "unreachable"))


_GI = {"hot_99": ("#d62f27", *i18n.pair("webmap.hotspots.hot_99")),
       "hot_95": ("#ed7551", *i18n.pair("webmap.hotspots.hot_95")),
       "hot_90": ("#fab984", *i18n.pair("webmap.hotspots.hot_90")),
       "not_significant": ("#f7f7f2", *i18n.pair("webmap.hotspots.not_significant")),
       "cold_90": ("#c0ccbe", *i18n.pair("webmap.hotspots.cold_90")),
       "cold_95": ("#849eba", *i18n.pair("webmap.hotspots.cold_95")),
       "cold_99": ("#4575b5", *i18n.pair("webmap.hotspots.cold_99"))}  # fmt: skip

#: Style presets by name: what ``geo.webmap.write_map`` draws for each kind of result.
STYLES: dict[str, dict] = {
    "coverage": {"by": _coverage_status, "radius": 5, "weight": 1.5, "fill_opacity": 0.55, "classes": {
        "covered": {"color": "#1b7837", "label": i18n.pair("webmap.style.covered")},
        "uncovered": {"color": "#d6604d", "label": i18n.pair("webmap.style.uncovered")},
        "unreachable": {"color": "#6a6a6a", "dash_array": "4 3", "label": i18n.pair("webmap.style.unreachable")}}},
    "service_areas": {"color": "#4393c3", "fill_color": "#92c5de", "weight": 3, "opacity": 0.6,
                      "fill_opacity": 0.2, "label": i18n.pair("webmap.style.service_areas")},
    "facilities": {"color": "#08306b", "fill_color": "#2166ac", "radius": 6, "weight": 2, "fill_opacity": 0.9,
                   "label": i18n.pair("webmap.style.facilities")},
    "targets": {"color": "#616161", "fill_color": "#bdbdbd", "radius": 4, "weight": 1, "fill_opacity": 0.6,
                "label": i18n.pair("webmap.style.targets")},
    "points": {"color": "#424242", "fill_color": "#fdd835", "radius": 4, "weight": 1, "fill_opacity": 0.9,
               "label": i18n.pair("webmap.style.points")},
    "lines": {"color": "#8f8f8f", "weight": 2, "opacity": 0.7, "label": i18n.pair("webmap.style.lines")},
    "areas": {"color": "#6d6d6d", "fill_color": "#cfcfcf", "weight": 1, "fill_opacity": 0.35,
              "label": i18n.pair("webmap.style.areas")},
    "gaps": {"color": "#e31a1c", "weight": 5, "opacity": 0.9, "label": i18n.pair("webmap.style.gaps")},
    "proposals": {"numbered": "rank", "color": "#6a1b9a", "label": i18n.pair("webmap.style.proposals")},
    "hotspots": {"by": "class", "color": "#9e9e9e", "weight": 0.5, "fill_opacity": 0.75,
                 "classes": {k: {"fill_color": c, "label": (zh, en)} for k, (c, zh, en) in _GI.items()}},
}  # fmt: skip


def bilingual(value: object, name: str) -> str:
    """'zh / en' from a string, a (zh, en) pair or a {"zh-CN": ..., "en": ...} mapping."""
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping) and {"zh-CN", "en"} <= set(value):
        value = (value["zh-CN"], value["en"])
    if isinstance(value, (tuple, list)) and len(value) == 2 and all(isinstance(v, str) for v in value):
        return value[0] if value[0] == value[1] else f"{value[0]} / {value[1]}"
    raise TypeError(f"{name} must be a string, a (zh, en) pair or a {{'zh-CN', 'en'}} mapping, got {value!r}")


def _path_style(style: Mapping, name: str) -> dict:
    out = {}
    for key, option in _PATH_OPTIONS.items():
        if key not in style:
            continue
        value = style[key]
        if key in ("color", "fill_color") and not (isinstance(value, str) and _COLOUR.match(value)):
            raise ValueError(f"{name}[{key!r}] must be a CSS colour such as '#d62f27', got {value!r}")
        if key == "dash_array" and not (isinstance(value, str) and re.fullmatch(r"[0-9 ,.]+", value)):
            raise ValueError(f"{name}['dash_array'] must be numbers such as '4 3', got {value!r}")
        if key not in ("color", "fill_color", "dash_array") and not (
            isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) and value >= 0
        ):
            raise ValueError(f"{name}[{key!r}] must be a number >= 0, got {value!r}")
        out[option] = value
    return out


def _resolve_style(style: object, gdf: gpd.GeoDataFrame, name: str) -> Mapping:
    if style is None:
        kinds = set(gdf.geom_type.dropna())
        style = "points" if kinds <= {"Point", "MultiPoint"} else "lines" if kinds <= {
            "LineString", "MultiLineString", "LinearRing"} else "areas"  # fmt: skip
    if isinstance(style, str):
        if style not in STYLES:
            raise ValueError(f"{name} names no style preset {style!r}; presets: {sorted(STYLES)}")
        return STYLES[style]
    if not isinstance(style, Mapping):
        raise TypeError(f"{name} must be a preset name, a dict or None, got {type(style).__name__}")
    unknown = sorted(set(style) - _STYLE_KEYS)
    if unknown:
        raise ValueError(f"{name} has unknown keys {unknown}; known: {sorted(_STYLE_KEYS)}")
    if "preset" in style:  # a preset with some keys changed
        return {**_resolve_style(style["preset"], gdf, f"{name}['preset']"), **style}
    return style


def _class_keys(gdf: gpd.GeoDataFrame, by: object, name: str) -> np.ndarray:
    if by is None:
        return np.full(len(gdf), "", dtype=object)
    if callable(by):
        keys = np.asarray(by(gdf), dtype=object)
    elif isinstance(by, str) and by in gdf.columns:
        keys = gdf[by].to_numpy(dtype=object)
    else:
        raise ValueError(f"{name}['by'] must be a column of the layer or a function, got {by!r}")
    return np.array(["" if json_value(k) is None else str(k) for k in keys], dtype=object)


def layer_spec(k: int, layer: object) -> dict:
    """Check one (title, gdf, style) and turn it into what the page draws: features, styles, legend."""
    name = f"layers[{k}]"
    if not (isinstance(layer, (tuple, list)) and len(layer) == 3):
        raise TypeError(f"{name} must be a (title, GeoDataFrame, style) triple, got {layer!r:.80}")
    title, gdf, style = layer
    title = bilingual(title, f"{name} title")
    if not isinstance(gdf, gpd.GeoDataFrame):
        raise TypeError(f"{name} must hold a GeoDataFrame, got {type(gdf).__name__}")
    if gdf.crs is None:
        raise ValueError(f"{name} ({title}) has no CRS: set one, it is never guessed")
    gdf = gdf[~(gdf.geometry.isna() | gdf.geometry.is_empty)]
    style = _resolve_style(style, gdf, f"{name} style")
    keys = _class_keys(gdf, style.get("by"), f"{name} style")
    numbered = style.get("numbered")
    if numbered is not None and numbered not in gdf.columns:
        raise ValueError(f"{name} style numbers points by {numbered!r}, which is not a column")
    classes = {}
    for key, cls in (style.get("classes") or {}).items():
        label = bilingual(cls.get("label", str(key)), f"{name} class {key!r} label")
        classes[str(key)] = {"style": _path_style(cls, f"{name} class {key!r}"), "label": label}
    counts = pd.Series(keys, dtype=object).value_counts().to_dict()
    base = _path_style(style, f"{name} style")
    legend = [(c["label"], {**base, **c["style"]}, counts[key]) for key, c in classes.items() if counts.get(key)]
    rest = sum(n for key, n in counts.items() if key not in classes)
    if rest or not legend:
        legend.insert(0, (bilingual(style.get("label", title), f"{name} label"), base, rest))
    spec = {"title": title, "base": base, "classes": classes, "numbered": numbered is not None,
            "tooltip": style.get("tooltip") if style.get("tooltip") in gdf.columns else None}  # fmt: skip
    return {"title": title, "spec": spec, "data": collection(gdf, keys, numbered), "legend": legend,
            "bounds": gdf.to_crs(4326).total_bounds if len(gdf) and style.get("fit", True) else None,
            "choice": bool(style.get("choice"))}  # fmt: skip
