"""The case domain: reporting, the workflow and its states, queries, timelines, photos on cases, rounds."""

from layers.cases.lifecycle import (
    MAX_TEXT,
    CaseContext,
    add_note,
    check_generic_write,
    create_case,
    get_case,
    place_fields,
    require_scope,
    scope_ok,
    transition,
)

__all__ = [
    "CaseContext",
    "MAX_TEXT",
    "add_note",
    "check_generic_write",
    "create_case",
    "get_case",
    "place_fields",
    "require_scope",
    "scope_ok",
    "transition",
]
