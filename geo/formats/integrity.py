"""Structural checks that catch a broken file before a reader trusts it: XML with a document type
declaration inside an XLSX (entities, external or nested, have no place in a workbook), and a zipped
shapefile whose parts disagree with their own headers or with each other (GDAL reads such a file as rows
without geometry or with blank fields rather than refusing it)."""

from __future__ import annotations

import zipfile

__all__ = ["shapefile_problem", "xml_with_dtd"]

_DTD_MARKERS = tuple(
    marker.encode(codec) for marker in ("<!DOCTYPE", "<!ENTITY") for codec in ("utf-8", "utf-16-le", "utf-16-be")
)
_CHUNK = 1 << 16
_SHAPE_CODE = 9994
_SHAPE_HEADER = 100


def xml_with_dtd(archive: zipfile.ZipFile) -> str | None:
    """The name of the first XML member of ``archive`` that declares a document type (or an entity), read
    in chunks without decompressing any member whole; None when there is none.

    >>> import io
    >>> buffer = io.BytesIO()
    >>> with zipfile.ZipFile(buffer, "w") as z:
    ...     z.writestr("a.xml", "<a/>"); z.writestr("b.xml", '<!DOCTYPE b [<!ENTITY x "y">]><b>&x;</b>')
    >>> xml_with_dtd(zipfile.ZipFile(buffer))
    'b.xml'
    """
    overlap = max(len(m) for m in _DTD_MARKERS) - 1
    for info in archive.infolist():
        if not info.filename.lower().endswith((".xml", ".rels", ".vml")):
            continue
        with archive.open(info) as member:
            tail = b""
            while chunk := member.read(_CHUNK):
                window = tail + chunk
                if any(marker in window for marker in _DTD_MARKERS):
                    return info.filename
                tail = window[-overlap:]
    return None


def _big(data: bytes, at: int) -> int:
    return int.from_bytes(data[at : at + 4], "big")


def _shape_header(data: bytes, part: str) -> str | None:
    if len(data) < _SHAPE_HEADER or _big(data, 0) != _SHAPE_CODE:
        return f"the {part} has no shapefile header"
    if _big(data, 24) * 2 != len(data):
        return f"the {part} says it is {_big(data, 24) * 2} bytes long but has {len(data)}"
    return None


def shapefile_problem(shp: bytes, shx: bytes | None, dbf: bytes | None) -> str | None:
    """What is wrong with a shapefile's parts (in English, for the refusal's reason), or None.

    Checks the ``.shp`` and ``.shx`` headers against their lengths, every index entry against the record
    it points to (number and length), and the ``.dbf`` header's record count and lengths against its size
    and the index.

    >>> shapefile_problem(b"\\x00" * 100, None, None)
    'the .shp has no shapefile header'
    """
    problem = _shape_header(shp, ".shp")
    if problem or shx is None:
        return problem
    problem = _shape_header(shx, ".shx")
    if problem:
        return problem
    count = (len(shx) - _SHAPE_HEADER) // 8
    for i in range(count):
        entry = _SHAPE_HEADER + 8 * i
        offset, length = _big(shx, entry) * 2, _big(shx, entry + 4) * 2
        if offset < _SHAPE_HEADER or offset + 8 + length > len(shp):
            return f"record {i + 1} of the .shx points beyond the .shp"
        if _big(shp, offset) != i + 1 or _big(shp, offset + 4) * 2 != length:
            return f"record {i + 1} of the .shx does not match the .shp (parts of different shapefiles?)"
    if dbf is None:
        return None
    if len(dbf) < 32 or dbf[0] not in (0x02, 0x03, 0x04, 0x05, 0x30, 0x31, 0x43, 0x63, 0x83, 0x8B, 0xCB, 0xF5):
        return "the .dbf has no dBASE header"
    records = int.from_bytes(dbf[4:8], "little")
    header_len, record_len = int.from_bytes(dbf[8:10], "little"), int.from_bytes(dbf[10:12], "little")
    if header_len < 33 or record_len < 1 or header_len + records * record_len > len(dbf):
        return f"the .dbf says it holds {records} records of {record_len} bytes but is {len(dbf)} bytes long"
    if records != count:
        return f"the .dbf has {records} records but the .shx {count} (parts of different shapefiles?)"
    return None
