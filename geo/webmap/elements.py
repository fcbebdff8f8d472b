"""The custom folium elements of a standalone result map (``geo.webmap``): the page's head (its style,
drawing helper and inlined-Leaflet placeholders), one element per result layer, the panel and the first view."""

from __future__ import annotations

import html
from collections.abc import Sequence

from branca.element import MacroElement
from folium.template import Template

from geo.webmap.assets import INLINE, PAGE_CSS, PAGE_JS
from geo.webmap.features import script_json


class Head(MacroElement):
    """The page's own style and drawing helper, and in a single-file page the placeholders for Leaflet."""

    _template = Template("{% macro header(this, kwargs) %}{{ this.head }}{% endmacro %}")

    def __init__(self, inline: bool) -> None:
        super().__init__()
        leaflet = (f'<style data-webmap="leaflet.css">{INLINE["css"]}</style>\n'
                   f'<script data-webmap="leaflet.js">{INLINE["js"]}</script>\n'
                   f'<script>{INLINE["icons"]}</script>\n') if inline else ""  # fmt: skip
        self.head = f"{leaflet}<style>{PAGE_CSS}</style>\n<script>{PAGE_JS}</script>\n"


class Layer(MacroElement):
    """One result layer drawn into its feature group by the helper."""

    _template = Template(
        "{% macro script(this, kwargs) %}webmap.add({{ this._parent.get_name() }}, {{ this.spec }}, {{ this.data }});"
        "{% endmacro %}"
    )

    def __init__(self, spec: dict, data: dict) -> None:
        super().__init__()
        self.spec, self.data = script_json(spec), script_json(data)


class Setup(MacroElement):
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
        self.prefix = script_json("Leaflet")
        self.attributions = script_json([html.escape(a) for a in attribution])  # the control inserts HTML
        self.bounds = script_json(bounds)


class Panel(MacroElement):
    """The title, legend and summary, as escaped HTML over the map."""

    _template = Template("{% macro html(this, kwargs) %}{{ this.panel }}{% endmacro %}")

    def __init__(self, panel: str) -> None:
        super().__init__()
        self.panel = panel
