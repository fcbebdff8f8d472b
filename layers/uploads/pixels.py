"""A photo's pixels as they are stored: converted to sRGB with transparency flattened on white, decoded
no larger than needed, and written as a progressive JPEG that carries no metadata."""

from __future__ import annotations

import io
import math

from PIL import Image, ImageCms

from layers.uploads.exif import warning


def to_srgb(image: Image.Image, warnings: list[dict]) -> Image.Image:
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
            warnings.append(warning("icc_ignored"))
    rgb = rgb if rgb is not None else base.convert("RGB")
    if alpha is not None:
        flat = Image.new("RGB", rgb.size, "white")
        flat.paste(rgb, mask=alpha)
        rgb = flat
    return rgb


def draft_size(size: tuple[int, int], max_side_px: int) -> tuple[int, int]:
    """The smallest size a JPEG may be decoded at (DCT scaling) and still be downscaled, not upscaled."""
    scale = min(1.0, max_side_px / max(size))
    return max(1, math.ceil(size[0] * scale)), max(1, math.ceil(size[1] * scale))


def jpeg(image: Image.Image, quality: int) -> bytes:
    """``image`` as a progressive, optimised JPEG with no EXIF, comment or other metadata."""
    image.info = {}  # Pillow copies a source "comment" into the JPEG it writes unless info is emptied
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=quality, progressive=True, optimize=True, exif=b"")
    return buffer.getvalue()
