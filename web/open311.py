"""Open311 GeoReport v2 at ``/open311/v2``: discovery, services (the category table), service definitions
and service requests (GET with the spec's filters; POST form-encoded, reporting a real case). The format
is the extension, ``.json`` or ``.xml``. Refusals take GeoReport's own shape, ``[{"code", "description"}]``
(``<errors>`` in XML): the documented exception to the project's one error shape, because Open311 clients
read that one."""

from __future__ import annotations

import json

from flask import Blueprint, Response, current_app, g, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed
from werkzeug.routing import BaseConverter

from layers import i18n
from layers.accounts import secret_hash
from layers.areas import area_cells, resolve_scope
from layers.cases import CaseContext, create_case
from layers.cases import query as case_query
from layers.cases.views import lonlat, props_of
from layers.errors import AppError, Detail, Forbidden, NotFound, UnsupportedMediaType
from layers.interop.open311 import documents as open311
from layers.interop.open311.reports import locate_address, parse_report, service_notice
from web.auth import require_login
from web.cases import context as case_context
from web.idempotency import run_once
from web.responses import site_root

bp = Blueprint("open311", __name__, url_prefix="/open311/v2")
CONTENT_TYPES = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
ANY_METHOD = ["GET", "POST", "PUT", "PATCH", "DELETE"]
PUBLIC = {"open311.discovery", "open311.unknown"}  # they show no data, and discovery says how to get a key
HTTP_ZH = {404: i18n.text("errors.request.not_found"), 405: i18n.text("errors.http.method_not_allowed"),
           413: i18n.text("errors.http.payload_too_large"), 400: i18n.text("errors.http.bad_request")}  # fmt: skip
GAZETTEER = {"building": "buildings", "road": "roads", "grid": "grid"}


def _format() -> str:
    """The format the path asks for (refusals too); JSON when it names none served here."""
    fmt = (request.view_args or {}).get("fmt") or request.path.rpartition(".")[2]
    return fmt if fmt in CONTENT_TYPES else "json"


def _lang() -> str:
    """``?locale=en`` or an English Accept-Language gives English; Chinese otherwise."""
    locale = request.args.get("locale")
    if locale:
        return "en" if locale.lower().startswith("en") else "zh-CN"
    return request.accept_languages.best_match(["zh-CN", "en"], default="zh-CN")


def _render(root: str, data, status: int = 200, headers: dict | None = None) -> Response:
    fmt = _format()
    body = open311.to_xml(root, data) if fmt == "xml" else json.dumps(data, ensure_ascii=False)
    response = Response(body, status, headers=headers, content_type=CONTENT_TYPES[fmt])
    response.headers["Cache-Control"] = "no-store"
    return response


def _refusal(status: int, message: str, message_zh: str, details: list, headers: dict | None = None) -> Response:
    body = open311.errors(status, message if _lang() == "en" else message_zh, details)
    return _render("errors", body, body[0]["code"], headers)


@bp.errorhandler(AppError)
def _app_error(exc: AppError) -> Response:
    if exc.status == 401 and request.headers.get("Authorization", "")[:6].lower() == "basic ":
        # A client that sent HTTP Basic (GDAL, Excel) gets HTTP's answer: 401 and the Basic challenge.
        body = open311.errors(exc.status, exc.message if _lang() == "en" else exc.message_zh, exc.details)
        return _render("errors", [dict(error, code=401) for error in body], 401, exc.headers)
    headers = {k: v for k, v in exc.headers.items() if k != "WWW-Authenticate"}  # a 401 is GeoReport's 403
    return _refusal(exc.status, exc.message, exc.message_zh, exc.details, headers)


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException) -> Response:
    status = exc.code or 400
    allow = {"Allow": ", ".join(exc.valid_methods)} if getattr(exc, "valid_methods", None) else None
    return _refusal(status, exc.description or exc.name, HTTP_ZH.get(status, HTTP_ZH[400]), [], allow)


def _api_key_user() -> dict | None:
    """The account whose API token is the ``api_key`` (GET: in the query; POST: in the form), or None."""
    source = request.values if request.method == "POST" else request.args
    keys = [k.strip() for k in source.getlist("api_key") if k.strip()]
    if not keys:
        return None
    found = current_app.extensions["store"].token_user(secret_hash(keys[0])) if len(keys) == 1 else None
    if found is None:
        raise Forbidden(key="errors.open311.invalid_api_key",
                        code="invalid_api_key", details=[Detail("api_key", "invalid_token", "one live token")])
    return found[1]


@bp.before_request
def _gate():
    """Reads are gated like ``/api`` (an ``api_key`` counts as a login) unless OPEN311_PUBLIC_READS publishes
    them; reporting needs an API token, as ``api_key`` or ``Authorization: Bearer``, never a browser session."""
    if request.endpoint in PUBLIC:
        return
    user = _api_key_user()
    if user is not None:
        g.user, g.via = user, "token"
    if request.method == "POST" and g.get("via") != "token":
        raise Forbidden(key="errors.open311.api_key_required",
                        code="api_key_required", details=[Detail("api_key", "required", "an API token")])  # fmt: skip
    cfg = current_app.config
    if request.method != "POST" and cfg["READ_REQUIRES_LOGIN"] and not cfg["OPEN311_PUBLIC_READS"]:
        require_login()


