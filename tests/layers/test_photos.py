"""Blackspot photos: real JPEG, HEIC, PNG and WebP files written here with Pillow and pillow-heif, carrying
EXIF GPS, time and orientation; what is stored must be upright, resized and free of any metadata. Also
the refusals, the near-duplicate threshold (measured, not assumed) and the content-addressed files."""

from __future__ import annotations

import hashlib
import io
import itertools
import re
import struct
import zipfile
import zlib
from datetime import datetime, timedelta, timezone
from fractions import Fraction

import numpy as np
import pytest
from PIL import Image, ImageCms, ImageDraw, TiffImagePlugin

from layers.errors import AppError, PayloadTooLarge, ValidationFailed
from layers.uploads import REUSE_MAX_HAMMING, MiB, hamming
from layers.uploads.photos import PhotoLimits, ProcessedPhoto, process_photo

BLUE, RED, GREEN, WHITE = (20, 40, 200), (230, 20, 20), (20, 180, 40), (255, 255, 255)
# Tiananmen: 39°54'27.12" N, 116°23'29.76" E, 43.5 m
BEIJING_GPS = {1: "N", 2: (39, 54, 27.12), 3: "E", 4: (116, 23, 29.76), 5: b"\x00", 6: 43.5}
BEIJING_LAT, BEIJING_LON = 39.907533333, 116.3916


# -- builders -----------------------------------------------------------------------------------------


def rational(value: float) -> TiffImagePlugin.IFDRational:
    fraction = Fraction(value).limit_denominator(10_000)
    return TiffImagePlugin.IFDRational(fraction.numerator, fraction.denominator)


def make_exif(gps=None, taken=None, offset=None, subsec=None, orientation=None) -> Image.Exif:
    """EXIF as a phone writes it: GPS IFD tags as rationals, times in the Exif IFD."""
    exif = Image.Exif()
    if orientation is not None:
        exif[0x0112] = orientation
    if gps is not None:
        gps_ifd = exif.get_ifd(0x8825)
        for tag, value in gps.items():
            if isinstance(value, tuple):
                value = tuple(rational(v) for v in value)
            elif isinstance(value, float | int):
                value = rational(value)
            gps_ifd[tag] = value
    exif_ifd = exif.get_ifd(0x8769)
    for tag, value in ((0x9003, taken), (0x9011, offset), (0x9291, subsec)):
        if value is not None:
            exif_ifd[tag] = value
    return exif


def marked(size=(600, 400), background=BLUE) -> Image.Image:
    """A plain image with a red square in its (stored) top-left corner, to see where rotation puts it."""
    image = Image.new("RGB", size, background)
    image.paste(RED, (0, 0, 60, 60))
    return image


def write(tmp_path, image: Image.Image, name: str, **params) -> bytes:
    """Save ``image`` to a real file and read its bytes back, as an upload would arrive."""
    path = tmp_path / name
    image.save(path, **params)
    return path.read_bytes()


def scene(seed: int, size=(1200, 900)) -> Image.Image:
    """A photo-like image: smooth colour fields, a dozen shapes and sensor-like noise."""
    rng = np.random.default_rng(seed)
    coarse = (rng.random((6, 8, 3)) * 255).astype("uint8")
    image = Image.fromarray(coarse).resize(size, Image.Resampling.BICUBIC)
    draw = ImageDraw.Draw(image)
    for _ in range(12):
        x, y, r = int(rng.integers(0, size[0])), int(rng.integers(0, size[1])), int(rng.integers(20, 200))
        draw.ellipse((x - r, y - r, x + r, y + r), fill=tuple(int(c) for c in rng.integers(0, 256, 3)))
    noisy = np.asarray(image, dtype=float) + rng.normal(0, 12, (size[1], size[0], 3))
    return Image.fromarray(noisy.clip(0, 255).astype("uint8"))


def jpeg_bytes(image: Image.Image, **params) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", **params)
    return buffer.getvalue()


