"""What a photo's metadata says, read before it is stripped: the GPS position (WGS 84 lon/lat and
altitude) and the time taken from EXIF, and the orientation it asks for. What is present but doubtful
(GPS at 0,0, an impossible date, an unreadable block or colour profile) becomes one of :data:`WARNINGS`
and the value is left out; the photo itself is kept.
"""

from __future__ import annotations

import math
import re
from datetime import datetime, timedelta, timezone
from typing import Any

from PIL import Image, ImageOps

from layers import i18n

_GPS_IFD = 0x8825
_EXIF_IFD = 0x8769
_DATETIME_ORIGINAL = 0x9003
_OFFSET_TIME_ORIGINAL = 0x9011
_SUBSEC_TIME_ORIGINAL = 0x9291
_GPS_LAT_REF, _GPS_LAT, _GPS_LON_REF, _GPS_LON, _GPS_ALT_REF, _GPS_ALT, _GPS_STATUS = 1, 2, 3, 4, 5, 6, 9
_NULL_ISLAND_DEG = 1e-7  # phones without a fix write exactly 0/0; this only absorbs rational rounding
_OFFSET = re.compile(r"([+-])(\d{2}):(\d{2})")


# What the metadata held but was not used, and why; the photo itself is kept.
WARNINGS: dict[str, str] = {  # code -> message key
    "exif_unreadable": "warnings.exif.unreadable",
    "gps_void": "warnings.exif.gps_void",
    "gps_incomplete": "warnings.exif.gps_incomplete",
    "gps_out_of_range": "warnings.exif.gps_out_of_range",
    "gps_null_island": "warnings.exif.gps_null_island",
    "taken_at_invalid": "warnings.exif.taken_at_invalid",
    "offset_invalid": "warnings.exif.offset_invalid",
    "orientation_unreadable": "warnings.exif.orientation_unreadable",
    "icc_ignored": "warnings.exif.icc_ignored",
}


def warning(code: str, **values: str) -> dict:
    """The ``{"code", "message", "message_zh"}`` of one of :data:`WARNINGS`, filled in with ``values``."""
    message_zh, message = i18n.pair(WARNINGS[code], **values)
    return {"code": code, "message": message, "message_zh": message_zh}


def _number(value: Any) -> float:
    """A TIFF rational (Pillow's IFDRational, a (num, den) pair or a plain number) as a float; NaN when
    the denominator is 0, so the caller's range checks catch it."""
    if isinstance(value, tuple) and len(value) == 2:
        num, den = value
        return float(num) / float(den) if den else math.nan
    return float(value)


def _degrees(value: Any) -> float:
    """GPSLatitude/GPSLongitude (degrees, minutes, seconds; some writers give only degrees, or D and
    decimal minutes) as decimal degrees; ValueError when a part is negative, not finite or minutes and
    seconds reach 60."""
    parts = [_number(value)] if not isinstance(value, tuple | list) else [_number(v) for v in value]
    if not 1 <= len(parts) <= 3 or not all(math.isfinite(p) and p >= 0 for p in parts):
        raise ValueError(f"not a degrees/minutes/seconds triple: {value!r}")
    if any(p >= 60 for p in parts[1:]):
        raise ValueError(f"minutes or seconds of 60 or more: {value!r}")
    return sum(p / 60**i for i, p in enumerate(parts))


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    return str(value).strip("\x00 ")


def _position(gps: dict) -> tuple[float | None, float | None, float | None, list[dict]]:
    """(lon, lat, alt_m, warnings) from the GPS IFD; an absent IFD is no position and no warning."""
    if not gps:
        return None, None, None, []
    if _text(gps.get(_GPS_STATUS, "A")).upper() == "V":  # "void": the receiver had no fix
        return None, None, None, [warning("gps_void")]
    lat_ref, lon_ref = _text(gps.get(_GPS_LAT_REF, "")).upper(), _text(gps.get(_GPS_LON_REF, "")).upper()
    if gps.get(_GPS_LAT) is None or gps.get(_GPS_LON) is None or lat_ref not in ("N", "S") or lon_ref not in ("E", "W"):
        # without the N/S and E/W references the sign is unknown: guessing would put the case elsewhere
        return None, None, None, [warning("gps_incomplete")]
    try:
        lat = _degrees(gps[_GPS_LAT]) * (-1 if lat_ref == "S" else 1)
        lon = _degrees(gps[_GPS_LON]) * (-1 if lon_ref == "W" else 1)
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise ValueError(f"lon {lon}, lat {lat} out of range")
    except (ValueError, TypeError, ZeroDivisionError):
        return None, None, None, [warning("gps_out_of_range")]
    if abs(lat) < _NULL_ISLAND_DEG and abs(lon) < _NULL_ISLAND_DEG:
        return None, None, None, [warning("gps_null_island")]
    return lon, lat, _altitude(gps), []


