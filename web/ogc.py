"""OGC API – Features, Part 1 Core, under ``/ogc``: the layers as collections for GDAL/QGIS/OWSLib, in
GeoJSON (``f=json``, the default) or HTML (``f=html``, or a browser's ``Accept``). The documents and the
parameter rules are built in ``layers/interop/ogc/documents.py``; pages in ``web/ogc_html.py``; see ``docs/ogc.md``.
"""

from __future__ import annotations

from urllib.parse import quote

from flask import Blueprint, Response, current_app, g, redirect, request, url_for

from layers.areas import area_query, resolve_scope
from layers.catalogue.extents import LayerExtents
from layers.errors import Detail, NotFound
from layers.interop.ogc import documents as ogc
from layers.interop.ogc.openapi import feature_schema
from layers.interop.ogc.openapi import openapi as openapi_document
from layers.store import UnknownFeature
from web import ogc_html
from web.auth import require_login
from web.responses import json_response, site_root

bp = Blueprint("ogc", __name__, url_prefix="/ogc")


def _store():
    return current_app.extensions["store"]


def _tz():
    return current_app.config["TZINFO"]


def _base() -> str:
    return site_root().rstrip("/") + bp.url_prefix


def _extents() -> LayerExtents:
    extents = current_app.extensions.get("ogc_extents")
    if extents is None:
        extents = current_app.extensions.setdefault("ogc_extents", LayerExtents(_store()))
    return extents


def _negotiated() -> str:
    """``html`` when the client prefers text/html (a browser), else ``json`` (also for ``*/*``)."""
    best = request.accept_mimetypes.best_match([ogc.GEOJSON, ogc.JSON, ogc.OPENAPI_JSON, ogc.HTML])
    return "html" if best == ogc.HTML else "json"


def _query(allowed=ogc.COMMON_PARAMS, **kwargs) -> tuple[ogc.Query, str]:
    query = ogc.parse_query(request.args.items(multi=True), allowed, tz=_tz(), **kwargs)
    return query, query.fmt or _negotiated()


def _layer(layer_id: str) -> dict:
    layer = _store().layer(layer_id)
    if layer is None:
        raise NotFound(
            key="errors.ogc.collection_not_found",
            params={"layer_id": layer_id},
            details=[Detail("collectionId", "not_found", f"unknown collection '{layer_id}'; see /ogc/collections")],
        )
    return layer


def _html(text: str) -> Response:
    return Response(text, mimetype="text/html")


@bp.before_request
def _read_gate():
    """The /api's rule: reading needs a login or a token unless READ_REQUIRES_LOGIN is off. A browser
    asking for a page is sent to the login page instead of getting a 401."""
    if not current_app.config["READ_REQUIRES_LOGIN"] or g.user is not None:
        return None
    if request.args.get("f", "html" if _negotiated() == "html" else "json") == "html":
        target = request.path + (f"?{request.query_string.decode('latin-1')}" if request.query_string else "")
        return redirect(f"{url_for('pages.login')}?next={quote(target, safe='')}", 303)
    require_login()
    return None


@bp.after_request
def _headers(response: Response) -> Response:
    response.vary.add("Accept")
    response.headers.setdefault("Cache-Control", "no-store")  # behind a login: no shared caches
    return response


@bp.get("/", strict_slashes=False)
def landing():
    _, fmt = _query()
    doc = ogc.landing_page(_base(), site_root(), fmt)
    return _html(ogc_html.landing(doc, _base())) if fmt == "html" else json_response(doc)


@bp.get("/conformance")
def conformance():
    _, fmt = _query()
    doc = ogc.conformance(_base(), fmt)
    return _html(ogc_html.conformance(doc, _base())) if fmt == "html" else json_response(doc)


@bp.get("/openapi")
def openapi():
    _, fmt = _query()
    cfg = current_app.config
    doc = openapi_document(
        _base(),
        _store().layers(),
        max_limit=cfg["MAX_LIMIT"],
        login_required=cfg["READ_REQUIRES_LOGIN"],
        cookie_name=cfg["SESSION_COOKIE_NAME"],
    )
    if fmt == "html":
        return _html(ogc_html.openapi(doc, _base()))
    return json_response(doc, mimetype=ogc.OPENAPI_JSON)


@bp.get("/collections")
def collections():
    _, fmt = _query()
    extents = _extents()
    doc = ogc.collections(((layer, extents.get(layer)) for layer in _store().layers()), _base(), fmt)
    return _html(ogc_html.collections(doc, _base())) if fmt == "html" else json_response(doc)


@bp.get("/collections/<layer_id>")
def collection(layer_id: str):
    layer = _layer(layer_id)
    _, fmt = _query()
    doc = ogc.collection(layer, _extents().get(layer), _base(), fmt)
    return _html(ogc_html.collection(doc, _base())) if fmt == "html" else json_response(doc)


@bp.get("/collections/<layer_id>/schema")
def schema(layer_id: str):
    layer = _layer(layer_id)
    _, fmt = _query()
    doc = feature_schema(layer, f"{ogc.collection_path(_base(), layer_id)}/schema")
    if fmt == "html":
        return _html(ogc_html.schema(doc, layer, _base()))
    return json_response(doc, mimetype=ogc.SCHEMA_JSON)


@bp.get("/collections/<layer_id>/items")
def items(layer_id: str):
    layer = _layer(layer_id)
    query, fmt = _query(ogc.ITEMS_PARAMS, layer=layer, max_limit=current_app.config["MAX_LIMIT"])
    area = resolve_scope(_store(), g.get("user"), request.args.get("area"))
    page = area_query(
        _store(), layer_id, area, bbox=query.bbox, at=query.at, during=query.during, filters=query.filters,
        limit=query.limit, offset=query.offset,
    )  # fmt: skip
    now, tz = current_app.extensions["clock"](), _tz()
    head = ogc.items_head(_base(), layer_id, query, fmt, page.total, len(page.features), now, tz)
    if fmt == "html":
        return _html(ogc_html.items(head, layer, [f.to_dict(tz) for f in page.features], _base()))
    return Response(ogc.feature_collection_json(head, page.features, tz), mimetype=ogc.GEOJSON)


@bp.get("/collections/<layer_id>/items/<id:fid>")
def item(layer_id: str, fid: int):
    layer = _layer(layer_id)
    query, fmt = _query(ogc.FEATURE_PARAMS)
    try:
        if query.during is None:
            version = _store().get(layer_id, fid, query.at)
        else:
            version = ogc.version_during(_store().history(layer_id, fid), *query.during)
            if version is None:
                raise UnknownFeature(fid)
    except UnknownFeature:
        raise NotFound(
            key="errors.ogc.feature_not_found",
            params={"fid": fid, "layer_id": layer_id},
            details=[Detail("featureId", "not_found", f"no feature {fid} in '{layer_id}' (at that time)")],
        ) from None
    links, tz = ogc.feature_links(_base(), layer_id, fid, query, fmt), _tz()
    if fmt == "html":
        return _html(ogc_html.feature(version.to_dict(tz) | {"links": links}, layer, _base()))
    headers = {"ETag": version.etag}
    if request.if_none_match.contains(version.etag.strip('"')):
        return Response(status=304, headers=headers)
    return Response(ogc.feature_json(version, links, tz), mimetype=ogc.GEOJSON, headers=headers)
