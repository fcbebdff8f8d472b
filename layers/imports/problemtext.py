"""The words of an import's problems for people, from the translation tables: the problem's name, the
property's title (or the file's column) and the cell as read, in the reader's language. ``reason`` stays
plain English for programs."""

from __future__ import annotations

import math

from layers import i18n

# Each problem code's name; a code not listed here is shown as it is.
NAMES = {
    "address_not_found": "imports.problem.address_not_found",
    "coordinates_out_of_range": "imports.problem.coordinates_out_of_range",
    "coordinates_swapped": "imports.problem.coordinates_swapped",
    "duplicate_of_stored": "imports.problem.duplicate_of_stored",
    "duplicate_row": "imports.problem.duplicate_row",
    "empty_geometry": "imports.problem.empty_geometry",
    "geometry_type_mismatch": "imports.problem.geometry_type_mismatch",
    "invalid_geometry": "imports.problem.invalid_geometry",
    "invalid_number": "imports.problem.invalid_number",
    "invalid_value": "imports.problem.invalid_value",
    "outside_extent": "imports.problem.outside_extent",
    "required": "imports.problem.required",
    "undecodable_text": "imports.problem.undecodable_text",
    "unknown_category": "imports.problem.unknown_category",
    "use_case_workflow": "imports.problem.use_case_workflow",
    "wrong_crs": "imports.problem.wrong_crs",
    "wrong_field_count": "imports.problem.wrong_field_count",
}
MAX_VALUE = 60  # characters of a cell shown in a problem's text


def _value(value) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    text = str(value).strip()
    return text[:MAX_VALUE] if text else None


def problem_text(code: str, field: str, value, spec: dict | None, lang: str) -> str:
    """One problem in ``lang``: its name, then the property's title (``spec``, the layer's property named
    ``field``; else ``field`` itself, a column of the file), then the cell as read, and for an unknown
    category the labels that are allowed."""
    name = i18n.text(NAMES[code], lang) if code in NAMES else code
    if not field or field == "geometry":
        return name
    title = ((spec or {}).get("title") or {}).get(lang) or field
    shown = _value(value)
    if shown is None:
        return i18n.text("imports.problem.text_field", lang, problem=name, field=title)
    text = i18n.text("imports.problem.text_value", lang, problem=name, field=title, value=shown)
    labels = (spec or {}).get("enum_labels") or {}
    if code == "unknown_category" and spec and spec.get("enum"):
        allowed = [((labels.get(c) or {}).get(lang) or c) for c in spec["enum"]]
        text = i18n.text("imports.problem.text_allowed", lang, text=text,
                         labels=i18n.text("imports.problem.list_separator", lang).join(allowed))  # fmt: skip
    return text


def problem_texts(code: str, field: str, value, spec: dict | None) -> dict[str, str]:
    """:func:`problem_text` in every language, ``{"zh-CN": ..., "en": ...}``."""
    return {lang: problem_text(code, field, value, spec, lang) for lang in i18n.LANGUAGES}
