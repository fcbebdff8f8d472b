"""The area hierarchy under ``/api/areas``: the areas (district › street office › community › cell) with
names, parents and boxes, one area with its path and children, and the import of names and boundaries."""

from __future__ import annotations

from flask import Blueprint, current_app, g, request
from shapely.geometry import mapping

from layers.accounts.permissions import require
from layers.areas import check_code, check_level, find_area, held_area, hierarchy, out_of_scope, within
from layers.areas.names import import_areas
from layers.errors import Detail, Forbidden, ValidationFailed
from web.auth import author, read_gate, require_login
from web.params import parse_int
from web.responses import json_response

bp = Blueprint("areas", __name__, url_prefix="/api/areas")


@bp.before_request
def _read_gate():
    read_gate()


def _store():
    return current_app.extensions["store"]


def _visible(code: str, field: str) -> str:
    """``code`` when the caller's own area holds it: 422 when malformed, then 403, then 404 when unknown."""
    check_code(code, field)
    if not within(code, held_area(g.user)):
        raise out_of_scope(code, held_area(g.user), field)
    return find_area(_store(), code, field).code


def _flag(name: str) -> bool:
    value = request.args.get(name, "false").lower()
    if value not in ("true", "false", "1", "0"):
        raise ValidationFailed(key="errors.request.bad_parameter", params={"field": name},
                               details=[Detail(name, "invalid_value", "true or false")])  # fmt: skip
    return value in ("true", "1")


def city() -> dict:
    """The city level: the deployment itself, named by the ``CITY_NAME`` setting, else by the name a generated
    city stored (None: unnamed)."""
    return {"name": current_app.config["CITY_NAME"] or _store().get_meta("city_name") or None, "level": "city"}


@bp.get("")
def list_areas():
    cfg = current_app.config
    level = check_level(request.args["level"]) if "level" in request.args else None
    parent = request.args.get("parent")
    if parent is not None:
        _visible(parent, "parent")
    limit = parse_int("limit", request.args.get("limit"), cfg["DEFAULT_LIMIT"], 1, cfg["MAX_LIMIT"])
    offset = parse_int("offset", request.args.get("offset"), 0, 0, 2**31)
    found = hierarchy(_store()).listing(level, parent, held_area(g.user))
    return json_response({"city": city(), "scope": held_area(g.user), "total": len(found),
                          "areas": [a.to_json() for a in found[offset : offset + limit]]})  # fmt: skip


@bp.get("/<code>")
def get_area(code: str):
    tree = hierarchy(_store())
    area = tree.get(_visible(code, "code"))
    body = area.to_json() | {
        "path": [{"code": a.code, "name": a.name, "level": a.level} for a in tree.path(area.code)],
        "children": [a.to_json() for a in tree.children(area.code)],
    }
    if _flag("geometry"):
        boundary = tree.boundary(area.code)
        body["geometry"] = None if boundary is None else mapping(boundary)
    return json_response(body)


@bp.post("/import")
def import_names():
    user = require_login()
    require(user, "data.import")
    if held_area(user) is not None:
        reason = "only an account of the whole city names areas"
        raise Forbidden(key="errors.area.scoped_admin", code="out_of_scope",
                        details=[Detail("area", "out_of_scope", reason)])  # fmt: skip
    if request.mimetype != "multipart/form-data" or len(request.files.getlist("file")) != 1:
        reason = "multipart/form-data with one 'file' part"
        raise ValidationFailed(key="errors.upload.not_multipart", code="unsupported_media_type",
                               details=[Detail("file", "wrong_type", reason)])  # fmt: skip
    summary = import_areas(_store(), request.files["file"].read(), author())
    return json_response(summary, 201)
