"""Property schemas: check a layer definition, and check a feature's properties against its layer.

A layer's ``properties`` maps a name to ``{"type": ..., "title": {...}, ...}`` with the types
``string``, ``integer``, ``number``, ``boolean``, ``date`` and ``datetime`` and the optional rules
``enum`` (with ``enum_labels``), ``pattern``, ``maxLength``, ``minimum`` and ``maximum``. Validation
reports every bad field at once and never coerces: ``"3"`` is not an integer.
"""

from __future__ import annotations

import json
import math
import re
from datetime import date, datetime
from typing import Any

from layers.catalogue.roles import check_roles
from layers.errors import Detail

PROPERTY_TYPES = ("string", "integer", "number", "boolean", "date", "datetime")
GEOMETRY_TYPES = ("Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon")
LAYER_ID_RE = re.compile(r"^[a-z][a-z0-9_]{1,39}$")
PROPERTY_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
LANGS = ("zh-CN", "en")
MAX_STRING = 10_000
_PROPERTY_KEYS = {"type", "title", "enum", "enum_labels", "pattern", "maxLength", "minimum", "maximum", "description"}
_LAYER_KEYS = {
    "id",
    "title",
    "description",
    "geometry_types",
    "editable",
    "order",
    "properties",
    "required",
    "style",
    "label_property",
    "rules",
    "category_code",
    "roles",
}
_STYLE_KEYS = {
    "color",
    "fillColor",
    "weight",
    "opacity",
    "fillOpacity",
    "radius",
    "dashArray",
    "cluster",
    "by",
    "classes",
    "base",
    "minZoom",
}
_COLOR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")


INT64_MAX = 2**63 - 1


def _is_int(value: Any) -> bool:
    """An integer that SQLite can hold (64-bit)."""
    return isinstance(value, int) and not isinstance(value, bool) and -INT64_MAX <= value <= INT64_MAX


def _is_number(value: Any) -> bool:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:  # an int too large for a float
        return False


def _check_title(value: Any, field: str, problems: list[Detail], required: bool = True) -> None:
    if value is None and not required:
        return
    if not isinstance(value, dict) or any(
        not isinstance(value.get(lang), str) or not value.get(lang).strip() for lang in LANGS
    ):
        problems.append(Detail(field, "missing_translation", "needs a non-empty text for both 'zh-CN' and 'en'"))


def _check_property_spec(name: str, spec: Any, problems: list[Detail]) -> None:
    field = f"properties.{name}"
    if not PROPERTY_NAME_RE.match(name):
        problems.append(Detail(field, "invalid_name", "property names are letters, digits and '_' (max 64)"))
    if not isinstance(spec, dict):
        problems.append(Detail(field, "wrong_type", "a property spec must be an object"))
        return
    for key in sorted(set(spec) - _PROPERTY_KEYS):
        problems.append(Detail(f"{field}.{key}", "unknown_field", "not a known property-spec key"))
    kind = spec.get("type")
    if kind not in PROPERTY_TYPES:
        problems.append(Detail(f"{field}.type", "invalid_value", f"must be one of {', '.join(PROPERTY_TYPES)}"))
    _check_title(spec.get("title"), f"{field}.title", problems)
    before = len(problems)
    if "pattern" in spec:
        pattern = spec["pattern"]
        try:
            if not isinstance(pattern, str) or len(pattern) > 500:
                raise TypeError
            re.compile(pattern)
        except (re.error, TypeError, ValueError, OverflowError, RecursionError):
            problems.append(Detail(f"{field}.pattern", "invalid_value", "not a valid regular expression (max 500)"))
    for key in ("maxLength", "minimum", "maximum"):
        if key in spec and not _is_number(spec[key]):
            problems.append(Detail(f"{field}.{key}", "wrong_type", "must be a number"))
    if "enum_labels" in spec and not isinstance(spec["enum_labels"], dict):
        problems.append(Detail(f"{field}.enum_labels", "wrong_type", "must be an object"))
    if "enum" in spec:
        enum = spec["enum"]
        if not isinstance(enum, list) or not enum or len(set(map(repr, enum))) != len(enum):
            problems.append(Detail(f"{field}.enum", "invalid_value", "must be a non-empty list of distinct values"))
        elif kind in PROPERTY_TYPES and len(problems) == before:
            for i, value in enumerate(enum):
                reason = check_value(spec | {"enum": None}, value)
                if reason:
                    problems.append(Detail(f"{field}.enum[{i}]", "invalid_value", reason))


