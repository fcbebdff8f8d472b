"""Inspections under ``/api``: checklists (versioned data), assessment rounds drawn as stratified samples, the
phones' answers (with an ``Idempotency-Key``, sent exactly once), scores with their intervals, comparisons,
trends and the round's Excel table. Views parse, call ``layers.inspections`` and return."""

from __future__ import annotations

from urllib.parse import quote

from flask import Blueprint, Response, current_app, g, request

from layers.accounts.permissions import require
from layers.errors import Detail, Forbidden, NotFound
from layers.inspections import GRADES, GROUPS, check_checklist, report, rounds, scores, views
from layers.inspections import answers as inspection_answers
from layers.inspections.desk import desk_figures
from layers.inspections.evidence import closure_evidence
from web.auth import author, require_login
from web.idempotency import run_once
from web.params import bad, json_body
from web.responses import json_response

bp = Blueprint("inspections", __name__, url_prefix="/api")


@bp.before_request
def _gate():
    require_login()


def _store():
    return current_app.extensions["store"]


def _tz():
    return current_app.config["TZINFO"]


def _visible_round(round_id: int) -> dict:
    """A round whose places (and so its scores) the user may see; an open spot-check is 403 for the community."""
    found = rounds.get_round(_store(), round_id)
    if not rounds.sees_places(found, g.user):
        raise Forbidden(key="errors.inspection.hidden", params={"round_id": round_id},
                        details=[Detail("id", "spot_check_open", "shown when the spot-check closes")])  # fmt: skip
    return found


@bp.get("/checklists")
def list_checklists():
    body = [views.checklist_view(c, _tz()) for c in _store().checklists()]
    return json_response({"groups": GROUPS, "grades": GRADES, "checklists": body})


@bp.get("/checklists/<code>")
def get_checklist(code: str):
    version = request.args.get("version")
    if version is not None and not version.isdigit():
        raise bad("version", "a version number")
    found = _store().checklist(code, None if version is None else int(version))
    if found is None:
        raise NotFound(key="errors.checklist.not_found", params={"code": code},
                       details=[Detail("code", "not_found", code)])  # fmt: skip
    history = [{"version": v["version"], "valid_from": views.checklist_view(v, _tz())["valid_from"],
                "author": v["author"]} for v in _store().checklist_history(code)]  # fmt: skip
    return json_response(views.checklist_view(found, _tz()) | {"versions": history})


@bp.put("/checklists/<code>")
def put_checklist(code: str):
    require(g.user, "layers.define")
    existed = _store().checklist(code) is not None
    saved = _store().put_checklist(check_checklist(json_body(request), code), author())
    return json_response(views.checklist_view(saved, _tz()), 200 if existed else 201)


@bp.get("/inspections")
def list_rounds():
    return json_response({"rounds": [views.round_summary(r, _tz()) for r in _store().inspection_rounds()]})


@bp.post("/inspections")
def create_round():
    require(g.user, "cases.dispatch")

    def act():
        created = rounds.create_round(_store(), current_app.extensions["places"], g.user, json_body(request))
        location = {"Location": f"/api/inspections/{created['id']}"}
        return json_response(views.round_view(_store(), created, g.user, _tz()), 201, headers=location)

    return run_once(request, act)


@bp.get("/inspections/<id:round_id>")
def get_round(round_id: int):
    return json_response(views.round_view(_store(), rounds.get_round(_store(), round_id), g.user, _tz()))


@bp.post("/inspections/<id:round_id>/answers")
def answer(round_id: int):
    require(g.user, "cases.work")
    _visible_round(round_id)

    def act():
        body = inspection_answers.submit_answer(_store(), _tz(), g.user, round_id, json_body(request))
        return json_response(body, 201)

    return run_once(request, act)


@bp.get("/inspections/<id:round_id>/answers")
def list_answers(round_id: int):
    return json_response({"answers": views.answers_view(_store(), _visible_round(round_id), _tz())})


@bp.post("/inspections/<id:round_id>/close")
def close_round(round_id: int):
    require(g.user, "cases.dispatch")
    rounds.get_round(_store(), round_id)
    closed = _store().close_round(round_id)
    return json_response(views.round_summary(closed, _tz()))


@bp.get("/inspections/<id:round_id>/scores")
def round_scores(round_id: int):
    found = _visible_round(round_id)
    return json_response(scores.round_scores(_store(), current_app.extensions["places"], found, _tz()))


@bp.get("/inspections/<id:round_id>/desk")
def desk(round_id: int):
    found = _visible_round(round_id)
    checklist = _store().checklist(found["checklist"], found["checklist_version"])
    return json_response({"round": round_id, "figures": desk_figures(_store(), _tz(), found, checklist)})


@bp.get("/inspections/<id:round_id>/compare")
def compare_rounds(round_id: int):
    other = request.args.get("with", "")
    if not other.isdigit() or len(other) > 18:
        raise bad("with", "the id of the earlier round")
    return json_response(scores.compare_rounds(_store(), _visible_round(round_id), _visible_round(int(other))))


@bp.get("/inspections/trend")
def trend():
    area, checklist = request.args.get("area", ""), request.args.get("checklist", "")
    rounds.check_area(area)
    if _store().checklist(checklist) is None:
        raise bad("checklist", "the code of a stored checklist")
    body = scores.trend(_store(), area, checklist, _tz(), lambda r: rounds.sees_places(r, g.user))
    return json_response({"area": area, "checklist": checklist, "rounds": body})


@bp.get("/inspections/evidence")
def evidence():
    require(g.user, "dashboard.read")
    area = request.args.get("area", "")
    if area:
        rounds.check_area(area)
    return json_response(closure_evidence(_store(), _tz(), area))


@bp.get("/inspections/<id:round_id>/export.xlsx")
def export_round(round_id: int):
    require(g.user, "dashboard.read")
    lang = request.args.get("lang", "zh-CN")
    if lang not in ("zh-CN", "en"):
        raise bad("lang", "zh-CN or en")
    found = _visible_round(round_id)
    data = report.round_workbook(_store(), current_app.extensions["places"], found, _tz(), lang)
    name = quote(f"inspection-{round_id}.xlsx")
    return Response(data, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f"attachment; filename*=UTF-8''{name}"})  # fmt: skip
