"""The leaders' figures under ``/api``: before/after between two dates and the dashboard, as JSON, and the
dashboard's tables as CSV or Excel downloads."""

from __future__ import annotations

from urllib.parse import quote

from flask import Blueprint, Response, current_app, g, request

from layers.accounts import CASE_LAYER
from layers.accounts.permissions import require
from layers.leaders import GROUPS, Filters, check_area, check_period, compare_view, dashboard_view, names
from layers.leaders import tables as leader_tables
from layers.leaders.weekly import by_unit, weekly_series
from layers.store import format_instant
from web.auth import require_login
from web.params import bad, parse_at
from web.responses import json_response

bp = Blueprint("leaders", __name__, url_prefix="/api")


@bp.before_request
def _gate():
    require_login()
    require(g.user, "dashboard.read")


def parse_filters(area: bool = False) -> Filters:
    """The grid and category filters the leaders' pages keep in their URL, and (``area``) the area scope."""
    out = Filters()
    if area and request.args.get("area") is not None:
        out.area = check_area(current_app.extensions["store"], request.args["area"])
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
    filters = parse_filters(area=True)
    body = compare_view(current_app.extensions["leaders"], store, tz, from_us, to_us, filters,
                        with_coverage=_flag("coverage"))  # fmt: skip
    body |= {"from": format_instant(from_us, tz), "to": format_instant(to_us, tz), "area": filters.area}
    if _flag("weeks"):
        weeks = weekly_series(store, CASE_LAYER, filters.store_scope(), from_us, to_us, GROUPS)
        body["weeks"] = [{"at": format_instant(w.pop("at_us"), tz)} | w for w in weeks]
    return json_response(body)


def _dashboard_figures() -> tuple[dict, int]:
    tz, store = current_app.config["TZINFO"], current_app.extensions["store"]
    at = parse_at(request.args.get("at"), tz)
    at = store.now() if at is None else at
    since = parse_at(request.args.get("since"), tz, "since")
    leaders, filters = current_app.extensions["leaders"], parse_filters(area=True)
    body = dashboard_view(leaders, store, tz, at, filters, since)
    body["by_unit"] = by_unit(leaders.history(store, tz, filters, (at,)), at, GROUPS, body)
    return body | {"at": format_instant(at, tz), "since": format_instant(since, tz), "area": filters.area}, at


@bp.get("/dashboard")
def dashboard():
    return json_response(_dashboard_figures()[0])


def _choice(name: str, options: tuple, default: str | None = None) -> str:
    value = request.args.get(name, default)
    if value not in options:
        raise bad(name, f"one of {', '.join(options)}")
    return value


@bp.get("/dashboard/export")
def dashboard_export():
    """One of the dashboard's tables as a CSV or Excel download, with the dashboard's own filters."""
    name = _choice("table", leader_tables.TABLES)
    fmt = _choice("format", tuple(leader_tables.FORMATS), "csv")
    lang = _choice("lang", leader_tables.LANGUAGES, "zh-CN")
    figures, at = _dashboard_figures()
    tz, store = current_app.config["TZINFO"], current_app.extensions["store"]
    header, rows = leader_tables.table(name, figures, lang=lang, store=store, at_us=at, tz=tz, names=names(store))
    out = leader_tables.render(name, fmt, header, rows, at, tz)
    disposition = f"attachment; filename=\"{out['filename_ascii']}\"; filename*=UTF-8''{quote(out['filename'])}"
    return Response(out["data"], mimetype=out["media_type"],
                    headers={"Content-Disposition": disposition, "Cache-Control": "no-store"})  # fmt: skip