def _altitude(gps: dict) -> float | None:
    if gps.get(_GPS_ALT) is None:
        return None
    try:
        alt = _number(gps[_GPS_ALT])
    except (ValueError, TypeError):
        return None
    ref = gps.get(_GPS_ALT_REF, 0)
    below = (ref[:1] == b"\x01") if isinstance(ref, bytes) else ref == 1  # 1: below sea level
    return (-alt if below else alt) if math.isfinite(alt) else None


def _taken_at(exif_ifd: dict) -> tuple[datetime | None, list[dict]]:
    """DateTimeOriginal, made aware by OffsetTimeOriginal when the camera wrote one."""
    raw = exif_ifd.get(_DATETIME_ORIGINAL)
    text = _text(raw) if raw is not None else ""
    if not re.search("[1-9]", text):  # absent, blank or all zeros: the EXIF way of saying "unknown"
        return None, []
    try:
        taken = datetime.strptime(text, "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None, [warning("taken_at_invalid", value=text[:40])]
    subsec = re.match(r"\d+", _text(exif_ifd.get(_SUBSEC_TIME_ORIGINAL, "")))
    if subsec:  # a decimal fraction of a second: "5" is 0.5 s, "050" 0.05 s
        taken = taken.replace(microsecond=int(subsec.group()[:6].ljust(6, "0")))
    offset = _text(exif_ifd.get(_OFFSET_TIME_ORIGINAL, ""))
    if not offset:
        return taken, []
    match = _OFFSET.fullmatch(offset)
    minutes = int(match[2]) * 60 + int(match[3]) if match else 0
    if not match or int(match[3]) >= 60 or minutes > 14 * 60:  # UTC-12 .. UTC+14 is every zone in use
        return taken, [warning("offset_invalid", value=offset[:20])]
    return taken.replace(tzinfo=timezone(timedelta(minutes=-minutes if match[1] == "-" else minutes))), []


def _empty_exif(raw: bytes) -> bool:
    """True for a well-formed EXIF block whose first directory has no entries (some apps write one)."""
    data = raw[6:] if raw.startswith(b"Exif\x00\x00") else raw
    if len(data) < 10 or data[:2] not in (b"MM", b"II"):
        return False
    order = "big" if data[:2] == b"MM" else "little"
    offset = int.from_bytes(data[4:8], order)
    count = data[offset : offset + 2]
    return len(count) == 2 and int.from_bytes(count, order) == 0


def metadata(image: Image.Image) -> tuple[datetime | None, float | None, float | None, float | None, list[dict]]:
    """(taken_at, lon, lat, alt_m, warnings) from the EXIF of the still undecoded image."""
    try:
        exif = image.getexif()
        gps, exif_ifd = dict(exif.get_ifd(_GPS_IFD)), dict(exif.get_ifd(_EXIF_IFD))
    except Exception:  # noqa: BLE001 - a malformed EXIF block must not cost the photo itself
        return None, None, None, None, [warning("exif_unreadable")]
    # Pillow skips a corrupt block with a UserWarning, not an error; an empty but valid block is no problem.
    if not exif and image.info.get("exif") and not _empty_exif(image.info["exif"]):
        return None, None, None, None, [warning("exif_unreadable")]
    taken_at, time_warnings = _taken_at(exif_ifd)
    lon, lat, alt_m, gps_warnings = _position(gps)
    return taken_at, lon, lat, alt_m, gps_warnings + time_warnings


def upright(image: Image.Image, warnings: list[dict]) -> Image.Image:
    """``image`` turned as its EXIF orientation asks; as it is, with a warning, when that cannot be read."""
    try:
        return ImageOps.exif_transpose(image)
    except Exception:  # noqa: BLE001 - the orientation tag lives in the same possibly broken EXIF block
        warnings.append(warning("orientation_unreadable"))
        return image
