"""Text encodings of uploaded files, told honestly: a byte-order mark or a declared encoding (a shapefile's
``.cpg``) first, else strict UTF-8, else strict GB18030 (which covers GBK and GB2312). Bytes that decode in
neither are kept as lone surrogates (Python's ``surrogateescape``), so every undecodable field can be named
later; nothing is ever silently replaced.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

__all__ = ["Decoded", "cpg_encoding", "decode", "has_undecodable", "printable", "undecodable_mask"]

BOM_UTF8 = codecs.BOM_UTF8
#: Names found in ``.cpg`` files (ArcGIS, QGIS, GDAL) and the Python codec each means.
_CPG = {
    "utf8": "utf-8", "utf-8": "utf-8", "65001": "utf-8", "utf_8": "utf-8",
    "gbk": "gbk", "936": "gbk", "cp936": "gbk", "ansi936": "gbk", "ansi 936": "gbk", "ms936": "gbk",
    "gb2312": "gbk", "euc-cn": "gbk", "gb18030": "gb18030", "54936": "gb18030",
    "big5": "big5", "950": "big5", "cp950": "big5", "ansi 950": "big5",
    "1252": "cp1252", "cp1252": "cp1252", "ansi 1252": "cp1252", "8859_1": "latin-1", "iso-8859-1": "latin-1",
    "iso88591": "latin-1", "latin1": "latin-1",
}  # fmt: skip
DETECT = ("utf-8", "gb18030")
_BAD = re.compile("[\udc80-\udcff]")


@dataclass(frozen=True)
class Decoded:
    """Text with the encoding it was read in and how many bytes were undecodable in it."""

    text: str
    encoding: str
    undecodable_bytes: int
    declared: bool  # the encoding came from a BOM or a declaration, not from detection


def cpg_encoding(text: str) -> str | None:
    """The Python codec named by a ``.cpg`` file's text, or None when it names nothing known.

    >>> cpg_encoding("UTF-8\\n"), cpg_encoding("ANSI 936"), cpg_encoding("936"), cpg_encoding("x-unknown")
    ('utf-8', 'gbk', 'gbk', None)
    """
    name = " ".join(str(text).replace("\ufeff", "").split()).lower()
    if name in _CPG:
        return _CPG[name]
    try:
        return codecs.lookup(name).name if name else None
    except LookupError:
        return None


def _count_bad(data: bytes, encoding: str) -> int:
    return len(_BAD.findall(data.decode(encoding, "surrogateescape")))


def decode(data: bytes, declared: str | None = None) -> Decoded:
    """Decode ``data``: a UTF-8 byte-order mark wins, then ``declared``, else strict UTF-8, else strict
    GB18030; when none decodes every byte, the one with the fewest undecodable bytes, keeping those
    bytes as lone surrogates (see :func:`has_undecodable`).

    >>> decode("名称".encode("gbk")).encoding, decode("名称".encode()).encoding
    ('gb18030', 'utf-8')
    >>> d = decode(b"ok,\\xff\\xfe")
    >>> d.undecodable_bytes, has_undecodable(d.text)
    (2, True)
    """
    if not isinstance(data, bytes | bytearray | memoryview):
        raise TypeError(f"data must be bytes, got {type(data).__name__}")
    data = bytes(data)
    if data.startswith(BOM_UTF8):
        body = data[len(BOM_UTF8) :]
        try:
            return Decoded(body.decode("utf-8"), "utf-8-sig", 0, True)
        except UnicodeDecodeError:
            return Decoded(body.decode("utf-8", "surrogateescape"), "utf-8-sig", _count_bad(body, "utf-8"), True)
    candidates = (declared,) if declared else DETECT
    for encoding in candidates:
        try:
            return Decoded(data.decode(encoding), encoding, 0, bool(declared))
        except UnicodeDecodeError:
            continue
    counts = {encoding: _count_bad(data, encoding) for encoding in candidates}
    best = min(candidates, key=lambda e: counts[e])
    return Decoded(data.decode(best, "surrogateescape"), best, counts[best], bool(declared))


def has_undecodable(text: object) -> bool:
    """True for text holding bytes that could not be decoded (kept by :func:`decode` as lone surrogates)."""
    return isinstance(text, str) and _BAD.search(text) is not None


def undecodable_mask(values) -> list[bool]:
    """:func:`has_undecodable` of each value."""
    return [has_undecodable(v) for v in values]


def printable(text: object) -> object:
    """Text for display and CSV: each undecodable byte shown as U+FFFD; other values unchanged.

    >>> printable("a\\udcff")
    'a\\ufffd'
    """
    return _BAD.sub("\ufffd", text) if isinstance(text, str) else text