def _check(fmt: str, params: set[str] = frozenset()) -> None:
    if fmt not in CONTENT_TYPES:
        raise NotFound(key="errors.open311.no_format", params={"fmt": repr(fmt[:20])},
                       details=[Detail("format", "not_found", "use .json or .xml")])  # fmt: skip
    open311.check_params(request.args.to_dict(flat=False), set(params))


# -- discovery and services ------------------------------------------------------------------------------


@bp.get("/discovery.<fmt>")
def discovery(fmt: str):
    _check(fmt)
    store, tz = current_app.extensions["store"], current_app.config["TZINFO"]
    url = site_root().rstrip("/") + bp.url_prefix
    body = open311.discovery(url, open311.changeset(store.categories(), tz), bool(store.get_meta("demo")), _lang())
    return _render("discovery", body)


@bp.get("/services.<fmt>")
def services(fmt: str):
    _check(fmt)
    return _render("services", open311.services(current_app.extensions["store"].categories(), _lang()))


@bp.get("/services/<code>.<fmt>")
def service_definition(code: str, fmt: str):
    _check(fmt)
    category = open311.active_category(case_context().categories(), code)
    return _render("service_definition", open311.service_definition(category, _lang()))


# -- service requests ------------------------------------------------------------------------------------


def _requests(ctx: CaseContext, versions: list) -> list[dict]:
    # A photo's media_url is /api's: only for a reader who may read it (public Open311 reads leave /api private).
    readable = g.get("user") is not None or not current_app.config["READ_REQUIRES_LOGIN"]
    fids = [v.fid for v in versions] if readable else []
    photos = open311.media_urls(ctx.store, fids, site_root() + "api/photos/") if fids else {}
    categories, lang = ctx.categories(), _lang()
    return [open311.request_view(v, categories, ctx.tz, lang, photos.get(v.fid)) for v in versions]


@bp.get("/requests.<fmt>")
def list_requests(fmt: str):
    _check(fmt, open311.FILTER_PARAMS)
    ctx = case_context()
    f = open311.parse_request_filter(request.args.to_dict(flat=False), ctx.categories(), ctx.tz, ctx.store.now())
    f.cells = area_cells(ctx.store, resolve_scope(ctx.store, g.get("user"), request.args.get("area")))
    return _render("service_requests", _requests(ctx, open311.find_requests(ctx.store, f, ctx.tz)))


@bp.get("/requests/<rid>.<fmt>")
def get_request(rid: str, fmt: str):
    _check(fmt)
    ctx = case_context()
    return _render("service_requests", _requests(ctx, [open311.find_request(ctx.store, rid)]))


@bp.post("/requests.<fmt>")
def post_request(fmt: str):
    _check(fmt)
    if request.mimetype not in FORM_TYPES:
        raise UnsupportedMediaType(details=[Detail("Content-Type", "unsupported_media_type",
                                                   "send application/x-www-form-urlencoded")])  # fmt: skip
    ctx = case_context()

    def act() -> Response:
        frames = {kind: ctx.places.frame(ctx.store, layer) for kind, layer in GAZETTEER.items()}
        report = parse_report(request.form.to_dict(flat=False), ctx.categories(),
                              lambda address: locate_address(address, frames), list(request.files))  # fmt: skip
        created, _ = create_case(ctx, g.user, report.body)
        props, (lon, lat) = props_of(created), lonlat(created)
        category = ctx.categories()[props["category"]]
        nearby = [c["id"] for c in case_query.candidates(ctx, lon, lat, category, exclude={created.fid})]
        notice = service_notice(props["status"], category, props.get("duplicate_of"), nearby, report.place, _lang())
        location = f"{site_root().rstrip('/')}{bp.url_prefix}/requests/{created.fid}.{fmt}"
        answer = [{"service_request_id": str(created.fid), "service_notice": notice, "account_id": None}]
        return _render("service_requests", answer, 201, {"Location": location})

    # Not in GeoReport v2, but what a client that may resend needs: the same report with the same key
    # answers as the first time and makes no second case (the key is the caller's, per API token).
    return run_once(request, act)


# -- anything else under /open311/v2 ---------------------------------------------------------------------


class RestOfPath(BaseConverter):
    """Whatever follows the prefix, newlines included (Werkzeug's ``path`` stops at one, which would leave
    such a path to the project's own 404)."""

    regex = "(?s:.+)"
    part_isolating = False


@bp.record_once
def _converter(state) -> None:
    state.app.url_map.converters["open311_rest"] = RestOfPath


def _methods_at(path: str) -> list[str]:
    """The methods another Open311 route takes at ``path`` (empty: no such resource)."""
    adapter = current_app.url_map.bind_to_environ(request.environ)
    found = []
    for method in ("GET", "POST"):
        try:
            endpoint, _ = adapter.match(path, method=method)
        except HTTPException:
            continue
        if endpoint != request.endpoint:
            found.append(method)
    return found


@bp.route("/", defaults={"rest": ""}, methods=ANY_METHOD)
@bp.route("/<open311_rest:rest>", methods=ANY_METHOD)
def unknown(rest: str):
    """GeoReport refusals for the whole prefix, so a client never meets the project's error shape here."""
    allowed = _methods_at(request.path)
    if allowed:
        raise MethodNotAllowed(valid_methods=allowed + (["HEAD"] if "GET" in allowed else []))
    raise NotFound(key="errors.open311.no_resource",
                   details=[Detail("path", "not_found", f"no resource /{rest[:80]}")])  # fmt: skip
