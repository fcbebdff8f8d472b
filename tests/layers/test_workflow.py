"""The case lifecycle pinned: every (from, to, permission) of ``layers/cases/workflow.json`` written out here
once more, with the states' groups and the deadline clock's states. Other tests (the fuzzer among them) take
their expectations from the table itself, so a changed table passes them; here a change fails until this
copy is updated on purpose, in the same commit."""

from __future__ import annotations

import json
import re

from layers.cases import workflow

TRANSITIONS = {
    ("reported", "filed", "cases.dispatch"),
    ("reported", "rejected", "cases.dispatch"),
    ("reported", "duplicate", "cases.dispatch"),
    ("filed", "dispatched", "cases.dispatch"),
    ("filed", "rejected", "cases.dispatch"),
    ("filed", "duplicate", "cases.dispatch"),
    ("dispatched", "in_progress", "cases.work"),
    ("dispatched", "fixed", "cases.work"),
    ("dispatched", "dispatched", "cases.dispatch"),
    ("in_progress", "fixed", "cases.work"),
    ("in_progress", "dispatched", "cases.dispatch"),
    ("reopened", "in_progress", "cases.work"),
    ("reopened", "fixed", "cases.work"),
    ("reopened", "dispatched", "cases.dispatch"),
    ("fixed", "closed", "cases.verify"),
    ("fixed", "reopened", "cases.verify"),
    ("closed", "reopened", "cases.dispatch"),
    ("rejected", "filed", "cases.dispatch"),
    ("duplicate", "filed", "cases.dispatch"),
}
STATE_GROUPS = {
    "reported": "open", "filed": "open", "dispatched": "open", "in_progress": "open", "reopened": "open",
    "fixed": "fixed", "closed": "closed", "rejected": "closed", "duplicate": "closed",
}  # fmt: skip
CLOCK_STATES = {"dispatched", "in_progress", "reopened"}


def _table(transitions) -> list[tuple[str, str, str]]:
    return [(t["from"], t["to"], t["permission"]) for t in transitions]


def test_the_transition_table_is_exactly_the_pinned_one():
    table = _table(json.loads(workflow.WORKFLOW_FILE.read_text(encoding="utf-8"))["transitions"])
    assert len(table) == len(set(table)), "a transition is listed twice"
    assert set(table) - TRANSITIONS == set(), "transitions added to workflow.json"
    assert TRANSITIONS - set(table) == set(), "transitions removed from workflow.json"
    assert _table(workflow.TRANSITIONS) == table  # what the code reads is the file


def test_states_groups_and_clock_are_the_pinned_ones():
    assert {state: d["group"] for state, d in workflow.STATES.items()} == STATE_GROUPS
    assert set(workflow.GROUPS) == {"open", "fixed", "closed"}
    assert workflow.CLOCK_STATES == CLOCK_STATES
    assert workflow.OPEN == {s for s, group in STATE_GROUPS.items() if group == "open"}


def test_each_state_has_labels_and_each_move_a_label_in_both_languages():
    for state in workflow.STATES.values():
        assert set(state["label"]) == {"zh-CN", "en"} and all(state["label"].values())
    for move in workflow.TRANSITIONS:
        assert set(move["label"]) == {"zh-CN", "en"} and all(move["label"].values()), move


def test_next_states_follow_the_table_and_the_role():
    assert {t["to"] for t in workflow.next_states("in_progress")} == {"fixed", "dispatched"}
    assert {t["to"] for t in workflow.next_states("in_progress", "field_worker")} == {"fixed"}
    assert workflow.next_states("closed", "leader") == []
    assert workflow.transition("in_progress", "closed") is None


def test_each_state_has_its_own_colour():
    """The leaders' charts draw each state in its own colour (three open states once shared one red)."""
    colours = [spec["color"] for spec in workflow.STATES.values()]
    assert all(re.fullmatch(r"#[0-9a-f]{6}", c) for c in colours) and len(set(colours)) == len(colours)
