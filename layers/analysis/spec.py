"""The shape of an analysis kind's declaration. Each kind (``layers/analysis/kinds/``) is one ``Kind``: its
titles (translation keys), parameters, runner, result styling and legend, summary, and the style of a saved
result. ``GET /api/analysis/kinds`` serves ``Kind.to_json()``; the server checks requests against the same
parameters, the planner's panel builds its form, legend and summary from it, and the docs test reads it.

Every text is a translation key of ``static/i18n/*.json``, or ``{"variant": slot}``: the key named by the
variant (e.g. lamps or bins for gaps) of the layer in the parameter ``variants["of"]``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

PARAM_TYPES = ("layer", "number", "integer", "choice", "boolean", "thresholds", "text")
# Which layers a layer parameter's select lists: those of its geometry, those playing its role (else those
# of its geometry), or every layer.
OFFERS = ("geometry", "role", "all")


@dataclass(frozen=True)
class Param:
    """One parameter of a kind: its name in the request body, type, range, default and form control.

    Numbers are checked ``low < value <= high``, integers ``low <= value <= high``. A layer parameter's
    default is the first layer playing ``role`` (facilities: feeding this kind, by rank) when ``default``
    is None. ``label`` None keeps the parameter out of the form (the API takes it all the same).
    """

    name: str
    type: str
    label: str | None = None
    hint: str | None = None
    unit: str | None = None
    default: Any = None
    required: bool = False  # no default: the request must name it
    nullable: bool = False  # null is a value (snap_edge_m: null ignores widths; count: null asks for the fewest)
    low: float | None = None
    high: float | None = None
    choices: tuple[tuple[Any, str], ...] = ()  # (value, translation key of its label)
    geometry: str | None = None  # layer parameters: the geometry its layer must hold (Point, LineString)
    role: str | None = None  # layer parameters: the role that picks the default layer (see layers/catalogue/roles)
    offer: str = "geometry"
    input: str | None = None  # the form control's id is "analysis-<input>"
    form_default: Any = None  # the form's first value when it differs from the server's default
    presets: str | None = None  # "service_distance" (of a facility layer) or "gap_thresholds" (of its variant)
    presets_of: str | None = None  # the layer parameter whose layer gives the presets
    when: tuple[str, Any] | None = None  # only checked and used when another parameter has this value
    if_given: bool = False  # only checked when the request gives a value (else unused)
    problem: str | None = None  # the form's message when the value cannot be sent (default: need_number)
    label_variant: str | None = None  # the variant slot whose key labels it (overrides ``label``)
    by_property: str | None = None  # thresholds: the property of the network layer they are keyed by

    def __post_init__(self) -> None:
        if self.type not in PARAM_TYPES:
            raise ValueError(f"parameter {self.name}: type {self.type!r} is not one of {PARAM_TYPES}")
        if self.offer not in OFFERS:
            raise ValueError(f"parameter {self.name}: offer {self.offer!r} is not one of {OFFERS}")

    def to_json(self) -> dict:
        out = {
            "name": self.name,
            "type": self.type,
            "label": self.label,
            "hint": self.hint,
            "unit": self.unit,
            "default": self.default,
            "required": self.required,
            "nullable": self.nullable,
            "low": self.low,
            "high": self.high,
            "choices": [{"value": v, "label": k} for v, k in self.choices],
            "geometry": self.geometry,
            "role": self.role,
            "offer": self.offer,
            "input": self.input,
            "form_default": self.form_default,
            "presets": self.presets,
            "presets_of": self.presets_of,
            "when": list(self.when) if self.when else None,
            "if_given": self.if_given,
            "problem": self.problem,
            "label_variant": self.label_variant,
            "by_property": self.by_property,
        }
        return {k: v for k, v in out.items() if v is not None and v != []}


@dataclass(frozen=True)
class Kind:
    """One analysis kind.

    ``runner(store, values, at)`` gets the checked parameters (``values``, every parameter by name) and
    returns ``(result_gdf, summary, extra)``, ``extra`` being more FeatureCollections by name.

    ``result``: how results are drawn and what the legend says: ``classes`` (each ``id``, ``label``,
    ``when`` {property: value} that picks it, ``rank`` (higher draws on top), ``paint`` {point, line,
    polygon}: Leaflet path options), ``match`` (the order classes are tried in, default their order),
    ``shape`` (the legend's swatch: point, line, polygon, or ``{"layer_of": param}``), ``counted`` (the
    legend counts each class), ``casing`` (drawn under every feature), ``size`` (points grow with a
    property), ``areas`` (an extra collection drawn beneath), ``markers`` (numbered markers), ``circle``
    (a circle of a parameter's radius round each marker) and ``extras`` (more legend lines). Entries with
    ``when``/``unless`` [parameter, value] apply only then.

    ``summary``: ``rows`` (``key``, ``label``, ``format`` one of count, of_total, metres, yes_no,
    percent, labels; ``field`` of the summary, ``param`` to fall back on, ``when`` conditions) and
    ``sections`` (named tables the panel knows: by_grid, unchecked_classes, by_class, by_line, classes,
    fewer_sites).
    """

    id: str
    title: str
    hint: str
    result_title: str
    params: tuple[Param, ...]
    runner: Callable
    result: dict
    summary: dict
    saved_style: dict
    values: str | None = None  # kinds with the same name share their form values (coverage and proposals)
    variants: dict | None = None
    properties: tuple[str, ...] = ()  # the result properties it writes (see kinds/properties.py)
    property_titles: dict = field(default_factory=dict)  # its own titles: retitles, and properties of its own
    result_of: str | None = None  # results are the features of this layer parameter's layer, with more columns
    label_property: str | None = None

    def param(self, name: str) -> Param:
        return next(p for p in self.params if p.name == name)

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "title": self.title,
            "hint": self.hint,
            "result_title": self.result_title,
            "values": self.values or self.id,
            "params": [p.to_json() for p in self.params],
            "variants": self.variants,
            "result": self.result,
            "summary": self.summary,
            "saved_style": self.saved_style,
            "properties": list(self.properties),
            "property_titles": self.property_titles,
            "result_of": self.result_of,
            "label_property": self.label_property,
        }
