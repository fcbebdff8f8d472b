"""Moving a case through its lifecycle (``layers/cases/workflow.json``) with the rules a permission alone
cannot express: a dispatch's assignee and deadline, an 'after' photo before 'fixed', someone else than the
fixer to close, a duplicate's original, a reopened case's new deadline. Plain feature edits may not change
the fields these transitions own (:func:`check_generic_write`)."""

from __future__ import annotations

import json
from datetime import timedelta

from layers.accounts import CASE_LAYER, permissions_of
from layers.accounts.permissions import require
from layers.cases import workflow
from layers.cases.context import CaseContext, case_feature, get_case, original_case, require_scope
from layers.cases.inputs import positive_id, refuse, text
from layers.cases.views import MANAGED, props_of
from layers.errors import Conflict, Detail, ValidationFailed
from layers.store import FeatureVersion, StaleVersion, format_instant, parse_instant

LAST_DEADLINE_US = 253_402_128_000_000_000  # 9999-12-30T00:00:00Z: a day short of the last date any zone can show
TRANSITION_FIELDS = {"to", "note", "assignee", "deadline", "duplicate_of"}


def _illegal(status: str, to: str, role: str) -> Conflict:
    allowed = [t["to"] for t in workflow.next_states(status, role)]
    return Conflict(
        key="errors.transition.illegal",
        params={"status": {"zh-CN": workflow.STATES[status]["label"]["zh-CN"], "en": status},
                "to": {"zh-CN": workflow.STATES[to]["label"]["zh-CN"], "en": to}},
        code="illegal_transition",
        details=[
            Detail(
                "to",
                "illegal_transition",
                f"from '{status}' you may go to: {', '.join(allowed) or 'nothing'}",
                allowed=allowed,
            )
        ],
    )


def _check_dispatch(ctx: CaseContext, body: dict, props: dict, problems: list[Detail]) -> dict:
    """Assignee and deadline of a dispatch: the deadline defaults to the category's, counted from now."""
    changes: dict = {}
    assignee = text(body, "assignee", problems, 100)
    if assignee is not None:
        person = ctx.store.user(assignee)
        if person is None or person.get("disabled") or not {"cases.work"} & permissions_of(person["role"]):
            problems.append(Detail("assignee", "invalid_value", f"{assignee!r} is not a user who may work on cases"))
    changes["assignee"] = assignee
    deadline = body.get("deadline")
    now = ctx.store.now()
    if deadline is not None:
        try:
            due = parse_instant(deadline, ctx.tz)
        except (TypeError, ValueError, OverflowError):
            problems.append(Detail("deadline", "invalid_value", "an ISO 8601 date-time like 2026-12-01T18:00:00+08:00"))
            due = None
        if due is not None and due <= now:
            problems.append(Detail("deadline", "out_of_range", "must lie in the future"))
        elif due is not None and due >= LAST_DEADLINE_US:  # later ones cannot be written back as dates
            problems.append(Detail("deadline", "out_of_range", "must lie before 9999-12-30"))
        hours = None if due is None else (due - now) / 3.6e9
    else:
        hours = float(ctx.categories()[props["category"]]["deadline_hours"])
    if hours is not None and not problems:
        changes["deadline"] = ctx.iso(now + int(hours * 3.6e9))
    changes["dispatched_at"] = ctx.iso(now)
    if changes["dispatched_at"] == props.get("dispatched_at"):  # a re-dispatch within the same second must
        changes["dispatched_at"] = format_instant(now, ctx.tz)  # still show in the history (events())
    return changes