def _check_style(style: Any, problems: list[Detail], properties: dict) -> None:
    if not isinstance(style, dict):
        problems.append(Detail("style", "wrong_type", "must be an object"))
        return
    for key in sorted(set(style) - _STYLE_KEYS):
        problems.append(Detail(f"style.{key}", "unknown_field", "not a known style key"))
    for key in ("color", "fillColor"):
        if key in style and not (isinstance(style[key], str) and _COLOR_RE.match(style[key])):
            problems.append(Detail(f"style.{key}", "invalid_value", "must be a colour like #1e88e5"))
    for key in ("weight", "opacity", "fillOpacity", "radius", "minZoom"):
        if key in style and not _is_number(style[key]):
            problems.append(Detail(f"style.{key}", "wrong_type", "must be a number"))
    by = style.get("by")
    if by is not None and not (isinstance(by, str) and by in properties):
        problems.append(Detail("style.by", "invalid_value", "must name a property of the layer"))
    for key in ("cluster", "base"):
        if key in style and not isinstance(style[key], bool):
            problems.append(Detail(f"style.{key}", "wrong_type", "must be true or false"))
    if "dashArray" in style and not (style["dashArray"] is None or isinstance(style["dashArray"], str)):
        problems.append(Detail("style.dashArray", "wrong_type", "must be text like '6 4'"))
    classes = style.get("classes", {})
    if not isinstance(classes, dict):
        problems.append(Detail("style.classes", "wrong_type", "must be an object"))
        return
    for value, options in classes.items():
        if not isinstance(options, dict) or set(options) - _STYLE_KEYS:
            problems.append(Detail(f"style.classes.{value}", "invalid_value", "must be an object of style keys"))


def check_layer_definition(definition: Any) -> list[Detail]:
    """Return every problem with a layer definition (an empty list when it is valid).

    >>> [p["field"] for p in check_layer_definition({"id": "x"})]
    ['id', 'title', 'geometry_types']
    """
    problems: list[Detail] = []
    if not isinstance(definition, dict):
        return [Detail("", "wrong_type", "a layer definition must be a JSON object")]
    for key in sorted(set(definition) - _LAYER_KEYS):
        problems.append(Detail(key, "unknown_field", "not a known layer-definition key"))
    layer_id = definition.get("id")
    if not isinstance(layer_id, str) or not LAYER_ID_RE.match(layer_id):
        problems.append(
            Detail("id", "invalid_value", "must be 2-40 characters: a lower-case letter, then letters, digits or '_'")
        )
    _check_title(definition.get("title"), "title", problems)
    _check_title(definition.get("description"), "description", problems, required=False)
    geometry_types = definition.get("geometry_types")
    if (
        not isinstance(geometry_types, list)
        or not geometry_types
        or any(g not in GEOMETRY_TYPES for g in geometry_types)
    ):
        problems.append(
            Detail(
                "geometry_types", "invalid_value", f"must be a non-empty list drawn from {', '.join(GEOMETRY_TYPES)}"
            )
        )
    properties = definition.get("properties", {})
    if not isinstance(properties, dict):
        problems.append(Detail("properties", "wrong_type", "must be an object of property specs"))
        properties = {}
    for name, spec in properties.items():
        _check_property_spec(name, spec, problems)
    required = definition.get("required", [])
    if not isinstance(required, list) or any(not isinstance(r, str) or r not in properties for r in required):
        problems.append(Detail("required", "invalid_value", "must list properties defined in 'properties'"))
    if "editable" in definition and not isinstance(definition["editable"], bool):
        problems.append(Detail("editable", "wrong_type", "must be true or false"))
    if "order" in definition and not _is_number(definition["order"]):
        problems.append(Detail("order", "wrong_type", "must be a number"))
    if "style" in definition:
        _check_style(definition["style"], problems, properties)
    label = definition.get("label_property")
    if label is not None and not (isinstance(label, str) and label in properties):
        problems.append(Detail("label_property", "invalid_value", "must name a property or be null"))
    if "rules" in definition and not isinstance(definition["rules"], dict):
        problems.append(Detail("rules", "wrong_type", "must be an object"))
    if "category_code" in definition and not isinstance(definition["category_code"], str):
        problems.append(Detail("category_code", "wrong_type", "must be text"))
    if "roles" in definition:
        problems.extend(check_roles(definition["roles"]))
    try:
        json.dumps(definition, allow_nan=False)
    except (ValueError, TypeError):
        problems.append(Detail("", "invalid_value", "numbers must be finite"))
    return problems


