"""Zip archives unpacked into memory without trusting their headers, and what an archive holds.

:func:`read_zip` unpacks a zip (shapefile zips, KMZ, XLSX; :func:`zip_members` and :func:`archive_kind`
tell which without inflating anything) once its central directory passed the checks of
:mod:`layers.uploads.members`; members are inflated in chunks and stopped as soon as a limit is passed
(bytes actually produced, compression ratio), and overlapping members and nested archives are refused.
No ``BadZipFile``, ``zlib.error`` or ``EOFError`` escapes: every refusal is one of the project's errors.
"""

from __future__ import annotations

import struct
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import replace

from layers import i18n
from layers.errors import PayloadTooLarge, ValidationFailed
from layers.uploads.members import RATIO_FLOOR, ZipLimits, checked_entries, corrupt, raw_name, refuse
from layers.uploads.sniffing import MiB, as_bytes, sniff

_CHUNK = 64 * 1024


def _member_span(data: memoryview, info: zipfile.ZipInfo, field: str, name: str) -> tuple[int, int]:
    """Where the member's compressed bytes lie, after checking its local header against the central one."""
    start = info.header_offset
    head = bytes(data[start : start + 30])
    if len(head) < 30 or head[:4] != b"PK\x03\x04":
        raise corrupt(field, f"no local header for {name!r}", name)
    flags, method = struct.unpack("<HH", head[6:10])
    name_len, extra_len = struct.unpack("<HH", head[26:30])
    if bytes(data[start + 30 : start + 30 + name_len]) != raw_name(info):
        raise corrupt(field, f"the local header of {name!r} names another file", name)
    if method != info.compress_type or flags & 0x1:
        raise corrupt(field, f"the local header of {name!r} disagrees with the directory", name)
    begin = start + 30 + name_len + extra_len
    end = begin + info.compress_size
    if end > len(data):
        raise corrupt(field, f"{name!r} runs past the end of the file (truncated?)", name)
    return begin, end


def _pieces(raw: memoryview, method: int) -> Iterator[tuple[bytes, int]]:
    """Yield (uncompressed chunk of at most :data:`_CHUNK` bytes, compressed bytes consumed so far)."""
    if method == zipfile.ZIP_STORED:
        for pos in range(0, len(raw), _CHUNK):
            piece = bytes(raw[pos : pos + _CHUNK])
            yield piece, pos + len(piece)
        return
    inflater, pos, tail = zlib.decompressobj(-15), 0, b""
    while not inflater.eof:
        if not tail and pos < len(raw):
            tail = bytes(raw[pos : pos + _CHUNK])
            pos += len(tail)
        before = len(tail)
        piece = inflater.decompress(tail, _CHUNK)
        tail = inflater.unconsumed_tail
        if not piece and not inflater.eof and (len(tail) == before if tail else pos >= len(raw)):
            raise EOFError("the compressed stream ends early")
        if piece:
            yield piece, pos - len(tail)


