"""Public blackspot reports: off by default (``PUBLIC_REPORTS``); when on, anyone may submit a problem
point, rate-limited per address, which arrives as an unfiled report (status ``reported``)."""

from __future__ import annotations

import threading
import time
from collections import deque
from datetime import datetime

from flask import Blueprint, current_app, request

from layers.accounts import CASE_LAYER
from layers.cases import place_fields
from layers.catalogue.features import parse_new_features
from layers.errors import Detail, Forbidden, TooManyRequests, ValidationFailed
from web.auth import client_ip
from web.cases import context as case_context
from web.params import json_body
from web.responses import json_response

bp = Blueprint("reports", __name__, url_prefix="/api")
ALLOWED = {"category", "description", "address"}


class RateLimiter:
    """At most ``limit`` events per key in a sliding ``window_s``; kept in memory (a restart forgets)."""

    def __init__(self, limit: int, window_s: float) -> None:
        self.limit, self.window_s = limit, window_s
        self._events: dict[str, deque] = {}
        self._lock = threading.Lock()

    def allow(self, key: str) -> bool:
        now = time.monotonic()
        with self._lock:
            events = self._events.setdefault(key, deque())
            while events and now - events[0] > self.window_s:
                events.popleft()
            if len(events) >= self.limit:
                return False
            events.append(now)
            return True


@bp.post("/reports")
def submit_report():
    cfg = current_app.config
    if not cfg["PUBLIC_REPORTS"]:
        raise Forbidden("Public reporting is switched off.", message_zh="未开放公众上报。", code="public_reports_off")
    if not current_app.extensions["report_limiter"].allow(client_ip()):
        raise TooManyRequests(
            f"At most {cfg['PUBLIC_REPORTS_PER_HOUR']} reports an hour from one address.",
            message_zh="上报过于频繁，请稍后再试。",
            headers={"Retry-After": "3600"},
        )
    body = json_body(request)
    if not isinstance(body, dict) or body.get("type") != "Feature":
        raise ValidationFailed(
            "A public report is one GeoJSON Feature.",
            message_zh="公众上报须为单个 GeoJSON 要素。",
            code="invalid_geojson",
            details=[Detail("type", "invalid_geojson", "send one Feature with a Point")],
        )
    props = body.get("properties")
    if isinstance(props, dict) and set(props) - ALLOWED:
        raise ValidationFailed(
            "A public report may only set category, description and address.",
            message_zh="公众上报只能填写类别、描述和地址。",
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
        | {"status": "reported", "reported_at": now, "reporter": "公众"},
    )
    [feature] = parse_new_features(store.layer(CASE_LAYER), body)
    # Like any new case: its grid cell, responsible unit and (unless written) an address.
    lon, lat = feature.geometry["coordinates"][:2]
    places = place_fields(case_context(), lon, lat, feature.properties.get("address"))
    [feature] = parse_new_features(
        store.layer(CASE_LAYER),
        dict(body, properties=body["properties"] | {k: v for k, v in places.items() if v is not None}),
    )
    [created] = store.create(CASE_LAYER, [feature], "public")
    return json_response({"id": created.fid, "status": "reported"}, 201)
