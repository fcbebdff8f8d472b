"""Columns of an uploaded file onto a layer's properties: a suggested mapping (by property name, by its
Chinese or English title, by a shapefile's 10-byte cut of it), value translations (``{"Illegal Dumping":
"0102"}``), defaults for empty cells, and the conversion of each cell to the property's type followed by the
layer schema's own check (:func:`layers.catalogue.schema.check_value`), column by column. A cell that cannot be
converted is a problem of its row, never a silent guess: ``"24O"`` is not an integer.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from layers.catalogue.schema import MAX_STRING, check_value
from layers.errors import Detail, ValidationFailed

__all__ = ["check_mapping", "convert_column", "label_values", "map_rows", "suggest_mapping"]

_INT = re.compile(r"^\s*[+-]?\d{1,18}\s*$")
_NUM = re.compile(r"^\s*[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?\s*$")
_TRUE = {"true", "yes", "y", "1", "是", "有", "对", "t"}
_FALSE = {"false", "no", "n", "0", "否", "无", "没有", "f"}
_BOOLEAN_HINT = "是/否, yes/no, 1/0"  # a few of the words above, quoted when a cell holds none of them
_DATE = re.compile(r"^\s*(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?\s*$")
_SYNONYMS = {"name": ("名称", "名字", "name", "title"), "address": ("地址", "门牌地址", "address", "street_address"),
             "description": ("描述", "说明", "description", "issue_description")}  # fmt: skip


class _Bad(ValueError):
    pass


def _missing(value) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def _cut(text: str, limit: int = 10) -> str:
    return text.encode("utf-8")[:limit].decode("utf-8", errors="ignore")


def suggest_mapping(definition: dict, columns: list[str]) -> dict[str, str | None]:
    """A source column for each property of the layer (or None), each column used at most once: the
    property's own name, then its zh-CN/English title, then a known synonym, then a shapefile's 10-byte
    cut of the name (``pole_heigh`` → ``pole_height_m``), all case-insensitive.

    >>> layer = {"properties": {"name": {"title": {"zh-CN": "名称", "en": "Name"}},
    ...          "pole_height_m": {"title": {"zh-CN": "灯杆高度（米）", "en": "Pole height (m)"}}}}
    >>> suggest_mapping(layer, ["名称", "pole_heigh", "x"])
    {'name': '名称', 'pole_height_m': 'pole_heigh'}
    """
    by_name = {}
    for column in columns:
        by_name.setdefault(str(column).strip().casefold(), column)
    used: set[str] = set()
    out: dict[str, str | None] = {}
    properties = definition.get("properties", {})
    for rule in range(4):
        for name, spec in properties.items():
            if out.get(name):
                continue
            if rule == 0:
                keys = [name]
            elif rule == 1:
                keys = [t for t in (spec.get("title") or {}).values() if isinstance(t, str)]
            elif rule == 2:
                keys = list(_SYNONYMS.get(name, ()))
            else:
                keys = [_cut(name)] if len(name.encode()) > 10 else []
            found = next((by_name[k.casefold()] for k in keys if k.casefold() in by_name
                          and by_name[k.casefold()] not in used), None)  # fmt: skip
            out[name] = found
            if found is not None:
                used.add(found)
    return {name: out.get(name) for name in properties}


def check_mapping(definition: dict, columns: list[str], mapping, defaults, values) -> list[Detail]:
    """Problems with a mapping sent by a client: unknown properties or columns, bad defaults."""
    problems: list[Detail] = []
    properties = definition.get("properties", {})
    for what, given in (("mapping", mapping), ("defaults", defaults), ("values", values)):
        if not isinstance(given, dict):
            problems.append(Detail(what, "wrong_type", "must be an object keyed by property name"))
            continue
        for key in given:
            if key not in properties:
                problems.append(Detail(f"{what}.{key}", "unknown_field", f"layer '{definition['id']}' has no "
                                       f"property '{key}'"))  # fmt: skip
    if isinstance(mapping, dict):
        for key, column in mapping.items():
            if column is not None and column not in columns:
                problems.append(Detail(f"mapping.{key}", "unknown_column", f"the file has no column {column!r}"))
    if isinstance(defaults, dict):
        for key, value in defaults.items():
            reason = check_value(properties[key], value) if key in properties else None
            if reason:
                problems.append(Detail(f"defaults.{key}", "invalid_value", reason))
    if isinstance(values, dict):
        for key, table in values.items():
            if not isinstance(table, dict):
                problems.append(Detail(f"values.{key}", "wrong_type", "must map file values to layer values"))
    return problems


def _convert(spec: dict, value, tz: ZoneInfo):
    """One cell in the property's type; raise _Bad naming why it cannot be."""
    kind = spec.get("type")
    if isinstance(value, np.generic):
        value = value.item()
    if kind == "string":
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return value.strip() if isinstance(value, str) else str(value)
    if kind == "integer":
        if isinstance(value, bool):
            raise _Bad(f"expected integer, got {value!r}")
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
            return int(value)
        if isinstance(value, str) and _INT.match(value):
            return int(value)
        raise _Bad(f"expected integer, got {str(value)[:40]!r}")
    if kind == "number":
        if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
            return value
        if isinstance(value, str) and _NUM.match(value) and math.isfinite(float(value)):
            return float(value)
        raise _Bad(f"expected number, got {str(value)[:40]!r}")
    if kind == "boolean":
        if isinstance(value, bool):
            return value
        if isinstance(value, int | float) and value in (0, 1):
            return bool(value)
        text = str(value).strip().casefold()
        if text in _TRUE or text in _FALSE:
            return text in _TRUE
        raise _Bad(f"expected true/false ({_BOOLEAN_HINT}), got {str(value)[:40]!r}")
    if kind == "date":
        return _date(value)
    if kind == "datetime":
        return _datetime(value, tz)
    return value


