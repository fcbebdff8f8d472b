"""The case workflow: reporting a blackspot (grid cell, responsible unit, address, recurrence, duplicate
link, photos), moving it through its lifecycle with the rules a permission alone cannot express, and
notes. A case is a feature of the case layer, so every step is a new version in the store's history."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from layers.accounts import CASE_LAYER, permissions_of
from layers.accounts.permissions import require
from layers.cases import workflow
from layers.cases.photo_checks import PHOTO_CODES, checks
from layers.cases.places import Places
from layers.cases.views import MANAGED, props_of, recurrence_count
from layers.catalogue.features import Limits, parse_new_features, parse_replacement
from layers.errors import Conflict, Detail, Forbidden, NotFound, ValidationFailed
from layers.store import Bbox, FeatureVersion, StaleVersion, Store, UnknownFeature, format_instant, parse_instant

MAX_TEXT = 2000
LAST_DEADLINE_US = 253_402_128_000_000_000  # 9999-12-30T00:00:00Z: a day short of the last date any zone can show
MAX_PHOTOS_PER_REPORT = 10
REPORT_FIELDS = {"category", "lon", "lat", "description", "address", "photo_ids", "duplicate_of"}
TRANSITION_FIELDS = {"to", "note", "assignee", "deadline", "duplicate_of"}


@dataclass
class CaseContext:
    """What every case command needs: the store, the local timezone, the places cache and limits."""

    store: Store
    tz: ZoneInfo
    places: Places
    extent: Bbox | None = None
    limits: Limits = field(default_factory=Limits)

    def categories(self, at: int | None = None) -> dict[str, dict]:
        return {c["code"]: c for c in self.store.categories(at)}

    def layer(self) -> dict:
        return self.store.layer(CASE_LAYER)

    def iso(self, us: int) -> str:
        return datetime.fromtimestamp(us / 1e6, self.tz).isoformat(timespec="seconds")


def _refuse(message: str, message_zh: str, details: list[Detail]) -> None:
    if details:
        raise ValidationFailed(message, message_zh=message_zh, details=details)


def _text(body: dict, key: str, problems: list[Detail], limit: int = MAX_TEXT) -> str | None:
    value = body.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > limit:
        problems.append(Detail(key, "invalid_value", f"must be text of at most {limit} characters"))
        return None
    return value.strip() or None


def _id(body: dict, key: str, problems: list[Detail]) -> int | None:
    value = body.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value < 2**63:
        problems.append(Detail(key, "wrong_type", "must be a positive integer id"))
        return None
    return value


def _coordinate(body: dict, key: str, low: float, high: float, problems: list[Detail]) -> float | None:
    value = body.get(key)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        problems.append(Detail(key, "wrong_type" if key in body else "required", "a number of WGS 84 degrees"))
        return None
    if not low <= value <= high:
        problems.append(Detail(key, "out_of_range", f"must be between {low} and {high} (WGS 84 degrees)"))
        return None
    return float(value)


def _out_of_range_swap(body: dict) -> bool:
    """A latitude beyond ±90 that would be a fine longitude while the longitude would be a fine latitude."""
    lon, lat = body.get("lon"), body.get("lat")
    numbers = all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in (lon, lat))
    return numbers and abs(lat) > 90 and abs(lat) <= 180 and abs(lon) <= 90


def _swapped(lon: float, lat: float, extent: Bbox | None) -> bool:
    """True when (lat, lon) would fall in the project's extent and (lon, lat) does not."""
    if extent is None:
        return False
    inside = extent[0] <= lon <= extent[2] and extent[1] <= lat <= extent[3]
    flipped = extent[0] <= lat <= extent[2] and extent[1] <= lon <= extent[3]
    return flipped and not inside


def scope_ok(ctx: CaseContext, user: dict, props: dict, lon: float, lat: float) -> bool:
    """May ``user`` act on a case here? Planners and administrators anywhere; field workers in their own
    grid cells, or on a case assigned to them."""
    if "cases.write" in permissions_of(user["role"]) or "features.write" in permissions_of(user["role"]):
        return True
    if props.get("assignee") and props.get("assignee") == user["name"]:
        return True
    cell = ctx.places.cell(ctx.store, lon, lat)
    return bool(cell) and cell.get("code") in set(user.get("grid_codes") or [])


def require_scope(ctx: CaseContext, user: dict, props: dict, lon: float, lat: float) -> None:
    if not scope_ok(ctx, user, props, lon, lat):
        raise Forbidden(
            "This case is outside your grid cells and not assigned to you.",
            message_zh="该问题不在您负责的网格内，也未派给您。",
            code="outside_grid",
            details=[Detail("lon", "outside_grid", f"[{lon}, {lat}] is not in your grid cells")],
        )