def transition(ctx: CaseContext, user: dict, fid: int, body, base_version: int | None) -> FeatureVersion:
    """Move a case to ``body["to"]``, enforcing the lifecycle and its rules; return the new version."""
    if not isinstance(body, dict):
        raise ValidationFailed(
            key="errors.transition.not_an_object",
            details=[Detail("", "wrong_type", 'send {"to": ..., "note": ...}')],
        )
    problems = [
        Detail(k, "unknown_field", "not a field of a transition") for k in sorted(set(body) - TRANSITION_FIELDS)
    ]
    to = body.get("to")
    if not isinstance(to, str) or to not in workflow.STATES:
        problems.append(Detail("to", "invalid_value", f"must be one of {', '.join(workflow.STATES)}"))
    note = text(body, "note", problems)
    refuse("errors.transition.refused", problems)
    current = get_case(ctx, fid)
    if base_version is not None and base_version != current.version:
        raise StaleVersion(current)
    props = props_of(current)
    lon, lat = json.loads(current.geometry)["coordinates"][:2]
    step = workflow.transition(props["status"], to)
    if step is None:
        raise _illegal(props["status"], to, user["role"])
    require(user, step["permission"])
    require_scope(ctx, user, props, lon, lat)
    for key in ("assignee", "deadline"):
        if key in body and to != "dispatched":
            problems.append(Detail(key, "not_allowed", "only a dispatch sets it"))
    if "duplicate_of" in body and to != "duplicate":
        problems.append(Detail("duplicate_of", "not_allowed", "only marking a duplicate sets it"))
    changes = _rules(ctx, user, fid, props, to, body, problems)
    refuse("errors.transition.refused", problems)
    new = {k: v for k, v in props.items() if k != "note"} | changes | {"status": to, "note": note}
    with ctx.store.atomic():
        saved = ctx.store.update(
            CASE_LAYER, fid, case_feature(ctx, json.loads(current.geometry), new), current.version, user["name"]
        )
        ctx.store.audit(user["name"], "case.transition", str(fid), {"from": props.get("status"), "to": to,
                                                                    "version": saved.version})  # fmt: skip
        return saved


def _rules(ctx: CaseContext, user: dict, fid: int, props: dict, to: str, body: dict, problems: list[Detail]) -> dict:
    now_iso = ctx.iso(ctx.store.now())
    if to == "dispatched":
        cell = ctx.places.cell(ctx.store, *json.loads(ctx.store.get(CASE_LAYER, fid).geometry)["coordinates"][:2]) or {}
        return _check_dispatch(ctx, body, props, problems) | {
            "grid_code": cell.get("code", props.get("grid_code")),
            "responsible_unit": cell.get("responsible_unit", props.get("responsible_unit")),
        }
    if to == "fixed":
        if not any(p["kind"] == "after" for p in ctx.store.case_photos(fid)):
            raise Conflict(
                key="errors.transition.after_photo_required",
                code="after_photo_required",
                details=[Detail("to", "after_photo_required", "upload a photo with kind=after first")],
            )
        return {"fixed_by": user["name"], "fixed_at": now_iso}
    if to == "closed" and props.get("status") == "fixed":
        if workflow.barred(workflow.transition("fixed", "closed"), props, user["name"]):
            raise Conflict(
                key="errors.transition.same_person",
                code="same_person",
                details=[Detail("to", "same_person", f"{user['name']} fixed this case; someone else must check it")],
            )
        return {"closed_at": now_iso}
    if to == "duplicate":
        duplicate_of = positive_id(body, "duplicate_of", problems)
        original = original_case(ctx, duplicate_of, props["category"], "duplicate_of", own=fid)
        if original is None and not problems:
            problems.append(Detail("duplicate_of", "required", "name the case this one duplicates"))
        return {"duplicate_of": original}
    if to == "reopened":
        hours = float(ctx.categories()[props["category"]]["deadline_hours"])
        now = ctx.store.now()
        return {
            "closed_at": None,
            "fixed_by": None,
            "fixed_at": None,
            "deadline": ctx.iso(now + int(timedelta(hours=hours).total_seconds() * 1e6)),
        }
    if to == "filed":
        return {"duplicate_of": None}
    return {}


def check_generic_write(old: dict | None, new: dict) -> None:
    """Plain feature edits of the case layer may not do the workflow's job: a new case starts 'reported'
    and no edit changes a transition-owned field (use ``/api/cases``)."""
    if old is None:
        bad = [k for k in MANAGED if k not in ("status", "grid_code") and new.get(k) is not None]
        if new.get("status") not in (None, "reported"):
            bad.insert(0, "status")
    else:
        bad = [k for k in MANAGED if old.get(k) != new.get(k)]
    if bad:
        raise Conflict(
            key="errors.case.workflow_fields",
            code="use_case_workflow",
            details=[Detail(f"properties.{k}", "use_case_workflow", "changed only by a transition") for k in bad],
        )
