"""Standalone HTML maps of analysis results: folium pages that load only the vendored Leaflet (copied
beside the page or inlined into it), with no tile layer, no CDN and no request to any other host."""

from __future__ import annotations

import base64
import html
import json
import math
import re
import shutil
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import MacroElement
from folium.template import Template

__all__ = ["LEAFLET_DIR", "STYLES", "write_map"]

#: The vendored Leaflet (npm leaflet@1.9.4: the UMD build dist/leaflet.js, leaflet.css, images).
LEAFLET_DIR = Path(__file__).resolve().parents[1] / "static" / "vendor" / "leaflet-1.9.4"
_ASSETS = ("leaflet.js", "leaflet.css", "LICENSE", "images/layers.png", "images/layers-2x.png",
           "images/marker-icon.png", "images/marker-icon-2x.png", "images/marker-shadow.png")  # fmt: skip
_CANVAS_FROM = 5000  # features: SVG above this many gets slow, canvas does not
_COLOUR = re.compile(r"^(#[0-9A-Fa-f]{3,8}|[A-Za-z]{3,20}|rgba?\([0-9., %]+\))$")
_PATH_OPTIONS = {"color": "color", "fill_color": "fillColor", "weight": "weight", "opacity": "opacity",
                 "fill_opacity": "fillOpacity", "dash_array": "dashArray", "radius": "radius"}  # fmt: skip
_STYLE_KEYS = set(_PATH_OPTIONS) | {"by", "classes", "numbered", "label", "tooltip", "preset", "fit"}


def _coverage_status(gdf: gpd.GeoDataFrame) -> np.ndarray:
    """covered / uncovered / unreachable from the ``covered`` and ``reachable`` columns of a coverage result."""
    if "covered" not in gdf.columns:
        raise ValueError(f"the 'coverage' style needs a coverage result (a 'covered' column), got {list(gdf.columns)}")
    covered = gdf["covered"].fillna(False).to_numpy(dtype=bool)
    reachable = gdf["reachable"].fillna(True).to_numpy(dtype=bool) if "reachable" in gdf else np.ones(len(gdf), bool)
    return np.where(covered, "covered", np.where(reachable, "uncovered", "unreachable"))


_GI = {"hot_99": ("#d62f27", "热点（99% 置信）", "hot spot, 99 % confidence"),
       "hot_95": ("#ed7551", "热点（95% 置信）", "hot spot, 95 % confidence"),
       "hot_90": ("#fab984", "热点（90% 置信）", "hot spot, 90 % confidence"),
       "not_significant": ("#f7f7f2", "不显著", "not significant"),
       "cold_90": ("#c0ccbe", "冷点（90% 置信）", "cold spot, 90 % confidence"),
       "cold_95": ("#849eba", "冷点（95% 置信）", "cold spot, 95 % confidence"),
       "cold_99": ("#4575b5", "冷点（99% 置信）", "cold spot, 99 % confidence")}  # fmt: skip

#: Style presets by name: what ``write_map`` draws for each kind of result.
STYLES: dict[str, dict] = {
    "coverage": {"by": _coverage_status, "radius": 5, "weight": 1.5, "fill_opacity": 0.55, "classes": {
        "covered": {"color": "#1b7837", "label": ("已覆盖", "covered")},
        "uncovered": {"color": "#d6604d", "label": ("未覆盖", "not covered")},
        "unreachable": {"color": "#6a6a6a", "dash_array": "4 3", "label": ("不可达", "unreachable")}}},
    "service_areas": {"color": "#4393c3", "fill_color": "#92c5de", "weight": 3, "opacity": 0.6,
                      "fill_opacity": 0.2, "label": ("服务范围", "service area")},
    "facilities": {"color": "#08306b", "fill_color": "#2166ac", "radius": 6, "weight": 2, "fill_opacity": 0.9,
                   "label": ("设施", "facility")},
    "targets": {"color": "#616161", "fill_color": "#bdbdbd", "radius": 4, "weight": 1, "fill_opacity": 0.6,
                "label": ("目标", "target")},
    "points": {"color": "#424242", "fill_color": "#fdd835", "radius": 4, "weight": 1, "fill_opacity": 0.9,
               "label": ("点", "point")},
    "lines": {"color": "#8f8f8f", "weight": 2, "opacity": 0.7, "label": ("道路", "street")},
    "areas": {"color": "#6d6d6d", "fill_color": "#cfcfcf", "weight": 1, "fill_opacity": 0.35, "label": ("面", "area")},
    "gaps": {"color": "#e31a1c", "weight": 5, "opacity": 0.9, "label": ("缺口路段", "gap")},
    "proposals": {"numbered": "rank", "color": "#6a1b9a", "label": ("建议新增点位", "proposed site")},
    "hotspots": {"by": "class", "color": "#9e9e9e", "weight": 0.5, "fill_opacity": 0.75,
                 "classes": {k: {"fill_color": c, "label": (zh, en)} for k, (c, zh, en) in _GI.items()}},
}  # fmt: skip