def png_header_only(width: int, height: int) -> bytes:
    """A PNG whose IHDR declares ``width`` x ``height`` with one tiny IDAT: a pixel bomb on paper."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">L", len(body)) + kind + body + struct.pack(">L", zlib.crc32(kind + body))

    ihdr = struct.pack(">LLBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")


def jpeg_markers(data: bytes) -> list[int]:
    """Every marker of a JPEG, entropy-coded scans skipped (a progressive file has many)."""
    assert data[:2] == b"\xff\xd8"
    markers, pos = [], 2
    while pos < len(data) - 1:
        assert data[pos] == 0xFF, f"no marker at {pos}"
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        markers.append(marker)
        if marker == 0xD9:
            break
        pos += 2 + struct.unpack(">H", data[pos + 2 : pos + 4])[0]
        if marker == 0xDA:  # scan data runs to the next marker that is not a stuffed 0 or a restart
            while not (data[pos] == 0xFF and data[pos + 1] not in (0x00, *range(0xD0, 0xD8))):
                pos += 1
    return markers


def assert_no_metadata(jpeg: bytes) -> None:
    markers = jpeg_markers(jpeg)
    metadata = [hex(m) for m in markers if 0xE1 <= m <= 0xEF or m == 0xFE]  # APP1-APP15 and COM
    assert not metadata, f"metadata segments left: {metadata}"
    assert markers[0] == 0xE0 and 0xC2 in markers  # JFIF only; progressive
    for needle in (b"Exif\x00\x00", b"http://ns.adobe.com/xap/1.0/", b"ICC_PROFILE", b"GPS"):
        assert needle not in jpeg
    with Image.open(io.BytesIO(jpeg)) as image:
        assert image.format == "JPEG" and image.mode == "RGB"
        assert not image.getexif()
        assert not {"exif", "icc_profile", "xmp", "comment"} & set(image.info)


def close_to(pixel, colour, tolerance=40) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel[:3], colour, strict=True))


def refused(exc_info, cls, code, field="file"):
    error = exc_info.value
    assert isinstance(error, cls), error
    assert 400 <= error.status < 500 and error.code == code, (error.status, error.code, error.details)
    assert error.message and error.message_zh and error.message != error.message_zh
    assert error.details and all(d["field"] == field and d["reason"] for d in error.details)
    return error


def pixel_at(jpeg: bytes, xy) -> tuple:
    with Image.open(io.BytesIO(jpeg)) as image:
        return image.convert("RGB").getpixel(xy)


# -- what is read and what is stored ------------------------------------------------------------------

TAKEN = {"taken": "2026:03:14 09:26:53", "offset": "+08:00", "subsec": "25"}
TAKEN_AT = datetime(2026, 3, 14, 9, 26, 53, 250_000, tzinfo=timezone(timedelta(hours=8)))


def test_a_rotated_jpeg_with_gps_is_stored_upright_and_clean(tmp_path):
    exif = make_exif(BEIJING_GPS, **TAKEN, orientation=6)  # 6: the sensor's top is the picture's right
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    extras = {"comment": b"owner: field team 3", "xmp": b"<x:xmpmeta/>", "icc_profile": icc}  # all must go
    data = write(tmp_path, marked(), "IMG_0001.jpg", exif=exif, **extras)
    photo = process_photo(data)

    assert isinstance(photo, ProcessedPhoto) and photo.source_type == "jpeg" and photo.warnings == []
    assert abs(photo.lat - BEIJING_LAT) < 1e-6 and abs(photo.lon - BEIJING_LON) < 1e-6
    assert photo.alt_m == pytest.approx(43.5)
    assert photo.taken_at == TAKEN_AT and photo.taken_at.utcoffset() == timedelta(hours=8)
    assert (photo.width, photo.height) == (400, 600)  # width and height swapped
    assert close_to(pixel_at(photo.image, (400 - 30, 30)), RED)  # stored top-left is shown top-right
    assert close_to(pixel_at(photo.image, (30, 30)), BLUE)
    assert close_to(pixel_at(photo.image, (400 - 30, 600 - 30)), BLUE)
    with Image.open(io.BytesIO(photo.thumb)) as thumb:
        assert thumb.size == (213, 320)
    assert close_to(pixel_at(photo.thumb, (213 - 8, 8)), RED)
    assert_no_metadata(photo.image)
    assert_no_metadata(photo.thumb)
    assert photo.sha256 == hashlib.sha256(data).hexdigest()
    assert len(photo.phash) == 16 and int(photo.phash, 16) >= 0
    # A log line must not carry megabytes of JPEG: no bytes literal in the repr. (A bare "b'" test failed
    # now and then: a sha256 in hex may end in "b", followed by its closing quote.)
    assert re.search(r"""[=(]b['"]""", repr(photo)) is None and len(repr(photo)) < 1000


def test_a_heic_with_exif_gives_the_same_position_and_time(tmp_path):
    exif = make_exif(BEIJING_GPS, **TAKEN, orientation=6)
    data = write(tmp_path, marked(), "IMG_0002.HEIC", format="HEIF", exif=exif.tobytes(), quality=90)
    photo = process_photo(data)

    assert photo.source_type == "heic" and photo.warnings == []
    assert abs(photo.lat - BEIJING_LAT) < 1e-6 and abs(photo.lon - BEIJING_LON) < 1e-6
    assert photo.taken_at == TAKEN_AT
    assert (photo.width, photo.height) == (400, 600)  # libheif applies the rotation itself
    assert close_to(pixel_at(photo.image, (400 - 30, 30)), RED)
    assert close_to(pixel_at(photo.image, (30, 30)), BLUE)
    assert_no_metadata(photo.image)
    assert_no_metadata(photo.thumb)


@pytest.mark.parametrize("mode", ["RGBA", "P"])
def test_transparency_is_flattened_on_white(tmp_path, mode):
    if mode == "RGBA":
        image = Image.new("RGBA", (200, 100), (*RED, 0))  # transparent red: must not show as red
        image.paste((*GREEN, 255), (100, 0, 200, 100))
        data = write(tmp_path, image, "screenshot.png")
    else:
        image = Image.new("P", (200, 100), 0)
        image.putpalette([*RED, *GREEN])
        image.paste(1, (100, 0, 200, 100))
        data = write(tmp_path, image, "screenshot.png", transparency=0)  # palette entry 0 (red) is transparent
    photo = process_photo(data)

    assert photo.source_type == "png" and (photo.width, photo.height) == (200, 100)
    assert close_to(pixel_at(photo.image, (40, 50)), WHITE, 8)
    assert close_to(pixel_at(photo.image, (160, 50)), GREEN, 12)
    assert photo.lon is None and photo.taken_at is None and photo.warnings == []
    assert_no_metadata(photo.image)


def test_webp_with_exif(tmp_path):
    exif = make_exif(BEIJING_GPS, taken="2026:03:14 09:26:53", orientation=3)  # 3: upside down
    data = write(tmp_path, marked((300, 200)), "wx_photo.webp", exif=exif.tobytes(), quality=90)
    photo = process_photo(data)

    assert photo.source_type == "webp" and (photo.width, photo.height) == (300, 200)
    assert abs(photo.lat - BEIJING_LAT) < 1e-6 and abs(photo.lon - BEIJING_LON) < 1e-6
    assert photo.taken_at == datetime(2026, 3, 14, 9, 26, 53) and photo.taken_at.tzinfo is None
    assert close_to(pixel_at(photo.image, (300 - 30, 200 - 30)), RED)
    assert_no_metadata(photo.image)


def test_sixteen_bit_grey_is_scaled_not_clipped(tmp_path):
    image = Image.new("I;16", (64, 64), 32768)  # mid grey on a 0-65535 scale
    photo = process_photo(write(tmp_path, image, "scan.png"))
    assert close_to(pixel_at(photo.image, (32, 32)), (128, 128, 128), 4)


def test_cmyk_jpeg_becomes_rgb(tmp_path):
    photo = process_photo(write(tmp_path, Image.new("CMYK", (64, 64), (0, 255, 255, 0)), "print.jpg"))
    assert close_to(pixel_at(photo.image, (32, 32)), (255, 0, 0), 30)


def test_an_unusable_colour_profile_is_a_warning(tmp_path):
    photo = process_photo(write(tmp_path, marked(), "odd.jpg", icc_profile=b"not a profile" * 10))
    assert [w["code"] for w in photo.warnings] == ["icc_ignored"]
    assert close_to(pixel_at(photo.image, (300, 300)), BLUE)
    assert_no_metadata(photo.image)


def test_big_photos_are_downscaled_and_small_ones_never_upscaled(tmp_path):
    big = process_photo(write(tmp_path, marked((5000, 3000)), "big.jpg", quality=80))
    assert (big.width, big.height) == (2048, 1229)
    with Image.open(io.BytesIO(big.image)) as image:
        assert image.size == (2048, 1229)
    with Image.open(io.BytesIO(big.thumb)) as thumb:
        assert thumb.size == (320, 192)
    assert close_to(pixel_at(big.image, (10, 10)), RED) and close_to(pixel_at(big.image, (40, 40)), BLUE)

    portrait = process_photo(write(tmp_path, marked((1500, 3000)), "tall.png"), PhotoLimits(max_side_px=1000))
    assert (portrait.width, portrait.height) == (500, 1000)

    small = process_photo(write(tmp_path, marked((100, 50)), "small.png"))
    assert (small.width, small.height) == (100, 50)
    with Image.open(io.BytesIO(small.thumb)) as thumb:
        assert thumb.size == (100, 50)


# -- refusals -----------------------------------------------------------------------------------------


def zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("photo.jpg", b"\xff\xd8\xff")
    return buffer.getvalue()


@pytest.mark.parametrize(
    "content",
    [
        b"%PDF-1.7\n1 0 obj<<>>endobj\n",
        "现场照片\n".encode(),
        zip_bytes(),
        b"MZ\x90\x00" + bytes(60),
        b"GIF89a" + bytes(20),
    ],
    ids=["pdf", "text", "zip", "exe", "gif"],
)
def test_what_is_not_a_photo_is_refused_whatever_its_name(tmp_path, content):
    (tmp_path / "IMG_0003.jpg").write_bytes(content)
    with pytest.raises(ValidationFailed) as exc_info:
        process_photo((tmp_path / "IMG_0003.jpg").read_bytes())
    error = refused(exc_info, ValidationFailed, "wrong_type")
    assert error.status == 422
    with pytest.raises(ValidationFailed) as exc_info:
        process_photo(content, field="after_photo")
    refused(exc_info, ValidationFailed, "wrong_type", field="after_photo")


@pytest.mark.parametrize("fmt, name", [("JPEG", "cut.jpg"), ("PNG", "cut.png"), ("WEBP", "cut.webp")])
def test_truncated_photos_are_refused(tmp_path, fmt, name):
    data = write(tmp_path, scene(3, (400, 300)), name, format=fmt)
    for cut in (len(data) // 2, len(data) - 40):
        with pytest.raises(AppError) as exc_info:
            process_photo(data[:cut])
        error = exc_info.value
        assert error.status == 422 and error.code in {"truncated_image", "corrupt_image"}
        assert error.details[0]["field"] == "file" and error.message_zh


def test_pixel_bombs_are_refused_before_decoding(tmp_path):
    for bomb in (png_header_only(100_000, 100_000), png_header_only(8000, 8000)):  # 10^10 and 64 MP
        with pytest.raises(PayloadTooLarge) as exc_info:
            process_photo(bomb)
        assert refused(exc_info, PayloadTooLarge, "too_many_pixels").status == 413
    jpeg = bytearray(write(tmp_path, marked((16, 16)), "tiny.jpg"))
    struct.pack_into(">HH", jpeg, jpeg.index(b"\xff\xc0") + 5, 60000, 60000)  # the frame header claims 60000²
    with pytest.raises(PayloadTooLarge) as exc_info:
        process_photo(bytes(jpeg))
    refused(exc_info, PayloadTooLarge, "too_many_pixels")
    with pytest.raises(PayloadTooLarge) as exc_info:
        process_photo(write(tmp_path, marked((100, 100)), "a.png"), PhotoLimits(max_pixels=9999))
    refused(exc_info, PayloadTooLarge, "too_many_pixels")


def test_the_byte_limit(tmp_path):
    data = write(tmp_path, scene(4, (400, 300)), "photo.jpg")
    with pytest.raises(PayloadTooLarge) as exc_info:
        process_photo(data, PhotoLimits(max_bytes=len(data) - 1))
    assert refused(exc_info, PayloadTooLarge, "too_large").status == 413
    assert process_photo(data, PhotoLimits(max_bytes=len(data))).source_type == "jpeg"
    with pytest.raises(PayloadTooLarge) as exc_info:
        process_photo(b"\xff\xd8\xff" + bytes(20 * MiB))  # over the 20 MiB default, refused unread
    refused(exc_info, PayloadTooLarge, "too_large")


def test_limits_and_arguments_are_checked():
    for bad in ({"max_bytes": 0}, {"jpeg_quality": 100}, {"max_side_px": 2.5}, {"thumb_side_px": 4096}):
        with pytest.raises(ValueError):
            PhotoLimits(**bad)
    with pytest.raises(TypeError):
        process_photo(b"\xff\xd8\xff", {"max_bytes": 10})


# -- EXIF edge cases ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "gps, code",
    [
        ({1: "N", 2: (0, 0, 0), 3: "E", 4: (0, 0, 0)}, "gps_null_island"),
        ({1: "N", 2: (95, 0, 0), 3: "E", 4: (116, 0, 0)}, "gps_out_of_range"),
        ({1: "N", 2: (39, 0, 0), 3: "E", 4: (190, 0, 0)}, "gps_out_of_range"),
        ({1: "N", 2: (39, 75, 0), 3: "E", 4: (116, 0, 0)}, "gps_out_of_range"),  # 75 minutes
        ({1: "N", 2: (39, 54, 27), 4: (116, 23, 29)}, "gps_incomplete"),  # no E/W: the sign is unknown
        ({1: "N", 2: (39, 54, 27), 3: "E", 4: (116, 23, 29), 9: "V"}, "gps_void"),
    ],
)
def test_unusable_gps_gives_no_position_and_a_warning(tmp_path, gps, code):
    photo = process_photo(write(tmp_path, marked(), "p.jpg", exif=make_exif(gps)))
    assert photo.lon is None and photo.lat is None and photo.alt_m is None
    assert [w["code"] for w in photo.warnings] == [code]
    assert photo.warnings[0]["message"] and photo.warnings[0]["message_zh"]


def test_a_zero_denominator_is_out_of_range(tmp_path):
    exif = make_exif({1: "N", 3: "E", 4: (116, 23, 29)})
    exif.get_ifd(0x8825)[2] = (TiffImagePlugin.IFDRational(39, 0),)
    photo = process_photo(write(tmp_path, marked(), "p.jpg", exif=exif))
    assert photo.lat is None and [w["code"] for w in photo.warnings] == ["gps_out_of_range"]


@pytest.mark.parametrize(
    "gps, lon, lat",
    [
        ({1: "S", 2: (33, 52, 7.68), 3: "E", 4: (151, 12, 33.48)}, 151.20930, -33.86880),  # Sydney
        ({1: "N", 2: (40, 42, 46.08), 3: "W", 4: (74, 0, 21.6)}, -74.00600, 40.71280),  # New York
        ({1: "N", 2: (31.2304,), 3: "E", 4: (121.4737,)}, 121.4737, 31.2304),  # degrees only
    ],
)
def test_hemispheres_and_short_forms(tmp_path, gps, lon, lat):
    photo = process_photo(write(tmp_path, marked(), "p.jpg", exif=make_exif(gps)))
    assert abs(photo.lon - lon) < 1e-6 and abs(photo.lat - lat) < 1e-6 and photo.warnings == []


def test_below_sea_level_altitude(tmp_path):
    gps = {**BEIJING_GPS, 5: b"\x01", 6: 12.25}
    assert process_photo(write(tmp_path, marked(), "p.jpg", exif=make_exif(gps))).alt_m == pytest.approx(-12.25)


@pytest.mark.parametrize(
    "taken, offset, expected, codes",
    [
        ("2026:03:14 09:26:53", None, datetime(2026, 3, 14, 9, 26, 53), []),  # naive: the caller picks the zone
        ("2026:03:14 09:26:53", "-03:30", datetime(2026, 3, 14, 9, 26, 53, tzinfo=timezone(-timedelta(hours=3.5))), []),  # noqa: E501
        ("2026:03:14 09:26:53", "+8", datetime(2026, 3, 14, 9, 26, 53), ["offset_invalid"]),
        ("2026:02:30 09:26:53", "+08:00", None, ["taken_at_invalid"]),
        ("0000:00:00 00:00:00", None, None, []),  # the EXIF way of saying "unknown"
        ("    :  :     :  :  ", None, None, []),
    ],
)
def test_time_taken(tmp_path, taken, offset, expected, codes):
    photo = process_photo(write(tmp_path, marked(), "p.jpg", exif=make_exif(taken=taken, offset=offset)))
    assert photo.taken_at == expected and (photo.taken_at is None or photo.taken_at.tzinfo == expected.tzinfo)
    assert [w["code"] for w in photo.warnings] == codes


@pytest.mark.filterwarnings("ignore:Corrupt EXIF:UserWarning")
def test_broken_exif_costs_the_metadata_not_the_photo(tmp_path):
    truncated_ifd = b"Exif\x00\x00MM\x00\x2a\x00\x00\x00\x08\x00\x05\x01\x12"  # 5 entries announced, none there
    photo = process_photo(write(tmp_path, marked(), "p.jpg", exif=truncated_ifd))
    assert (photo.width, photo.height) == (600, 400) and photo.lon is None and photo.taken_at is None
    assert [w["code"] for w in photo.warnings] == ["exif_unreadable"]


# -- near duplicates ----------------------------------------------------------------------------------


def test_hamming():
    assert hamming("0" * 16, "f" * 16) == 64 and hamming("8000000000000001", "0000000000000000") == 2
    assert hamming("ABCDEF0123456789", "abcdef0123456789") == 0
    for bad in ("0" * 15, "0" * 17, "g" * 16, None, " " + "0" * 15):
        with pytest.raises(ValueError):
            hamming(bad, "0" * 16)


def test_reuse_threshold_is_measured(tmp_path):
    """Why REUSE_MAX_HAMMING is 6: re-encodes stay far below it, other photos far above."""
    originals, same = [], []
    for seed in range(6):
        image = scene(seed)
        original = process_photo(jpeg_bytes(image, quality=95))
        half = image.resize((image.width // 2, image.height // 2), Image.Resampling.LANCZOS)
        reencoded = process_photo(jpeg_bytes(half, quality=60))
        resent = process_photo(original.image)  # the stored JPEG itself, uploaded again
        same += [hamming(original.phash, reencoded.phash), hamming(original.phash, resent.phash)]
        assert reencoded.sha256 != original.sha256  # exact reuse cannot see these; the hash must
        originals.append(original)
    gradient = Image.linear_gradient("L").resize((1600, 1200)).convert("RGB")
    originals.append(process_photo(jpeg_bytes(gradient, quality=90)))
    different = [hamming(a.phash, b.phash) for a, b in itertools.combinations(originals, 2)]
    print(f"same photo: max {max(same)} bits; different photos: min {min(different)} bits")
    assert max(same) <= REUSE_MAX_HAMMING // 2  # measured: 0-2
    assert min(different) > 2 * REUSE_MAX_HAMMING  # measured: 17+ (unrelated hashes average 32)
