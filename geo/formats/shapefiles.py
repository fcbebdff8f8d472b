"""The text encoding of a shapefile's attribute table (DBF), found from its raw bytes: the ``.cpg`` when
there is one, else strict UTF-8, else strict GB18030 (GBK); and every field of every record whose bytes
are not text in that encoding, so the import can name them instead of letting GDAL replace them."""

from __future__ import annotations

from dataclasses import dataclass, field

from geo.formats.charsets import DETECT

__all__ = ["DbfScan", "scan_dbf"]

_HEADER = 32
_FIELD = 32


@dataclass
class DbfScan:
    encoding: str
    undecodable: dict[int, dict[str, str]] = field(default_factory=dict)  # row -> field -> text as decoded
    fields: list[str] = field(default_factory=list)
    cleaned: bytes = b""  # the DBF with every undecodable field blanked, for GDAL to read


def _layout(dbf: bytes) -> tuple[int, int, int, list[tuple[bytes, str, int, int]]]:
    """(records, header length, record length, [(raw name, type, offset, length)])."""
    if len(dbf) < _HEADER + 1:
        return 0, len(dbf), 1, []
    count = int.from_bytes(dbf[4:8], "little")
    header_len = int.from_bytes(dbf[8:10], "little")
    record_len = max(int.from_bytes(dbf[10:12], "little"), 1)
    fields, pos, offset = [], _HEADER, 1  # each record starts with its deletion flag
    while pos + _FIELD <= min(header_len, len(dbf)) and dbf[pos] != 0x0D:
        raw = dbf[pos : pos + 11].split(b"\0", 1)[0]
        kind, length = chr(dbf[pos + 11]), dbf[pos + 16]
        fields.append((raw, kind, offset, length))
        offset += length
        pos += _FIELD
    return count, header_len, record_len, fields


def _records(dbf: bytes, count: int, header_len: int, record_len: int):
    """(row, start, record) of the live records (deleted ones, flagged ``*``, are skipped as GDAL skips
    them), numbered from 0."""
    row = 0
    for i in range(count):
        start = header_len + i * record_len
        record = dbf[start : start + record_len]
        if len(record) < record_len:
            return
        if record[:1] == b"*":
            continue
        yield row, start, record
        row += 1


def scan_dbf(dbf: bytes, declared: str | None = None) -> DbfScan:
    """Choose the encoding of a DBF's text and list the undecodable fields (see the module docstring).

    >>> header = bytearray(32); header[4:8] = (1).to_bytes(4, "little"); header[8:10] = (65).to_bytes(2, "little")
    >>> header[10:12] = (5).to_bytes(2, "little")
    >>> column = bytearray(32); column[:4] = b"NAME"; column[11] = ord("C"); column[16] = 4
    >>> dbf = bytes(header + column) + b"\\r" + b" " + "名称".encode("gbk")
    >>> scan_dbf(dbf).encoding, scan_dbf(dbf, "utf-8").undecodable
    ('gb18030', {0: {'NAME': '\\udcc3\\udcfb\\udcb3\\udcc6'}})
    """
    count, header_len, record_len, fields = _layout(dbf)
    body = dbf[header_len : header_len + count * record_len]
    names_raw = b"".join(f[0] for f in fields)
    encoding = declared
    if encoding is None:
        encoding = DETECT[-1]
        for candidate in DETECT:
            try:
                body.decode(candidate)
                names_raw.decode(candidate)
                encoding = candidate
                break
            except UnicodeDecodeError:
                continue
    names = [raw.decode(encoding, "replace") for raw, *_ in fields]
    scan = DbfScan(encoding, fields=names)
    text_fields = [(name, offset, length) for name, (_, kind, offset, length) in zip(names, fields) if kind in "CM"]
    cleaned = bytearray(dbf)
    for row, start, record in _records(dbf, count, header_len, record_len):
        for name, offset, length in text_fields:
            raw = record[offset : offset + length]
            try:
                raw.decode(encoding)
            except UnicodeDecodeError:
                scan.undecodable.setdefault(row, {})[name] = raw.decode(encoding, "surrogateescape").strip(" \0")
                cleaned[start + offset : start + offset + length] = b" " * length
    scan.cleaned = bytes(cleaned)
    return scan
