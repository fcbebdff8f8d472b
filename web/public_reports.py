"""Public blackspot reports: off by default (``PUBLIC_REPORTS``); when on, anyone may submit a problem
point, rate-limited per address (counted in the store, so across app processes), which arrives as an unfiled
report (status ``reported``)."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, current_app, request

from layers import i18n
from layers.accounts import CASE_LAYER
from layers.cases import place_fields, require_in_area
from layers.catalogue.features import parse_new_features
from layers.errors import Detail, Forbidden, TooManyRequests, ValidationFailed
from web.auth import client_ip
from web.cases import context as case_context
from web.params import json_body
from web.responses import json_response

bp = Blueprint("reports", __name__, url_prefix="/api")
ALLOWED = {"category", "description", "address"}


HOUR_US = 3_600_000_000


@bp.post("/reports")
def submit_report():
    cfg = current_app.config
    if not cfg["PUBLIC_REPORTS"]:
        raise Forbidden(key="errors.public_report.switched_off", code="public_reports_off")
    limit = int(cfg["PUBLIC_REPORTS_PER_HOUR"])  # counted in the store: every app process shares the count
    if not current_app.extensions["store"].take_rate_slot("public_report", client_ip(), limit, HOUR_US):
        raise TooManyRequests(
            key="errors.public_report.too_many",
            params={"per_hour": cfg["PUBLIC_REPORTS_PER_HOUR"]},
            headers={"Retry-After": "3600"},
        )
    body = json_body(request)
    if not isinstance(body, dict) or body.get("type") != "Feature":
        raise ValidationFailed(
            key="errors.public_report.not_a_feature",
            code="invalid_geojson",
            details=[Detail("type", "invalid_geojson", "send one Feature with a Point")],
        )
    props = body.get("properties")
    if isinstance(props, dict) and set(props) - ALLOWED:
        raise ValidationFailed(
            key="errors.public_report.unknown_fields",
            details=[
                Detail(f"feature.properties.{k}", "unknown_field", "not allowed in a public report")
                for k in sorted(set(props) - ALLOWED)
            ],
        )
    store = current_app.extensions["store"]
    now = datetime.fromtimestamp(store.now() / 1e6, cfg["TZINFO"]).isoformat(timespec="seconds")
    # Whatever the sender wrote, the report arrives unfiled and attributed to the public.
    body = dict(
        body,
        properties=(props if isinstance(props, dict) else {})
        | {"status": "reported", "reported_at": now, "reporter": i18n.text("values.reporter.public")},
    )
    [feature] = parse_new_features(store.layer(CASE_LAYER), body)
    # Like any new case: its grid cell, responsible unit and (unless written) an address.
    lon, lat = feature.geometry["coordinates"][:2]
    require_in_area(case_context(), lon, lat, cfg["SERVICE_AREA"], cfg["SERVICE_AREA_MARGIN_M"])
    places = place_fields(case_context(), lon, lat, feature.properties.get("address"))
    [feature] = parse_new_features(
        store.layer(CASE_LAYER),
        dict(body, properties=body["properties"] | {k: v for k, v in places.items() if v is not None}),
    )
    [created] = store.create(CASE_LAYER, [feature], "public")
    return json_response({"id": created.fid, "status": "reported"}, 201)