_SUMMARY_LABELS = {
    "targets": ("目标数", "targets"), "covered": ("已覆盖", "covered"), "uncovered": ("未覆盖", "not covered"),
    "unreachable": ("不可达", "unreachable"), "coverage_ratio": ("覆盖率", "coverage"),
    "radius_m": ("服务半径（米）", "radius (m)"), "metric": ("距离", "distance"),
    "households_total": ("户数", "households"), "households_covered": ("已覆盖户数", "households covered"),
    "total_gap_m": ("缺口总长（米）", "total gap length (m)"), "gaps": ("缺口段数", "gaps"),
    "lines_checked": ("已检查线路", "lines checked"), "lines_skipped": ("跳过线路", "lines skipped"),
    "lines_unchecked": ("未检查线路", "lines not checked"),
    "checked_length_m": ("检查长度（米）", "length checked (m)"),
    "unchecked_classes": ("无阈值的道路等级", "classes without a threshold"),
    "max_gap_m": ("阈值（米）", "threshold (m)"), "snap_m": ("吸附距离（米）", "snap distance (m)"),
    "source": ("依据", "source"), "preset": ("预设", "preset"),
    "exclude_broken": ("损坏路灯计为缺失", "broken lamps count as missing"), "method": ("方法", "method"),
    "problem": ("问题", "problem"), "status": ("状态", "status"), "coverable": ("可覆盖", "coverable"),
    "uncoverable": ("无法覆盖", "cannot be covered"), "covered_before": ("新增前已覆盖", "covered before"),
    "covered_after": ("新增后已覆盖", "covered after"), "count": ("建议点位数", "sites proposed"),
    "objective": ("目标值", "objective"), "gap_ratio": ("与最优（或界）的差距", "gap to the optimum or bound"),
    "points": ("点数", "points"), "cells": ("网格数", "cells"), "size_m": ("网格大小（米）", "cell size (m)"),
    "cell": ("网格形状", "cell shape"), "classes": ("分类", "classes"), "crs": ("量算坐标系", "metric CRS"),
    "by_class": ("按道路等级", "by road class"), "by_line": ("按道路", "by line"),
    "by_grid": ("按网格", "by grid cell"), "broken_left_out": ("略去的损坏点", "broken points left out"),
    "quality": ("质量", "quality"), "distance_band_m": ("邻域距离（米）", "neighbour distance (m)"),
    "uncoverable_ids": ("无法覆盖的目标", "targets out of reach"),
}  # fmt: skip
_VALUE_LABELS = {"euclidean": ("直线", "straight line"), "network": ("沿街道", "along the streets"),
                 "hex": ("六边形", "hexagons"), "square": ("正方形", "squares"), "greedy": ("贪心", "greedy"),
                 "exact": ("精确（HiGHS）", "exact (HiGHS)"), "optimal": ("已证最优", "proved optimal"),
                 "max_coverage": ("最大覆盖", "maximum coverage"), "set_cover": ("集合覆盖", "set cover")}  # fmt: skip


# -- layer specifications --------------------------------------------------------------------------------
def _bilingual(value: object, name: str) -> str:
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
    return np.array(["" if _json_value(k) is None else str(k) for k in keys], dtype=object)