def _read_member(raw: memoryview, info: zipfile.ZipInfo, name: str, room: int, limits: ZipLimits, field: str,
                 spent: tuple[int, int] = (0, 0)) -> bytes:  # fmt: skip
    """Inflate one member's compressed bytes ``raw`` in chunks, refusing as soon as it passes a limit or
    ``room`` (bytes left in the archive's total), then check its real size and CRC against the header.
    ``spent`` is (bytes inflated by the members before, size of the whole archive): the archive as a whole
    may not pass ``max_ratio`` either, so that many small members, each under :data:`RATIO_FLOOR`, cannot
    add up to a bomb."""
    out, crc = bytearray(), 0
    before, archive_bytes = spent
    try:
        for piece, consumed in _pieces(raw, info.compress_type):
            out += piece
            produced = before + len(out)
            if produced > RATIO_FLOOR and produced > limits.max_ratio * max(archive_bytes, 1):
                raise refuse(
                    PayloadTooLarge, field, "ratio_too_high",
                    f"the members inflate at over {limits.max_ratio}:1 of the archive's size",
                    i18n.text("errors.archive.ratio_too_high"),
                )  # fmt: skip
            crc = zlib.crc32(piece, crc)
            if len(out) > limits.max_member_bytes:
                raise refuse(
                    PayloadTooLarge, field, "member_too_large",
                    f"{name!r} inflates past {limits.max_member_bytes} bytes (its header said {info.file_size})",
                    i18n.text("errors.archive.member_too_large"), member=name,
                )  # fmt: skip
            if len(out) > room:
                raise refuse(
                    PayloadTooLarge, field, "too_large",
                    f"the members inflate past {limits.max_total_bytes} bytes in all",
                    i18n.text("errors.archive.too_large"),
                )  # fmt: skip
            if len(out) > RATIO_FLOOR and len(out) > limits.max_ratio * max(consumed, 1):
                raise refuse(
                    PayloadTooLarge, field, "ratio_too_high",
                    f"{name!r} inflates at over {limits.max_ratio}:1",
                    i18n.text("errors.archive.ratio_too_high"), member=name,
                )  # fmt: skip
    except (zlib.error, EOFError) as exc:
        raise corrupt(field, f"{name!r} cannot be inflated: {exc}", name) from None
    if len(out) != info.file_size:
        raise refuse(
            ValidationFailed, field, "size_mismatch",
            f"{name!r} holds {len(out)} bytes but its header says {info.file_size}",
            i18n.text("errors.archive.size_mismatch"),
            member=name,
        )  # fmt: skip
    if crc != info.CRC:
        raise corrupt(field, f"{name!r} fails its CRC check", name)
    return bytes(out)


def _spans(view: memoryview, entries: list[tuple[str, zipfile.ZipInfo]], field: str) -> list[tuple[int, int]]:
    """Each member's compressed bytes (begin, end); refuse members that share bytes (a zip bomb trick)."""
    spans = [_member_span(view, info, field, name) for name, info in entries]
    ranked = sorted((info.header_offset, end, name) for (name, info), (_, end) in zip(entries, spans))
    for (_, end, first), (start, _, second) in zip(ranked, ranked[1:]):
        if start < end:
            raise refuse(
                ValidationFailed, field, "overlapping_members",
                f"{first!r} and {second!r} share bytes (a zip bomb trick)",
                i18n.text("errors.archive.overlapping_members"),
            )  # fmt: skip
    return spans


def _unpack(data: bytes, limits: ZipLimits, depth: int, field: str, prefix: str,
            wanted: Callable[[str], bool] | None = None) -> dict[str, bytes]:  # fmt: skip
    view = memoryview(data)
    entries = checked_entries(data, limits, field, prefix)
    out: dict[str, bytes] = {}
    total = 0
    for (name, info), (begin, end) in zip(entries, _spans(view, entries, field)):
        if wanted is not None and not wanted(name):
            continue  # checked in the directory, never inflated
        room = limits.max_total_bytes - total
        content = _read_member(view[begin:end], info, name, room, limits, field, (total, len(data)))
        total += len(content)
        if name.endswith("/"):
            continue
        if sniff(content) == "zip":
            if depth >= limits.max_depth:
                raise refuse(
                    ValidationFailed, field, "nested_too_deep",
                    f"{name!r} is an archive at depth {depth + 1}; at most {limits.max_depth}",
                    i18n.text("errors.archive.nested_too_deep"),
                    member=name,
                )  # fmt: skip
            inner = replace(limits, max_total_bytes=max(1, limits.max_total_bytes - total))
            _unpack(content, inner, depth + 1, field, name + "/")
        out[name] = content
    return out


