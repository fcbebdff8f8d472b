"""Response helpers shared by the blueprints."""

from __future__ import annotations

import json

from flask import Response, current_app, request

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


def site_root() -> str:
    """This site's root URL for the links documents carry (OGC API, Open311), ending in "/": the
    ``PUBLIC_URL`` setting; else, behind ``TRUSTED_PROXIES``, the address the proxy reports; else the address
    the server itself listens on (the WSGI server's name when run by another one, as in tests). Never the Host
    header a client sent, which anyone can forge."""
    cfg = current_app.config
    if cfg["PUBLIC_URL"]:
        return cfg["PUBLIC_URL"].rstrip("/") + "/"
    if cfg["TRUSTED_PROXIES"]:
        return request.url_root
    if cfg.get("LISTEN_URL"):  # set by ``python server.py`` from the address it listens on
        return cfg["LISTEN_URL"]
    env = request.environ
    scheme, host, port = env.get("wsgi.url_scheme", "http"), env.get("SERVER_NAME", "localhost"), env.get("SERVER_PORT")
    host = f"[{host}]" if ":" in host else host
    default = {"http": "80", "https": "443"}.get(scheme)
    return f"{scheme}://{host}{'' if not port or str(port) == default else ':' + str(port)}/"
