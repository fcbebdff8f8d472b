"""The case lifecycle (``layers/cases/workflow.json``): states, their open/fixed/closed groups, and which
transitions a user may make. The rules that need the case's own data live in ``layers/cases/transitions.py``."""

from __future__ import annotations

import json
from pathlib import Path

from layers.accounts import permissions_of

WORKFLOW_FILE = Path(__file__).with_name("workflow.json")
_WORKFLOW = json.loads(WORKFLOW_FILE.read_text(encoding="utf-8"))
STATES: dict[str, dict] = _WORKFLOW["states"]
GROUPS: dict[str, dict] = _WORKFLOW["groups"]
CLOCK_STATES: frozenset[str] = frozenset(_WORKFLOW["clock_states"])
TRANSITIONS: list[dict] = _WORKFLOW["transitions"]
OPEN = frozenset(s for s, d in STATES.items() if d["group"] == "open")


def group_of(state: str) -> str:
    """``open``, ``fixed`` or ``closed``.

    >>> group_of("dispatched"), group_of("fixed"), group_of("duplicate")
    ('open', 'fixed', 'closed')
    """
    return STATES[state]["group"]


def states_for(selector: str) -> set[str]:
    """The states named by a ``status`` filter word: a state, or ``open`` for every open state (``fixed`` and
    ``closed`` are states of their own; filter by group for all of a group). Raise KeyError otherwise."""
    if selector in STATES:
        return {selector}
    if selector in GROUPS:
        return {s for s, d in STATES.items() if d["group"] == selector}
    raise KeyError(selector)


def transition(src: str, dst: str) -> dict | None:
    """The transition ``src`` → ``dst`` from the table, or None when the lifecycle has no such step."""
    return next((t for t in TRANSITIONS if t["from"] == src and t["to"] == dst), None)


def barred(step: dict, props: dict, user_name: str | None) -> bool:
    """Whether ``user_name`` may not make ``step`` on a case with ``props`` because the step's ``not_by``
    property names them (the fixer may not verify their own fix).

    >>> step = transition("fixed", "closed")
    >>> barred(step, {"fixed_by": "wangge1"}, "wangge1"), barred(step, {"fixed_by": "wangge1"}, "xuncha1")
    (True, False)
    """
    key = step.get("not_by")
    return bool(key) and user_name is not None and props.get(key) == user_name


def next_states(src: str, role: str | None = None, *, props: dict | None = None,
                user_name: str | None = None) -> list[dict]:
    """The transitions out of ``src``; with ``role``, only those its permissions allow; with the case's
    ``props`` and the ``user_name``, only those the same-person rules leave to that user."""
    granted = permissions_of(role) if role is not None else None
    return [t for t in TRANSITIONS if t["from"] == src and (granted is None or t["permission"] in granted)
            and not (props is not None and barred(t, props, user_name))]
