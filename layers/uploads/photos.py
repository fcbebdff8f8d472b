"""Photos of blackspot cases, before and after the fix: phone uploads (JPEG, PNG, WebP, HEIC) checked,
their position and time read from EXIF, then stored as clean JPEGs with no metadata, plus a thumbnail.

* :func:`process_photo` turns uploaded bytes into a :class:`ProcessedPhoto`: the type is sniffed and
  sizes, pixel bombs and truncation are refused by :func:`layers.uploads.check_image`; EXIF is read
  *before* it is stripped (GPS as WGS 84 lon/lat, the time taken, the orientation, which is applied).
* :func:`hamming` and :data:`REUSE_MAX_HAMMING` tell when two photos are the same scene re-encoded or
  resized (a worker re-sending the "before" photo as the "after" one).
* The processed bytes are kept as the store's blobs (``layers.store.BlobStore``).

Refusals are the project's errors (:mod:`layers.errors`) naming the upload's field; what is merely
doubtful in the metadata (GPS at 0,0, an impossible date) becomes a warning and the value is left out.
"""

from __future__ import annotations

import hashlib
import io
import math
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from PIL import Image, ImageCms, ImageOps

from layers.errors import AppError
from layers.uploads import PHOTO_KINDS, MiB, check_image
from layers.uploads.files import _PIL_FORMATS, _image_error

# Measured: tests/layers/test_photos.py::test_reuse_threshold_is_measured runs photo-like scenes (colour
# fields, shapes, sensor noise) through process_photo; the same photo re-encoded at quality 60 and halved,
# or its stored JPEG uploaded again, moves 0-2 bits; different scenes differ by 20+. Over 40 such scenes
# (when the threshold was chosen) re-encodes at quality 40-60 and 1/2 or 1/4 size moved at most 2 bits,
# +10 % brightness 3, +20 % contrast 5, a 2 % crop 6, a 5 % crop 13; no two scenes were closer than 17
# (unrelated hashes average 32). 6 keeps every re-encode and light edit, with a wide gap to other photos.
REUSE_MAX_HAMMING = 6

_GPS_IFD = 0x8825
_EXIF_IFD = 0x8769
_DATETIME_ORIGINAL = 0x9003
_OFFSET_TIME_ORIGINAL = 0x9011
_SUBSEC_TIME_ORIGINAL = 0x9291
_GPS_LAT_REF, _GPS_LAT, _GPS_LON_REF, _GPS_LON, _GPS_ALT_REF, _GPS_ALT, _GPS_STATUS = 1, 2, 3, 4, 5, 6, 9
_NULL_ISLAND_DEG = 1e-7  # phones without a fix write exactly 0/0; this only absorbs rational rounding
_OFFSET = re.compile(r"([+-])(\d{2}):(\d{2})")
_HEX64 = re.compile(r"[0-9a-f]{16}")


@dataclass(frozen=True)
class PhotoLimits:
    """What one uploaded photo may be, and the size it is stored at; see :func:`process_photo`."""

    max_bytes: int = 20 * MiB
    max_pixels: int = 60_000_000
    max_side_px: int = 2048
    thumb_side_px: int = 320
    jpeg_quality: int = 85

    def __post_init__(self) -> None:
        for name, value in vars(self).items():
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        if self.jpeg_quality > 95:  # above 95 libjpeg's output grows a lot for no visible gain
            raise ValueError(f"jpeg_quality must be at most 95, got {self.jpeg_quality}")
        if self.thumb_side_px > self.max_side_px:
            raise ValueError(f"thumb_side_px ({self.thumb_side_px}) exceeds max_side_px ({self.max_side_px})")


