"""Uploaded images opened without trusting their headers: :func:`check_image` reads an image's size from
its header, refuses decompression bombs before decoding, then decodes it (JPEG at 1/8 scale) to refuse
truncated or corrupt files. No Pillow error escapes: every refusal is a
:class:`~layers.errors.ValidationFailed` (422) or :class:`~layers.errors.PayloadTooLarge` (413). HEIC
images are decoded only when the optional ``pillow-heif`` package is installed (:data:`HEIC_SUPPORTED`).
"""

from __future__ import annotations

import io

from PIL import Image

from layers.errors import AppError, Detail, PayloadTooLarge, ValidationFailed
from layers.uploads.sniffing import MiB, as_bytes, require_type

try:  # optional: HEIC photos from iPhones
    import pillow_heif
except ImportError:  # pragma: no cover - depends on the machine
    pillow_heif = None
else:
    pillow_heif.register_heif_opener()

HEIC_SUPPORTED = pillow_heif is not None
IMAGE_KINDS = frozenset({"jpeg", "png", "webp", "heic", "gif"})
PHOTO_KINDS = frozenset({"jpeg", "png", "webp", "heic"})
# The one Pillow plugin an image of each sniffed kind is opened with (never Pillow's own guess).
PIL_FORMATS = {"jpeg": "JPEG", "png": "PNG", "webp": "WEBP", "gif": "GIF", "heic": "HEIF"}


def image_error(exc: BaseException, kind: str, field: str) -> AppError:
    """What Pillow raised while decoding a ``kind`` image, as the project's error naming ``field``."""
    if isinstance(exc, Image.DecompressionBombError):
        return _too_many_pixels(field, str(exc))
    truncated = "truncated" in str(exc).lower() or isinstance(exc, EOFError)
    code = "truncated_image" if truncated else "corrupt_image"
    return ValidationFailed(
        key="errors.image.truncated" if truncated else "errors.image.corrupt",
        code=code,
        details=[Detail(field, code, f"this {kind} cannot be decoded: {str(exc)[:200] or type(exc).__name__}")],
    )


def _too_many_pixels(field: str, reason: str) -> PayloadTooLarge:
    return PayloadTooLarge(
        key="errors.image.too_many_pixels",
        code="too_many_pixels",
        details=[Detail(field, "too_many_pixels", reason)],
    )


def _decode(data: bytes, kind: str, max_pixels: int, field: str) -> dict:
    """Header first (size), then the decode: Pillow raises nearly anything on hostile input."""
    fmt = PIL_FORMATS[kind]
    try:
        with Image.open(io.BytesIO(data), formats=[fmt]) as image:
            width, height = image.size
            if width <= 0 or height <= 0:
                raise ValueError(f"invalid size {width}x{height}")
            if width * height > max_pixels:
                raise _too_many_pixels(field, f"{width}x{height} = {width * height} pixels; at most {max_pixels}")
            mode = image.mode
            if kind == "jpeg":
                image.draft(None, (1, 1))  # decode at 1/8 scale: every byte is still read
            image.load()
        if kind == "png":  # a PNG decodes even without its last chunks: check every chunk's CRC
            with Image.open(io.BytesIO(data), formats=[fmt]) as image:
                image.verify()
    except AppError:
        raise
    except Exception as exc:  # noqa: BLE001 - Pillow's plugins raise any type on crafted files
        raise image_error(exc, kind, field) from None
    return {"format": kind, "width": width, "height": height, "mode": mode, "bytes": len(data)}


def check_image(
    data: bytes,
    *,
    max_pixels: int = 40_000_000,
    max_bytes: int = 20 * MiB,
    allowed: set[str] | frozenset[str] = PHOTO_KINDS,
    field: str = "file",
) -> dict:
    """Check an uploaded image and return ``{"format", "width", "height", "mode", "bytes"}``.

    The type is sniffed (a ``.jpg`` holding PNG bytes is a PNG; anything else is ``wrong_type``); the
    pixel count is read from the header and refused (413 ``too_many_pixels``) before anything is
    decoded; then the image is decoded (JPEG at 1/8 scale) so truncated (``truncated_image``) and
    corrupt (``corrupt_image``) files are refused. Over ``max_bytes``: 413 ``too_large``. HEIC needs
    ``pillow-heif`` (else ``unsupported_format``). Width and height are as stored (EXIF rotation aside).

    >>> buffer = io.BytesIO()
    >>> Image.new("RGB", (3, 2)).save(buffer, format="PNG")
    >>> info = check_image(buffer.getvalue())
    >>> info["format"], info["width"], info["height"]
    ('png', 3, 2)
    """
    data = as_bytes(data)
    if max_pixels <= 0 or max_bytes <= 0 or not set(allowed) <= IMAGE_KINDS:
        raise ValueError(f"positive limits and image kinds from {sorted(IMAGE_KINDS)} are required")
    if len(data) > max_bytes:
        raise PayloadTooLarge(
            key="errors.image.too_large",
            params={"size": len(data), "limit": max_bytes},
            code="too_large",
            details=[Detail(field, "too_large", f"{len(data)} bytes; at most {max_bytes}")],
        )
    kind = require_type(data, set(allowed), field)
    if kind == "heic" and not HEIC_SUPPORTED:
        raise ValidationFailed(
            key="errors.image.heic_unsupported",
            code="unsupported_format",
            details=[Detail(field, "unsupported_format", "HEIC needs the pillow-heif package; send JPEG or PNG")],
        )
    return _decode(bytes(data), kind, max_pixels, field)
