"""The case API under ``/api``: categories, cases and their lifecycle, duplicates and planned rounds.
Views parse the request, call ``layers/`` and return; writes accept an ``Idempotency-Key``."""

from __future__ import annotations

from flask import Blueprint, current_app, g, request

from layers.accounts import CASE_LAYER
from layers.accounts.permissions import require
from layers.areas import area_cells, resolve_scope
from layers.cases import CaseContext, add_note, create_case, rounds, transition, workflow
from layers.cases import get_case as live_case
from layers.cases import query as case_query
from layers.cases.categories import GROUPS, SCHEMES, check_category, save_category
from layers.cases.places import place_of
from layers.cases.views import detail, lonlat, props_of, summary
from layers.catalogue.features import Limits
from layers.errors import Detail, NotFound, PreconditionFailed
from layers.store import StaleVersion, UnknownFeature, format_instant
from web.auth import author, read_gate
from web.idempotency import run_once
from web.params import bad, if_match_version, json_body, parse_at, parse_bbox, parse_int, parse_point
from web.responses import json_response

bp = Blueprint("cases", __name__, url_prefix="/api")
GEOJSON = "application/geo+json"


bp.before_request(read_gate)


def context() -> CaseContext:
    store = current_app.extensions["store"]
    box = store.extent()
    extent = None if box is None else (box[0] - 0.05, box[1] - 0.05, box[2] + 0.05, box[3] + 0.05)
    limits = Limits(current_app.config["MAX_FEATURES_PER_REQUEST"], current_app.config["MAX_VERTICES"])
    cfg = current_app.config
    quotas = {"reports": int(cfg["QUOTA_REPORTS_PER_DAY"]), "photos": int(cfg["QUOTA_PHOTOS_PER_DAY"])}
    return CaseContext(store, cfg["TZINFO"], current_app.extensions["places"], extent, limits, quotas)


def _role() -> str | None:
    return g.user["role"] if g.get("user") else None


def _user_name() -> str | None:
    return g.user["name"] if g.get("user") else None


def _detail(ctx: CaseContext, fid: int, at: int | None = None, status: int = 200, extra: dict | None = None):
    try:
        version = ctx.store.get(CASE_LAYER, fid, at)
    except UnknownFeature:
        raise NotFound(
            key="errors.case.not_found",
            params={"fid": fid},
            details=[Detail("id", "not_found", f"no case {fid}" + (" at that time" if at else ""))],
        ) from None
    now = at if at is not None else ctx.store.now()
    body = detail(ctx.store, version, ctx.categories(at), now, ctx.tz, role=_role(), at=at,
                  user_name=_user_name()) | (extra or {})
    return json_response(body, status, headers={"ETag": version.etag})


def _stale(fid: int, exc: StaleVersion, ctx: CaseContext) -> PreconditionFailed:
    current = summary(exc.current, ctx.categories(), ctx.store.now(), ctx.tz)
    return PreconditionFailed(
        key="errors.case.stale",
        params={"fid": fid, "version": exc.current.version},
        details=[Detail("If-Match", "stale", f"current ETag is {exc.current.etag}")],
        extra={"current": current}, headers={"ETag": exc.current.etag},
    )  # fmt: skip


def _base_version(fid: int) -> int | None:
    return if_match_version(request, fid) if "If-Match" in request.headers else None


# -- categories and the workflow ------------------------------------------------------------------------


@bp.get("/categories")
def list_categories():
    store = current_app.extensions["store"]
    at = parse_at(request.args.get("at"), current_app.config["TZINFO"])
    tz = current_app.config["TZINFO"]
    cats = [c | {"valid_from": format_instant(c["valid_from"], tz)} for c in store.categories(at)]
    return json_response({"schemes": SCHEMES, "groups": GROUPS, "categories": cats})


@bp.get("/categories/<code>/history")
def category_history(code: str):
    tz = current_app.config["TZINFO"]
    versions = current_app.extensions["store"].category_history(code)
    if not versions:
        raise NotFound(key="errors.category.not_found", params={"code": code},
                       details=[Detail("code", "not_found", code)])
    return json_response({"code": code, "versions": [
        v | {"valid_from": format_instant(v["valid_from"], tz), "valid_to": format_instant(v["valid_to"], tz)}
        for v in versions]})  # fmt: skip


@bp.put("/categories/<code>")
def put_category(code: str):
    require(g.user, "layers.define")
    definition = check_category(json_body(request), code)
    saved, existed = save_category(current_app.extensions["store"], definition, author())
    saved["valid_from"] = format_instant(saved["valid_from"], current_app.config["TZINFO"])
    return json_response(saved, 200 if existed else 201)


@bp.get("/workflow")
def get_workflow():
    return json_response(
        {
            "states": workflow.STATES,
            "groups": workflow.GROUPS,
            "clock_states": sorted(workflow.CLOCK_STATES),
            "transitions": workflow.TRANSITIONS,
        }
    )


# -- cases -------------------------------------------------------------------------------------------


