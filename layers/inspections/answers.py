"""Answers from the phones: one per sampled place, checked against the round's own checklist version, its
position measured against the place (far or missing positions are kept, flagged and counted apart), its photo
checked for reuse; a failed item comes back with the case report it would make."""

from __future__ import annotations

import math
from datetime import datetime

import geopandas as gpd
import shapely
from shapely.geometry import Point, shape

from geo.crs import to_metric
from layers import i18n
from layers.cases.photo_checks import reuse_of
from layers.errors import Conflict, Detail, ValidationFailed
from layers.inspections.checklists import applicable, check_values, fails, near_m, unit_score
from layers.inspections.rounds import get_round
from layers.inspections.units import anchor
from layers.store import AnswerExists, Store, format_instant

FIELDS = {"item", "answers", "lon", "lat", "taken_at", "photo_id"}
FUTURE_SLACK_US = 10 * 60 * 1_000_000  # a phone clock a few minutes ahead is common; hours ahead is not


def _refused(details: list[Detail]) -> ValidationFailed:
    return ValidationFailed(key="errors.inspection.answer_refused", details=details)


def _flag(code: str, key: str, params: dict, **extra) -> dict:
    message_zh, message = i18n.pair(key, **params)
    return {"code": code, "message": message, "message_zh": message_zh} | extra


def _position(body: dict, problems: list[Detail]) -> tuple[float, float] | None:
    lon, lat = body.get("lon"), body.get("lat")
    if lon is None and lat is None:
        return None
    for name, value, bound in (("lon", lon, 180), ("lat", lat, 90)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or (
            abs(value) > bound
        ):
            problems.append(Detail(name, "invalid_value", f"WGS 84 degrees, -{bound} to {bound}, with the other one"))
    return None if problems else (float(lon), float(lat))


def _taken_at(value, now_us: int, problems: list[Detail]) -> str | None:
    if value is None:
        return None
    try:
        taken = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        taken = None
    if taken is None or taken.tzinfo is None:
        problems.append(Detail("taken_at", "invalid_value", "ISO 8601 with its offset, e.g. 2026-05-01T09:30:00+08:00"))
        return None
    if taken.timestamp() * 1_000_000 > now_us + FUTURE_SLACK_US:
        problems.append(Detail("taken_at", "in_future", "later than the server's clock"))
        return None
    return value


def _photo(store: Store, user: dict, value, problems: list[Detail]) -> dict | None:
    if value is None:
        return None
    photo = store.photo(value) if not isinstance(value, bool) and isinstance(value, int) and value > 0 else None
    if photo is None or photo["uploaded_by"] != user["name"]:
        problems.append(Detail("photo_id", "not_found", "a photo you uploaded (POST /api/photos)"))
        return None
    return photo


def _distance_m(geometry: dict, lon: float, lat: float) -> float:
    frame = gpd.GeoSeries([shape(geometry), Point(lon, lat)], crs="EPSG:4326")
    metric = to_metric(frame)
    return float(shapely.distance(metric.iloc[0], metric.iloc[1]))


def _case_draft(item: dict, place: dict, answer: dict, photo: dict | None) -> dict:
    """The case report a failed item makes in one tap through ``POST /api/cases``."""
    lon, lat = anchor(shape(place["geometry"])).coords[0]
    name = place["ref"].get("name")
    text = item["text"]["zh-CN"]  # the case's description is kept in the community's language
    described = i18n.text("inspections.case.description", "zh-CN", item=text, place=name) if name else text
    return {"category": item["category"], "lon": round(lon, 7), "lat": round(lat, 7), "description": described,
            "photo_ids": [photo["id"]] if photo and photo["case_fid"] is None else []}  # fmt: skip


def _locate(store: Store, round_id: int, body) -> tuple[dict, dict, dict]:
    if not isinstance(body, dict):
        raise _refused([Detail("", "wrong_type", "send a JSON object")])
    unknown = sorted(set(body) - FIELDS)
    if unknown:
        raise _refused([Detail(k, "unknown_field", "not a field of an answer") for k in unknown])
    round_ = get_round(store, round_id)
    if round_["status"] != "open":
        raise Conflict(key="errors.inspection.closed", params={"round_id": round_id}, code="round_closed",
                       details=[Detail("id", "round_closed", "the round is closed")])  # fmt: skip
    number = body.get("item")
    place = next((i for i in round_["items"] if i["item"] == number and not isinstance(number, bool)), None)
    if place is None:
        detail = Detail("item", "item_not_in_round", "the id of a place drawn in this round")
        raise Conflict(key="errors.inspection.item_not_in_round", params={"item": number, "round_id": round_id},
                       code="item_not_in_round", details=[detail])  # fmt: skip
    return round_, place, store.checklist(round_["checklist"], round_["checklist_version"])


def submit_answer(store: Store, tz, user: dict, round_id: int, body) -> dict:
    """Check and keep one answer; return it with its flags, its score and the failed items' case drafts."""
    with store.atomic():  # the round's state and the item's answer are checked and written together
        round_, place, checklist = _locate(store, round_id, body)
        problems = check_values(checklist, place["ref"]["layer"], body.get("answers"))
        position = _position(body, problems)
        taken_at = _taken_at(body.get("taken_at"), store.now(), problems)
        photo = _photo(store, user, body.get("photo_id"), problems)
        if problems:
            raise _refused(problems)
        flags, distance = [], None
        if position is None:
            flags.append(_flag("no_position", "warnings.inspection.no_position", {}))
        else:
            distance = round(_distance_m(place["geometry"], *position), 1)
            if distance > near_m(checklist):
                flags.append(_flag("far_from_item", "warnings.inspection.far_from_item", {"distance_m": distance},
                                   distance_m=distance))  # fmt: skip
        if photo is not None:
            reused = reuse_of(store, photo, None)
            if reused:
                flags.append(_flag("reused_photo", "warnings.inspection.reused_photo", {"cases": reused}, cases=reused))
        record = {"item": place["item"], "values": body["answers"], "lon": position and position[0],
                  "lat": position and position[1], "taken_at": taken_at, "distance_m": distance, "flags": flags,
                  "photo_id": photo and photo["id"], "author": user["name"]}  # fmt: skip
        try:
            saved = store.add_answer(round_id, record)
        except AnswerExists:
            detail = Detail("item", "already_answered", "each place is answered once")
            raise Conflict(key="errors.inspection.already_answered", code="already_answered", details=[detail],
                           params={"item": place["item"], "round_id": round_id}) from None  # fmt: skip
    layer = place["ref"]["layer"]
    failed = [i for i in applicable(checklist, layer) if fails(i, saved["values"][i["code"]])]
    return answer_view(saved, tz) | {
        "score": round(unit_score(checklist, layer, saved["values"]), 1),
        "failed": [{"code": i["code"], "text": i["text"], "case": _case_draft(i, place, saved, photo)} for i in failed],
    }


def answer_view(answer: dict, tz) -> dict:
    return {k: v for k, v in answer.items() if k not in ("round_id",)} | {
        "received_at": format_instant(answer["received_at"], tz), "counted": not answer["flags"] or all(
            f["code"] == "reused_photo" for f in answer["flags"])}  # fmt: skip