@dataclass(frozen=True)
class ProcessedPhoto:
    """An accepted photo: the stored JPEG and thumbnail (no metadata) and what was read from the upload.

    ``sha256`` is of the uploaded bytes (the same file sent twice); ``phash`` a 64-bit difference hash of
    the stored image (the same scene re-encoded, see :func:`hamming`). ``width`` and ``height`` are of
    ``image``, upright. ``taken_at`` is aware when the camera wrote its UTC offset, naive (camera local
    time) otherwise. ``lon``, ``lat`` are WGS 84 degrees and ``alt_m`` metres above sea level, or None.
    ``warnings`` holds ``{"code", "message", "message_zh"}`` for metadata that was present but not used.
    """

    source_type: str
    sha256: str
    phash: str
    width: int
    height: int
    image: bytes = field(repr=False)
    thumb: bytes = field(repr=False)
    taken_at: datetime | None
    lon: float | None
    lat: float | None
    alt_m: float | None = None
    warnings: list[dict] = field(default_factory=list)


# What the metadata held but was not used, and why; the photo itself is kept.
WARNINGS: dict[str, tuple[str, str]] = {
    "exif_unreadable": (
        "The photo's EXIF metadata cannot be read; no position or time was taken from it.",
        "无法读取照片的 EXIF 信息，未获取位置和时间。",
    ),
    "gps_void": ("The camera marked its GPS position as invalid; it is ignored.", "相机标记 GPS 位置无效，已忽略。"),
    "gps_incomplete": (
        "The photo's GPS position lacks a coordinate or its N/S, E/W reference; it is ignored.",
        "照片的 GPS 位置不完整（缺少坐标或南北/东西标记），已忽略。",
    ),
    "gps_out_of_range": (
        "The photo's GPS position is not a valid WGS 84 position; it is ignored.",
        "照片的 GPS 位置不是有效的 WGS 84 坐标，已忽略。",
    ),
    "gps_null_island": (
        "The photo's GPS position is 0, 0 (the phone had no fix); it is ignored.",
        "照片的 GPS 位置为 0, 0（手机未定位），已忽略。",
    ),
    "taken_at_invalid": (
        "The photo's date taken ({value!r}) is not a valid date; it is ignored.",
        "照片的拍摄时间（{value!r}）无效，已忽略。",
    ),
    "offset_invalid": (
        "The photo's UTC offset ({value!r}) is not valid; the time taken is kept as local time.",
        "照片的时区偏移（{value!r}）无效，拍摄时间按当地时间保存。",
    ),
    "orientation_unreadable": (
        "The photo's orientation cannot be read; it is stored as encoded.",
        "无法读取照片方向，按原样保存。",
    ),
    "icc_ignored": (
        "The photo's colour profile cannot be used; its colours may be slightly off.",
        "照片的色彩配置文件无法使用，颜色可能略有偏差。",
    ),
}


def _warning(code: str, **values: str) -> dict:
    message, message_zh = WARNINGS[code]
    return {"code": code, "message": message.format(**values), "message_zh": message_zh.format(**values)}


# -- EXIF ---------------------------------------------------------------------------------------------


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
        return None, None, None, [_warning("gps_void")]
    lat_ref, lon_ref = _text(gps.get(_GPS_LAT_REF, "")).upper(), _text(gps.get(_GPS_LON_REF, "")).upper()
    if gps.get(_GPS_LAT) is None or gps.get(_GPS_LON) is None or lat_ref not in ("N", "S") or lon_ref not in ("E", "W"):
        # without the N/S and E/W references the sign is unknown: guessing would put the case elsewhere
        return None, None, None, [_warning("gps_incomplete")]
    try:
        lat = _degrees(gps[_GPS_LAT]) * (-1 if lat_ref == "S" else 1)
        lon = _degrees(gps[_GPS_LON]) * (-1 if lon_ref == "W" else 1)
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise ValueError(f"lon {lon}, lat {lat} out of range")
    except (ValueError, TypeError, ZeroDivisionError):
        return None, None, None, [_warning("gps_out_of_range")]
    if abs(lat) < _NULL_ISLAND_DEG and abs(lon) < _NULL_ISLAND_DEG:
        return None, None, None, [_warning("gps_null_island")]
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
        return None, [_warning("taken_at_invalid", value=text[:40])]
    subsec = re.match(r"\d+", _text(exif_ifd.get(_SUBSEC_TIME_ORIGINAL, "")))
    if subsec:  # a decimal fraction of a second: "5" is 0.5 s, "050" 0.05 s
        taken = taken.replace(microsecond=int(subsec.group()[:6].ljust(6, "0")))
    offset = _text(exif_ifd.get(_OFFSET_TIME_ORIGINAL, ""))
    if not offset:
        return taken, []
    match = _OFFSET.fullmatch(offset)
    minutes = int(match[2]) * 60 + int(match[3]) if match else 0
    if not match or int(match[3]) >= 60 or minutes > 14 * 60:  # UTC-12 .. UTC+14 is every zone in use
        return taken, [_warning("offset_invalid", value=offset[:20])]
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


