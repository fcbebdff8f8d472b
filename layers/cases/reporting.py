"""Reporting a blackspot: the report's fields checked, its grid cell, responsible unit, address,
recurrence and duplicate link filled in, and the reporter's loose photos attached, in one transaction."""

from __future__ import annotations

from layers.accounts import CASE_LAYER
from layers.accounts.permissions import require
from layers.cases.context import CaseContext, original_case, place_fields, require_quota, require_scope
from layers.cases.inputs import coordinate, looks_swapped, out_of_range_swap, positive_id, refuse, text
from layers.cases.photo_checks import PHOTO_CODES, checks
from layers.cases.views import recurrence_count
from layers.catalogue.features import parse_new_features
from layers.errors import Conflict, Detail, ValidationFailed
from layers.store import FeatureVersion

MAX_PHOTOS_PER_REPORT = 10
REPORT_FIELDS = {"category", "lon", "lat", "description", "address", "photo_ids", "duplicate_of"}


def create_case(ctx: CaseContext, user: dict, body) -> tuple[FeatureVersion, list[int]]:
    """Report a new blackspot; return its first version and the photo ids attached to it."""
    require(user, "cases.report")
    require_quota(ctx, user, "reports")
    if not isinstance(body, dict):
        raise ValidationFailed(
            key="errors.case_report.not_an_object",
            details=[Detail("", "wrong_type", "send a JSON object")],
        )
    problems = [Detail(k, "unknown_field", "not a field of a report") for k in sorted(set(body) - REPORT_FIELDS)]
    swapped = out_of_range_swap(body)
    lon = coordinate(body, "lon", -180, 180, problems)
    lat = None if swapped else coordinate(body, "lat", -90, 90, problems)
    if swapped:
        problems.append(Detail("lat", "coordinates_swapped", f"{body['lat']} is no latitude; lon and lat look swapped"))
    elif lon is not None and lat is not None and looks_swapped(lon, lat, ctx.extent):
        problems.append(Detail("lon", "coordinates_swapped", f"[{lon}, {lat}] looks like [lat, lon]; send lon first"))
    categories = ctx.categories()
    code = body.get("category")
    if not isinstance(code, str) or code not in categories or not categories[code].get("active", True):
        problems.append(Detail("category", "invalid_value", "must be the code of an active category"))
    description = text(body, "description", problems)
    address = text(body, "address", problems, 200)
    photo_ids = body.get("photo_ids") or []
    if (
        not isinstance(photo_ids, list)
        or len(photo_ids) > MAX_PHOTOS_PER_REPORT
        or any(isinstance(p, bool) or not isinstance(p, int) or not 1 <= p < 2**63 for p in photo_ids)
    ):
        problems.append(Detail("photo_ids", "invalid_value", f"a list of at most {MAX_PHOTOS_PER_REPORT} photo ids"))
        photo_ids = []
    duplicate_of = positive_id(body, "duplicate_of", problems)
    refuse("errors.case_report.refused", problems)
    require_scope(ctx, user, {}, lon, lat)
    photos = [_own_loose_photo(ctx, user, pid, f"photo_ids[{i}]") for i, pid in enumerate(photo_ids)]
    duplicate_of = original_case(ctx, duplicate_of, code, "duplicate_of")
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
        ctx.store.audit(user["name"], "case.report", str(created.fid), {"photos": [p["id"] for p in photos]})
        for photo in photos:  # the checks again, now that the case and its pin exist
            kept = [w for w in photo["warnings"] if w["code"] not in PHOTO_CODES]
            warnings = kept + checks(ctx.store, ctx.tz, photo, created)
            ctx.store.attach_photo(photo["id"], created.fid, "before", at=now, warnings=warnings)
    return created, [p["id"] for p in photos]


def _own_loose_photo(ctx: CaseContext, user: dict, photo_id: int, field_name: str) -> dict:
    photo = ctx.store.photo(photo_id)
    if photo is None or photo["uploaded_by"] != user["name"]:
        raise ValidationFailed(
            key="errors.photo.unknown_id",
            details=[Detail(field_name, "not_found", f"no photo {photo_id} uploaded by you")],
        )
    if photo["case_fid"] is not None:
        raise Conflict(
            key="errors.photo.attached",
            code="photo_attached",
            details=[Detail(field_name, "photo_attached", f"photo {photo_id} is on case {photo['case_fid']}")],
        )
    return photo
