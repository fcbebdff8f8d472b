"""Layer roles: which layers the analyses, the leaders' pages and the report use for what, declared in each
layer's definition (``"roles"``) instead of naming layer ids in code.

``roles`` maps a role to its options (``{}`` when it takes none):

- ``facility``: a public facility the analyses measure (bins, toilets, lamps). Options: ``rank`` (which
  facility comes first where one is chosen by default), ``analyses`` (the analysis kinds it feeds),
  ``gap_preset`` (the gap thresholds it is checked with, e.g. ``lamps`` or ``bins``) and ``leaders`` (the
  figure the leaders' pages and report show for it).
- ``cases``: the layer of reported problems (blackspots), which hot spots and recurrence read.
- ``grid``: the grid cells (单元网格) results are totalled by.
- ``network``: the street lines distances are walked along and gaps are checked on.
- ``targets``: what coverage counts by default (buildings, with their households).
- ``base``: drawn under the report's maps.
"""

from __future__ import annotations

import re
from typing import Any

from layers.errors import Detail

ROLES = ("facility", "cases", "grid", "network", "targets", "base")
FIGURES = ("coverage", "gaps")
_FACILITY_KEYS = {"rank", "analyses", "gap_preset", "leaders"}
_LEADERS_KEYS = {"figure", "color", "label", "series", "report", "on_maps"}
_COLOR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")
_NAME_RE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_LANGS = ("zh-CN", "en")


def _localized(value: Any) -> bool:
    return isinstance(value, dict) and all(isinstance(value.get(lang), str) and value[lang].strip() for lang in _LANGS)


def _check_leaders(leaders: Any, problems: list[Detail]) -> None:
    field = "roles.facility.leaders"
    if not isinstance(leaders, dict):
        problems.append(Detail(field, "wrong_type", "must be an object"))
        return
    for key in sorted(set(leaders) - _LEADERS_KEYS):
        problems.append(Detail(f"{field}.{key}", "unknown_field", f"one of {', '.join(sorted(_LEADERS_KEYS))}"))
    if leaders.get("figure") not in FIGURES:
        problems.append(Detail(f"{field}.figure", "invalid_value", f"one of {', '.join(FIGURES)}"))
    if not (isinstance(leaders.get("color"), str) and _COLOR_RE.match(leaders["color"])):
        problems.append(Detail(f"{field}.color", "invalid_value", "must be a colour like #1e88e5"))
    for key in ("label", "series"):
        if not _localized(leaders.get(key)):
            problems.append(Detail(f"{field}.{key}", "missing_translation", "needs 'zh-CN' and 'en' texts"))
    if "report" in leaders and not _localized(leaders["report"]):
        problems.append(Detail(f"{field}.report", "missing_translation", "needs 'zh-CN' and 'en' texts"))
    if "on_maps" in leaders and not isinstance(leaders["on_maps"], bool):
        problems.append(Detail(f"{field}.on_maps", "wrong_type", "must be true or false"))


def _check_facility(options: dict, problems: list[Detail]) -> None:
    field = "roles.facility"
    for key in sorted(set(options) - _FACILITY_KEYS):
        problems.append(Detail(f"{field}.{key}", "unknown_field", f"one of {', '.join(sorted(_FACILITY_KEYS))}"))
    rank = options.get("rank")
    if "rank" in options and (isinstance(rank, bool) or not isinstance(rank, (int, float))):
        problems.append(Detail(f"{field}.rank", "wrong_type", "must be a number"))
    analyses = options.get("analyses", [])
    if not isinstance(analyses, list) or not all(isinstance(a, str) and _NAME_RE.match(a) for a in analyses):
        problems.append(Detail(f"{field}.analyses", "invalid_value", "must be a list of analysis kinds"))
    preset = options.get("gap_preset")
    if "gap_preset" in options and not (isinstance(preset, str) and _NAME_RE.match(preset)):
        problems.append(Detail(f"{field}.gap_preset", "invalid_value", "must name a gap preset, e.g. lamps"))
    if "leaders" in options:
        _check_leaders(options["leaders"], problems)


def check_roles(roles: Any) -> list[Detail]:
    """Every problem with a definition's ``roles`` (an empty list when they are valid).

    >>> [p["field"] for p in check_roles({"facility": {"rank": "first"}, "boss": {}})]
    ['roles.boss', 'roles.facility.rank']
    """
    if not isinstance(roles, dict):
        return [Detail("roles", "wrong_type", "must be an object: role -> options")]
    problems: list[Detail] = []
    for role in sorted(roles):
        if role not in ROLES:
            problems.append(Detail(f"roles.{role}", "invalid_value", f"one of {', '.join(ROLES)}"))
        elif not isinstance(roles[role], dict):
            problems.append(Detail(f"roles.{role}", "wrong_type", "must be an object of options ({} for none)"))
        elif role == "facility":
            _check_facility(roles[role], problems)
        elif roles[role]:
            problems.append(Detail(f"roles.{role}", "invalid_value", "this role takes no options: {}"))
    return problems


def facility(definition: dict | None) -> dict | None:
    """The facility options of a layer definition, or None when it is not a facility."""
    roles = (definition or {}).get("roles") or {}
    options = roles.get("facility")
    return options if isinstance(options, dict) else None


def with_role(definitions: list[dict], role: str, *, feeds: str | None = None) -> list[dict]:
    """The definitions that play ``role`` (facilities: those feeding analysis ``feeds``, when given), in
    their listing order; facilities by ``rank`` first."""
    found = [d for d in definitions if role in (d.get("roles") or {})]
    if role != "facility":
        return found
    if feeds is not None:
        found = [d for d in found if feeds in (facility(d) or {}).get("analyses", [])]
    return sorted(found, key=lambda d: (facility(d).get("rank", float("inf")),))


def role_layer(definitions: list[dict], role: str, *, feeds: str | None = None) -> str | None:
    """The id of the first layer playing ``role``, or None."""
    found = with_role(definitions, role, feeds=feeds)
    return found[0]["id"] if found else None
