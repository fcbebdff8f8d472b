"""Notes on a case: a new version whose ``note`` is the text, the case's state unchanged."""

from __future__ import annotations

import json

from layers.accounts import CASE_LAYER, permissions_of
from layers.accounts.permissions import require
from layers.cases.context import CaseContext, case_feature, get_case, require_scope
from layers.cases.inputs import refuse, text
from layers.cases.views import props_of
from layers.errors import Detail, ValidationFailed
from layers.store import FeatureVersion, StaleVersion


def add_note(ctx: CaseContext, user: dict, fid: int, body, base_version: int | None) -> FeatureVersion:
    """A note on a case without changing its state (a new version whose ``note`` is the text)."""
    if not isinstance(body, dict):
        raise ValidationFailed(
            key="errors.note.not_an_object",
            details=[Detail("", "wrong_type", 'send {"note": "..."}')],
        )
    problems = [Detail(k, "unknown_field", "not a field of a note") for k in sorted(set(body) - {"note"})]
    note = text(body, "note", problems)
    if note is None and not problems:
        problems.append(Detail("note", "required", "write the note"))
    refuse("errors.note.refused", problems)
    current = get_case(ctx, fid)
    if base_version is not None and base_version != current.version:
        raise StaleVersion(current)
    granted = permissions_of(user["role"])
    if not {"cases.work", "cases.dispatch", "cases.verify"} & granted:
        require(user, "cases.work")
    props = props_of(current)
    lon, lat = json.loads(current.geometry)["coordinates"][:2]
    require_scope(ctx, user, props, lon, lat)
    with ctx.store.atomic():
        saved = ctx.store.update(
            CASE_LAYER,
            fid,
            case_feature(ctx, json.loads(current.geometry), props | {"note": note}),
            current.version,
            user["name"],
        )
        ctx.store.audit(user["name"], "case.note", str(fid), {"version": saved.version})
        return saved

