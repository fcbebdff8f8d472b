"""Errors that carry their HTTP status, raised below the web layer and rendered by ``web/errors.py``.

Every refusal the product makes has the same shape: a status, a machine-readable ``code``, a message in
English and Chinese, and per-field ``details`` (``field``, ``code``, ``reason``), so a client can show
every bad field at once.
"""

from __future__ import annotations

from typing import Any


class Detail(dict):
    """One problem with one field: ``{"field": ..., "code": ..., "reason": ...}``."""

    def __init__(self, field: str, code: str, reason: str, **extra: Any) -> None:
        super().__init__(field=field, code=code, reason=reason, **extra)


class AppError(Exception):
    """Base class: an HTTP status, a code, bilingual messages and field details."""

    status = 400
    code = "bad_request"
    message = "The request was refused."
    message_zh = "请求被拒绝。"

    def __init__(
        self,
        message: str | None = None,
        *,
        message_zh: str | None = None,
        details: list[dict] | None = None,
        code: str | None = None,
        extra: dict | None = None,
        headers: dict | None = None,
    ) -> None:
        self.message = message or type(self).message
        self.message_zh = message_zh or type(self).message_zh
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
    message = "The body is not valid JSON."
    message_zh = "请求内容不是有效的 JSON。"


class InvalidParameter(AppError):
    status = 400
    code = "invalid_parameter"
    message = "A query parameter is invalid."
    message_zh = "查询参数无效。"


class ValidationFailed(AppError):
    """Well-formed input that breaks the layer's rules (geometry, coordinates, property schema)."""

    status = 422
    code = "validation_failed"
    message = "The data does not pass validation."
    message_zh = "数据未通过校验。"


class NotFound(AppError):
    status = 404
    code = "not_found"
    message = "Not found."
    message_zh = "未找到。"


class MethodNotAllowed(AppError):
    status = 405
    code = "method_not_allowed"
    message = "This method is not allowed here."
    message_zh = "不允许此请求方法。"


class Conflict(AppError):
    status = 409
    code = "conflict"
    message = "The request conflicts with the stored state."
    message_zh = "请求与已存数据冲突。"


class PayloadTooLarge(AppError):
    status = 413
    code = "payload_too_large"
    message = "The request is too large."
    message_zh = "请求内容过大。"


class UnsupportedMediaType(AppError):
    status = 415
    code = "unsupported_media_type"
    message = "Send JSON (application/json or application/geo+json)."
    message_zh = "请以 JSON 格式（application/json 或 application/geo+json）提交。"


class PreconditionFailed(AppError):
    """The client's version is stale; ``extra["current"]`` carries the stored feature."""

    status = 412
    code = "version_mismatch"
    message = "The feature has changed since the version you based your edit on."
    message_zh = "该要素已被他人修改，您的版本已过期。"


class PreconditionRequired(AppError):
    status = 428
    code = "precondition_required"
    message = "Send If-Match with the version (ETag) your edit is based on."
    message_zh = "请在 If-Match 中提交您修改所依据的版本（ETag）。"


class Unauthorized(AppError):
    status = 401
    code = "authentication_required"
    message = "Log in or send an API token (Authorization: Bearer …)."
    message_zh = "请先登录，或提供 API 令牌（Authorization: Bearer …）。"


class Forbidden(AppError):
    status = 403
    code = "forbidden"
    message = "You do not have the right to do this."
    message_zh = "您没有执行此操作的权限。"


class TooManyRequests(AppError):
    status = 429
    code = "too_many_requests"
    message = "Too many requests; try again later."
    message_zh = "请求过于频繁，请稍后再试。"