def _date(value) -> str:
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    match = _DATE.match(str(value))
    if not match:
        raise _Bad(f"expected a date like 2026-05-01, got {str(value)[:40]!r}")
    try:
        return date(int(match[1]), int(match[2]), int(match[3])).isoformat()
    except ValueError as exc:
        raise _Bad(f"not a date: {exc}") from None


def _datetime(value, tz: ZoneInfo) -> str:
    """ISO 8601; a time without an offset is in the configured time zone, a date alone is its midnight."""
    if isinstance(value, str) and _DATE.match(value):
        value = _date(value)
    text = value.isoformat() if isinstance(value, datetime | date) else str(value).strip()
    try:
        parsed = datetime.fromisoformat(text.replace(" ", "T", 1) if "T" not in text else text)
    except ValueError:
        raise _Bad(f"expected a date-time like 2026-05-01 08:30, got {text[:40]!r}") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=tz)
    return parsed.isoformat()


def convert_column(spec: dict, raw: pd.Series, translate: dict | None, tz: ZoneInfo):
    """A column converted for one property: (values with None for missing, rows with problems as
    ``(row, code, reason)``). Each distinct cell is converted and checked once."""
    fast = _text_column(spec, raw, translate)
    if fast is not None:
        return fast
    enum = spec.get("enum")
    if isinstance(raw.dtype, pd.StringDtype):  # text only (a CSV): distinct cells found in one pass
        codes, uniques = pd.factorize(raw)
        results = [(None, None, None) if _missing(u) else _one(spec, u, translate, tz, enum) for u in uniques]
        values = np.empty(len(results) + 1, dtype=object)
        values[:-1] = [r[0] for r in results]  # element by element: a converted value may be a list
        values[-1] = None
        failed = np.array([r[1] is not None for r in results] + [False])
        codes = np.where(codes < 0, len(results), codes)
        bad = [(i, results[codes[i]][1], results[codes[i]][2]) for i in np.flatnonzero(failed[codes]).tolist()]
        out = values[codes].tolist()
        for i, _, _ in bad:
            out[i] = None
        return out, bad
    cache: dict = {}
    out: list = [None] * len(raw)
    bad: list[tuple[int, str, str]] = []
    for i, value in enumerate(raw.tolist()):
        if _missing(value):
            continue
        key = (type(value), value) if not isinstance(value, float) or value == value else None
        if key not in cache:
            cache[key] = _one(spec, value, translate, tz, enum)
        converted, code, reason = cache[key]
        if code:
            bad.append((i, code, reason))
        else:
            out[i] = converted
    return out, bad


