"""Static maps as standalone SVG text, for printed reports: layers of a GeoDataFrame drawn in a metric
projection chosen for the data (``geo.crs``), with a scale bar, a north arrow and a legend in Chinese.

The output depends only on the input (no random ids, coordinates rounded to 0.1 px), every text is
escaped, and styles are presentation attributes (``fill``, ``stroke``...), never ``style`` attributes or
``<style>`` elements, so the SVG passes a Content-Security-Policy that forbids inline styles.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence

import geopandas as gpd
import numpy as np
import pyproj
import shapely

from geo.crs import metric_crs_for_bounds
from geo.svgmap.furniture import attrs, esc, north_arrow, num, scale_bar, text_width
from geo.svgmap.furniture import legend as legend_svg_of

__all__ = ["FONT_FAMILY", "render_svg"]

FONT_FAMILY = "Noto Sans CJK SC, Source Han Sans SC, Microsoft YaHei, PingFang SC, sans-serif"
_COLOUR = re.compile(r"^(#[0-9A-Fa-f]{3,8}|[A-Za-z]{3,20}|none)$")
_STYLE_KEYS = {"fill", "stroke", "stroke_width", "opacity", "fill_opacity", "radius", "dash", "label", "by",
               "classes", "numbered", "text", "legend", "fit"}  # fmt: skip
_PAINT = {"fill": "fill", "stroke": "stroke", "stroke_width": "stroke-width", "opacity": "opacity",
          "fill_opacity": "fill-opacity", "dash": "stroke-dasharray"}  # fmt: skip
_MIN_SPAN_M = 100.0  # a single point or an empty map still gets a readable frame


def _zh(label: object, name: str) -> str:
    """The Chinese text of a label given as a string, a (zh, en) pair or a {"zh-CN", "en"} mapping."""
    if isinstance(label, str):
        return label
    if isinstance(label, Mapping) and "zh-CN" in label:
        return str(label["zh-CN"])
    if isinstance(label, (tuple, list)) and len(label) == 2 and all(isinstance(v, str) for v in label):
        return label[0]
    raise TypeError(f"{name} must be a string, a (zh, en) pair or a {{'zh-CN', 'en'}} mapping, got {label!r}")


def _paint(style: Mapping, name: str) -> dict[str, str]:
    out = {}
    for key, attribute in _PAINT.items():
        if key not in style:
            continue
        value = style[key]
        if key in ("fill", "stroke"):
            if not (isinstance(value, str) and _COLOUR.match(value)):
                raise ValueError(f"{name}[{key!r}] must be a colour such as '#d62f27' or 'none', got {value!r}")
            out[attribute] = value
        elif key == "dash":
            if not (isinstance(value, str) and re.fullmatch(r"[0-9 ,.]+", value)):
                raise ValueError(f"{name}['dash'] must be numbers such as '4 3', got {value!r}")
            out[attribute] = value
        else:
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
                raise ValueError(f"{name}[{key!r}] must be a number >= 0, got {value!r}")
            out[attribute] = num(value)
    return out


def _check_style(style: object, name: str) -> Mapping:
    if style is None:
        return {}
    if not isinstance(style, Mapping):
        raise TypeError(f"{name} must be a dict or None, got {type(style).__name__}")
    unknown = sorted(set(style) - _STYLE_KEYS)
    if unknown:
        raise ValueError(f"{name} has unknown keys {unknown}; known: {sorted(_STYLE_KEYS)}")
    for key in ("by", "numbered", "text"):
        if key in style and not isinstance(style[key], str):
            raise TypeError(f"{name}[{key!r}] must name a column, got {style[key]!r}")
    return style


def _check_layers(layers: object) -> list[tuple[str, gpd.GeoDataFrame, Mapping]]:
    if isinstance(layers, (str, bytes, Mapping)) or not isinstance(layers, Sequence):
        raise TypeError(f"layers must be a list of (title, GeoDataFrame, style), got {type(layers).__name__}")
    out = []
    for k, layer in enumerate(layers):
        name = f"layers[{k}]"
        if not (isinstance(layer, (tuple, list)) and len(layer) == 3):
            raise TypeError(f"{name} must be a (title, GeoDataFrame, style) triple, got {layer!r:.80}")
        title, gdf, style = layer
        if not isinstance(gdf, gpd.GeoDataFrame):
            raise TypeError(f"{name} must hold a GeoDataFrame, got {type(gdf).__name__}")
        if gdf.crs is None:
            raise ValueError(f"{name} has no CRS: set one, it is never guessed")
        style = _check_style(style, f"{name} style")
        for key in ("by", "numbered", "text"):
            if key in style and style[key] not in gdf.columns:
                raise ValueError(f"{name} style[{key!r}] names {style[key]!r}, which is not a column")
        gdf = gdf[~(gdf.geometry.isna() | gdf.geometry.is_empty)]
        out.append((_zh(title, f"{name} title"), gdf, style))
    return out


class _Frame:
    """Metric coordinates to SVG pixels: x to the right, y down, the extent centred in the map area."""

    def __init__(self, extent_m: tuple[float, float, float, float], width_px: float, height_px: float | None,
                 padding_px: float) -> None:  # fmt: skip
        x0, y0, x1, y1 = extent_m
        if x1 - x0 < _MIN_SPAN_M:
            x0, x1 = (x0 + x1 - _MIN_SPAN_M) / 2, (x0 + x1 + _MIN_SPAN_M) / 2
        if y1 - y0 < _MIN_SPAN_M:
            y0, y1 = (y0 + y1 - _MIN_SPAN_M) / 2, (y0 + y1 + _MIN_SPAN_M) / 2
        inner_w = width_px - 2 * padding_px
        if height_px is None:  # as tall as the extent needs, but never more than 1.4 times as tall as wide
            self.scale = inner_w / (x1 - x0)
            height_px = min((y1 - y0) * self.scale + 2 * padding_px, 1.4 * width_px)
            self.scale = min(self.scale, (height_px - 2 * padding_px) / (y1 - y0))
        else:
            self.scale = min(inner_w / (x1 - x0), (height_px - 2 * padding_px) / (y1 - y0))
        self.width, self.height = float(width_px), float(height_px)
        self.ox = (self.width - (x1 - x0) * self.scale) / 2 - x0 * self.scale
        self.oy = (self.height - (y1 - y0) * self.scale) / 2 + y1 * self.scale

    def px(self, xy: np.ndarray) -> np.ndarray:
        return np.column_stack([self.ox + xy[:, 0] * self.scale, self.oy - xy[:, 1] * self.scale])


def _path_data(geom, frame: _Frame) -> str:
    """SVG path data of a (multi)line or (multi)polygon; rings are closed with Z."""
    parts = []
    for part in shapely.get_parts(geom):
        if part.geom_type == "Polygon":
            rings = [part.exterior, *part.interiors]
            closed = True
        elif part.geom_type in ("LineString", "LinearRing"):
            rings, closed = [part], False
        else:  # a nested collection
            parts.append(_path_data(part, frame))
            continue
        for ring in rings:
            xy = frame.px(np.asarray(ring.coords)[:, :2])
            if len(xy) >= 2:
                parts.append("M" + _join_path(xy) + ("Z" if closed else ""))
    return "".join(p for p in parts if p)


def _join_path(xy: np.ndarray) -> str:
    first = f"{num(xy[0, 0])} {num(xy[0, 1])}"
    rest = " ".join(f"{num(x)} {num(y)}" for x, y in xy[1:])
    return f"{first}L{rest}"


def _points(geom) -> list[tuple[float, float]]:
    if geom.geom_type == "Point":
        return [(geom.x, geom.y)]
    return [(p.x, p.y) for p in shapely.get_parts(geom) if p.geom_type == "Point"]


def _keys(gdf: gpd.GeoDataFrame, by: str | None) -> list[str]:
    if by is None:
        return [""] * len(gdf)
    return ["" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v) for v in gdf[by].tolist()]


def _layer_svg(k: int, title: str, gdf: gpd.GeoDataFrame, style: Mapping, frame: _Frame) -> tuple[str, list]:
    """One layer as a <g>, and its legend entries (label, paint, kind, count)."""
    name = f"layers[{k}]"
    base = _paint(style, f"{name} style")
    classes = {str(key): (_paint(cls, f"{name} class {key!r}"), _zh(cls.get("label", str(key)), f"{name} label"))
               for key, cls in (style.get("classes") or {}).items()}  # fmt: skip
    keys = _keys(gdf, style.get("by"))
    radius = style.get("radius", 4)
    if isinstance(radius, bool) or not isinstance(radius, (int, float)) or not 0 <= radius < 1000:
        raise ValueError(f"{name} style['radius'] must be a number >= 0 (pixels), got {radius!r}")
    numbered = style.get("numbered")
    texts = gdf[style["text"]].tolist() if style.get("text") else None
    numbers = gdf[numbered].tolist() if numbered else None
    kinds = set(gdf.geom_type)
    kind = "point" if kinds <= {"Point", "MultiPoint"} else "line" if kinds <= {"LineString", "MultiLineString"} \
        else "area"  # fmt: skip
    group_paint = dict(base)
    if kind == "line":
        group_paint.setdefault("fill", "none")
    body, labels = [], []
    for i, geom in enumerate(gdf.geometry.values):
        paint = classes.get(keys[i], ({}, ""))[0]
        extra = attrs(paint) + f' data-key="{esc(keys[i])}"' if keys[i] else attrs(paint)
        if geom.geom_type in ("Point", "MultiPoint"):
            for x, y in frame.px(np.array(_points(geom))):
                if numbers is not None:
                    body.append(_badge(x, y, numbers[i], paint.get("fill") or base.get("fill") or "#6a1b9a", keys[i]))
                else:
                    body.append(f'<circle cx="{num(x)}" cy="{num(y)}" r="{num(radius)}"{extra}/>')
        else:
            data = _path_data(geom, frame)
            if data:
                rule = ' fill-rule="evenodd"' if kind == "area" else ""
                body.append(f'<path d="{data}"{rule}{extra}/>')
        if texts is not None and texts[i] is not None and str(texts[i]).strip():
            anchor = geom.representative_point() if kind != "point" else geom.centroid
            x, y = frame.px(np.array([[anchor.x, anchor.y]]))[0]
            labels.append(_label_text(x, y, texts[i]))
    counts: dict[str, int] = {}
    for key in keys:
        counts[key] = counts.get(key, 0) + 1
    legend = [(label, {**base, **paint}, kind, counts[key]) for key, (paint, label) in classes.items()
              if counts.get(key)]  # fmt: skip
    rest = sum(n for key, n in counts.items() if key not in classes)
    if rest or (not legend and "label" in style):
        legend.insert(0, (_zh(style.get("label", title), f"{name} label"), base, kind, rest))
    if style.get("legend") is False:
        legend = []
    group = (f'<g class="layer" data-layer="{k}" data-title="{esc(title)}"{attrs(group_paint)}>'
             + "".join(body) + "".join(labels) + "</g>")  # fmt: skip
    return group, legend


def _badge(x: float, y: float, number: object, fill: str, key: str) -> str:
    data = f' data-key="{esc(key)}"' if key else ""
    return (f'<g class="badge"{data}><circle cx="{num(x)}" cy="{num(y)}" r="10" fill="{esc(fill)}" '
            f'stroke="#ffffff" stroke-width="2"/><text x="{num(x)}" y="{num(y + 4.5)}" text-anchor="middle" '
            f'font-size="12" font-weight="bold" fill="#ffffff" stroke="none">{esc(number)}</text></g>')  # fmt: skip


def _label_text(x: float, y: float, text: object) -> str:
    return (f'<text x="{num(x)}" y="{num(y)}" text-anchor="middle" font-size="12" fill="#5f5a52" stroke="#ffffff" '
            f'stroke-width="3" stroke-opacity="0.8" paint-order="stroke" fill-opacity="1">{esc(text)}</text>')


def _metric_for(minx: float, miny: float, maxx: float, maxy: float) -> pyproj.CRS:
    """The UTM zone chosen for the bounds (``geo.crs``); beyond UTM's latitudes or across the antimeridian,
    an azimuthal equidistant projection centred on the data, which is in metres anywhere."""
    try:
        return metric_crs_for_bounds(minx, miny, maxx, maxy)
    except ValueError:
        lon, lat = (minx + maxx) / 2, min(max((miny + maxy) / 2, -90.0), 90.0)
        return pyproj.CRS.from_proj4(f"+proj=aeqd +lat_0={lat:.6f} +lon_0={lon:.6f} +datum=WGS84 +units=m")


def _metric_crs(layers: list, extent: Sequence[float] | None) -> pyproj.CRS:
    if extent is not None:
        return _metric_for(*extent)
    boxes = [g.to_crs(4326).total_bounds for _, g, s in layers if len(g) and s.get("fit", True)]
    boxes = [b for b in boxes if np.isfinite(b).all()]
    if not boxes:
        boxes = [g.to_crs(4326).total_bounds for _, g, _ in layers if len(g)]
    if not boxes:
        return pyproj.CRS.from_epsg(3857)  # nothing to draw: any metric CRS frames an empty map
    b = np.array(boxes)
    return _metric_for(b[:, 0].min(), b[:, 1].min(), b[:, 2].max(), b[:, 3].max())


def _extent_m(projected: list, extent: Sequence[float] | None, crs: pyproj.CRS) -> tuple[float, ...]:
    if extent is not None:
        box = gpd.GeoSeries([shapely.box(*extent)], crs=4326).to_crs(crs).total_bounds
        return tuple(float(v) for v in box)
    boxes = [g.total_bounds for _, g, s in projected if len(g) and s.get("fit", True)]
    boxes = [b for b in boxes if np.isfinite(b).all()] or [g.total_bounds for _, g, _ in projected if len(g)]
    if not boxes:
        return (0.0, 0.0, _MIN_SPAN_M, _MIN_SPAN_M)
    b = np.array(boxes)
    return (float(b[:, 0].min()), float(b[:, 1].min()), float(b[:, 2].max()), float(b[:, 3].max()))


def render_svg(
    layers: Sequence[tuple], *, width_px: float = 800, height_px: float | None = None,
    extent: Sequence[float] | None = None, title: object = None, padding_px: float = 16, legend: bool = True,
    xmlns: bool = True,
) -> str:  # fmt: skip
    """Draw layers into a standalone SVG map with a scale bar, a north arrow and a legend.

    Parameters
    ----------
    layers : sequence of (title, GeoDataFrame, style)
        Drawn in order (the first at the bottom); any CRS (none is an error); rows without geometry are
        left out.  ``style`` is None or a dict of ``fill``, ``stroke`` (colours or "none"),
        ``stroke_width``, ``opacity``, ``fill_opacity``, ``radius`` (points, px), ``dash`` ("4 3"),
        ``label`` (the legend text), ``by`` (a column) with ``classes`` ``{value: {paint..., "label"}}``,
        ``numbered`` (a column: points as numbered badges), ``text`` (a column written at each feature),
        ``legend`` (False: leave the layer out of the legend) and ``fit`` (False: not part of the extent).
        Titles and labels are strings, (zh, en) pairs or ``{"zh-CN", "en"}`` mappings: the map is Chinese.
    width_px, height_px : float
        The map area's size; its height follows the extent's shape when None (at most 1.4 times the
        width).  The legend goes below.
    extent : (minLon, minLat, maxLon, maxLat), optional
        WGS 84 bounds to show; default the layers' (those with ``fit``).
    title : str, (zh, en) or mapping, optional
        Written at the top left of the map.
    xmlns : bool
        Declare the SVG namespace (a file of its own needs it; SVG inlined in HTML does not).

    Returns
    -------
    str
        ``<svg ...>...</svg>``: each layer a ``<g class="layer" data-layer="k">``, points ``<circle>``,
        lines and areas ``<path>``, plus ``<g class="scale-bar">``, ``<g class="north-arrow">`` and
        ``<g class="legend">``.

    Examples
    --------
    >>> from shapely.geometry import Point
    >>> bins = gpd.GeoDataFrame(geometry=[Point(113.30, 23.10), Point(113.31, 23.11)], crs=4326)
    >>> svg = render_svg([("垃圾桶", bins, {"fill": "#2166ac", "label": ("垃圾桶", "bins")})], width_px=400)
    >>> svg.count('<circle cx'), "垃圾桶（2）" in svg, svg.startswith('<svg xmlns')  # 2 bins, the arrow, the legend
    (4, True, True)
    """
    for name, value in (("width_px", width_px), ("height_px", height_px), ("padding_px", padding_px)):
        if value is None and name == "height_px":
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
            raise ValueError(f"{name} must be a positive number, got {value!r}")
    if width_px <= 2 * padding_px + 40:
        raise ValueError(f"width_px ({width_px}) leaves no room for the map with padding_px {padding_px}")
    if extent is not None:
        extent = tuple(float(v) for v in extent)
        if len(extent) != 4:
            raise ValueError(f"extent must be (minLon, minLat, maxLon, maxLat), got {extent!r}")
    checked = _check_layers(layers)
    crs = _metric_crs(checked, extent)
    projected = [(t, g.to_crs(crs), s) for t, g, s in checked]
    frame = _Frame(_extent_m(projected, extent, crs), width_px, height_px, padding_px)
    groups, entries = [], []
    for k, (layer_title, gdf, style) in enumerate(projected):
        group, layer_legend = _layer_svg(k, layer_title, gdf, style, frame)
        groups.append(group)
        entries.extend(layer_legend)
    legend_svg, legend_h = legend_svg_of(entries, frame.height, frame.width) if legend else ("", 0.0)
    total_h = frame.height + legend_h
    heading = ""
    if title is not None:
        text = _zh(title, "title")
        heading = (f'<g class="title"><rect x="8" y="8" width="{num(text_width(text, 15) + 16)}" height="26" '
                   f'fill="#ffffff" fill-opacity="0.85" rx="3"/><text x="16" y="26" font-size="15" '
                   f'font-weight="bold" fill="#222222">{esc(text)}</text></g>')  # fmt: skip
    namespace = ' xmlns="http://www.w3.org/2000/svg"' if xmlns else ""
    crs_name = crs.to_string() if crs.to_epsg() is None else f"EPSG:{crs.to_epsg()}"
    return (f'<svg{namespace} class="svgmap" width="{num(frame.width)}" height="{num(total_h)}" '
            f'viewBox="0 0 {num(frame.width)} {num(total_h)}" font-family="{esc(FONT_FAMILY)}" role="img" '
            f'data-crs="{esc(crs_name)}" data-scale="{frame.scale:.6f}" '
            f'data-origin="{frame.ox:.3f} {frame.oy:.3f}">'
            f'<rect class="background" x="0" y="0" width="{num(frame.width)}" height="{num(total_h)}" '
            f'fill="#ffffff"/><svg class="map-area" x="0" y="0" width="{num(frame.width)}" '
            f'height="{num(frame.height)}" overflow="hidden"><rect x="0" y="0" width="{num(frame.width)}" '
            f'height="{num(frame.height)}" fill="#f4f2ee"/>{"".join(groups)}</svg>'
            f'<rect x="0.5" y="0.5" width="{num(frame.width - 1)}" height="{num(frame.height - 1)}" fill="none" '
            f'stroke="#9e9e9e" stroke-width="1"/>{heading}{scale_bar(frame.width, frame.height, frame.scale)}'
            f"{north_arrow(frame.width)}{legend_svg}</svg>")