def _metadata(image: Image.Image) -> tuple[datetime | None, float | None, float | None, float | None, list[dict]]:
    """(taken_at, lon, lat, alt_m, warnings) from the EXIF of the still undecoded image."""
    try:
        exif = image.getexif()
        gps, exif_ifd = dict(exif.get_ifd(_GPS_IFD)), dict(exif.get_ifd(_EXIF_IFD))
    except Exception:  # noqa: BLE001 - a malformed EXIF block must not cost the photo itself
        return None, None, None, None, [_warning("exif_unreadable")]
    # Pillow skips a corrupt block with a UserWarning, not an error; an empty but valid block is no problem.
    if not exif and image.info.get("exif") and not _empty_exif(image.info["exif"]):
        return None, None, None, None, [_warning("exif_unreadable")]
    taken_at, time_warnings = _taken_at(exif_ifd)
    lon, lat, alt_m, gps_warnings = _position(gps)
    return taken_at, lon, lat, alt_m, gps_warnings + time_warnings


# -- pixels -------------------------------------------------------------------------------------------


def _upright(image: Image.Image, warnings: list[dict]) -> Image.Image:
    try:
        return ImageOps.exif_transpose(image)
    except Exception:  # noqa: BLE001 - the orientation tag lives in the same possibly broken EXIF block
        warnings.append(_warning("orientation_unreadable"))
        return image


def _to_srgb(image: Image.Image, warnings: list[dict]) -> Image.Image:
    """RGB in sRGB, transparency flattened on white: what a browser shows for a JPEG without a profile."""
    alpha = image.convert("RGBA").getchannel("A") if image.has_transparency_data else None
    if image.mode in ("I;16", "I;16B", "I;16L", "I"):  # 16-bit grey PNG: Pillow's convert would clip, not scale
        image = image.convert("I").point(lambda v: v / 257).convert("L")
    base = image if image.mode in ("RGB", "L", "CMYK") else image.convert("L" if image.mode == "LA" else "RGB")
    rgb = None
    if icc := image.info.get("icc_profile"):  # phones shoot Display P3: stripping it unconverted dulls colours
        try:
            rgb = ImageCms.profileToProfile(
                base, ImageCms.ImageCmsProfile(io.BytesIO(icc)), ImageCms.createProfile("sRGB"), outputMode="RGB"
            )
        except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
            warnings.append(_warning("icc_ignored"))
    rgb = rgb if rgb is not None else base.convert("RGB")
    if alpha is not None:
        flat = Image.new("RGB", rgb.size, "white")
        flat.paste(rgb, mask=alpha)
        rgb = flat
    return rgb


def _draft_size(size: tuple[int, int], max_side_px: int) -> tuple[int, int]:
    """The smallest size a JPEG may be decoded at (DCT scaling) and still be downscaled, not upscaled."""
    scale = min(1.0, max_side_px / max(size))
    return max(1, math.ceil(size[0] * scale)), max(1, math.ceil(size[1] * scale))


def _dhash(image: Image.Image) -> str:
    """64-bit difference hash: is each of 8x8 cells brighter than its right neighbour, row by row."""
    cells = image.convert("L").resize((9, 8), Image.Resampling.LANCZOS).tobytes()
    bits = 0
    for row in range(8):
        for col in range(8):
            bits = bits << 1 | (cells[row * 9 + col] > cells[row * 9 + col + 1])
    return f"{bits:016x}"


