"""Standalone HTML maps of analysis results: folium pages that load only the vendored Leaflet (copied
beside the page or inlined into it), with no tile layer, no CDN and no request to any other host."""

from __future__ import annotations

import html
import json
import math
import re
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from urllib.parse import quote

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import MacroElement
from folium.template import Template

from geo.webmap_assets import INLINE, LEAFLET_DIR, PAGE_CSS, PAGE_JS, check_local, copy_assets, inline_assets
from geo.webmap_panel import panel_html

__all__ = ["LEAFLET_DIR", "STYLES", "page_html", "write_map"]

_CANVAS_FROM = 5000  # features: SVG above this many gets slow, canvas does not
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
            "bounds": gdf.to_crs(4326).total_bounds if len(gdf) and style.get("fit", True) else None,
            "choice": bool(style.get("choice"))}  # fmt: skip


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
class _Head(MacroElement):
    """The page's own style and drawing helper, and in a single-file page the placeholders for Leaflet."""

    _template = Template("{% macro header(this, kwargs) %}{{ this.head }}{% endmacro %}")

    def __init__(self, inline: bool) -> None:
        super().__init__()
        leaflet = (f'<style data-webmap="leaflet.css">{INLINE["css"]}</style>\n'
                   f'<script data-webmap="leaflet.js">{INLINE["js"]}</script>\n'
                   f'<script>{INLINE["icons"]}</script>\n') if inline else ""  # fmt: skip
        self.head = f"{leaflet}<style>{PAGE_CSS}</style>\n<script>{PAGE_JS}</script>\n"


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


def _html_path(path: object) -> Path:
    if not isinstance(path, (str, Path)):
        raise TypeError(f"path must be a str or Path, got {type(path).__name__}")
    out = Path(path)
    if out.suffix.lower() not in (".html", ".htm"):
        raise ValueError(f"path must end in .html or .htm, got {str(path)!r}")
    if not out.parent.is_dir():
        raise ValueError(f"the directory of path does not exist: {str(out.parent)!r}")
    return out


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
        ``fit`` (False: leave the layer out of the first view, e.g. context with far-off mistakes) and
        ``choice`` (True: one of the layers shown one at a time, like "before" and "after"; the first
        such layer is shown first).
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
    files_url = None if inline else quote(f"{out.stem}_files")
    page = _render(layers, summary, title, attribution, files_url)
    if not inline:
        copy_assets(out.parent / f"{out.stem}_files")
    out.write_text(page, encoding="utf-8")
    return out


def page_html(
    layers: Sequence[tuple], *, summary: Mapping | None = None, title: object = None,
    attribution: str | Sequence[str] = (),
) -> str:
    """The single-file page ``write_map(..., inline=True)`` writes, as text (to send, not to save).

    >>> from shapely.geometry import Point
    >>> bins = gpd.GeoDataFrame({"名称": ["东门"]}, geometry=[Point(113.3, 23.1)], crs="EPSG:4326")
    >>> page = page_html([("垃圾桶", bins, "facilities")], title=("垃圾桶", "bins"))
    >>> page.startswith("<!DOCTYPE html>"), "<title>垃圾桶 / bins</title>" in page
    (True, True)
    """
    return _render(layers, summary, title, attribution, None)


def _render(layers: Sequence[tuple], summary: Mapping | None, title: object, attribution: str | Sequence[str],
            files_url: str | None) -> str:  # fmt: skip
    """The page: Leaflet linked from ``files_url`` (a folder beside it) or, when None, inlined."""
    if isinstance(layers, (str, bytes, Mapping)) or not isinstance(layers, Sequence):
        raise TypeError(f"layers must be a list of (title, GeoDataFrame, style), got {type(layers).__name__}")
    if summary is not None and not isinstance(summary, Mapping):
        raise TypeError(f"summary must be a dict or None, got {type(summary).__name__}")
    credits = [attribution] if isinstance(attribution, str) else list(attribution)
    if not all(isinstance(a, str) for a in credits):
        raise TypeError(f"attribution must be a string or strings, got {attribution!r}")
    specs = [_layer_spec(k, layer) for k, layer in enumerate(layers)]
    page_title = _bilingual(title, "title") if title is not None else specs[0]["title"] if specs else "地图 / Map"
    fmap = _folium_map(specs, files_url)
    fmap.get_root().title = html.escape(page_title)
    _Head(files_url is None).add_to(fmap)
    first_choice = next((k for k, spec in enumerate(specs) if spec["choice"]), None)
    for k, spec in enumerate(specs):
        # Choice layers are the layer control's radio buttons (one shown at a time), the others its check boxes.
        group = folium.FeatureGroup(name=html.escape(spec["title"]), overlay=not spec["choice"],
                                    show=not spec["choice"] or k == first_choice)  # the control inserts HTML
        group.add_to(fmap)
        _Layer(spec["spec"], spec["data"]).add_to(group)
    if specs:
        folium.LayerControl(position="topleft", collapsed=len(specs) > 6).add_to(fmap)
    _Panel(panel_html(page_title, specs, summary)).add_to(fmap)
    _Setup(credits, _bounds(specs)).add_to(fmap)
    page = fmap.get_root().render()
    check_local(page, files_url)
    return inline_assets(page) if files_url is None else page