@bp.get("/cases")
def list_cases():
    ctx = context()
    user = g.get("user") or {"name": "", "role": None, "grid_codes": []}
    f = case_query.parse_filter(request.args, ctx.categories(), user)
    f.grids = area_cells(ctx.store, resolve_scope(ctx.store, g.get("user"), request.args.get("area")), f.grids)
    f.bbox = parse_bbox(request.args.get("bbox"))
    f.at = parse_at(request.args.get("at"), ctx.tz)
    near = request.args.get("near")
    f.near = parse_point("near", *(near.split(",", 1) + [None])[:2]) if near is not None else None
    limit = parse_int("limit", request.args.get("limit"), 100, 1, current_app.config["MAX_LIMIT"])
    offset = parse_int("offset", request.args.get("offset"), 0, 0, 10**9)
    now = f.at if f.at is not None else ctx.store.now()
    found = case_query.find_cases(ctx, user, f, now)
    categories = ctx.categories(f.at)
    features = []
    for version, dist in found[offset : offset + limit]:
        props = summary(version, categories, now, ctx.tz) | ({"distance_m": round(dist, 1)} if dist is not None else {})
        features.append({"type": "Feature", "id": version.fid,
                         "geometry": {"type": "Point", "coordinates": [props["lon"], props["lat"]]},
                         "properties": props})  # fmt: skip
    body = {"type": "FeatureCollection", "numberMatched": len(found), "numberReturned": len(features),
            "timeStamp": format_instant(now, ctx.tz), "features": features}  # fmt: skip
    return json_response(body, mimetype=GEOJSON)


@bp.post("/cases")
def report_case():
    ctx = context()

    def act():
        created, _ = create_case(ctx, g.user, json_body(request))
        lon, lat = lonlat(created)
        category = ctx.categories()[props_of(created)["category"]]
        offers = case_query.candidates(ctx, lon, lat, category, exclude={created.fid})
        response = _detail(ctx, created.fid, status=201, extra={"possible_duplicates": offers})
        response.headers["Location"] = f"/api/cases/{created.fid}"
        return response

    return run_once(request, act)


@bp.get("/cases/<id:fid>")
def get_case(fid: int):
    ctx = context()
    return _detail(ctx, fid, parse_at(request.args.get("at"), ctx.tz))


@bp.post("/cases/<id:fid>/transitions")
def post_transition(fid: int):
    ctx = context()

    def act():
        try:
            transition(ctx, g.user, fid, json_body(request), _base_version(fid))
        except StaleVersion as exc:
            raise _stale(fid, exc, ctx) from None
        return _detail(ctx, fid)

    return run_once(request, act)


@bp.post("/cases/<id:fid>/notes")
def post_note(fid: int):
    ctx = context()

    def act():
        try:
            add_note(ctx, g.user, fid, json_body(request), _base_version(fid))
        except StaleVersion as exc:
            raise _stale(fid, exc, ctx) from None
        return _detail(ctx, fid, status=201)

    return run_once(request, act)


@bp.get("/cases/<id:fid>/duplicates")
def case_duplicates(fid: int):
    ctx = context()
    version = live_case(ctx, fid)
    props = summary(version, ctx.categories(), ctx.store.now(), ctx.tz)
    found = ctx.store.query(CASE_LAYER, filters={"duplicate_of": fid}, limit=10_000).features
    categories, now = ctx.categories(), ctx.store.now()
    original = None
    if props["duplicate_of"]:
        try:
            original = summary(ctx.store.get(CASE_LAYER, props["duplicate_of"]), categories, now, ctx.tz)
        except UnknownFeature:
            original = None
    offers = case_query.candidates(ctx, props["lon"], props["lat"], categories[props["category"]],
                                   exclude={fid} | {v.fid for v in found})  # fmt: skip
    return json_response(
        {
            "id": fid,
            "duplicate_of": original,
            "duplicates": [summary(v, categories, now, ctx.tz) for v in found],
            "candidates": offers,
            "radius_m": categories[props["category"]]["duplicate_radius_m"],
        }
    )


@bp.get("/cases/candidates")
def duplicate_candidates():
    """Open cases a new report may be the same as, before it is sent."""
    ctx = context()
    categories = ctx.categories()
    code = request.args.get("category")
    if code not in categories:
        raise bad("category", "the code of a category")
    point = parse_point("lon", request.args.get("lon"), request.args.get("lat"))
    if point is None:
        raise bad("lon", "lon and lat of the new report, WGS 84 degrees")
    offers = case_query.candidates(ctx, point[0], point[1], categories[code])
    return json_response({"radius_m": categories[code]["duplicate_radius_m"], "candidates": offers})


@bp.get("/places")
def place_of_point():
    """The address and grid cell of a point, for a report form that shows where it is."""
    ctx = context()
    point = parse_point("lon", request.args.get("lon"), request.args.get("lat"))
    if point is None:
        raise bad("lon", "lon and lat of the point, WGS 84 degrees")
    return json_response(place_of(ctx, *point))


@bp.post("/rounds")
def plan_round():
    ctx = context()
    return json_response(rounds.plan(ctx, g.user, json_body(request)))