def get_case(ctx: CaseContext, fid: int) -> FeatureVersion:
    try:
        return ctx.store.get(CASE_LAYER, fid)
    except UnknownFeature:
        raise NotFound(
            f"No case {fid}.",
            message_zh=f"不存在问题 {fid}。",
            details=[Detail("id", "not_found", f"no live case {fid}")],
        ) from None


def _original(ctx: CaseContext, fid: int | None, category: str, field_name: str, own: int | None = None) -> int | None:
    """The case a duplicate points at: the original of a duplicate's chain, same category, not itself."""
    if fid is None:
        return None
    seen = set()
    while True:
        try:
            target = ctx.store.get(CASE_LAYER, fid)
        except UnknownFeature:
            raise ValidationFailed(
                "The original case does not exist.",
                message_zh="所指的原问题不存在。",
                details=[Detail(field_name, "not_found", f"no live case {fid}")],
            ) from None
        props = props_of(target)
        if props.get("status") != "duplicate" or not props.get("duplicate_of") or fid in seen:
            break
        seen.add(fid)
        fid = props["duplicate_of"]
    if fid == own or props.get("category") != category:
        reason = (
            "a case cannot duplicate itself" if fid == own else f"case {fid} is of category {props.get('category')}"
        )
        raise ValidationFailed(
            "That case cannot be the original.",
            message_zh="不能指定该问题为原问题。",
            details=[Detail(field_name, "invalid_value", reason)],
        )
    return fid


def _feature(ctx: CaseContext, geometry: dict, props: dict, field_name: str = "case"):
    payload = {"type": "Feature", "geometry": geometry, "properties": {k: v for k, v in props.items() if v is not None}}
    return parse_replacement(ctx.layer(), payload, None, ctx.limits)


def place_fields(ctx: CaseContext, lon: float, lat: float, address: str | None = None) -> dict:
    """Grid cell, responsible unit and (unless given) address of a new case at a point."""
    cell = ctx.places.cell(ctx.store, lon, lat) or {}
    return {
        "address": address or ctx.places.address(ctx.store, lon, lat) or None,
        "grid_code": cell.get("code"),
        "responsible_unit": cell.get("responsible_unit"),
    }


def create_case(ctx: CaseContext, user: dict, body) -> tuple[FeatureVersion, list[int]]:
    """Report a new blackspot; return its first version and the photo ids attached to it."""
    require(user, "cases.report")
    if not isinstance(body, dict):
        raise ValidationFailed(
            "A report is a JSON object.",
            message_zh="上报内容须为 JSON 对象。",
            details=[Detail("", "wrong_type", "send a JSON object")],
        )
    problems = [Detail(k, "unknown_field", "not a field of a report") for k in sorted(set(body) - REPORT_FIELDS)]
    swapped = _out_of_range_swap(body)
    lon = _coordinate(body, "lon", -180, 180, problems)
    lat = None if swapped else _coordinate(body, "lat", -90, 90, problems)
    if swapped:
        problems.append(Detail("lat", "coordinates_swapped", f"{body['lat']} is no latitude; lon and lat look swapped"))
    elif lon is not None and lat is not None and _swapped(lon, lat, ctx.extent):
        problems.append(Detail("lon", "coordinates_swapped", f"[{lon}, {lat}] looks like [lat, lon]; send lon first"))
    categories = ctx.categories()
    code = body.get("category")
    if not isinstance(code, str) or code not in categories or not categories[code].get("active", True):
        problems.append(Detail("category", "invalid_value", "must be the code of an active category"))
    description = _text(body, "description", problems)
    address = _text(body, "address", problems, 200)
    photo_ids = body.get("photo_ids") or []
    if (
        not isinstance(photo_ids, list)
        or len(photo_ids) > MAX_PHOTOS_PER_REPORT
        or any(isinstance(p, bool) or not isinstance(p, int) or not 1 <= p < 2**63 for p in photo_ids)
    ):
        problems.append(Detail("photo_ids", "invalid_value", f"a list of at most {MAX_PHOTOS_PER_REPORT} photo ids"))
        photo_ids = []
    duplicate_of = _id(body, "duplicate_of", problems)
    _refuse("The report was refused.", "上报内容有误，未保存。", problems)
    require_scope(ctx, user, {}, lon, lat)
    photos = [_own_loose_photo(ctx, user, pid, f"photo_ids[{i}]") for i, pid in enumerate(photo_ids)]
    duplicate_of = _original(ctx, duplicate_of, code, "duplicate_of")
    now = ctx.store.now()
    props = {
        "category": code,
        "status": "duplicate" if duplicate_of else "reported",
        "description": description,
        **place_fields(ctx, lon, lat, address),
        "reported_at": ctx.iso(now),
        "reporter": user.get("display_name") or user["name"],
        "duplicate_of": duplicate_of,
        "recurrence": recurrence_count(ctx.store, lon, lat, categories[code], now, ctx.tz) or None,
    }
    geometry = {"type": "Point", "coordinates": [lon, lat]}
    [feature] = parse_new_features(
        ctx.layer(),
        {"type": "Feature", "geometry": geometry, "properties": {k: v for k, v in props.items() if v is not None}},
        None,
        ctx.limits,
    )
    with ctx.store.atomic():
        [created] = ctx.store.create(CASE_LAYER, [feature], user["name"], at=now)
        for photo in photos:  # the checks again, now that the case and its pin exist
            kept = [w for w in photo["warnings"] if w["code"] not in PHOTO_CODES]
            warnings = kept + checks(ctx.store, ctx.tz, photo, created)
            ctx.store.attach_photo(photo["id"], created.fid, "before", at=now, warnings=warnings)
    return created, [p["id"] for p in photos]


