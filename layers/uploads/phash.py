"""Perceptual hashes of stored photos: the same scene re-encoded, resized or lightly edited (a worker
re-sending the "before" photo as the "after" one) hashes within :data:`REUSE_MAX_HAMMING` bits."""

from __future__ import annotations

import re

from PIL import Image

# Measured: tests/layers/test_photos.py::test_reuse_threshold_is_measured runs photo-like scenes (colour
# fields, shapes, sensor noise) through process_photo; the same photo re-encoded at quality 60 and halved,
# or its stored JPEG uploaded again, moves 0-2 bits; different scenes differ by 20+. Over 40 such scenes
# (when the threshold was chosen) re-encodes at quality 40-60 and 1/2 or 1/4 size moved at most 2 bits,
# +10 % brightness 3, +20 % contrast 5, a 2 % crop 6, a 5 % crop 13; no two scenes were closer than 17
# (unrelated hashes average 32). 6 keeps every re-encode and light edit, with a wide gap to other photos.
REUSE_MAX_HAMMING = 6
_HEX64 = re.compile(r"[0-9a-f]{16}")


def dhash(image: Image.Image) -> str:
    """64-bit difference hash: is each of 8x8 cells brighter than its right neighbour, row by row."""
    cells = image.convert("L").resize((9, 8), Image.Resampling.LANCZOS).tobytes()
    bits = 0
    for row in range(8):
        for col in range(8):
            bits = bits << 1 | (cells[row * 9 + col] > cells[row * 9 + col + 1])
    return f"{bits:016x}"


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
