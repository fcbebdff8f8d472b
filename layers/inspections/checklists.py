"""Checklists as versioned data: the built-in templates (``checklists/*.json``, each citing its sources and
saying what is the project's own), checking a new version, and what an answer to one item is worth."""

from __future__ import annotations

import json
import math
from pathlib import Path

from layers.catalogue.schema import LANGS
from layers.errors import Detail, ValidationFailed

_FOLDER = Path(__file__).resolve().parent
_TABLE = json.loads((_FOLDER / "groups.json").read_text(encoding="utf-8"))
GROUPS: dict[str, dict] = _TABLE["groups"]
GRADES: dict[str, dict] = _TABLE["grades"]
BUILTIN: list[dict] = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(_FOLDER.glob("checklists/*.json"))]
UNIT_KINDS = {"stretch": ("roads",), "building": ("buildings",), "facility": ("toilets", "collection_points", "bins")}
ANSWER_TYPES = ("grade", "yes_no", "count", "number")
DESK_FIGURES = tuple(json.loads((_FOLDER / "desk.json").read_text(encoding="utf-8"))["figures"])
FIELDS = {"code", "title", "purpose", "unit", "sources", "own_content", "planning_sd", "ranking", "items", "desk",
          "clean_building_score"}  # fmt: skip
MAX_ITEMS = 60


def _refused(details: list[Detail]) -> ValidationFailed:
    return ValidationFailed(key="errors.checklist.refused", details=details)


def _texts(value) -> bool:
    return isinstance(value, dict) and all(isinstance(value.get(lang), str) and value[lang].strip() for lang in LANGS)


def _positive(value, high: float) -> bool:
    return not isinstance(value, bool) and isinstance(value, (int, float)) and 0 < value <= high


def _check_answer(answer, where: str) -> list[Detail]:
    if not isinstance(answer, dict) or answer.get("type") not in ANSWER_TYPES:
        return [Detail(f"{where}.type", "invalid_value", f"one of {', '.join(ANSWER_TYPES)}")]
    kind = answer["type"]
    if kind == "grade":
        points = answer.get("points")
        if not isinstance(points, dict) or not points or set(points) - set(GRADES) or any(
            isinstance(v, bool) or not isinstance(v, (int, float)) or not 0 <= v <= 100 for v in points.values()
        ):
            return [Detail(f"{where}.points", "invalid_value", f"points 0–100 for grades among {', '.join(GRADES)}")]
    elif kind == "yes_no" and not isinstance(answer.get("good"), bool):
        return [Detail(f"{where}.good", "invalid_value", "true or false: the answer that scores 100")]
    elif kind == "count" and not (_positive(answer.get("deduct_each"), 100) and _positive(answer.get("max"), 10_000)):
        return [Detail(f"{where}.deduct_each", "invalid_value", "deduct_each 0–100 points and max up to 10000")]
    elif kind == "number":
        low, high, zero, full = (answer.get(k) for k in ("min", "max", "zero_at", "full_at"))
        numbers = all(not isinstance(v, bool) and isinstance(v, (int, float)) for v in (low, high, zero, full))
        if not numbers or not low < high or zero == full:
            return [Detail(where, "invalid_value", "min < max, and zero_at differing from full_at")]
    return []


def _check_item(item, k: int, layers: tuple[str, ...]) -> list[Detail]:
    where = f"items[{k}]"
    if not isinstance(item, dict):
        return [Detail(where, "wrong_type", "an object")]
    problems = []
    if not isinstance(item.get("code"), str) or not item["code"].isidentifier() or len(item["code"]) > 40:
        problems.append(Detail(f"{where}.code", "invalid_value", "a code of letters, digits and _"))
    if item.get("group") not in GROUPS:
        problems.append(Detail(f"{where}.group", "invalid_value", f"one of {', '.join(GROUPS)}"))
    if not _texts(item.get("text")):
        problems.append(Detail(f"{where}.text", "missing_translation", "needs 'zh-CN' and 'en' texts"))
    if not _positive(item.get("weight"), 100):
        problems.append(Detail(f"{where}.weight", "out_of_range", "a weight above 0, at most 100"))
    if set(item.get("applies_to") or layers) - set(layers):
        problems.append(Detail(f"{where}.applies_to", "invalid_value", f"layers among {', '.join(layers)}"))
    return problems + _check_answer(item.get("answer"), f"{where}.answer")