def _layer_spec(k: int, layer: object) -> dict:
    """Check one (title, gdf, style) and turn it into what the page draws: features, styles, legend."""
    name = f"layers[{k}]"
    if not (isinstance(layer, (tuple, list)) and len(layer) == 3):
        raise TypeError(f"{name} must be a (title, GeoDataFrame, style) triple, got {layer!r:.80}")
    title, gdf, style = layer
    title = _bilingual(title, f"{name} title")
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
        label = _bilingual(cls.get("label", str(key)), f"{name} class {key!r} label")
        classes[str(key)] = {"style": _path_style(cls, f"{name} class {key!r}"), "label": label}
    counts = pd.Series(keys, dtype=object).value_counts().to_dict()
    base = _path_style(style, f"{name} style")
    legend = [(c["label"], {**base, **c["style"]}, counts[key]) for key, c in classes.items() if counts.get(key)]
    rest = sum(n for key, n in counts.items() if key not in classes)
    if rest or not legend:
        legend.insert(0, (_bilingual(style.get("label", title), f"{name} label"), base, rest))
    spec = {"title": title, "base": base, "classes": classes, "numbered": numbered is not None,
            "tooltip": style.get("tooltip") if style.get("tooltip") in gdf.columns else None}  # fmt: skip
    return {"title": title, "spec": spec, "data": _collection(gdf, keys, numbered), "legend": legend,
            "bounds": gdf.to_crs(4326).total_bounds if len(gdf) and style.get("fit", True) else None}  # fmt: skip


# -- features as GeoJSON ---------------------------------------------------------------------------------
def _json_value(value: object):
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
        return [_json_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _json_value(v) for k, v in value.items()}
    return str(value)


def _collection(gdf: gpd.GeoDataFrame, keys: np.ndarray, numbered: str | None) -> dict:
    wgs = gdf if gdf.crs.equals("EPSG:4326") else gdf.to_crs(4326)
    geoms = shapely.transform(np.asarray(wgs.geometry.values, dtype=object), lambda xy: np.round(xy, 7))
    geometry = json.loads("[" + ",".join(shapely.to_geojson(geoms)) + "]") if len(geoms) else []
    columns = [c for c in wgs.columns if c != wgs.geometry.name]
    rows = wgs[columns].to_numpy(dtype=object)
    features = []
    for i, geom in enumerate(geometry):
        properties = {str(c): _json_value(v) for c, v in zip(columns, rows[i])}
        mark = {"k": keys[i]}
        if numbered is not None:
            mark["n"] = "" if properties[numbered] is None else str(properties[numbered])
        features.append({"type": "Feature", "geometry": geom, "properties": properties, "webmap": mark})
    return {"type": "FeatureCollection", "features": features}


def _script_json(value: object) -> str:
    """JSON safe inside an HTML <script>: no '<', '>', '&' or line separators left as such."""
    text = json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    for raw, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"),
                         ("\u2029", "\\u2029")):  # fmt: skip
        text = text.replace(raw, escaped)
    return text


# -- the page ----------------------------------------------------------------------------------------------
_CSS = """
.leaflet-container { background: #f4f2ee; }
.webmap-panel { position: absolute; top: 10px; right: 10px; z-index: 1000; box-sizing: border-box;
  max-width: min(380px, calc(100% - 70px)); max-height: calc(100% - 40px); overflow: auto; padding: 8px 12px;
  background: rgba(255, 255, 255, 0.95); border-radius: 6px; box-shadow: 0 1px 5px rgba(0, 0, 0, 0.35);
  font: 13px/1.45 system-ui, "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; color: #222; }
.webmap-panel h1 { font-size: 15px; margin: 0 0 6px; }
.webmap-panel h2 { font-size: 13px; margin: 8px 0 2px; }
.webmap-panel ul { list-style: none; margin: 0; padding: 0; }
.webmap-panel summary { font-weight: 600; margin-top: 8px; cursor: pointer; }
.webmap-swatch { display: inline-block; box-sizing: border-box; width: 16px; height: 11px; margin-right: 6px;
  vertical-align: middle; border: 2px solid; }
.webmap-table { border-collapse: collapse; }
.webmap-table th, .webmap-table td { text-align: left; vertical-align: top; padding: 1px 8px 1px 0; }
.webmap-table th { font-weight: 600; color: #555; }
.webmap-number { background: none; border: none; }
.webmap-number span { display: flex; align-items: center; justify-content: center; box-sizing: border-box;
  width: 26px; height: 26px; border-radius: 50%; border: 2px solid #fff; color: #fff;
  font: bold 12px/1 system-ui, sans-serif; box-shadow: 0 1px 3px rgba(0, 0, 0, 0.5); }
"""

