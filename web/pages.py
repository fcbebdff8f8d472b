"""The pages a person opens: the map, the login page and user administration. Each is a static HTML file
whose script asks the API who is logged in (``/api/session``) and goes to ``/login`` when it must."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, send_from_directory

bp = Blueprint("pages", __name__)


def _page(filename: str) -> Response:
    response = send_from_directory(current_app.static_folder, filename)
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/")
def index():
    return _page("index.html")


@bp.get("/login")
def login():
    return _page("login.html")


@bp.get("/admin")
def admin():
    return _page("admin.html")


@bp.get("/account")
def account():
    """One's own account: the browser sessions, each to end, or all of them."""
    return _page("account.html")


@bp.get("/field")
def field():
    return _page("field.html")


@bp.get("/field/inspect")
def inspect():
    """The inspection round on the phone: drawn places in walking order and the checklist form (under /field,
    so the field view's service worker keeps it for offline use)."""
    return _page("inspect.html")


@bp.get("/scores")
def scores():
    """The leaders' view of an inspection round: the score map, the table with intervals, the worst places."""
    return _page("scores.html")


@bp.get("/compare")
def compare():
    """Before and after (leaders): two dates side by side, what changed, the weeks between."""
    return _page("compare.html")


@bp.get("/dashboard")
def dashboard():
    """The leaders' dashboard: charts, tables and maps of the cases at a date."""
    return _page("dashboard.html")


@bp.get("/sw.js")
def service_worker():
    """The field view's service worker, from the site root so that its scope may cover ``/field``."""
    response = send_from_directory(current_app.static_folder, "sw.js", mimetype="text/javascript")
    response.headers["Cache-Control"] = "no-cache"
    return response
