"""The REST API under ``/api``: layers, features, history and the map's compact point payload."""

from __future__ import annotations

import gzip
from urllib.parse import urlencode

from flask import Blueprint, Response, current_app, g, json, request

from geo import pointpack
from layers.accounts import CASE_LAYER
from layers.accounts.permissions import require, require_feature_write
from layers.areas import area_points, area_query, resolve_scope
from layers.cases import check_generic_write, require_quota
from layers.cases.stamps import check_correction, save_edit, stamp_changes, stamp_new_case, without_stamps
from layers.catalogue.features import Limits, apply_patch, new_layer_definition, parse_new_features, parse_replacement
from layers.catalogue.schema import parse_filter_value
from layers.errors import Conflict, Detail, NotFound, PreconditionFailed, ValidationFailed
from layers.store import LayerExists, StaleVersion, UnknownFeature, format_instant
from web.auth import author, client_ip, read_gate, require_login
from web.cases import context as case_context
from web.params import bad, if_match_version, json_body, parse_at, parse_bbox, parse_int
from web.responses import json_response

bp = Blueprint("api", __name__, url_prefix="/api")
GEOJSON = "application/geo+json"
RESERVED_PARAMS = {"bbox", "limit", "offset", "at", "f", "area"}
PUBLIC_ENDPOINTS = {"api.health"}


@bp.before_request
def _read_gate():
    """Reading needs a login unless the READ_REQUIRES_LOGIN setting is off; writes always do."""
    if request.endpoint not in PUBLIC_ENDPOINTS:
        read_gate()


def _store():
    return current_app.extensions["store"]


def _tz():
    return current_app.config["TZINFO"]


def _limits() -> Limits:
    return Limits(current_app.config["MAX_FEATURES_PER_REQUEST"], current_app.config["MAX_VERTICES"])


def _layer(layer_id: str) -> dict:
    layer = _store().layer(layer_id)
    if layer is None:
        raise NotFound(
            key="errors.layer.not_found",
            params={"layer_id": layer_id},
            details=[Detail("layer", "not_found", f"unknown layer '{layer_id}'")],
        )
    return layer


def _editable(layer: dict) -> dict:
    if not layer.get("editable", True):
        raise Conflict(key="errors.layer.read_only", params={"layer_id": layer["id"]}, code="read_only")
    return layer


def _missing_feature(layer_id: str, fid: int) -> NotFound:
    return NotFound(
        key="errors.feature.not_found",
        params={"fid": fid, "layer_id": layer_id},
        details=[Detail("id", "not_found", f"no live feature {fid} in '{layer_id}'")],
    )


def _swap_extent():
    """The project's extent, widened, used to spot lat/lon swaps that stay in range."""
    box = _store().extent()
    if box is None:
        return None
    margin = 0.05
    return (box[0] - margin, box[1] - margin, box[2] + margin, box[3] + margin)


def _feature_response(version, status: int = 200) -> Response:
    return Response(version.to_json(_tz()), status=status, mimetype=GEOJSON, headers={"ETag": version.etag})


@bp.get("/health")
def health():
    return json_response({"status": "ok"})


@bp.get("/config")
def config():
    cfg = current_app.config
    return json_response(
        {
            "basemaps": cfg["BASEMAPS"],
            "default_basemap": cfg["DEFAULT_BASEMAP"],
            "extent": _store().extent(),
            "demo": _store().get_meta("demo"),
            "timezone": cfg["TIMEZONE"],
            "languages": ["zh-CN", "en"],
            "max_limit": cfg["MAX_LIMIT"],
        }
    )


@bp.get("/layers")
def list_layers():
    return json_response({"layers": _store().layers()})


@bp.post("/layers")
def create_layer():
    require(require_login(), "layers.define")
    definition = new_layer_definition(json_body(request))
    try:
        layer = _store().create_layer(definition, author())
    except LayerExists:
        raise Conflict(
            key="errors.layer.exists",
            params={"layer_id": definition["id"]},
            code="layer_exists",
            details=[Detail("id", "duplicate", "a layer with this id exists")],
        ) from None
    return json_response(layer, 201, {"Location": f"/api/layers/{layer['id']}"})


@bp.delete("/layers/<layer_id>")
def delete_layer(layer_id: str):
    """Delete a saved analysis result (permission ``analysis.run``). Data layers keep their history: their
    features are deleted one by one instead, and the built-in layers stay."""
    layer = _layer(layer_id)
    require(require_login(), "analysis.run")
    if layer["builtin"] or not (layer.get("rules") or {}).get("analysis"):
        raise Conflict(
            key="errors.layer.not_deletable",
            params={"layer_id": layer_id},
            code="not_deletable",
            details=[Detail("layer", "not_deletable", "only saved analysis results can be deleted")],
        )
    store = _store()
    store.retire_layer(layer_id, author())
    detail = {"features": layer["feature_count"], "kind": layer["rules"]["analysis"].get("kind")}
    store.audit(author(), "layer.delete", layer_id, detail, client_ip())
    return Response(status=204)