def read_zip(
    data: bytes,
    *,
    max_members: int = 1000,
    max_total_bytes: int = 500 * MiB,
    max_member_bytes: int = 200 * MiB,
    max_ratio: float = 100,
    max_depth: int = 1,
    field: str = "file",
    wanted: Callable[[str], bool] | None = None,
) -> dict[str, bytes]:
    """Every file of the zip ``data`` by normalised relative POSIX name (folders are left out), or only those
    whose name ``wanted`` accepts (the others are checked in the directory but never inflated).

    Refused with ValidationFailed (422): ``not_a_zip``, ``corrupt_zip`` (truncated, bad CRC, local and
    central headers disagreeing), ``unsafe_path`` (absolute, ``..``, drive letter, control characters),
    ``symlink``, ``special_file``, ``encrypted``, ``unsupported_compression``, ``duplicate_name``
    (case-insensitive), ``size_mismatch`` (a header that lies), ``overlapping_members`` and
    ``nested_too_deep`` (a zip inside a zip is depth 2). With PayloadTooLarge (413): ``too_many_members``,
    ``member_too_large``, ``too_large`` (the total) and ``ratio_too_high`` (judged once a member, or all
    members together against the whole archive's size, pass :data:`RATIO_FLOOR`), on declared sizes first and
    then on the bytes actually inflated. Nested
    archives within ``max_depth`` are checked the same way and returned packed.

    >>> import io
    >>> buffer = io.BytesIO()
    >>> with zipfile.ZipFile(buffer, "w") as archive:
    ...     archive.writestr("shp\\\\roads.cpg", "UTF-8")
    >>> read_zip(buffer.getvalue())
    {'shp/roads.cpg': b'UTF-8'}
    """
    data = as_bytes(data)
    limits = ZipLimits(max_members, max_total_bytes, max_member_bytes, max_ratio, max_depth)
    limits.check()
    return _unpack(bytes(data), limits, 1, field, "", wanted)


def zip_members(data: bytes, *, max_members: int = 1000, field: str = "file") -> list[str]:
    """The normalised names of the files in the zip ``data``, from its central directory alone: nothing
    is inflated, but the names, entry types, count and declared sizes pass the checks of :func:`read_zip`.

    >>> import io
    >>> buffer = io.BytesIO()
    >>> with zipfile.ZipFile(buffer, "w") as archive:
    ...     archive.writestr("[Content_Types].xml", "<Types/>")
    ...     archive.writestr("xl/workbook.xml", "<workbook/>")
    >>> zip_members(buffer.getvalue())
    ['[Content_Types].xml', 'xl/workbook.xml']
    """
    limits = ZipLimits(max_members=max_members)
    limits.check()
    return [name for name, _ in checked_entries(bytes(as_bytes(data)), limits, field, "") if not name.endswith("/")]


def archive_kind(names: list[str]) -> str:
    """What a zip holds, from its member names (see :func:`zip_members`): ``"xlsx"``, ``"kmz"``,
    ``"shapefile"`` (a ``.shp`` with its ``.shx`` and ``.dbf``), ``"geopackage"`` or plain ``"zip"``.

    >>> archive_kind(["[Content_Types].xml", "xl/workbook.xml"]), archive_kind(["doc.kml", "files/a.png"])
    ('xlsx', 'kmz')
    >>> archive_kind(["roads.shp", "roads.shx", "roads.dbf", "roads.prj"]), archive_kind(["a.csv"])
    ('shapefile', 'zip')
    """
    lower = [name.lower() for name in names]
    if "[content_types].xml" in lower and any(n.startswith("xl/") for n in lower):
        return "xlsx"
    if any(n.endswith(".kml") and "/" not in n for n in lower):
        return "kmz"
    stems = {n[: -len(ext)] for n in lower for ext in (".shp",) if n.endswith(ext)}
    if any({stem + ".shx", stem + ".dbf"} <= set(lower) for stem in stems):
        return "shapefile"
    if any(n.endswith(".gpkg") for n in lower):
        return "geopackage"
    return "zip"