# Every value reaches the page through textContent: data can hold no markup.
_JS = """
var webmap = (function () {
  function text(value) {
    if (value === null || value === undefined) { return "\\u2014"; }
    if (typeof value === "number" && !Number.isInteger(value)) { return String(Math.round(value * 100) / 100); }
    return typeof value === "object" ? JSON.stringify(value) : String(value);
  }
  function table(properties) {
    var t = document.createElement("table");
    t.className = "webmap-table";
    Object.keys(properties).forEach(function (key) {
      var row = t.insertRow(), th = document.createElement("th");
      th.textContent = key;
      row.appendChild(th);
      row.insertCell().textContent = text(properties[key]);
    });
    return t;
  }
  function styleOf(spec, feature) {
    var cls = spec.classes[feature.webmap.k];
    return Object.assign({}, spec.base, cls ? cls.style : {});
  }
  function tip(spec, feature) {
    var cls = spec.classes[feature.webmap.k], parts = [spec.title], div = document.createElement("div");
    if (spec.numbered) { parts.push("#" + feature.webmap.n); }
    if (cls) { parts.push(cls.label); }
    if (spec.tooltip && feature.properties[spec.tooltip] !== null) {
      parts.push(text(feature.properties[spec.tooltip]));
    }
    div.textContent = parts.join(" \\u00b7 ");
    return div;
  }
  function numbered(spec, feature, latlng) {
    var badge = document.createElement("span"), style = styleOf(spec, feature);
    badge.textContent = feature.webmap.n;
    badge.style.background = style.fillColor || style.color || "#6a1b9a";
    return L.marker(latlng, {icon: L.divIcon({className: "webmap-number", html: badge, iconSize: [26, 26]})});
  }
  function add(group, spec, data) {
    return L.geoJSON(data, {
      style: function (feature) { return styleOf(spec, feature); },
      pointToLayer: function (feature, latlng) {
        return spec.numbered ? numbered(spec, feature, latlng) : L.circleMarker(latlng, styleOf(spec, feature));
      },
      onEachFeature: function (feature, layer) {
        layer.bindTooltip(function () { return tip(spec, feature); }, {sticky: !spec.numbered});
        layer.bindPopup(function () { return table(feature.properties); }, {maxWidth: 420});
      }
    }).addTo(group);
  }
  return {add: add};
})();
"""
_INLINE = {"css": "/*webmap:leaflet.css*/", "js": "/*webmap:leaflet.js*/", "icons": "/*webmap:icons*/"}


class _Head(MacroElement):
    """The page's own style and drawing helper, and in a single-file page the placeholders for Leaflet."""

    _template = Template("{% macro header(this, kwargs) %}{{ this.head }}{% endmacro %}")

    def __init__(self, inline: bool) -> None:
        super().__init__()
        leaflet = (f'<style data-webmap="leaflet.css">{_INLINE["css"]}</style>\n'
                   f'<script data-webmap="leaflet.js">{_INLINE["js"]}</script>\n'
                   f'<script>{_INLINE["icons"]}</script>\n') if inline else ""  # fmt: skip
        self.head = f"{leaflet}<style>{_CSS}</style>\n<script>{_JS}</script>\n"


class _Layer(MacroElement):
    """One result layer drawn into its feature group by the helper."""

    _template = Template(
        "{% macro script(this, kwargs) %}webmap.add({{ this._parent.get_name() }}, {{ this.spec }}, {{ this.data }});"
        "{% endmacro %}"
    )

    def __init__(self, spec: dict, data: dict) -> None:
        super().__init__()
        self.spec, self.data = _script_json(spec), _script_json(data)


class _Setup(MacroElement):
    """Attribution as text (the Leaflet credit without a link), and the first view: the data's bounds,
    kept clear of the layer list and the legend on a wide screen."""

    _template = Template("""{% macro script(this, kwargs) %}
(function (map) {
  map.attributionControl.setPrefix({{ this.prefix }});
  {{ this.attributions }}.forEach(function (a) { map.attributionControl.addAttribution(a); });
  var bounds = {{ this.bounds }}, wide = map.getSize().x > 900;
  if (bounds) {
    map.fitBounds(bounds, {paddingTopLeft: wide ? [200, 24] : [16, 16], paddingBottomRight: wide ? [400, 24] : [16, 16],
                           maxZoom: 18});
  }
})({{ this._parent.get_name() }});
{% endmacro %}""")

    def __init__(self, attribution: Sequence[str], bounds: list | None) -> None:
        super().__init__()
        self.prefix = _script_json("Leaflet")
        self.attributions = _script_json([html.escape(a) for a in attribution])  # the control inserts HTML
        self.bounds = _script_json(bounds)


