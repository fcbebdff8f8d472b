"""Reading the fields of a case command's JSON body: text, ids and WGS 84 coordinates (swapped ones
caught), each problem collected as a ``Detail`` so that one refusal names every bad field at once."""

from __future__ import annotations

import math

from layers.errors import Detail, ValidationFailed
from layers.store import Bbox

MAX_TEXT = 2000


def refuse(key: str, details: list[Detail]) -> None:
    """Raise one ValidationFailed (message ``key``) naming every problem in ``details``, if there is any."""
    if details:
        raise ValidationFailed(key=key, details=details)


def text(body: dict, key: str, problems: list[Detail], limit: int = MAX_TEXT) -> str | None:
    """``body[key]`` stripped (None if absent or blank); a problem unless it is text of at most ``limit``."""
    value = body.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > limit:
        problems.append(Detail(key, "invalid_value", f"must be text of at most {limit} characters"))
        return None
    return value.strip() or None


def positive_id(body: dict, key: str, problems: list[Detail]) -> int | None:
    """``body[key]`` as an id (None if absent); a problem unless it is an integer from 1 to 2**63 - 1."""
    value = body.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value < 2**63:
        problems.append(Detail(key, "wrong_type", "must be a positive integer id"))
        return None
    return value


def coordinate(body: dict, key: str, low: float, high: float, problems: list[Detail]) -> float | None:
    """``body[key]`` as WGS 84 degrees between ``low`` and ``high``; required, a problem otherwise."""
    value = body.get(key)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        problems.append(Detail(key, "wrong_type" if key in body else "required", "a number of WGS 84 degrees"))
        return None
    if not low <= value <= high:
        problems.append(Detail(key, "out_of_range", f"must be between {low} and {high} (WGS 84 degrees)"))
        return None
    return float(value)


def out_of_range_swap(body: dict) -> bool:
    """A latitude beyond ±90 that would be a fine longitude while the longitude would be a fine latitude."""
    lon, lat = body.get("lon"), body.get("lat")
    numbers = all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in (lon, lat))
    return numbers and abs(lat) > 90 and abs(lat) <= 180 and abs(lon) <= 90


def looks_swapped(lon: float, lat: float, extent: Bbox | None) -> bool:
    """True when (lat, lon) would fall in the project's extent and (lon, lat) does not."""
    if extent is None:
        return False
    inside = extent[0] <= lon <= extent[2] and extent[1] <= lat <= extent[3]
    flipped = extent[0] <= lat <= extent[2] and extent[1] <= lon <= extent[3]
    return flipped and not inside
