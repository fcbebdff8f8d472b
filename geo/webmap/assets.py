"""The assets of a standalone result map (``geo.webmap``): the vendored Leaflet, copied beside the page or
inlined into it with its images as data: URIs; the page's own style and drawing helper; and the check that
a page loads nothing else."""

from __future__ import annotations

import base64
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

__all__ = ["INLINE", "LEAFLET_DIR", "PAGE_CSS", "PAGE_JS", "check_local", "copy_assets", "inline_assets"]

#: The vendored Leaflet (npm leaflet@1.9.4: the UMD build dist/leaflet.js, leaflet.css, images).
LEAFLET_DIR = Path(__file__).resolve().parents[2] / "static" / "vendor" / "leaflet-1.9.4"
_ASSETS = ("leaflet.js", "leaflet.css", "LICENSE", "images/layers.png", "images/layers-2x.png",
           "images/marker-icon.png", "images/marker-icon-2x.png", "images/marker-shadow.png")  # fmt: skip
INLINE = {"css": "/*webmap:leaflet.css*/", "js": "/*webmap:leaflet.js*/", "icons": "/*webmap:icons*/"}


#: The page's own style (the panel, legend swatches, numbered badges).
PAGE_CSS = """
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
PAGE_JS = """
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


def _data_uri(name: str) -> str:
    return "data:image/png;base64," + base64.b64encode((LEAFLET_DIR / name).read_bytes()).decode("ascii")


def _inline_leaflet_css() -> str:
    """leaflet.css with its images as data: URIs, as a single-file page holds it."""
    css = (LEAFLET_DIR / "leaflet.css").read_text(encoding="utf-8")
    return re.sub(r"url\((images/[\w.-]+\.png)\)", lambda m: f"url({_data_uri(m.group(1))})", css)


def inline_assets(page: str) -> str:
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
        if not 0 <= page.find(INLINE[key]) < head_end:
            raise RuntimeError(f"the page lost its {key} placeholder")
        page = page.replace(INLINE[key], content, 1)  # the head's: the same text in the data stays text
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


def check_local(page: str, files_url: str | None) -> None:
    """Refuse a page that would load anything but the assets written with it (a CDN link, a tile URL)."""
    parser = _References()
    parser.feed(page)
    parser.close()
    foreign = [r for r in parser.refs if files_url is None or not r.startswith(files_url + "/")]
    if foreign:
        raise RuntimeError(f"the page would load {foreign[:3]}: only local Leaflet assets are allowed")


def copy_assets(folder: Path) -> None:
    (folder / "images").mkdir(parents=True, exist_ok=True)
    for name in _ASSETS:
        shutil.copyfile(LEAFLET_DIR / name, folder / name)