def check_checklist(body, code: str) -> dict:
    """A complete, valid checklist for ``code`` from a request body; raise ValidationFailed naming every bad
    field at once."""
    if not isinstance(body, dict):
        raise _refused([Detail("", "wrong_type", "send a JSON object")])
    problems = [Detail(k, "unknown_field", "not a checklist field") for k in sorted(set(body) - FIELDS)]
    if body.get("code", code) != code or not code.isidentifier():
        problems.append(Detail("code", "mismatch", "the body's code must be the address's, letters, digits and _"))
    for key in ("title", "purpose", "own_content"):
        if not _texts(body.get(key)):
            problems.append(Detail(key, "missing_translation", "needs 'zh-CN' and 'en' texts"))
    unit = body.get("unit")
    layers: tuple[str, ...] = ()
    if not isinstance(unit, dict) or unit.get("kind") not in UNIT_KINDS:
        problems.append(Detail("unit.kind", "invalid_value", f"one of {', '.join(UNIT_KINDS)}"))
    else:
        layers = tuple(unit.get("layers") or ())
        if not layers or set(layers) - set(UNIT_KINDS[unit["kind"]]):
            problems.append(Detail("unit.layers", "invalid_value", f"among {', '.join(UNIT_KINDS[unit['kind']])}"))
        if unit["kind"] == "stretch" and not _positive(unit.get("length_m"), 1000):
            problems.append(Detail("unit.length_m", "out_of_range", "a stretch length above 0, at most 1000 m"))
        if "near_m" in unit and not _positive(unit["near_m"], 1000):
            problems.append(Detail("unit.near_m", "out_of_range", "above 0, at most 1000 m"))
    if not isinstance(body.get("sources"), list):
        problems.append(Detail("sources", "wrong_type", "a list of cited sources (empty: all the project's own)"))
    if not _positive(body.get("planning_sd"), 100):
        problems.append(Detail("planning_sd", "out_of_range", "the planning spread of scores, above 0, at most 100"))
    ranking = body.get("ranking")
    if not isinstance(ranking, dict) or not _positive(ranking.get("min_n"), 10_000) or not _positive(
        ranking.get("max_half_width"), 100
    ):
        problems.append(Detail("ranking", "invalid_value", "min_n (observations) and max_half_width (points)"))
    items = body.get("items")
    if not isinstance(items, list) or not 1 <= len(items) <= MAX_ITEMS:
        problems.append(Detail("items", "invalid_value", f"a list of 1–{MAX_ITEMS} items"))
    else:
        for k, item in enumerate(items):
            problems += _check_item(item, k, layers)
        codes = [i.get("code") for i in items if isinstance(i, dict)]
        if len(set(codes)) != len(codes):
            problems.append(Detail("items", "duplicate", "each item code once"))
    if set(body.get("desk") or []) - set(DESK_FIGURES):
        problems.append(Detail("desk", "invalid_value", f"figures among {', '.join(DESK_FIGURES)}"))
    if problems:
        raise _refused(problems)
    return dict(body, code=code)


def applicable(checklist: dict, layer: str) -> list[dict]:
    """The checklist's items that apply to a place of ``layer``."""
    return [i for i in checklist["items"] if layer in (i.get("applies_to") or checklist["unit"]["layers"])]


def near_m(checklist: dict) -> float:
    """How far from its place an answer may be sent before it is flagged (the unit's ``near_m``, 100 m when
    the checklist does not say: phone GPS in narrow alleys is often 20–50 m off)."""
    return float(checklist["unit"].get("near_m", 100))


def item_points(item: dict, value) -> float:
    """What a valid answer to ``item`` is worth, 0–100."""
    answer = item["answer"]
    kind = answer["type"]
    if kind == "grade":
        return float(answer["points"][value])
    if kind == "yes_no":
        return 100.0 if value == answer["good"] else 0.0
    if kind == "count":
        return max(0.0, 100.0 - answer["deduct_each"] * value)
    share = (value - answer["zero_at"]) / (answer["full_at"] - answer["zero_at"])
    return 100.0 * min(1.0, max(0.0, share))


def fails(item: dict, value) -> bool:
    """Whether an answer shows a fault to fix: a grade under ``fail_below``, the bad yes/no, a count above
    zero, a number scoring under 60."""
    answer = item["answer"]
    if answer["type"] == "grade":
        return item_points(item, value) < answer.get("fail_below", 60)
    if answer["type"] == "count":
        return value > 0
    return item_points(item, value) < 60


def _value_problem(item: dict, value) -> str | None:
    answer = item["answer"]
    kind = answer["type"]
    if kind == "grade":
        return None if isinstance(value, str) and value in answer["points"] else f"one of {', '.join(answer['points'])}"
    if kind == "yes_no":
        return None if isinstance(value, bool) else "true or false"
    if kind == "count":
        ok = not isinstance(value, bool) and isinstance(value, int) and 0 <= value <= answer["max"]
        return None if ok else f"a whole number from 0 to {answer['max']}"
    ok = not isinstance(value, bool) and isinstance(value, (int, float)) and math.isfinite(value)
    ok = ok and answer["min"] <= value <= answer["max"]
    return None if ok else f"a number from {answer['min']} to {answer['max']}"


def check_values(checklist: dict, layer: str, values) -> list[Detail]:
    """Problems of an answer's ``{item code: value}`` for a place of ``layer``: every applicable item once,
    nothing else, each value inside the template."""
    if not isinstance(values, dict):
        return [Detail("answers", "wrong_type", "an object {item code: value}")]
    items = {i["code"]: i for i in applicable(checklist, layer)}
    problems = [Detail(f"answers.{k}", "unknown_item", "not an item of this checklist for this place")
                for k in sorted(set(values) - set(items))]  # fmt: skip
    for code, item in items.items():
        if code not in values:
            problems.append(Detail(f"answers.{code}", "required", "every item of the place is answered"))
            continue
        reason = _value_problem(item, values[code])
        if reason:
            problems.append(Detail(f"answers.{code}", "invalid_value", reason))
    return problems


def unit_score(checklist: dict, layer: str, values: dict) -> float:
    """A place's score, 0–100: the weighted mean of its items' points."""
    items = applicable(checklist, layer)
    total = sum(i["weight"] for i in items)
    return sum(i["weight"] * item_points(i, values[i["code"]]) for i in items) / total
