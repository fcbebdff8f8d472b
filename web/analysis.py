"""The planners' analyses over HTTP, one route for every kind declared in ``layers/analysis/kinds/``.

Each ``POST /api/analysis/<kind>`` runs on the stored layers (optionally ``at`` a past instant) and
answers a GeoJSON FeatureCollection with a top-level ``summary``; ``"save": true`` also keeps the result
as a read-only layer that records its parameters. ``GET /api/analysis/kinds`` serves the declarations the
planner's panel builds its form, legend and summary from.
"""

from __future__ import annotations

import json
import secrets
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from flask import Blueprint, Response, current_app, request

from layers import analysis
from layers.accounts.permissions import require
from layers.areas import resolve_scope, scoped
from layers.catalogue.frames import save_result_layer
from layers.errors import Detail, ValidationFailed
from web.auth import author, read_gate, require_login
from web.params import json_body, parse_at
from web.responses import json_response

bp = Blueprint("analysis", __name__, url_prefix="/api/analysis")


@lru_cache(maxsize=4)
def _translations(folder: str) -> dict[str, dict]:
    return {lang: json.loads((Path(folder) / f"{lang}.json").read_text(encoding="utf-8")) for lang in ("zh-CN", "en")}


def _title(key: str) -> dict:
    """A kind's title in every language, from the front end's translation files."""
    tables = _translations(str(Path(current_app.static_folder) / "i18n"))
    return {lang: table.get(key, key) for lang, table in tables.items()}


def _feature_collection(frame) -> dict:
    frame = analysis.frame_dates(frame)
    if frame.crs is not None and frame.crs.to_epsg() != 4326:
        frame = frame.to_crs("EPSG:4326")
    return (
        json.loads(frame.to_json(na="null", drop_id=True, to_wgs84=False))
        if len(frame)
        else {"type": "FeatureCollection", "features": []}
    )


@bp.get("/presets")
def presets():
    require_login()
    return json_response(analysis.presets())


@bp.get("/kinds")
def kinds():
    read_gate()  # declarations, like layer definitions: public when reading is
    return json_response(analysis.declarations())


@bp.post("/<kind>")
def run(kind: str):
    user = require_login()
    require(user, "analysis.run")
    if kind not in analysis.KINDS:
        raise ValidationFailed(
            key="errors.analysis.unknown_kind",
            params={"kind": kind},
            code="unknown_analysis",
            details=[Detail("kind", "invalid_value", f"one of {', '.join(analysis.KINDS)}")],
        )
    body = json_body(request)
    store = current_app.extensions["store"]
    at = parse_at(body.get("at") if isinstance(body, dict) else None, current_app.config["TZINFO"])
    area = resolve_scope(store, user, body.get("area") if isinstance(body, dict) else None)
    try:
        result, summary, extra = analysis.run_analysis(kind, scoped(store, area), body, at=at)
    except (ValueError, TypeError) as exc:  # the geo functions refuse inputs they cannot analyse
        raise ValidationFailed(
            key="errors.analysis.failed",
            params={"reason": exc},
            code="analysis_failed",
            details=[Detail("", "analysis_failed", str(exc)[:500])],
        ) from None
    out = _feature_collection(result) | {"summary": summary}
    for key, frame in extra.items():
        out[key] = _feature_collection(frame)
    if isinstance(body, dict) and body.get("save"):
        stamp = datetime.fromtimestamp(store.now() / 1e6).strftime("%Y%m%d%H%M%S")
        title = {lang: f"{text} {stamp}" for lang, text in _title(analysis.KINDS[kind].title).items()}
        parameters = {k: v for k, v in body.items() if k != "save"} | {"kind": kind, "summary": summary}
        layer_id = f"analysis_{kind}_{stamp}"
        while store.layer(layer_id) is not None:  # two saves within one second
            layer_id = f"{layer_id[:36]}_{secrets.token_hex(1)}"
        saved = save_result_layer(
            store,
            analysis.frame_dates(result),
            layer_id=layer_id,
            title=title,
            parameters=json.loads(json.dumps(parameters, default=str)),
            author=author(),
        )
        out["saved_layer"] = saved["id"]
    return Response(json.dumps(out, ensure_ascii=False, default=str), mimetype="application/geo+json")
