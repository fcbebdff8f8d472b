"""The fields of a case that record where and by whom it was reported: the grid cell (and its responsible
unit) come from the geometry, the reporter and the report time from the request. A plain feature write never
sets them (the server does) and never changes them; only an administrator's correction, with a reason and an
audit entry, does."""

from __future__ import annotations

from layers.accounts import CASE_LAYER
from layers.accounts.permissions import require
from layers.cases.context import CaseContext, case_feature
from layers.errors import Conflict, Detail, ValidationFailed
from layers.store import FeatureVersion, NewFeature, Store

STAMPED = ("grid_code", "responsible_unit", "reporter", "reported_at")
MAX_REASON = 500


def without_stamps(layer: dict) -> dict:
    """The case layer's definition with the stamped fields no longer required of the client."""
    return {**layer, "required": [k for k in layer.get("required", []) if k not in STAMPED]}


def stamp_new_case(ctx: CaseContext, user: dict, feature: NewFeature, now_us: int) -> NewFeature:
    """``feature`` with its grid cell from its point and its reporter and report time from the request.
    A client value of a stamped field is refused (409 ``use_case_workflow``), never silently replaced."""
    props = dict(feature.properties)
    sent = sorted(k for k in STAMPED if props.get(k) is not None)
    if sent:
        raise Conflict(key="errors.case.stamped_field", code="use_case_workflow",
                       details=[Detail(f"properties.{k}", "use_case_workflow", "set by the server") for k in sent])
    lon, lat = feature.geometry["coordinates"][:2]
    cell = ctx.places.cell(ctx.store, lon, lat) or {}
    props |= {"grid_code": cell.get("code"), "responsible_unit": cell.get("responsible_unit"),
              "reporter": user.get("display_name") or user["name"], "reported_at": ctx.iso(now_us)}  # fmt: skip
    return case_feature(ctx, feature.geometry, props)


def stamp_changes(old: dict, new: dict) -> dict:
    """``{field: [before, after]}`` of the stamped fields an edit changes."""
    return {k: [old.get(k), new.get(k)] for k in STAMPED if old.get(k) != new.get(k)}


def check_correction(user: dict, changes: dict, reason) -> str | None:
    """The reason of an edit that changes stamped fields: refused unless an administrator gives one; None
    when nothing stamped changes."""
    if not changes:
        return None
    if reason is None:
        raise Conflict(key="errors.case.stamped_field", code="use_case_workflow",
                       details=[Detail(f"properties.{k}", "use_case_workflow",
                                       "changed only by an administrator's correction (?reason=)")
                                for k in changes])  # fmt: skip
    require(user, "users.manage")
    if not isinstance(reason, str) or not reason.strip() or len(reason) > MAX_REASON:
        raise ValidationFailed(key="errors.case.correction_reason",
                               details=[Detail("reason", "invalid_value", f"1 to {MAX_REASON} characters")])
    return reason.strip()


def save_edit(store: Store, current: FeatureVersion, feature: NewFeature, author: str, correction: tuple | None,
              ip: str = "") -> FeatureVersion:
    """Store an edit of a case; a correction (``(reason, changes)``) is audited in the same transaction."""
    with store.atomic():
        saved = store.update(CASE_LAYER, current.fid, feature, current.version, author)
        store.audit(author, "case.edit", str(current.fid), {"version": saved.version}, ip)
        if correction is not None:
            reason, changes = correction
            store.audit(author, "case.correct", str(current.fid), {"reason": reason, "changes": changes}, ip)
    return saved
