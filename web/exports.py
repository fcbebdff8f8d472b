"""Layer exports: ``GET /api/layers/{layer}/export?format=geojson|gpkg|shp|kml|csv|xlsx&at=`` as a download
whose name is the layer's Chinese title (RFC 5987 ``filename*``) with an ASCII fallback."""

from __future__ import annotations

from urllib.parse import quote

from flask import Blueprint, Response, current_app, g, request

from layers.accounts.permissions import require
from layers.areas import resolve_scope
from layers.exports import export
from web.auth import require_login
from web.params import parse_at

bp = Blueprint("exports", __name__, url_prefix="/api")


def content_disposition(filename: str, fallback: str) -> str:
    """``attachment`` with an ASCII ``filename`` and the real one as UTF-8 in ``filename*`` (RFC 5987/6266).

    >>> print(content_disposition("垃圾箱-20260501.csv", "bins-20260501.csv"))
    attachment; filename="bins-20260501.csv"; filename*=UTF-8''%E5%9E%83%E5%9C%BE%E7%AE%B1-20260501.csv
    """
    ascii_name = "".join(c if 32 <= ord(c) < 127 and c not in '"\\' else "_" for c in fallback)
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"


@bp.get("/layers/<layer_id>/export")
def export_layer(layer_id: str):
    user = require_login()
    require(user, "data.export")
    tz = current_app.config["TZINFO"]
    at = parse_at(request.args.get("at"), tz)
    store = current_app.extensions["store"]
    area = resolve_scope(store, user, request.args.get("area"))
    head = store.chain_head()["head"]  # the history this export comes from (python server.py verify)
    result = export(store, layer_id, request.args.get("format", "geojson"), at, tz, area)
    store.audit(g.user["name"], "data.export", layer_id, {"format": request.args.get("format", "geojson"),
                                                          "at": request.args.get("at"),
                                                          "area": area and area.code})  # fmt: skip
    headers = {"Content-Disposition": content_disposition(result["filename"], result["filename_ascii"]),
               "Cache-Control": "no-store", "X-History-Head": head}  # fmt: skip
    if result["notes"]:
        headers["X-Export-Notes"] = quote("; ".join(en for _, en in result["notes"]), safe=" ;:,()")
    return Response(result["data"], content_type=result["media_type"], headers=headers)
