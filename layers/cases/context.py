"""What every case command needs: the :class:`CaseContext` (store, timezone, places, limits), the live
case, who may act where (a field worker's grid cells), the place fields of a point, the original a
duplicate points at, and a case's properties checked as a feature of the case layer."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from geo.crs import distance_to_box_m
from layers.accounts import CASE_LAYER, permissions_of
from layers.cases.places import Places
from layers.cases.views import props_of
from layers.catalogue.features import Limits, parse_replacement
from layers.errors import Detail, Forbidden, NotFound, TooManyRequests, ValidationFailed
from layers.store import Bbox, FeatureVersion, Store, UnknownFeature


@dataclass
class CaseContext:
    """What every case command needs: the store, the local timezone, the places cache and limits."""

    store: Store
    tz: ZoneInfo
    places: Places
    extent: Bbox | None = None
    limits: Limits = field(default_factory=Limits)
    quotas: dict[str, int] = field(default_factory=dict)  # "reports"/"photos" per user a day; 0 or none: no limit

    def categories(self, at: int | None = None) -> dict[str, dict]:
        return {c["code"]: c for c in self.store.categories(at)}

    def layer(self) -> dict:
        return self.store.layer(CASE_LAYER)

    def iso(self, us: int) -> str:
        return datetime.fromtimestamp(us / 1e6, self.tz).isoformat(timespec="seconds")


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
            key="errors.case.outside_scope",
            code="outside_grid",
            details=[Detail("lon", "outside_grid", f"[{lon}, {lat}] is not in your grid cells")],
        )


def get_case(ctx: CaseContext, fid: int) -> FeatureVersion:
    """The live case ``fid``, else NotFound (404)."""
    try:
        return ctx.store.get(CASE_LAYER, fid)
    except UnknownFeature:
        raise NotFound(
            key="errors.case.not_found",
            params={"fid": fid},
            details=[Detail("id", "not_found", f"no live case {fid}")],
        ) from None


def original_case(
    ctx: CaseContext, fid: int | None, category: str, field_name: str, own: int | None = None
) -> int | None:
    """The case a duplicate points at: the original of a duplicate's chain, same category, not itself."""
    if fid is None:
        return None
    seen = set()
    while True:
        try:
            target = ctx.store.get(CASE_LAYER, fid)
        except UnknownFeature:
            raise ValidationFailed(
                key="errors.case.no_original",
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
            key="errors.case.bad_original",
            details=[Detail(field_name, "invalid_value", reason)],
        )
    return fid


def case_feature(ctx: CaseContext, geometry: dict, props: dict, field_name: str = "case"):
    """``props`` (None values left out) at ``geometry``, checked against the case layer's schema."""
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



QUOTA_WINDOW_S = 24 * 3600


def require_quota(ctx: CaseContext, user: dict, what: str, adding: int = 1) -> None:
    """Refuse (429 ``quota_exceeded`` with ``Retry-After``) a user's new report or photo once they have added
    ``ctx.quotas[what]`` of them in the last day: a stolen account or a runaway script cannot flood the store."""
    limit = ctx.quotas.get(what) or 0
    if limit <= 0:
        return
    now = ctx.store.now()
    count, oldest = ctx.store.contributions(user["name"], CASE_LAYER, now - QUOTA_WINDOW_S * 1_000_000)[what]
    if count + adding > limit:
        wait = max(1, -(-((oldest or now) + QUOTA_WINDOW_S * 1_000_000 - now) // 1_000_000))
        key = "errors.quota.photos" if what == "photos" else "errors.quota.reports"
        raise TooManyRequests(key=key, params={"limit": limit}, code="quota_exceeded",
                              headers={"Retry-After": str(wait)},
                              details=[Detail(what, "quota_exceeded", f"at most {limit} a day; wait {wait} s")])


def parse_area(value) -> list[float] | None:
    """The SERVICE_AREA setting as [minLon, minLat, maxLon, maxLat] in WGS 84 (a list, or text of four
    comma-separated numbers); None or "" for none. Raise ValueError for anything else, at start-up.

    >>> parse_area("113.2,23.0,113.4,23.2")
    [113.2, 23.0, 113.4, 23.2]
    """
    if value in (None, ""):
        return None
    parts = value.split(",") if isinstance(value, str) else value
    try:
        box = [float(v) for v in parts]
    except (TypeError, ValueError):
        box = []
    if len(box) != 4 or not (-180 <= box[0] <= box[2] <= 180 and -90 <= box[1] <= box[3] <= 90):
        raise ValueError(f"SERVICE_AREA must be [minLon, minLat, maxLon, maxLat] in WGS 84, got {value!r}")
    return box


def require_in_area(ctx: CaseContext, lon: float, lat: float, area: list | None, margin_m: float) -> None:
    """Refuse (422 ``outside_extent`` on ``geometry``) a point more than ``margin_m`` metres outside the
    deployment's area: ``area`` as configured ([minLon, minLat, maxLon, maxLat]), else the grid cells' box."""
    box = tuple(area) if area else ctx.places.area(ctx.store)
    if box is None:
        return  # nothing stored and nothing configured: no area to be outside of
    away = distance_to_box_m(lon, lat, box)
    if away > margin_m:
        raise ValidationFailed(key="errors.public_report.outside_extent", code="outside_extent", details=[
            Detail("geometry", "outside_extent", f"{away:.0f} m outside the area this service covers {list(box)}")])
