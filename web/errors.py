"""One JSON error shape for every refusal, whatever raised it (our errors, Werkzeug's, or a bug)."""

from __future__ import annotations

import logging

from flask import Flask, Response, json, request
from werkzeug.exceptions import HTTPException

from layers import i18n
from layers.errors import AppError

log = logging.getLogger(__name__)

# Werkzeug's own refusals (routing, size limit, ...) mapped to our codes and Chinese messages.
_HTTP_CODES = {
    400: ("bad_request", i18n.text("errors.http.bad_request")),
    404: ("not_found", i18n.text("errors.http.not_found")),
    405: ("method_not_allowed", i18n.text("errors.http.method_not_allowed")),
    413: ("payload_too_large", i18n.text("errors.http.payload_too_large")),
    414: ("uri_too_long", i18n.text("errors.http.uri_too_long")),
    412: ("precondition_failed", i18n.text("errors.http.precondition_failed")),
    415: ("unsupported_media_type", i18n.text("errors.http.unsupported_media_type")),
    416: ("range_not_satisfiable", i18n.text("errors.http.range_not_satisfiable")),
    431: ("headers_too_large", i18n.text("errors.http.headers_too_large")),
}


def error_response(status: int, body: dict, headers: dict | None = None) -> Response:
    response = Response(json.dumps(body, ensure_ascii=False), status=status, mimetype="application/json")
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def register(app: Flask) -> None:
    """Install the handlers on ``app``."""

    @app.errorhandler(AppError)
    def _app_error(exc: AppError) -> Response:
        return error_response(exc.status, exc.to_dict(), exc.headers)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Response:
        status = exc.code or 500
        code, message_zh = _HTTP_CODES.get(status, ("http_error", i18n.text("errors.http.failed")))
        body = {
            "error": {
                "status": status,
                "code": code,
                "message": exc.description or exc.name,
                "message_zh": message_zh,
                "details": [],
            }
        }
        headers = {"Allow": ", ".join(exc.valid_methods)} if getattr(exc, "valid_methods", None) else None
        return error_response(status, body, headers)

    @app.after_request
    def _bare_refusals(response: Response) -> Response:
        # Conditional and range requests on static files (412, 416) are answered by Werkzeug without
        # raising; give them the same shape as every other refusal. Open311 answers in its own format
        # (XML errors for .xml requests), the one documented exception (docs/open311.md).
        if response.status_code >= 400 and response.mimetype != "application/json" and request.blueprint != "open311":
            status = response.status_code
            code, message_zh = _HTTP_CODES.get(status, ("http_error", i18n.text("errors.http.failed")))
            body = {
                "error": {
                    "status": status,
                    "code": code,
                    "message": response.status,
                    "message_zh": message_zh,
                    "details": [],
                }
            }
            response.direct_passthrough = False
            response.set_data(json.dumps(body, ensure_ascii=False))
            response.mimetype = "application/json"
        return response

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response:
        log.exception("unhandled error")
        body = {
            "error": {
                "status": 500,
                "code": "internal_error",
                "message": i18n.text("errors.http.internal", "en"),
                "message_zh": i18n.text("errors.http.internal"),
                "details": [],
            }
        }
        return error_response(500, body)