def _text_column(spec: dict, raw: pd.Series, translate: dict | None):
    """Text into a text property, in plain list passes (a CSV's names and addresses are mostly distinct, so
    caching distinct cells saves nothing): the same result as the cell-by-cell path, or None when it does
    not apply."""
    if spec.get("type") != "string" or translate or spec.get("pattern") or not isinstance(raw.dtype, pd.StringDtype):
        return None
    cells = raw.tolist()
    stripped = [c.strip() if type(c) is str else "" for c in cells]
    out = [c or None for c in stripped]
    bad: list[tuple[int, str, str]] = []
    limit = spec.get("maxLength", MAX_STRING)
    for i in [i for i, c in enumerate(stripped) if len(c) > limit]:
        bad.append((i, "invalid_value", f"{str(cells[i])[:60]!r}: longer than {limit} characters"))
        out[i] = None
    enum = spec.get("enum")
    if enum:
        allowed = set(enum)
        for i in [i for i, c in enumerate(out) if c is not None and c not in allowed]:
            bad.append((i, "unknown_category", f"{str(cells[i])[:60]!r}: {check_value(spec, out[i])}"))
            out[i] = None
    return out, sorted(bad)


def label_values(spec: dict, translate: dict | None) -> dict | None:
    """The value translations of a property with enum labels: each zh-CN and English label of a code (完好,
    OK) read as that code, then the client's own ``translate`` over them. A label that is also another code,
    or that labels two codes, is left as it is (it would be a guess).

    >>> label_values({"enum": ["ok", "damaged"], "enum_labels": {"ok": {"zh-CN": "完好", "en": "OK"}}}, None)
    {'完好': 'ok', 'OK': 'ok'}
    """
    labels = spec.get("enum_labels") if isinstance(spec.get("enum_labels"), dict) else {}
    found: dict[str, set] = {}
    for code, texts in labels.items():
        for text in (texts.values() if isinstance(texts, dict) else ()):
            if isinstance(text, str) and text.strip():
                found.setdefault(text.strip(), set()).add(code)
    codes = set(spec.get("enum") or ())
    table = {text: next(iter(c)) for text, c in found.items() if len(c) == 1 and text not in codes}
    return {**table, **(translate or {})} or None


def _one(spec, value, translate, tz, enum):
    if translate:
        text = value.strip() if isinstance(value, str) else value
        if text in translate:
            value = translate[text]
            if value is None:
                return None, None, None
    try:
        converted = _convert(spec, value, tz)
    except _Bad as exc:
        return None, "invalid_value", str(exc)
    reason = check_value(spec, converted)
    if reason:
        code = "unknown_category" if enum and converted not in enum else "invalid_value"
        return None, code, f"{str(value)[:60]!r}: {reason}"
    return converted, None, None


def map_rows(definition: dict, frame: pd.DataFrame, mapping: dict, defaults: dict, values: dict,
             tz: ZoneInfo) -> tuple[dict[str, list], list[tuple[int, str, str, str]]]:  # fmt: skip
    """The layer's properties for every row: {property: values} and problems (row, code, field, reason)."""
    if not isinstance(frame, pd.DataFrame):
        raise TypeError("frame must be a DataFrame")
    problems: list[tuple[int, str, str, str]] = []
    columns: dict[str, list] = {}
    n = len(frame)
    for name, spec in definition.get("properties", {}).items():
        source = mapping.get(name)
        if source is None:
            values_out = [None] * n
        else:
            if source not in frame.columns:
                raise ValidationFailed(key="errors.import.unknown_column",
                                       details=[Detail(f"mapping.{name}", "unknown_column", repr(source))])
            values_out, bad = convert_column(spec, frame[source], label_values(spec, values.get(name)), tz)
            problems += [(row, code, name, reason) for row, code, reason in bad]
        default = defaults.get(name)
        if default is not None:
            values_out = [default if v is None else v for v in values_out]
        columns[name] = values_out
    failed = {(row, field) for row, _, field, _ in problems}
    for name in definition.get("required", []):
        for row in np.flatnonzero([v is None for v in columns.get(name, [None] * n)]).tolist():
            if (row, name) not in failed:
                problems.append((row, "required", name, "this property is required"))
    return columns, problems
