"""Response helpers shared by the blueprints."""

from __future__ import annotations

from flask import Response, json


def json_response(data, status: int = 200, headers: dict | None = None, mimetype: str = "application/json") -> Response:
    return Response(json.dumps(data, ensure_ascii=False), status=status, mimetype=mimetype, headers=headers)
