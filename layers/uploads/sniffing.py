"""What an uploaded file really is, judged from its bytes and never from its name.

:func:`sniff` names the real type from magic numbers; :func:`require_type` refuses a file whose content
is not of an allowed type (:class:`~layers.errors.ValidationFailed`, 422, code ``wrong_type``).
"""

from __future__ import annotations

import codecs
import re

from layers.errors import Detail, ValidationFailed

MiB = 1024 * 1024
KINDS = frozenset(
    {"zip", "gzip", "jpeg", "png", "webp", "heic", "gif", "pdf", "sqlite", "xml", "json", "osm_pbf", "text", "unknown"}
)
_MAGIC = (
    (b"PK\x03\x04", "zip"),
    (b"PK\x05\x06", "zip"),  # an empty archive
    (b"PK\x07\x08PK\x03\x04", "zip"),  # spanned-archive marker before the first member
    (b"\x1f\x8b", "gzip"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
    (b"%PDF-", "pdf"),
    (b"SQLite format 3\x00", "sqlite"),
)
_HEIF_BRANDS = {b"heic", b"heix", b"mif1", b"msf1"}
_TEXT_PREFIX = 64 * 1024  # sniffing decodes at most this much
_BAD_CONTROLS = re.compile("[\x00-\x08\x0e-\x19\x1b-\x1f\x7f]")  # C0 controls except \t\n\v\f\r and ^Z
_MAX_PBF_HEADER = 64 * 1024  # the OSM PBF spec caps a BlobHeader at 64 KiB


def as_bytes(data: bytes | bytearray | memoryview) -> bytes | bytearray | memoryview:
    """``data`` itself if it is bytes-like, else TypeError naming what it got."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise TypeError(f"expected bytes, got {type(data).__name__}")
    return data


def _read_varint(buf: bytes, pos: int) -> tuple[int, int]:
    """A protobuf varint at ``pos``: (value, next position); ValueError if it runs off the end."""
    value = shift = 0
    while pos < len(buf) and shift < 64:
        byte = buf[pos]
        value |= (byte & 0x7F) << shift
        pos += 1
        if not byte & 0x80:
            return value, pos
        shift += 7
    raise ValueError("unterminated varint")


def _is_osm_pbf(data: bytes) -> bool:
    """A big-endian BlobHeader length, then a BlobHeader whose field 1 (type) is ``OSMHeader``."""
    if len(data) < 4:
        return False
    size = int.from_bytes(data[:4], "big")
    if not 0 < size <= _MAX_PBF_HEADER or len(data) < 4 + size:
        return False
    header, pos = bytes(data[4 : 4 + size]), 0
    try:
        while pos < len(header):
            tag, pos = _read_varint(header, pos)
            field, wire = tag >> 3, tag & 7
            if wire == 0:
                _, pos = _read_varint(header, pos)
            elif wire == 2:
                length, pos = _read_varint(header, pos)
                if field == 1:
                    return header[pos : pos + length] == b"OSMHeader"
                pos += length
            elif wire in (1, 5):
                pos += 8 if wire == 1 else 4
            else:
                return False
    except ValueError:
        return False
    return False


def _decode_prefix(data: bytes, encoding: str) -> str | None:
    """The first :data:`_TEXT_PREFIX` bytes decoded strictly (a character cut at the end is allowed)."""
    prefix = bytes(data[:_TEXT_PREFIX])
    try:
        return codecs.getincrementaldecoder(encoding)("strict").decode(prefix, final=len(data) <= _TEXT_PREFIX)
    except UnicodeDecodeError:
        return None


def _sniff_text(data: bytes) -> str:
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):  # UTF-16 is only accepted for XML, which declares it
        text = _decode_prefix(data[2:], "utf-16-le" if data[:2] == b"\xff\xfe" else "utf-16-be")
        return "xml" if text is not None and re.match(r"\s*<[?!A-Za-z_]", text) else "unknown"
    body = data[3:] if data[:3] == b"\xef\xbb\xbf" else data
    text = _decode_prefix(body, "utf-8")
    if text is None:
        text = _decode_prefix(body, "gb18030")
    if not text or _BAD_CONTROLS.search(text):
        return "unknown"
    start = text.lstrip(" \t\r\n\ufeff")
    if start[:1] in ("{", "["):
        return "json"
    if re.match(r"<[?!A-Za-z_]", start):
        return "xml"
    return "text"


def sniff(data: bytes) -> str:
    """The real type of ``data`` from its magic numbers; the file name is never consulted.

    One of :data:`KINDS`. An XLSX, KMZ or shapefile archive is ``"zip"`` (:func:`archive_kind` tells); a
    GeoPackage is ``"sqlite"``; KML is ``"xml"``. ``"text"`` is UTF-8 or GB18030 without NULs or binary
    control characters; empty or binary data is ``"unknown"``.

    >>> sniff(b"\\x89PNG\\r\\n\\x1a\\n" + bytes(8)), sniff(b"MZ\\x90\\x00"), sniff(b'\\xef\\xbb\\xbf {"a": 1}')
    ('png', 'unknown', 'json')
    >>> sniff("名称,地址\\n".encode("gb18030")), sniff(b"  <?xml version='1.0'?><kml/>")
    ('text', 'xml')
    """
    data = as_bytes(data)
    head = bytes(data[:32])
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return kind
    if head[4:8] == b"ftyp" and head[8:12] in _HEIF_BRANDS:
        return "heic"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if _is_osm_pbf(data):
        return "osm_pbf"
    return _sniff_text(data)


def require_type(data: bytes, allowed: set[str] | frozenset[str], field: str = "file") -> str:
    """The sniffed type of ``data`` if it is in ``allowed``, else ValidationFailed (code ``wrong_type``).

    >>> require_type(b"%PDF-1.7", {"pdf"})
    'pdf'
    >>> require_type(b"MZ\\x90\\x00\\x03", {"jpeg", "png"}, field="photo")
    Traceback (most recent call last):
    ...
    layers.errors.ValidationFailed: The photo is of type 'unknown'; expected one of: jpeg, png.
    """
    unknown = set(allowed) - KINDS
    if not allowed or unknown:
        raise ValueError(f"allowed must be a non-empty subset of {sorted(KINDS)}; unknown: {sorted(unknown)}")
    kind = sniff(data)
    if kind not in allowed:
        expected = ", ".join(sorted(allowed))
        raise ValidationFailed(
            key="errors.upload.wrong_type",
            params={"field": field, "kind": kind, "expected": expected},
            code="wrong_type",
            details=[
                Detail(
                    field,
                    "wrong_type",
                    f"the content is '{kind}' (judged from its bytes, not its name); allowed: {expected}",
                    sniffed=kind,
                    allowed=sorted(allowed),
                )
            ],
        )
    return kind
