"""Errors that carry their HTTP status, raised below the web layer and rendered by ``web/errors.py``.

Every refusal the product makes has the same shape: a status, a machine-readable ``code``, a message in
English and Chinese, and per-field ``details`` (``field``, ``code``, ``reason``), so a client can show
every bad field at once. The messages come from the translation table (``layers.i18n``): an error is raised
with a message ``key`` and its ``params``, or with its class's own key.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from layers import i18n


class Detail(dict):
    """One problem with one field: ``{"field": ..., "code": ..., "reason": ...}``."""

    def __init__(self, field: str, code: str, reason: str, **extra: Any) -> None:
        super().__init__(field=field, code=code, reason=reason, **extra)


class AppError(Exception):
    """Base class: an HTTP status, a code, bilingual messages and field details.

    ``key`` names the message in the translation table and ``params`` fills its placeholders; without one,
    the class's own ``key`` gives the message. (``message`` and ``message_zh`` given as text, or set on a
    subclass, are the old way, kept until every module raises with a key.)
    """

    status = 400
    code = "bad_request"
    key = "errors.request.refused"

    def __init__(
        self,
        message: str | None = None,
        *,
        key: str | None = None,
        params: Mapping[str, object] | None = None,
        message_zh: str | None = None,
        details: list[dict] | None = None,
        code: str | None = None,
        extra: dict | None = None,
        headers: dict | None = None,
    ) -> None:
        legacy = key is None and params is None
        key, params = key or type(self).key, dict(params or {})
        own = vars(type(self))  # a subclass that still sets message/message_zh itself
        self.message = message or (legacy and own.get("message")) or i18n.text(key, "en", **params)
        self.message_zh = message_zh or (legacy and own.get("message_zh")) or i18n.text(key, "zh-CN", **params)
        self.details = list(details or [])
        if code:
            self.code = code
        self.extra = dict(extra or {})
        self.headers = dict(headers or {})
        super().__init__(self.message)

    def to_dict(self) -> dict:
        body = {
            "status": self.status,
            "code": self.code,
            "message": self.message,
            "message_zh": self.message_zh,
            "details": self.details,
        }
        body.update(self.extra)
        return {"error": body}


class BadRequest(AppError):
    status = 400
    code = "bad_request"


class InvalidJSON(AppError):
    status = 400
    code = "invalid_json"
    key = "errors.request.invalid_json"


class InvalidParameter(AppError):
    status = 400
    code = "invalid_parameter"
    key = "errors.request.invalid_parameter"


class ValidationFailed(AppError):
    """Well-formed input that breaks the layer's rules (geometry, coordinates, property schema)."""

    status = 422
    code = "validation_failed"
    key = "errors.request.validation_failed"


class NotFound(AppError):
    status = 404
    code = "not_found"
    key = "errors.request.not_found"


class MethodNotAllowed(AppError):
    status = 405
    code = "method_not_allowed"
    key = "errors.request.method_not_allowed"


class Conflict(AppError):
    status = 409
    code = "conflict"
    key = "errors.request.conflict"


class PayloadTooLarge(AppError):
    status = 413
    code = "payload_too_large"
    key = "errors.request.payload_too_large"


class UnsupportedMediaType(AppError):
    status = 415
    code = "unsupported_media_type"
    key = "errors.request.unsupported_media_type"


class PreconditionFailed(AppError):
    """The client's version is stale; ``extra["current"]`` carries the stored feature."""

    status = 412
    code = "version_mismatch"
    key = "errors.request.version_mismatch"


class PreconditionRequired(AppError):
    status = 428
    code = "precondition_required"
    key = "errors.request.precondition_required"


class Unauthorized(AppError):
    status = 401
    code = "authentication_required"
    key = "errors.request.authentication_required"


class Forbidden(AppError):
    status = 403
    code = "forbidden"
    key = "errors.request.forbidden"


class TooManyRequests(AppError):
    status = 429
    code = "too_many_requests"
    key = "errors.request.too_many_requests"
