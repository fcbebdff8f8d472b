"""What a photo says about its case: taken far from the pin, taken before the case was reported, or the
same picture already on another case. Warnings, never refusals: the person on site decides."""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

from geo.crs import distance_m
from layers import i18n
from layers.store import FeatureVersion, Store, parse_instant
from layers.uploads import REUSE_MAX_HAMMING, hamming

FAR_FROM_PIN_M = 100.0  # phone GPS in narrow alleys is often 20–50 m off; beyond 100 m it is another place
BEFORE_REPORT_S = 24 * 3600  # a photo more than a day older than its case was not taken for it
PHOTO_CODES = ("reused_photo", "far_from_case", "taken_before_report")


def _warning(code: str, key: str, params: dict, **extra) -> dict:
    message_zh, message = i18n.pair(key, **params)
    return {"code": code, "message": message, "message_zh": message_zh} | extra


def taken_us(taken_at: str | None, tz: ZoneInfo) -> int | None:
    """When the photo was taken, in microseconds; EXIF times without an offset are local time."""
    if not taken_at:
        return None
    taken = datetime.fromisoformat(taken_at)
    if taken.tzinfo is None:
        taken = taken.replace(tzinfo=tz)
    return int(taken.timestamp() * 1_000_000)


def reuse_of(store: Store, record: dict, case_fid: int | None) -> list[int]:
    """Other cases that already hold this picture (the same file, or the same image re-encoded)."""
    cases = set()
    for photo_id, other_case, sha, phash in store.photo_fingerprints():
        if other_case is None or other_case == case_fid or photo_id == record.get("id"):
            continue
        if sha == record["sha256"] or hamming(phash, record["phash"]) <= REUSE_MAX_HAMMING:
            cases.add(other_case)
    return sorted(cases)


def checks(store: Store, tz: ZoneInfo, record: dict, case: FeatureVersion | None) -> list[dict]:
    """Warnings about a photo record for a case (``case`` None for a photo that starts a report)."""
    found = []
    fid = case.fid if case is not None else None
    reused = reuse_of(store, record, fid)
    if reused:
        found.append(
            _warning(
                "reused_photo",
                "warnings.photo.reused",
                {"cases": reused},
                cases=reused,
            )
        )
    if case is None:
        return found
    props = json.loads(case.properties or "{}")
    lon, lat = json.loads(case.geometry)["coordinates"][:2]
    if record.get("lon") is not None and record.get("lat") is not None:
        far = float(distance_m(lon, lat, record["lon"], record["lat"]))
        if far > FAR_FROM_PIN_M:
            found.append(
                _warning(
                    "far_from_case",
                    "warnings.photo.far_from_case",
                    {"distance_m": far},
                    distance_m=round(far, 1),
                )
            )
    taken = taken_us(record.get("taken_at"), tz)
    reported = parse_instant(props["reported_at"], tz)
    if taken is not None and taken < reported - BEFORE_REPORT_S * 1_000_000:
        found.append(
            _warning(
                "taken_before_report",
                "warnings.photo.taken_before_report",
                {},
            )
        )
    return found
