"""Parse query parameters and request bodies into typed values, refusing bad ones with the one error shape."""

from __future__ import annotations

import json
import math
import re
from typing import Any

from flask import Request
from werkzeug.routing import BaseConverter

from layers.errors import Detail, InvalidJSON, InvalidParameter, PreconditionRequired, UnsupportedMediaType
from layers.store import parse_instant

AT_MIN_US = -2_208_988_800_000_000  # 1900-01-01: nothing this tool stores is older
AT_MAX_US = 7_258_118_400_000_000  # 2200-01-01
JSON_TYPES = ("application/json", "application/geo+json", "application/merge-patch+json")


class IdConverter(BaseConverter):
    """Feature and token ids in URLs: 1 to 18 digits, so every id fits SQLite's 64-bit integers and a
    10,000-digit path segment is a 404, not an overflow."""

    regex = r"\d{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value) -> str:
        return str(int(value))


def bad(field: str, reason: str, key: str = "errors.request.invalid_parameter") -> InvalidParameter:
    return InvalidParameter(key=key, details=[Detail(field, "invalid_value", reason)])


def parse_bbox(text: str | None) -> tuple[float, float, float, float] | None:
    """``minLon,minLat,maxLon,maxLat`` in WGS 84 degrees."""
    if text is None:
        return None
    parts = text.split(",")
    try:
        values = [float(p) for p in parts]
    except ValueError:
        values = []
    if len(values) != 4 or not all(math.isfinite(v) for v in values):
        raise bad("bbox", "expected four numbers: minLon,minLat,maxLon,maxLat")
    minx, miny, maxx, maxy = values
    if not (-180 <= minx <= 180 and -180 <= maxx <= 180 and -90 <= miny <= 90 and -90 <= maxy <= 90):
        if -90 <= minx <= 90 and -90 <= maxx <= 90 and -180 <= miny <= 180 and -180 <= maxy <= 180:
            raise bad("bbox", "latitude and longitude look swapped; the order is minLon,minLat,maxLon,maxLat")
        raise bad("bbox", "out of range: longitudes -180..180, latitudes -90..90")
    if minx > maxx or miny > maxy:
        raise bad("bbox", "minimum greater than maximum; the order is minLon,minLat,maxLon,maxLat")
    return (minx, miny, maxx, maxy)


def parse_point(name: str, lon_text: str | None, lat_text: str | None) -> tuple[float, float] | None:
    """A WGS 84 position from two texts (None when both are absent)."""
    if lon_text is None and lat_text is None:
        return None
    try:
        lon, lat = float(lon_text), float(lat_text)
    except (TypeError, ValueError):
        raise bad(name, "expected a longitude and a latitude in WGS 84 degrees") from None
    if not (math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90):
        raise bad(name, "out of range: longitude -180..180, latitude -90..90")
    return lon, lat


def parse_int(name: str, text: str | None, default: int, low: int, high: int) -> int:
    if text is None:
        return default
    try:
        value = int(text)
    except ValueError:
        raise bad(name, f"expected an integer from {low} to {high}") from None
    if not low <= value <= high:
        raise bad(name, f"must be from {low} to {high}, got {value}")
    return value


def parse_at(text: str | None, tz, name: str = "at") -> int | None:
    if text is None:
        return None
    try:
        value = parse_instant(text, tz)
        if not AT_MIN_US <= value <= AT_MAX_US:
            raise ValueError("out of range")
        return value
    except (ValueError, OverflowError, OSError):
        raise bad(
            name, "expected an ISO 8601 date or date-time, like 2026-03-01 or 2026-03-01T09:00:00+08:00"
        ) from None


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"the number {text[:40]} is too large")
    return value


def _big_int(text: str) -> int:
    if len(text.lstrip("-")) > 30:  # far beyond any id, count or coordinate; int() of huge text is slow
        raise ValueError(f"the integer {text[:40]}… is too large")
    return int(text)


def json_body(request: Request) -> Any:
    """The body parsed as strict JSON (no NaN/Infinity), or a 4xx naming the problem."""
    mimetype = request.mimetype or ""
    if mimetype not in JSON_TYPES:
        raise UnsupportedMediaType(
            details=[
                Detail(
                    "Content-Type",
                    "unsupported_media_type",
                    f"got {mimetype or 'none'}; send one of {', '.join(JSON_TYPES)}",
                )
            ]
        )
    raw = request.get_data(cache=False)
    try:
        text = raw.decode("utf-8-sig")
        value = json.loads(text, parse_constant=_no_constants, parse_float=_finite_float, parse_int=_big_int)
        if "\\u" in text:  # escapes may hide a lone surrogate, which no UTF-8 text can hold
            json.dumps(value, ensure_ascii=False).encode("utf-8")
        return value
    except UnicodeError:
        raise InvalidJSON(
            details=[
                Detail(
                    "body",
                    "invalid_encoding",
                    "the body must be UTF-8 text (no unpaired surrogate escapes like \\ud800)",
                )
            ]
        ) from None
    except RecursionError:
        raise InvalidJSON(details=[Detail("body", "too_deep", "the JSON nests too deeply")]) from None
    except ValueError as exc:
        raise InvalidJSON(details=[Detail("body", "invalid_json", str(exc)[:300])]) from None


def if_match_version(request: Request, fid: int) -> int | None:
    """The version named by If-Match (``"12.3"`` is feature 12, version 3); None for ``*``."""
    header = request.headers.get("If-Match")
    if header is None:
        raise PreconditionRequired(
            details=[Detail("If-Match", "required", "send the ETag of the version your edit is based on")]
        )
    header = header.strip()
    if header == "*":
        return None
    tag = header.removeprefix("W/").strip('"')
    match = re.fullmatch(r"(\d{1,18})\.(\d{1,18})", tag)
    if not match or int(match[1]) != fid:
        raise bad(
            "If-Match",
            f'expected the ETag of feature {fid}, like "{fid}.3"',
            "errors.request.bad_if_match",
        )
    return int(match[2])
