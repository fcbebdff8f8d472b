"""Standalone HTML maps of analysis results: folium pages that load only the vendored Leaflet (copied
beside the page or inlined into it), with no tile layer, no CDN and no request to any other host."""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from pathlib import Path
from urllib.parse import quote

import folium
import numpy as np

from geo import i18n
from geo.webmap.assets import LEAFLET_DIR, check_local, copy_assets, inline_assets
from geo.webmap.elements import Head, Layer, Panel, Setup
from geo.webmap.panel import panel_html
from geo.webmap.styles import STYLES, bilingual, layer_spec

__all__ = ["LEAFLET_DIR", "STYLES", "page_html", "write_map"]

_CANVAS_FROM = 5000  # features: SVG above this many gets slow, canvas does not


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
    >>> import geopandas as gpd
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

    >>> import geopandas as gpd
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
    specs = [layer_spec(k, layer) for k, layer in enumerate(layers)]
    untitled = i18n.bilingual("webmap.page.default_title")
    page_title = bilingual(title, "title") if title is not None else specs[0]["title"] if specs else untitled
    fmap = _folium_map(specs, files_url)
    fmap.get_root().title = html.escape(page_title)
    Head(files_url is None).add_to(fmap)
    first_choice = next((k for k, spec in enumerate(specs) if spec["choice"]), None)
    for k, spec in enumerate(specs):
        # Choice layers are the layer control's radio buttons (one shown at a time), the others its check boxes.
        group = folium.FeatureGroup(name=html.escape(spec["title"]), overlay=not spec["choice"],
                                    show=not spec["choice"] or k == first_choice)  # the control inserts HTML
        group.add_to(fmap)
        Layer(spec["spec"], spec["data"]).add_to(group)
    if specs:
        folium.LayerControl(position="topleft", collapsed=len(specs) > 6).add_to(fmap)
    Panel(panel_html(page_title, specs, summary)).add_to(fmap)
    Setup(credits, _bounds(specs)).add_to(fmap)
    page = fmap.get_root().render()
    check_local(page, files_url)
    return inline_assets(page) if files_url is None else page
