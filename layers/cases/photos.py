"""Photos on cases: an upload is processed (type sniffed, orientation applied, metadata stripped,
downscaled, thumbnail), checked against the case (taken far from the pin, taken before the report, the
same picture already on another case) and kept; 'before' and 'after' photos sit side by side on a case."""

from __future__ import annotations

import json

from layers.accounts import CASE_LAYER, permissions_of
from layers.accounts.permissions import require
from layers.cases import CaseContext, get_case, require_quota, require_scope, workflow
from layers.cases.photo_checks import checks
from layers.cases.views import props_of
from layers.errors import Conflict, Detail, NotFound, ValidationFailed
from layers.uploads.photos import PhotoLimits, ProcessedPhoto, process_photo

KINDS = ("before", "after")
AFTER_ALLOWED = workflow.CLOCK_STATES | {"fixed"}


def _record(ctx: CaseContext, photo: ProcessedPhoto, user: dict) -> dict:
    return {
        "sha256": photo.sha256, "phash": photo.phash, "width": photo.width, "height": photo.height,
        "source_type": photo.source_type, "lon": photo.lon, "lat": photo.lat,
        "taken_at": photo.taken_at.isoformat() if photo.taken_at else None,
        "uploaded_by": user["name"], "uploaded_at": ctx.store.now(), "warnings": list(photo.warnings),
    }  # fmt: skip


def prepare(data: bytes, limits: PhotoLimits) -> ProcessedPhoto:
    """The expensive part, run before any transaction starts."""
    return process_photo(data, limits, field="file")


def check_kind(kind) -> str:
    if kind not in KINDS:
        raise ValidationFailed(
            key="errors.photo.kind",
            details=[Detail("kind", "invalid_value", "must be 'before' or 'after'")],
        )
    return kind


def add_case_photo(ctx: CaseContext, user: dict, fid: int, kind: str, photo: ProcessedPhoto) -> dict:
    """Attach a processed photo to a case as its ``kind`` photo; return the stored record."""
    case = get_case(ctx, fid)
    props = props_of(case)
    lon, lat = json.loads(case.geometry)["coordinates"][:2]
    require(user, "cases.report" if kind == "before" else "cases.work")
    require_scope(ctx, user, props, lon, lat)
    require_quota(ctx, user, "photos")
    status = props.get("status")
    if workflow.group_of(status) == "closed" or (kind == "after" and status not in AFTER_ALLOWED):
        raise Conflict(
            key="errors.photo.not_allowed",
            params={"status": status, "kind": kind},
            code="photo_not_allowed",
            details=[
                Detail(
                    "kind",
                    "photo_not_allowed",
                    f"'{kind}' photos are for cases in {sorted(AFTER_ALLOWED)}"
                    if kind == "after"
                    else "the case is closed",
                )
            ],
        )
    with ctx.store.atomic():
        record = _record(ctx, photo, user)
        record["warnings"] += checks(ctx.store, ctx.tz, record, case)
        record = ctx.store.add_photo(record, photo.image, photo.thumb)
        return ctx.store.attach_photo(record["id"], fid, kind)


def add_loose_photo(ctx: CaseContext, user: dict, photo: ProcessedPhoto) -> dict:
    """A photo that starts a report: kept unattached until ``POST /api/cases`` names it."""
    require(user, "cases.report")
    require_quota(ctx, user, "photos")
    with ctx.store.atomic():
        record = _record(ctx, photo, user)
        record["warnings"] += checks(ctx.store, ctx.tz, record, None)
        return ctx.store.add_photo(record, photo.image, photo.thumb)


def require_readable(user: dict | None, photo: dict) -> None:
    """A photo not yet attached to a case (and the position it carries) is its uploader's and the
    administrators' alone: anyone else gets the same 404 as for a photo that does not exist."""
    if photo["case_fid"] is not None:
        return
    if user is not None and (user["name"] == photo["uploaded_by"] or "users.manage" in permissions_of(user["role"])):
        return
    raise NotFound(key="errors.photo.not_found", params={"photo_id": photo["id"]},
                   details=[Detail("id", "not_found", f"no photo {photo['id']}")])  # fmt: skip


def photo_case(ctx: CaseContext, photo: dict):
    """The case a photo belongs to (None for a loose one), for read checks."""
    if photo["case_fid"] is None:
        return None
    try:
        return ctx.store.get(CASE_LAYER, photo["case_fid"])
    except KeyError:
        return None
