"""Import sessions under ``/api/imports``: upload a file (multipart), read its preview (paged rows, counts
per problem, the suggested column mapping), change options and the mapping, commit the valid rows
all-or-nothing, download the refused rows as CSV. Also the page ``/import`` that drives them."""

from __future__ import annotations

import json
import threading

from flask import Blueprint, Response, current_app, g, request, send_from_directory

from layers import i18n
from layers.accounts.permissions import require
from layers.errors import Detail, ValidationFailed
from layers.imports import ImportLimits, Imports
from web.auth import require_login
from web.exports import content_disposition
from web.params import json_body, parse_int
from web.responses import json_response

bp = Blueprint("imports", __name__, url_prefix="/api/imports")
page_bp = Blueprint("import_page", __name__)
FORM_FIELDS = {"layer", "crs", "sheet", "source_layer", "options"}
MULTIPART_SLACK = 1024 * 1024  # form fields and part headers around the file
_init_lock = threading.Lock()


def imports() -> Imports:
    """The app's import sessions (made on first use)."""
    found = current_app.extensions.get("imports")
    if found is None:
        with _init_lock:
            found = current_app.extensions.get("imports")
            if found is None:
                cfg = current_app.config
                limits = ImportLimits(int(cfg["IMPORT_MAX_BYTES"]), int(cfg["IMPORT_MAX_ROWS"]),
                                      int(cfg["IMPORT_TTL_S"]), int(cfg["IMPORT_MAX_UNZIPPED_BYTES"]))  # fmt: skip
                found = Imports(current_app.extensions["store"], tz=cfg["TZINFO"], limits=limits)
                current_app.extensions["imports"] = found
    return found


@bp.before_request
def _gate():
    require(require_login(), "data.import")
    if request.endpoint == "imports.upload":
        request.max_content_length = int(current_app.config["IMPORT_MAX_BYTES"]) + MULTIPART_SLACK


def _upload() -> tuple[bytes, str, dict]:
    if request.mimetype != "multipart/form-data":
        raise ValidationFailed(key="errors.upload.not_multipart",
                               code="unsupported_media_type",
                               details=[Detail("file", "wrong_type", "multipart/form-data with a 'file' part")])
    extra = sorted(set(request.form) - FORM_FIELDS) + sorted(set(request.files) - {"file"})
    files = request.files.getlist("file")
    details = [Detail(k, "unknown_field", "not a field of an import upload") for k in extra]
    if len(files) != 1:
        details.append(Detail("file", "required" if not files else "too_many", "exactly one 'file' part"))
    options = {k: request.form[k] for k in FORM_FIELDS - {"options"} if request.form.get(k)}
    if request.form.get("options"):
        try:
            more = json.loads(request.form["options"])
        except ValueError:
            more = None
        if not isinstance(more, dict):
            details.append(Detail("options", "invalid_json", "a JSON object of import options"))
        else:
            options |= more
    if details:
        raise ValidationFailed(key="errors.upload.refused", details=details)
    return files[0].read(), files[0].filename or "", options


@bp.post("")
def upload():
    data, filename, options = _upload()
    view = imports().create(data, filename, g.user, options)
    return json_response(view, 201, {"Location": f"/api/imports/{view['id']}"})


@bp.get("/<session_id>")
def preview(session_id: str):
    args = request.args
    which = args.get("rows", "all")
    if which not in ("all", "refused", "valid"):
        raise ValidationFailed(key="errors.request.bad_field", params={"field": "rows"}, code="invalid_parameter",
                               details=[Detail("rows", "invalid_value", "all, refused or valid")])
    offset = parse_int("offset", args.get("offset"), 0, 0, 2**31)
    limit = parse_int("limit", args.get("limit"), 50, 1, 1000)
    return json_response(imports().preview(session_id, g.user, offset, limit, which, args.get("code") or None))


@bp.patch("/<session_id>")
def change(session_id: str):
    return json_response(imports().update(session_id, g.user, json_body(request)))


@bp.post("/<session_id>/commit")
def commit(session_id: str):
    body = json_body(request) if request.get_data(cache=True) else {}
    expected = body.get("expected_valid") if isinstance(body, dict) else None
    if expected is not None and (isinstance(expected, bool) or not isinstance(expected, int)):
        raise ValidationFailed(key="errors.request.bad_field", params={"field": "expected_valid"},
                               details=[Detail("expected_valid", "wrong_type", "an integer")])
    return json_response(imports().commit(session_id, g.user, expected), 201)


@bp.get("/<session_id>/refused.csv")
def refused(session_id: str):
    lang = request.args.get("lang") or request.accept_languages.best_match(list(i18n.LANGUAGES), default="zh-CN")
    if lang not in i18n.LANGUAGES:
        raise ValidationFailed(key="errors.request.bad_field", params={"field": "lang"}, code="invalid_parameter",
                               details=[Detail("lang", "invalid_value", "zh-CN or en")])
    data, filename = imports().refused(session_id, g.user, lang)
    return Response(data, content_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": content_disposition(filename, "refused.csv")})


@bp.delete("/<session_id>")
def remove(session_id: str):
    imports().delete(session_id, g.user)
    return Response(status=204)


@page_bp.get("/import")
def page():
    response = send_from_directory(current_app.static_folder, "import.html")
    response.headers["Cache-Control"] = "no-cache"
    return response
