"""The leaders' report: the ``/report`` page, the report's data as JSON, the same report as one standalone
HTML file to keep or send (``/api/report.html``), and the before/after map as an offline folium page
(``/api/compare/map.html``). All need ``dashboard.read``, like the compare and dashboard figures."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, g, request, send_from_directory

from layers.accounts.permissions import require
from layers.leaders import check_period
from layers.leaders.report import before_after_page, build_report, file_name
from web.auth import require_login
from web.exports import content_disposition
from web.leaders import parse_filters as filters  # the same grid/category filters as /api/compare
from web.leaders_report_html import render_report
from web.params import parse_at
from web.responses import json_response

bp = Blueprint("report", __name__, url_prefix="/api")
page_bp = Blueprint("report_page", __name__)


@bp.before_request
def _gate():
    require_login()
    require(g.user, "dashboard.read")


def _period() -> tuple[int, int]:
    tz, store = current_app.config["TZINFO"], current_app.extensions["store"]
    start, end = parse_at(request.args.get("from"), tz, "from"), parse_at(request.args.get("to"), tz, "to")
    return check_period(start, end, store.now())


def _report() -> dict:
    from_us, to_us = _period()
    return build_report(current_app.extensions["leaders"], current_app.extensions["store"],
                        current_app.config["TZINFO"], from_us, to_us, filters())  # fmt: skip


def _download(page: str, name: str, fallback: str) -> Response:
    headers = {"Content-Disposition": content_disposition(name, fallback), "Cache-Control": "no-store"}
    return Response(page, mimetype="text/html", headers=headers)


@bp.get("/report")
def report():
    return json_response(_report())


@bp.get("/report.html")
def report_file():
    body = _report()
    period = body["period"]
    return _download(render_report(body), file_name(body), f"report_{period['from_date']}_{period['to_date']}.html")


@bp.get("/compare/map.html")
def compare_map():
    from_us, to_us = _period()
    page, name = before_after_page(current_app.extensions["leaders"], current_app.extensions["store"],
                                   current_app.config["TZINFO"], from_us, to_us, filters())  # fmt: skip
    return _download(page, name, "before-after-map.html")


@page_bp.get("/report")
def report_page():
    """The printable report; its script asks /api/session and /api/report."""
    response = send_from_directory(current_app.static_folder, "report.html")
    response.headers["Cache-Control"] = "no-cache"
    return response