def check_value(spec: dict, value: Any) -> str | None:
    """Return why ``value`` breaks ``spec``, or None when it is fine (null is always fine here).

    >>> check_value({"type": "integer"}, "3")
    'expected integer, got string'
    """
    if value is None:
        return None
    kind = spec.get("type")
    got = _json_type(value)
    if kind == "string" or kind in ("date", "datetime"):
        if not isinstance(value, str):
            return f"expected {kind}, got {got}"
        if len(value) > spec.get("maxLength", MAX_STRING):
            return f"longer than {spec.get('maxLength', MAX_STRING)} characters"
        if kind == "date" and not _parses(date.fromisoformat, value):
            return "expected a date like 2026-05-01"
        if kind == "datetime" and not _is_aware_datetime(value):
            return "expected an ISO 8601 date-time with a UTC offset, like 2026-05-01T08:30:00+08:00"
        if spec.get("pattern") and not re.fullmatch(spec["pattern"], value):
            return f"does not match the pattern {spec['pattern']}"
    elif kind == "integer":
        if not _is_int(value):
            return f"expected integer, got {got}"
    elif kind == "number":
        if not _is_number(value):
            return f"expected number, got {got}"
    elif kind == "boolean":
        if not isinstance(value, bool):
            return f"expected boolean, got {got}"
    if kind in ("integer", "number"):
        if "minimum" in spec and value < spec["minimum"]:
            return f"less than the minimum {spec['minimum']}"
        if "maximum" in spec and value > spec["maximum"]:
            return f"more than the maximum {spec['maximum']}"
    enum = spec.get("enum")
    if enum and value not in enum:
        return "not one of the allowed values: " + ", ".join(map(str, enum))
    return None


def check_properties(definition: dict, properties: Any, field: str = "properties") -> list[Detail]:
    """Check a feature's properties against its layer; every unknown, missing or bad field is named."""
    if properties is None:
        properties = {}
    if not isinstance(properties, dict):
        return [Detail(field, "wrong_type", "properties must be a JSON object or null")]
    schema = definition.get("properties", {})
    problems: list[Detail] = []
    for name in properties:
        if name not in schema:
            problems.append(
                Detail(f"{field}.{name}", "unknown_field", f"layer '{definition['id']}' has no property '{name}'")
            )
    for name in definition.get("required", []):
        if properties.get(name) is None:
            problems.append(Detail(f"{field}.{name}", "required", "this property is required"))
    for name, value in properties.items():
        if name in schema:
            reason = check_value(schema[name], value)
            if reason:
                problems.append(Detail(f"{field}.{name}", "invalid_value", reason))
    return problems


def parse_filter_value(spec: dict, text: str) -> Any:
    """Turn a query-string value into the property's type; raise ValueError saying why it cannot."""
    kind = spec.get("type")
    if kind == "integer":
        try:
            value = int(text) if len(text) <= 20 else None
        except ValueError:
            value = None
        if value is None or not _is_int(value):
            raise ValueError("expected an integer (64-bit)")
        return value
    if kind == "number":
        try:
            value = float(text)
        except ValueError:
            raise ValueError("expected a number") from None
        if not math.isfinite(value):
            raise ValueError("expected a finite number")
        return value
    if kind == "boolean":
        if text in ("true", "false"):
            return text == "true"
        raise ValueError("expected true or false")
    return text


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def _parses(func, text: str) -> bool:
    try:
        func(text)
    except ValueError:
        return False
    return True


def _is_aware_datetime(text: str) -> bool:
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return False
    return parsed.tzinfo is not None and "T" in text