class _Panel(MacroElement):
    """The title, legend and summary, as escaped HTML over the map."""

    _template = Template("{% macro html(this, kwargs) %}{{ this.panel }}{% endmacro %}")

    def __init__(self, panel: str) -> None:
        super().__init__()
        self.panel = panel


def _format(key: str, value: object) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "是 yes" if value else "否 no"
    if isinstance(value, (int, np.integer)):
        return f"{int(value):,}"
    if isinstance(value, (float, np.floating)):
        if not math.isfinite(value):
            return "—"
        return f"{100 * value:.1f} %" if key.endswith("_ratio") else f"{value:,.2f}".rstrip("0").rstrip(".")
    if isinstance(value, str) and value in _VALUE_LABELS:
        return " / ".join(_VALUE_LABELS[value])
    return str(value)


def _label(key: str) -> tuple[str, str]:
    if key in _SUMMARY_LABELS:
        return _SUMMARY_LABELS[key]
    for suffix, (zh, en) in (("_total", ("合计", "total")), ("_covered", ("已覆盖", "covered"))):
        if key.endswith(suffix) and len(key) > len(suffix):
            return f"{key[: -len(suffix)]} {zh}", en
    return key, key


def _summary_rows(summary: Mapping, prefix: tuple[str, str] | None = None) -> list[tuple[str, str]]:
    """(label, value) rows in zh-CN and English; nested dicts are flattened, lists of records counted."""
    rows = []
    for key, value in summary.items():
        zh, en = _label(str(key))
        label = f"{zh} {en}" if zh != en else zh
        if prefix is not None:
            label = f"{prefix[0]} · {label}"
        if isinstance(value, Mapping) and {"zh-CN", "en"} <= set(value):
            rows.append((label, f"{value['zh-CN']} / {value['en']}"))
        elif isinstance(value, Mapping):
            rows.extend(_summary_rows(value, (label, en)))
        elif isinstance(value, (list, tuple)):
            if all(not isinstance(v, (Mapping, list, tuple)) for v in value):
                shown = ", ".join(_format(str(key), v) for v in value[:20]) + (" …" if len(value) > 20 else "")
                rows.append((label, shown or "—"))
            else:
                rows.append((label, f"{len(value)} 项 items"))
        else:
            rows.append((label, _format(str(key), value)))
    return rows


def _panel_html(title: str, specs: list[dict], summary: Mapping | None) -> str:
    esc = html.escape
    parts = [f'<div class="webmap-panel" lang="zh-CN"><h1>{esc(title)}</h1>']
    for spec in specs:
        parts.append(f"<h2>{esc(spec['title'])}</h2><ul>")
        for label, style, count in spec["legend"]:
            fill, stroke = style.get("fillColor", style.get("color", "#3388ff")), style.get("color", "#3388ff")
            parts.append(f'<li><span class="webmap-swatch" style="background:{esc(fill)};border-color:{esc(stroke)}">'
                         f"</span>{esc(label)} ({count:,})</li>")  # fmt: skip
        parts.append("</ul>")
    if summary:
        parts.append('<details open><summary>摘要 Summary</summary><table class="webmap-table">')
        parts.extend(f"<tr><th>{esc(k)}</th><td>{esc(v)}</td></tr>" for k, v in _summary_rows(summary))
        parts.append("</table></details>")
    parts.append("</div>")
    return "\n".join(parts)


def _html_path(path: object) -> Path:
    if not isinstance(path, (str, Path)):
        raise TypeError(f"path must be a str or Path, got {type(path).__name__}")
    out = Path(path)
    if out.suffix.lower() not in (".html", ".htm"):
        raise ValueError(f"path must end in .html or .htm, got {str(path)!r}")
    if not out.parent.is_dir():
        raise ValueError(f"the directory of path does not exist: {str(out.parent)!r}")
    return out


