"""Response helpers shared by the blueprints."""

from __future__ import annotations

import json

from flask import Response, current_app

from layers.store.jsontext import RawJSON


def json_response(data, status: int = 200, headers: dict | None = None, mimetype: str = "application/json") -> Response:
    """Compact UTF-8 JSON in the order the data was built (no key sorting: large answers, such as the
    leaders' figures over 100,000 cases, spend a third of their time sorting otherwise). Top-level values
    that are already JSON text (``layers.store.jsontext.RawJSON``) are spliced in as they are."""
    raw = {}
    if isinstance(data, dict):
        raw = {k: v for k, v in data.items() if isinstance(v, RawJSON)}
        data = {k: (f"\u0000raw:{k}\u0000" if k in raw else v) for k, v in data.items()}
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=current_app.json.default)
    for key, text in raw.items():
        body = body.replace(json.dumps(f"\u0000raw:{key}\u0000"), text, 1)
    return Response(body, status=status, mimetype=mimetype, headers=headers)