def _own_loose_photo(ctx: CaseContext, user: dict, photo_id: int, field_name: str) -> dict:
    photo = ctx.store.photo(photo_id)
    if photo is None or photo["uploaded_by"] != user["name"]:
        raise ValidationFailed(
            "A photo id is unknown.",
            message_zh="照片编号无效。",
            details=[Detail(field_name, "not_found", f"no photo {photo_id} uploaded by you")],
        )
    if photo["case_fid"] is not None:
        raise Conflict(
            "That photo already belongs to a case.",
            message_zh="该照片已属于其他问题。",
            code="photo_attached",
            details=[Detail(field_name, "photo_attached", f"photo {photo_id} is on case {photo['case_fid']}")],
        )
    return photo


def _illegal(status: str, to: str, role: str) -> Conflict:
    allowed = [t["to"] for t in workflow.next_states(status, role)]
    return Conflict(
        f"A case that is '{status}' cannot become '{to}'.",
        message_zh=f"问题当前状态为“{workflow.STATES[status]['label']['zh-CN']}”，不能变更为该状态。",
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
    assignee = _text(body, "assignee", problems, 100)
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
            "A transition is a JSON object.",
            message_zh="状态变更须为 JSON 对象。",
            details=[Detail("", "wrong_type", 'send {"to": ..., "note": ...}')],
        )
    problems = [
        Detail(k, "unknown_field", "not a field of a transition") for k in sorted(set(body) - TRANSITION_FIELDS)
    ]
    to = body.get("to")
    if not isinstance(to, str) or to not in workflow.STATES:
        problems.append(Detail("to", "invalid_value", f"must be one of {', '.join(workflow.STATES)}"))
    note = _text(body, "note", problems)
    _refuse("The transition was refused.", "状态变更内容有误。", problems)
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
    _refuse("The transition was refused.", "状态变更内容有误。", problems)
    new = {k: v for k, v in props.items() if k != "note"} | changes | {"status": to, "note": note}
    with ctx.store.atomic():
        return ctx.store.update(
            CASE_LAYER, fid, _feature(ctx, json.loads(current.geometry), new), current.version, user["name"]
        )


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
                "A case is fixed only with an 'after' photo.",
                message_zh="请先上传处理后的照片再标记为已处理。",
                code="after_photo_required",
                details=[Detail("to", "after_photo_required", "upload a photo with kind=after first")],
            )
        return {"fixed_by": user["name"], "fixed_at": now_iso}
    if to == "closed" and props.get("status") == "fixed":
        if props.get("fixed_by") == user["name"]:
            raise Conflict(
                "The person who fixed a case cannot also verify it.",
                message_zh="处理人不能核查结案本人处理的问题。",
                code="same_person",
                details=[Detail("to", "same_person", f"{user['name']} fixed this case; someone else must check it")],
            )
        return {"closed_at": now_iso}
    if to == "duplicate":
        original = _original(ctx, _id(body, "duplicate_of", problems), props["category"], "duplicate_of", own=fid)
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


def add_note(ctx: CaseContext, user: dict, fid: int, body, base_version: int | None) -> FeatureVersion:
    """A note on a case without changing its state (a new version whose ``note`` is the text)."""
    if not isinstance(body, dict):
        raise ValidationFailed(
            "A note is a JSON object.",
            message_zh="备注须为 JSON 对象。",
            details=[Detail("", "wrong_type", 'send {"note": "..."}')],
        )
    problems = [Detail(k, "unknown_field", "not a field of a note") for k in sorted(set(body) - {"note"})]
    note = _text(body, "note", problems)
    if note is None and not problems:
        problems.append(Detail("note", "required", "write the note"))
    _refuse("The note was refused.", "备注内容有误。", problems)
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
        return ctx.store.update(
            CASE_LAYER,
            fid,
            _feature(ctx, json.loads(current.geometry), props | {"note": note}),
            current.version,
            user["name"],
        )


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
            "Case workflow fields change only through /api/cases transitions.",
            message_zh="问题的流程字段只能通过办理流程变更。",
            code="use_case_workflow",
            details=[Detail(f"properties.{k}", "use_case_workflow", "changed only by a transition") for k in bad],
        )