def _data_uri(name: str) -> str:
    return "data:image/png;base64," + base64.b64encode((LEAFLET_DIR / name).read_bytes()).decode("ascii")


def _inline_leaflet_css() -> str:
    """leaflet.css with its images as data: URIs, as a single-file page holds it."""
    css = (LEAFLET_DIR / "leaflet.css").read_text(encoding="utf-8")
    return re.sub(r"url\((images/[\w.-]+\.png)\)", lambda m: f"url({_data_uri(m.group(1))})", css)


def _inline_assets(page: str) -> str:
    js = (LEAFLET_DIR / "leaflet.js").read_text(encoding="utf-8")
    css = _inline_leaflet_css()
    if "</script" in js.lower() or "</style" in css.lower():
        raise RuntimeError("the vendored Leaflet cannot be inlined: it would close its own element")
    icons = ('L.Icon.Default.imagePath = ""; L.Icon.Default.mergeOptions({'
             f'iconUrl: "{_data_uri("images/marker-icon.png")}", '
             f'iconRetinaUrl: "{_data_uri("images/marker-icon-2x.png")}", '
             f'shadowUrl: "{_data_uri("images/marker-shadow.png")}"}});')  # fmt: skip
    head_end = page.index("</head>")
    for key, content in (("css", css), ("js", js), ("icons", icons)):
        if not 0 <= page.find(_INLINE[key]) < head_end:
            raise RuntimeError(f"the page lost its {key} placeholder")
        page = page.replace(_INLINE[key], content, 1)  # the head's: the same text in the data stays text
        head_end = page.index("</head>")
    return page