@bp.get("/layers/<layer_id>")
def get_layer(layer_id: str):
    return json_response(_layer(layer_id))


def _filters(layer: dict) -> dict:
    schema = layer.get("properties", {})
    filters = {}
    for name in request.args:
        if name in RESERVED_PARAMS:
            continue
        if name not in schema:
            raise bad(name, f"layer '{layer['id']}' has no property '{name}' to filter on")
        try:
            filters[name] = parse_filter_value(schema[name], request.args[name])
        except ValueError as exc:
            raise bad(name, str(exc)) from None
    return filters


def _page_links(total: int, offset: int, limit: int, returned: int) -> list[dict]:
    base = request.base_url
    args = request.args.to_dict(flat=True)
    links = [{"rel": "self", "type": GEOJSON, "href": f"{base}?{urlencode(args)}" if args else base}]
    if offset + returned < total:
        links.append(
            {
                "rel": "next",
                "type": GEOJSON,
                "href": f"{base}?{urlencode(args | {'offset': offset + limit, 'limit': limit})}",
            }
        )
    if offset > 0:
        links.append(
            {
                "rel": "prev",
                "type": GEOJSON,
                "href": f"{base}?{urlencode(args | {'offset': max(0, offset - limit), 'limit': limit})}",
            }
        )
    return links


@bp.get("/layers/<layer_id>/features")
def list_features(layer_id: str):
    layer = _layer(layer_id)
    cfg = current_app.config
    bbox = parse_bbox(request.args.get("bbox"))
    limit = parse_int("limit", request.args.get("limit"), cfg["DEFAULT_LIMIT"], 1, cfg["MAX_LIMIT"])
    offset = parse_int("offset", request.args.get("offset"), 0, 0, 2**31)
    at = parse_at(request.args.get("at"), _tz())
    area = resolve_scope(_store(), g.user, request.args.get("area"))
    tz = _tz()
    if area is None:  # the whole city: the page's GeoJSON as the store writes it
        total, returned, text = _store().query_text(layer_id, tz, bbox=bbox, at=at, filters=_filters(layer),
                                                    limit=limit, offset=offset)  # fmt: skip
    else:
        page = area_query(_store(), layer_id, area, bbox=bbox, at=at, filters=_filters(layer), limit=limit,
                          offset=offset)  # fmt: skip
        total, returned, text = page.total, len(page.features), ",".join(f.to_json(tz) for f in page.features)
    head = json.dumps(
        {
            "type": "FeatureCollection",
            "numberMatched": total,
            "numberReturned": returned,
            "timeStamp": format_instant(at if at is not None else current_app.extensions["clock"](), tz),
            "links": _page_links(total, offset, limit, returned),
        },
        ensure_ascii=False,
    )
    body = head[:-1] + ',"features":[' + text + "]}"
    return Response(body, mimetype=GEOJSON)


@bp.post("/layers/<layer_id>/features")
def create_features(layer_id: str):
    layer = _editable(_layer(layer_id))
    payload = json_body(request)
    is_case, now = layer_id == CASE_LAYER, _store().now()
    features = parse_new_features(without_stamps(layer) if is_case else layer, payload, _swap_extent(), _limits())
    require_feature_write(_store(), g.user, layer_id, [f.geometry for f in features])
    if is_case:
        require_quota(case_context(), g.user, "reports", len(features))
        for feature in features:
            check_generic_write(None, feature.properties)
        features = [stamp_new_case(case_context(), g.user, f, now) for f in features]
    created = _store().create(layer_id, features, author(), at=now)
    tz = _tz()
    if payload.get("type") == "Feature":
        response = _feature_response(created[0], 201)
        response.headers["Location"] = f"/api/layers/{layer_id}/features/{created[0].fid}"
        return response
    body = '{"type":"FeatureCollection","features":[' + ",".join(f.to_json(tz) for f in created) + "]}"
    return Response(body, status=201, mimetype=GEOJSON)


@bp.get("/layers/<layer_id>/features/<id:fid>")
def get_feature(layer_id: str, fid: int):
    _layer(layer_id)
    at = parse_at(request.args.get("at"), _tz())
    try:
        return _feature_response(_store().get(layer_id, fid, at))
    except UnknownFeature:
        raise _missing_feature(layer_id, fid) from None


@bp.get("/layers/<layer_id>/features/<id:fid>/history")
def feature_history(layer_id: str, fid: int):
    _layer(layer_id)
    try:
        versions = _store().history(layer_id, fid)
    except UnknownFeature:
        raise _missing_feature(layer_id, fid) from None
    tz = _tz()
    return Response(
        '{"type":"FeatureCollection","features":[' + ",".join(v.to_json(tz) for v in versions) + "]}", mimetype=GEOJSON
    )


