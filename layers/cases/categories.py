"""Case categories as versioned data: the built-in table (``layers/cases/categories.json``), checking a new or
changed category, and the case layer's ``category`` enum generated from the stored table."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

from layers.accounts import CASE_LAYER
from layers.catalogue.schema import LANGS
from layers.errors import Detail, ValidationFailed
from layers.store import Store

CATEGORIES_FILE = Path(__file__).with_name("categories.json")
_TABLE = json.loads(CATEGORIES_FILE.read_text(encoding="utf-8"))
SCHEMES: dict[str, dict] = _TABLE["schemes"]
GROUPS: dict[str, dict] = _TABLE["groups"]
BUILTIN: list[dict] = _TABLE["categories"]
ICONS = frozenset(c["icon"] for c in BUILTIN)
CODE_RE = re.compile(r"^[0-9A-Z]{4,6}$")
COLOR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")
FIELDS = {"scheme", "code", "group", "name", "deadline_hours", "duplicate_radius_m", "icon", "color", "active"}
MAX_DEADLINE_HOURS = 24 * 366 * 2
MAX_RADIUS_M = 1000


def _number(body: dict, key: str, low: float, high: float, problems: list[Detail]) -> None:
    value = body.get(key)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
        problems.append(Detail(key, "out_of_range", f"must be a number from {low} to {high}"))


def check_category(body, code: str) -> dict:
    """A complete, valid category definition for ``code`` from a request body; raise ValidationFailed
    naming every bad field at once."""
    if not isinstance(body, dict):
        raise ValidationFailed(
            key="errors.category.not_an_object",
            details=[Detail("", "wrong_type", "send a JSON object")],
        )
    problems: list[Detail] = []
    problems += [Detail(k, "unknown_field", "not a category field") for k in sorted(set(body) - FIELDS)]
    if not CODE_RE.fullmatch(code):
        problems.append(Detail("code", "invalid_value", "4–6 digits or capital letters, e.g. 2101"))
    if body.get("code", code) != code:
        problems.append(Detail("code", "mismatch", f"the body says {body.get('code')!r}, the address {code!r}"))
    if not isinstance(body.get("scheme"), str) or body["scheme"] not in SCHEMES:
        problems.append(Detail("scheme", "invalid_value", f"must be one of {', '.join(SCHEMES)}"))
    if not isinstance(body.get("group"), str) or body["group"] not in GROUPS:
        problems.append(Detail("group", "invalid_value", f"must be one of {', '.join(GROUPS)}"))
    name = body.get("name")
    if not isinstance(name, dict) or any(
        not isinstance(name.get(lang), str) or not name[lang].strip() or len(name[lang]) > 60 for lang in LANGS
    ):
        problems.append(Detail("name", "missing_translation", "needs 'zh-CN' and 'en' texts of 1–60 characters"))
    _number(body, "deadline_hours", 1, MAX_DEADLINE_HOURS, problems)
    _number(body, "duplicate_radius_m", 0, MAX_RADIUS_M, problems)
    if not isinstance(body.get("icon"), str) or body["icon"] not in ICONS:
        problems.append(Detail("icon", "invalid_value", f"must be one of {', '.join(sorted(ICONS))}"))
    if not isinstance(body.get("color"), str) or not COLOR_RE.fullmatch(body["color"]):
        problems.append(Detail("color", "invalid_value", "must be a colour like #e53935"))
    if not isinstance(body.get("active", True), bool):
        problems.append(Detail("active", "wrong_type", "must be true or false"))
    if problems:
        raise ValidationFailed(key="errors.category.invalid", details=problems)
    return {k: body[k] for k in sorted(FIELDS - {"active", "code"})} | {
        "code": code,
        "active": body.get("active", True),
    }


def case_layer_definition(definition: dict, categories: list[dict]) -> dict:
    """The case layer's definition with its ``category`` enum and labels taken from the stored table
    (retired categories stay valid so old cases keep validating)."""
    patched = copy.deepcopy(definition)
    spec = patched["properties"]["category"]
    known = list(spec.get("enum", []))
    for category in categories:
        if category["code"] not in known:
            known.append(category["code"])
    spec["enum"] = known
    labels = dict(spec.get("enum_labels", {}))
    labels.update({c["code"]: dict(c["name"]) for c in categories})
    spec["enum_labels"] = labels
    return patched


def save_category(store: Store, definition: dict, author: str) -> tuple[dict, bool]:
    """Store a checked category (new, or a new version) and regenerate the case layer's category list from
    the stored table, in one transaction; return the stored version and whether the code existed before."""
    with store.atomic():
        existed = bool(store.category_history(definition["code"]))
        saved = store.put_category(definition, author)
        layer = store.layer(CASE_LAYER)
        stored = {k: v for k, v in layer.items() if k not in ("builtin", "feature_count", "revision")}
        store.sync_builtin_layers([case_layer_definition(stored, store.categories())])
    return saved, existed