class _References(HTMLParser):
    """What a page would load: src/href of its tags and url()/@import in its styles (scripts hold data)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.refs, self._in_style = [], False

    def handle_starttag(self, tag, attrs):
        self._in_style = tag == "style"
        self.refs += [v or "" for k, v in attrs if k in ("src", "href", "srcset", "poster", "data", "action")]
        self._css(" ".join(v or "" for k, v in attrs if k == "style"))

    def handle_endtag(self, tag):
        self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self._css(data)

    def _css(self, css: str) -> None:
        self.refs += re.findall(r"""url\(\s*["']?([^"')]*)""", css) + re.findall(r"@import\s+([^;]*)", css)


def _check_local(page: str, files_url: str | None) -> None:
    """Refuse a page that would load anything but the assets written with it (a CDN link, a tile URL)."""
    parser = _References()
    parser.feed(page)
    parser.close()
    foreign = [r for r in parser.refs if files_url is None or not r.startswith(files_url + "/")]
    if foreign:
        raise RuntimeError(f"the page would load {foreign[:3]}: only local Leaflet assets are allowed")


def _copy_assets(folder: Path) -> None:
    (folder / "images").mkdir(parents=True, exist_ok=True)
    for name in _ASSETS:
        shutil.copyfile(LEAFLET_DIR / name, folder / name)


def _bounds(specs: list[dict]) -> list[list[float]] | None:
    boxes = np.array([s["bounds"] for s in specs if s["bounds"] is not None and np.isfinite(s["bounds"]).all()])
    if not len(boxes):
        return None
    return [[float(boxes[:, 1].min()), float(boxes[:, 0].min())], [float(boxes[:, 3].max()), float(boxes[:, 2].max())]]


def _folium_map(specs: list[dict], files_url: str | None) -> folium.Map:
    """A folium map with no tiles that links only the local Leaflet (or nothing, for a single file)."""
    bounds = _bounds(specs)
    centre = [0.0, 0.0] if bounds is None else [(bounds[0][0] + bounds[1][0]) / 2, (bounds[0][1] + bounds[1][1]) / 2]
    features = sum(len(s["data"]["features"]) for s in specs)
    fmap = folium.Map(location=centre, zoom_start=2 if bounds is None else 15, tiles=None, control_scale=True,
                      prefer_canvas=features > _CANVAS_FROM, **{"maxZoom": 22})  # fmt: skip
    # Instance lists replace folium's CDN defaults (Leaflet, jQuery, Bootstrap, Font Awesome...) for this map.
    fmap.default_js = [] if files_url is None else [("leaflet", f"{files_url}/leaflet.js")]
    fmap.default_css = [] if files_url is None else [("leaflet_css", f"{files_url}/leaflet.css")]
    return fmap


def write_map(
    path: str | Path, layers: Sequence[tuple], *, summary: Mapping | None = None, inline: bool = False,
    title: object = None, attribution: str | Sequence[str] = (),
) -> Path:
    """Write a standalone HTML map of result layers that loads nothing from the internet.

    Parameters
    ----------
    path : str or Path
        The ``.html`` file.  Its Leaflet goes into ``<stem>_files/`` beside it (leaflet.js, leaflet.css,
        images, LICENSE), or into the page itself with ``inline=True``.
    layers : sequence of (title, GeoDataFrame, style)
        Drawn in order (the first at the bottom), each listed in the legend with its feature count.
        ``title`` is a string, a (zh, en) pair or a ``{"zh-CN", "en"}`` mapping; the frame may have any
        CRS (none is an error); rows without geometry are left out.  ``style`` is None (by geometry), a
        preset name from `STYLES` ("coverage", "gaps", "proposals", "hotspots", "service_areas", ...),
        or a dict of ``color``, ``fill_color``, ``weight``, ``opacity``, ``fill_opacity``, ``dash_array``,
        ``radius`` (points, pixels), ``label``, ``tooltip`` (a column), ``numbered`` (a column: points as
        numbered badges), ``by`` (a column or a function of the frame) with ``classes``
        ``{value: {style keys..., "label": (zh, en)}}``, ``preset`` (a preset these keys change) and
        ``fit`` (False: leave the layer out of the first view, e.g. context with far-off mistakes).
    summary : dict, optional
        Shown in zh-CN and English beside the legend.
    inline : bool
        One self-contained file: Leaflet's JS and CSS in the page, its images as data: URIs.
    title : str, (zh, en) or mapping, optional
        The page's title; default the first layer's.
    attribution : str or sequence of str
        Credits for the data (e.g. "© OpenStreetMap contributors"), shown as text.

    Returns
    -------
    Path
        ``path``.  Every property is shown as text (never as markup) in the feature's popup.

    Examples
    --------
    >>> import tempfile
    >>> from shapely.geometry import Point
    >>> bins = gpd.GeoDataFrame({"名称": ["东门"]}, geometry=[Point(113.3, 23.1)], crs="EPSG:4326")
    >>> folder = tempfile.mkdtemp()
    >>> write_map(f"{folder}/bins.html", [("垃圾桶", bins, "facilities")], inline=True).stat().st_size > 100_000
    True
    """
    out = _html_path(path)
    if isinstance(layers, (str, bytes, Mapping)) or not isinstance(layers, Sequence):
        raise TypeError(f"layers must be a list of (title, GeoDataFrame, style), got {type(layers).__name__}")
    if summary is not None and not isinstance(summary, Mapping):
        raise TypeError(f"summary must be a dict or None, got {type(summary).__name__}")
    credits = [attribution] if isinstance(attribution, str) else list(attribution)
    if not all(isinstance(a, str) for a in credits):
        raise TypeError(f"attribution must be a string or strings, got {attribution!r}")
    specs = [_layer_spec(k, layer) for k, layer in enumerate(layers)]
    page_title = _bilingual(title, "title") if title is not None else specs[0]["title"] if specs else "地图 / Map"
    files_url = None if inline else quote(f"{out.stem}_files")
    fmap = _folium_map(specs, files_url)
    fmap.get_root().title = html.escape(page_title)
    _Head(inline).add_to(fmap)
    for spec in specs:
        group = folium.FeatureGroup(name=html.escape(spec["title"])).add_to(fmap)  # the control inserts HTML
        _Layer(spec["spec"], spec["data"]).add_to(group)
    if specs:
        folium.LayerControl(position="topleft", collapsed=len(specs) > 6).add_to(fmap)
    _Panel(_panel_html(page_title, specs, summary)).add_to(fmap)
    _Setup(credits, _bounds(specs)).add_to(fmap)
    page = fmap.get_root().render()
    _check_local(page, files_url)
    if inline:
        page = _inline_assets(page)
    else:
        _copy_assets(out.parent / f"{out.stem}_files")
    out.write_text(page, encoding="utf-8")
    return out
