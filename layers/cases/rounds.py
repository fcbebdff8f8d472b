"""Plan my round: the open cases of a grid cell (or the ones named) ordered into a short walk along the
project's roads (straight lines where there are none), from the worker's position when given."""

from __future__ import annotations

import math

import geopandas as gpd
import shapely
from shapely.geometry import Point, mapping

from geo.routing import plan_round
from layers.accounts import CASE_LAYER
from layers.cases import CaseContext, scope_ok, workflow
from layers.cases.places import ROADS
from layers.cases.views import lonlat, props_of, summary
from layers.errors import Detail, ValidationFailed
from layers.store import UnknownFeature

MAX_STOPS = 200
FIELDS = {"case_ids", "grid", "start"}


def _refuse(field: str, code: str, reason: str) -> ValidationFailed:
    return ValidationFailed(key="errors.round.refused",
                            details=[Detail(field, code, reason)])  # fmt: skip


def _start(value) -> tuple[float, float] | None:
    if value is None:
        return None
    ok = isinstance(value, dict) and set(value) == {"lon", "lat"} and all(
        isinstance(value[k], (int, float)) and not isinstance(value[k], bool) and math.isfinite(value[k])
        for k in ("lon", "lat")
    )
    if not ok or not (-180 <= value["lon"] <= 180 and -90 <= value["lat"] <= 90):
        raise _refuse("start", "invalid_value", 'a position {"lon": ..., "lat": ...} in WGS 84 degrees')
    return float(value["lon"]), float(value["lat"])


def _cases(ctx: CaseContext, user: dict, body: dict) -> list:
    if ("case_ids" in body) == ("grid" in body):
        raise _refuse("case_ids", "required", "send either case_ids or grid")
    if "grid" in body:
        grid = body["grid"]
        if not isinstance(grid, str) or not (len(grid) == 15 and grid.isdigit()):
            raise _refuse("grid", "invalid_value", "a 15-digit grid cell code")
        filters = {"grid_code": grid, "status": sorted(workflow.OPEN)}
        found = ctx.store.query(CASE_LAYER, filters=filters, limit=MAX_STOPS + 1).features
        found = [v for v in found if scope_ok(ctx, user, props_of(v), *lonlat(v))]
    else:
        ids = body["case_ids"]
        if not isinstance(ids, list) or any(
            isinstance(i, bool) or not isinstance(i, int) or not 1 <= i < 2**63 for i in ids
        ):
            raise _refuse("case_ids", "wrong_type", "a list of case ids (positive integers)")
        if len(set(ids)) != len(ids):
            raise _refuse("case_ids", "duplicate", "each case once")
        found = []
        for i, fid in enumerate(ids):
            try:
                found.append(ctx.store.get(CASE_LAYER, fid))
            except UnknownFeature:
                raise _refuse(f"case_ids[{i}]", "not_found", f"no live case {fid}") from None
    if len(found) > MAX_STOPS:
        raise _refuse("case_ids", "too_many", f"at most {MAX_STOPS} cases in one round")
    return found


def plan(ctx: CaseContext, user: dict, body) -> dict:
    """The ordered cases, each with the length of the leg that reaches it, the route and its length."""
    if not isinstance(body, dict):
        raise _refuse("", "wrong_type", 'send {"case_ids": [...]} or {"grid": "..."}')
    unknown = sorted(set(body) - FIELDS)
    if unknown:
        raise _refuse(unknown[0], "unknown_field", "not a field of a round")
    start = _start(body.get("start"))
    versions = _cases(ctx, user, body)
    by_id = {v.fid: v for v in versions}
    stops = gpd.GeoDataFrame({"id": list(by_id)}, geometry=[Point(lonlat(v)) for v in versions], crs="EPSG:4326")
    roads = ctx.places.frame(ctx.store, ROADS)
    result = plan_round(stops, roads if len(roads) else None, start=start)
    categories, now = ctx.categories(), ctx.store.now()
    legs = {leg["to"]: leg for leg in result.legs}
    ordered = []
    for fid in result.order:  # without a start position the first stop has no leg leading to it
        leg = legs.get(fid)
        extra = {"leg_m": round(leg["length_m"], 1) if leg else 0.0, "leg_method": leg["method"] if leg else None}
        ordered.append(summary(by_id[fid], categories, now, ctx.tz) | extra)
    route = mapping(result.route) if result.route is not None and not shapely.is_empty(result.route) else None
    return {
        "cases": ordered, "route": route, "length_m": round(result.length_m, 1),
        "straight_length_m": round(result.straight_length_m, 1), "method": result.method, "start": start,
        "legs": result.legs,
    }  # fmt: skip