def _jpeg(image: Image.Image, quality: int) -> bytes:
    image.info = {}  # Pillow copies a source "comment" into the JPEG it writes unless info is emptied
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=quality, progressive=True, optimize=True, exif=b"")
    return buffer.getvalue()


def hamming(a_hex: str, b_hex: str) -> int:
    """How many of the 64 bits differ between two :attr:`ProcessedPhoto.phash` values.

    At most :data:`REUSE_MAX_HAMMING` means the same photo re-encoded, resized or lightly edited.

    >>> hamming("ffffffffffffffff", "fffffffffffffff0"), hamming("0123456789abcdef", "0123456789abcdef")
    (4, 0)
    """
    for name, value in (("a_hex", a_hex), ("b_hex", b_hex)):
        if not isinstance(value, str) or not _HEX64.fullmatch(value.lower()):
            raise ValueError(f"{name} must be 16 hexadecimal digits, got {value!r}")
    return (int(a_hex, 16) ^ int(b_hex, 16)).bit_count()


def process_photo(data: bytes, limits: PhotoLimits = PhotoLimits(), field: str = "file") -> ProcessedPhoto:
    """Check an uploaded photo, read its EXIF, and return it upright as a metadata-free JPEG.

    Refused, naming ``field``: over ``limits.max_bytes`` or ``limits.max_pixels`` (PayloadTooLarge, 413,
    ``too_large`` / ``too_many_pixels``, judged on the header before decoding); not JPEG, PNG, WebP or
    HEIC whatever its name (ValidationFailed, 422, ``wrong_type``); truncated or corrupt (422,
    ``truncated_image`` / ``corrupt_image``). The stored image's longer side is at most
    ``limits.max_side_px`` (never upscaled), the thumbnail's ``limits.thumb_side_px``.

    >>> buffer = io.BytesIO()
    >>> Image.new("RGBA", (3000, 1000), (0, 0, 0, 0)).save(buffer, format="PNG")
    >>> photo = process_photo(buffer.getvalue())
    >>> photo.source_type, photo.width, photo.height, photo.lon, Image.open(io.BytesIO(photo.thumb)).size
    ('png', 2048, 683, None, (320, 107))
    """
    if not isinstance(limits, PhotoLimits):
        raise TypeError(f"limits must be a PhotoLimits, got {type(limits).__name__}")
    kind = check_image(
        data, max_pixels=limits.max_pixels, max_bytes=limits.max_bytes, allowed=PHOTO_KINDS, field=field
    )["format"]
    data = bytes(data)
    try:
        with Image.open(io.BytesIO(data), formats=[_PIL_FORMATS[kind]]) as source:
            taken_at, lon, lat, alt_m, warnings = _metadata(source)
            if kind == "jpeg":  # decode big JPEGs at 1/2..1/8 scale: less memory and time for the same result
                source.draft(None, _draft_size(source.size, limits.max_side_px))
            source.load()
            image = _to_srgb(_upright(source, warnings), warnings)
        image.thumbnail((limits.max_side_px, limits.max_side_px), Image.Resampling.LANCZOS)
        thumb = image.copy()
        thumb.thumbnail((limits.thumb_side_px, limits.thumb_side_px), Image.Resampling.LANCZOS)
        stored, thumb_bytes = _jpeg(image, limits.jpeg_quality), _jpeg(thumb, limits.jpeg_quality)
    except AppError:
        raise
    except Exception as exc:  # noqa: BLE001 - check_image decoded at 1/8 scale; the full decode can still fail
        raise _image_error(exc, kind, field) from None
    return ProcessedPhoto(
        source_type=kind,
        sha256=hashlib.sha256(data).hexdigest(),
        phash=_dhash(image),
        width=image.width,
        height=image.height,
        image=stored,
        thumb=thumb_bytes,
        taken_at=taken_at,
        lon=lon,
        lat=lat,
        alt_m=alt_m,
        warnings=warnings,
    )
