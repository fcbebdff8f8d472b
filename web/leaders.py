"""The leaders' figures under ``/api``: before/after between two dates and the dashboard, as JSON, and the
dashboard's tables as CSV or Excel downloads."""

from __future__ import annotations

from flask import Blueprint, current_app, g, request

from layers.leaders import Filters, check_period, compare_view, dashboard_view
from layers.permissions import require
from layers.store import format_instant
from web.auth import require_login
from web.params import bad, parse_at
from web.responses import json_response

bp = Blueprint("leaders", __name__, url_prefix="/api")


@bp.before_request
def _gate():
    require_login()
    require(g.user, "dashboard.read")


def _filters() -> Filters:
    out = Filters()
    for key, attr in (("grid", "grids"), ("category", "categories")):
        text = request.args.get(key)
        if text is not None:
            values = {v.strip() for v in text.split(",") if v.strip()}
            if not values or len(values) > 200:
                raise bad(key, "a comma-separated list of 1 to 200 codes")
            setattr(out, attr, values)
    return out


def _flag(name: str) -> bool:
    value = request.args.get(name, "false").lower()
    if value not in ("true", "false", "1", "0"):
        raise bad(name, "true or false")
    return value in ("true", "1")


@bp.get("/compare")
def compare():
    tz, store = current_app.config["TZINFO"], current_app.extensions["store"]
    start, end = parse_at(request.args.get("from"), tz, "from"), parse_at(request.args.get("to"), tz, "to")
    from_us, to_us = check_period(start, end, store.now())
    body = compare_view(current_app.extensions["leaders"], store, tz, from_us, to_us, _filters(),
                        with_coverage=_flag("coverage"))  # fmt: skip
    body |= {"from": format_instant(from_us, tz), "to": format_instant(to_us, tz)}
    return json_response(body)


@bp.get("/dashboard")
def dashboard():
    tz, store = current_app.config["TZINFO"], current_app.extensions["store"]
    at = parse_at(request.args.get("at"), tz)
    at = store.now() if at is None else at
    since = parse_at(request.args.get("since"), tz, "since")
    body = dashboard_view(current_app.extensions["leaders"], store, tz, at, _filters(), since)
    body |= {"at": format_instant(at, tz), "since": format_instant(since, tz)}
    return json_response(body)