def _write_current(layer_id: str, fid: int, change):
    """Run an edit that needs the current version; map the store's refusals to HTTP ones."""
    layer = _editable(_layer(layer_id))
    store = _store()
    try:
        base = if_match_version(request, fid)
        current = store.get(layer_id, fid)
        if base is not None and base != current.version:
            raise StaleVersion(current)
        return change(layer, store, current, base)
    except UnknownFeature:
        raise _missing_feature(layer_id, fid) from None
    except StaleVersion as exc:
        raise PreconditionFailed(
            key="errors.feature.stale",
            params={"fid": fid, "version": exc.current.version},
            details=[Detail("If-Match", "stale", f"current ETag is {exc.current.etag}")],
            extra={"current": exc.current.to_dict(_tz())},
            headers={"ETag": exc.current.etag},
        ) from None


def _save(layer_id: str, store, current, feature) -> Response:
    """Store an edit; on the case layer, keep the workflow's fields and audit a correction of stamped ones."""
    if layer_id != CASE_LAYER:
        return _feature_response(store.update(layer_id, current.fid, feature, current.version, author()))
    old = json.loads(current.properties or "{}")
    changes = stamp_changes(old, feature.properties)
    reason = check_correction(g.user, changes, request.args.get("reason"))
    check_generic_write(old, feature.properties | {k: old.get(k) for k in changes})
    correction = None if reason is None else (reason, changes)
    return _feature_response(save_edit(store, current, feature, author(), correction, client_ip()))


@bp.put("/layers/<layer_id>/features/<id:fid>")
def replace_feature(layer_id: str, fid: int):
    def change(layer, store, current, base):
        feature = parse_replacement(layer, json_body(request), _swap_extent(), _limits())
        require_feature_write(store, g.user, layer_id, [json.loads(current.geometry), feature.geometry])
        return _save(layer_id, store, current, feature)

    return _write_current(layer_id, fid, change)


@bp.patch("/layers/<layer_id>/features/<id:fid>")
def patch_feature(layer_id: str, fid: int):
    def change(layer, store, current, base):
        feature = apply_patch(layer, current, json_body(request), _swap_extent(), _limits())
        require_feature_write(store, g.user, layer_id, [json.loads(current.geometry), feature.geometry])
        return _save(layer_id, store, current, feature)

    return _write_current(layer_id, fid, change)


@bp.delete("/layers/<layer_id>/features/<id:fid>")
def delete_feature(layer_id: str, fid: int):
    def change(layer, store, current, base):
        require_feature_write(store, g.user, layer_id, [json.loads(current.geometry)])
        with store.atomic():
            store.delete(layer_id, fid, current.version, author())
            if layer_id == CASE_LAYER:
                store.audit(author(), "case.delete", str(fid), {"version": current.version}, client_ip())
        return Response(status=204)

    return _write_current(layer_id, fid, change)


@bp.get("/layers/<layer_id>/points")
def layer_points(layer_id: str):
    """Every point of a point layer in the compact ``CWP1`` format (see ``geo/pointpack.py``)."""
    layer = _layer(layer_id)
    if set(layer["geometry_types"]) != {"Point"}:
        raise ValidationFailed(
            key="errors.layer.not_a_point_layer",
            code="not_a_point_layer",
            details=[Detail("layer", "not_a_point_layer", "use /features for this layer")],
        )
    at = parse_at(request.args.get("at"), _tz())
    area = resolve_scope(_store(), g.user, request.args.get("area"))
    code = area.code if area else ""
    by = layer.get("style", {}).get("by")
    cache = current_app.extensions["points_cache"]
    key = (layer_id, layer["revision"], at, by, code)
    packed = cache.get(key)
    if packed is None:
        arrays = area_points(_store(), _store().points(layer_id, at=at, value_property=by), area)
        raw = pointpack.encode(arrays.fids, arrays.x, arrays.y, arrays.values)
        packed = (raw, gzip.compress(raw, compresslevel=1))  # level 6 saves ~1 % here at 2.5x the time
        cache.put(key, packed)
    etag = f'"{layer_id}-{layer["revision"]}-{at}-{code}"'
    headers = {"Cache-Control": "no-cache", "ETag": etag, "Vary": "Accept-Encoding"}
    if etag.strip('"') in request.if_none_match:
        return Response(status=304, headers=headers)
    if "gzip" in request.headers.get("Accept-Encoding", ""):
        headers["Content-Encoding"] = "gzip"
        return Response(packed[1], mimetype="application/octet-stream", headers=headers)
    return Response(packed[0], mimetype="application/octet-stream", headers=headers)
