"""The case domain: reporting, the workflow and its states, transitions and notes, queries, timelines,
photos on cases, rounds."""

from layers.cases.context import (
    CaseContext,
    get_case,
    parse_area,
    place_fields,
    require_in_area,
    require_quota,
    require_scope,
    scope_ok,
)
from layers.cases.inputs import MAX_TEXT
from layers.cases.notes import add_note
from layers.cases.reporting import create_case
from layers.cases.transitions import check_generic_write, transition

__all__ = [
    "CaseContext",
    "MAX_TEXT",
    "add_note",
    "check_generic_write",
    "create_case",
    "get_case",
    "parse_area",
    "place_fields",
    "require_in_area",
    "require_quota",
    "require_scope",
    "scope_ok",
    "transition",
]
