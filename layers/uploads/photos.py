"""Photos of blackspot cases, before and after the fix: phone uploads (JPEG, PNG, WebP, HEIC) checked,
their position and time read from EXIF, then stored as clean JPEGs with no metadata, plus a thumbnail.

* :func:`process_photo` turns uploaded bytes into a :class:`ProcessedPhoto`: the type is sniffed and
  sizes, pixel bombs and truncation are refused by :func:`layers.uploads.check_image`; EXIF is read
  *before* it is stripped (:mod:`layers.uploads.exif`: GPS as WGS 84 lon/lat, the time taken, the
  orientation, which is applied); the pixels are stored in sRGB (:mod:`layers.uploads.pixels`) with a
  perceptual hash (:mod:`layers.uploads.phash`: :func:`~layers.uploads.phash.hamming` and
  :data:`~layers.uploads.phash.REUSE_MAX_HAMMING` tell when two photos are the same scene re-encoded or
  resized, a worker re-sending the "before" photo as the "after" one).
* The processed bytes are kept as the store's blobs (``layers.store.BlobStore``).

Refusals are the project's errors (:mod:`layers.errors`) naming the upload's field; what is merely
doubtful in the metadata (GPS at 0,0, an impossible date) becomes a warning and the value is left out.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass, field
from datetime import datetime

from PIL import Image

from layers.errors import AppError
from layers.uploads.exif import metadata, upright
from layers.uploads.images import PHOTO_KINDS, PIL_FORMATS, check_image, image_error
from layers.uploads.phash import dhash
from layers.uploads.pixels import draft_size, jpeg, to_srgb
from layers.uploads.sniffing import MiB


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
        with Image.open(io.BytesIO(data), formats=[PIL_FORMATS[kind]]) as source:
            taken_at, lon, lat, alt_m, warnings = metadata(source)
            if kind == "jpeg":  # decode big JPEGs at 1/2..1/8 scale: less memory and time for the same result
                source.draft(None, draft_size(source.size, limits.max_side_px))
            source.load()
            image = to_srgb(upright(source, warnings), warnings)
        image.thumbnail((limits.max_side_px, limits.max_side_px), Image.Resampling.LANCZOS)
        thumb = image.copy()
        thumb.thumbnail((limits.thumb_side_px, limits.thumb_side_px), Image.Resampling.LANCZOS)
        stored, thumb_bytes = jpeg(image, limits.jpeg_quality), jpeg(thumb, limits.jpeg_quality)
    except AppError:
        raise
    except Exception as exc:  # noqa: BLE001 - check_image decoded at 1/8 scale; the full decode can still fail
        raise image_error(exc, kind, field) from None
    return ProcessedPhoto(
        source_type=kind,
        sha256=hashlib.sha256(data).hexdigest(),
        phash=dhash(image),
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

