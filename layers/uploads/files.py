"""Safe handling of uploaded files, on bytes and without Flask: what a file really is, and archives and
images opened without trusting anything their sender or their own headers claim.

* :func:`sniff` names the real type from magic numbers (never from the file name), and
  :func:`require_type` refuses a file whose content is not of an allowed type.
* :func:`read_zip` unpacks a zip into memory (shapefile zips, KMZ, XLSX; :func:`zip_members` and
  :func:`archive_kind` tell which without inflating anything) and refuses zip-slip names,
  symlinks, encryption, duplicates, and bombs: too many members, too many bytes (declared *or* actually
  produced: members are inflated in chunks and stopped as soon as a limit is passed), compression ratios,
  overlapping members and nested archives.
* :func:`check_image` reads an image's size from its header, refuses decompression bombs before
  decoding, then decodes it (JPEG at 1/8 scale) to refuse truncated or corrupt files.

Every refusal is a :class:`~layers.errors.ValidationFailed` (422) or, for sizes,
:class:`~layers.errors.PayloadTooLarge` (413) with one ``Detail(field, code, reason)`` per problem; no
``BadZipFile``, ``zlib.error``, ``EOFError`` or Pillow error escapes. HEIC images are decoded only when
the optional ``pillow-heif`` package is installed (:data:`HEIC_SUPPORTED`).
"""

from __future__ import annotations

import codecs
import io
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, replace

from PIL import Image

from layers.errors import AppError, Detail, PayloadTooLarge, ValidationFailed

try:  # optional: HEIC photos from iPhones
    import pillow_heif
except ImportError:  # pragma: no cover - depends on the machine
    pillow_heif = None
else:
    pillow_heif.register_heif_opener()

HEIC_SUPPORTED = pillow_heif is not None
MiB = 1024 * 1024
KINDS = frozenset(
    {"zip", "gzip", "jpeg", "png", "webp", "heic", "gif", "pdf", "sqlite", "xml", "json", "osm_pbf", "text", "unknown"}
)
IMAGE_KINDS = frozenset({"jpeg", "png", "webp", "heic", "gif"})
PHOTO_KINDS = frozenset({"jpeg", "png", "webp", "heic"})
_PIL_FORMATS = {"jpeg": "JPEG", "png": "PNG", "webp": "WEBP", "gif": "GIF", "heic": "HEIF"}
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
_CHUNK = 64 * 1024
RATIO_FLOOR = 1 * MiB  # compression ratios are judged once a member has produced this much
_MAX_NAME = 1024
_MAX_DETAILS = 50
_ZIP_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    zlib.error,
    EOFError,
    OSError,
    ValueError,  # includes UnicodeDecodeError of a member name flagged UTF-8
    struct.error,
    OverflowError,
    NotImplementedError,
    IndexError,
    KeyError,
    RuntimeError,
)


def _as_bytes(data: bytes | bytearray | memoryview) -> bytes | bytearray | memoryview:
    if not isinstance(data, bytes | bytearray | memoryview):
        raise TypeError(f"expected bytes, got {type(data).__name__}")
    return data


# -- sniffing -----------------------------------------------------------------------------------------


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
    data = _as_bytes(data)
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
            f"The {field} is of type '{kind}'; expected one of: {expected}.",
            message_zh=f"文件实际类型为“{kind}”，只接受：{expected}。",
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


# -- zip archives -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ZipLimits:
    """How much one archive may hold; see :func:`read_zip`."""

    max_members: int = 1000
    max_total_bytes: int = 500 * MiB
    max_member_bytes: int = 200 * MiB
    max_ratio: float = 100
    max_depth: int = 1

    def check(self) -> None:
        for name, value in vars(self).items():
            if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
                raise ValueError(f"{name} must be a positive number, got {value!r}")


def _refuse(cls: type[AppError], field: str, code: str, reason: str, zh: str, **extra) -> AppError:
    return cls(
        f"The archive was refused: {reason}.",
        message_zh=f"压缩包被拒绝：{zh}。",
        code=code,
        details=[Detail(field, code, reason, **extra)],
    )


def _corrupt(field: str, reason: str, member: str | None = None) -> ValidationFailed:
    extra = {"member": member} if member is not None else {}
    return _refuse(ValidationFailed, field, "corrupt_zip", reason, "文件损坏或不完整", **extra)


def safe_member_name(name: str) -> str:
    """``name`` as a normalised relative POSIX path, or ValueError if it could escape the target folder.

    Backslashes count as separators (so ``..\\\\x`` is caught); absolute paths, ``..`` components,
    drive letters (``C:``) and control characters are refused. A directory keeps its trailing ``/``.

    >>> safe_member_name("./shp\\\\roads.shp"), safe_member_name("a//b/")
    ('shp/roads.shp', 'a/b/')
    >>> safe_member_name("../../etc/passwd")
    Traceback (most recent call last):
    ...
    ValueError: a '..' component climbs out of the archive
    """
    if not name or len(name) > _MAX_NAME:
        raise ValueError(f"the name is empty or longer than {_MAX_NAME} characters")
    if any(ord(c) < 0x20 or c == "\x7f" for c in name):
        raise ValueError("the name holds a control character (NUL, newline, ...)")
    posix = name.replace("\\", "/")
    if posix.startswith("/"):
        raise ValueError("an absolute path")
    parts = [p for p in posix.split("/") if p not in ("", ".")]
    if any(p == ".." for p in parts):
        raise ValueError("a '..' component climbs out of the archive")
    if any(re.match(r"[A-Za-z]:", p) for p in parts):
        raise ValueError("a drive letter (like C:)")
    if not parts:
        raise ValueError("the name is empty once normalised")
    return "/".join(parts) + ("/" if posix.endswith("/") else "")


def _decoded_name(info: zipfile.ZipInfo) -> str:
    """The member name; names without the UTF-8 flag are tried as UTF-8, then GB18030 (Chinese Windows)."""
    name = info.orig_filename
    if info.flag_bits & 0x800 or name.isascii():
        return name
    raw = name.encode("cp437")
    for encoding in ("utf-8", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return name


def _raw_name(info: zipfile.ZipInfo) -> bytes:
    return info.orig_filename.encode("utf-8" if info.flag_bits & 0x800 else "cp437")


def _entry_problems(info: zipfile.ZipInfo, name: str, field: str) -> list[Detail]:
    """What is wrong with one central-directory entry, before anything is read."""
    problems = []
    kind = (info.external_attr >> 16) & 0o170000
    if kind == 0o120000:
        problems.append(Detail(field, "symlink", "symbolic links are not accepted", member=name))
    elif kind not in (0, 0o100000, 0o040000):
        problems.append(Detail(field, "special_file", "only files and folders are accepted", member=name))
    if info.flag_bits & 0x1:
        problems.append(Detail(field, "encrypted", "encrypted members cannot be read", member=name))
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        problems.append(
            Detail(
                field,
                "unsupported_compression",
                f"compression method {info.compress_type}; only stored and deflate are accepted",
                member=name,
            )
        )
    return problems


def _check_names(infos: list[zipfile.ZipInfo], field: str, prefix: str) -> list[tuple[str, zipfile.ZipInfo]]:
    """Each entry's normalised name, or one ValidationFailed naming every bad entry."""
    problems: list[Detail] = []
    entries, seen = [], {}
    for info in infos:
        raw = prefix + _decoded_name(info)
        try:
            name = prefix + safe_member_name(_decoded_name(info))
        except ValueError as exc:
            problems.append(Detail(field, "unsafe_path", f"member {raw!r}: {exc}", member=raw))
            continue
        problems += _entry_problems(info, name, field)
        key = name.rstrip("/").casefold()
        if key in seen:
            problems.append(Detail(field, "duplicate_name", f"{name!r} repeats {seen[key]!r}", member=name))
        seen[key] = name
        entries.append((name, info))
    if problems:
        codes = sorted({p["code"] for p in problems})
        shown = problems[:_MAX_DETAILS]
        raise ValidationFailed(
            f"The archive was refused: {len(problems)} unsafe or unreadable members ({', '.join(codes)}).",
            message_zh=f"压缩包被拒绝：{len(problems)} 个成员不安全或无法读取。",
            code=problems[0]["code"] if len(codes) == 1 else "unsafe_archive",
            details=shown,
            extra={"details_truncated": len(problems) - len(shown)} if len(problems) > len(shown) else None,
        )
    return entries


def _check_declared(entries: list[tuple[str, zipfile.ZipInfo]], limits: ZipLimits, field: str) -> None:
    """Refuse on the sizes the central directory declares (they are checked again while reading)."""
    total = 0
    for name, info in entries:
        total += info.file_size
        if info.file_size > limits.max_member_bytes:
            raise _refuse(
                PayloadTooLarge, field, "member_too_large",
                f"{name!r} declares {info.file_size} bytes; at most {limits.max_member_bytes}",
                "单个文件过大", member=name,
            )  # fmt: skip
        if info.file_size > RATIO_FLOOR and info.file_size > limits.max_ratio * max(info.compress_size, 1):
            raise _refuse(
                PayloadTooLarge, field, "ratio_too_high",
                f"{name!r} declares a compression ratio over {limits.max_ratio}:1", "压缩比异常（疑似压缩炸弹）",
                member=name,
            )  # fmt: skip
    if total > limits.max_total_bytes:
        raise _refuse(
            PayloadTooLarge, field, "too_large",
            f"the members declare {total} bytes in all; at most {limits.max_total_bytes}", "解压后总大小超限",
        )  # fmt: skip


def _member_span(data: memoryview, info: zipfile.ZipInfo, field: str, name: str) -> tuple[int, int]:
    """Where the member's compressed bytes lie, after checking its local header against the central one."""
    start = info.header_offset
    head = bytes(data[start : start + 30])
    if len(head) < 30 or head[:4] != b"PK\x03\x04":
        raise _corrupt(field, f"no local header for {name!r}", name)
    flags, method = struct.unpack("<HH", head[6:10])
    name_len, extra_len = struct.unpack("<HH", head[26:30])
    if bytes(data[start + 30 : start + 30 + name_len]) != _raw_name(info):
        raise _corrupt(field, f"the local header of {name!r} names another file", name)
    if method != info.compress_type or flags & 0x1:
        raise _corrupt(field, f"the local header of {name!r} disagrees with the directory", name)
    begin = start + 30 + name_len + extra_len
    end = begin + info.compress_size
    if end > len(data):
        raise _corrupt(field, f"{name!r} runs past the end of the file (truncated?)", name)
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


def _read_member(raw: memoryview, info: zipfile.ZipInfo, name: str, room: int, limits: ZipLimits, field: str) -> bytes:
    """Inflate one member's compressed bytes ``raw`` in chunks, refusing as soon as it passes a limit or
    ``room`` (bytes left in the archive's total), then check its real size and CRC against the header."""
    out, crc = bytearray(), 0
    try:
        for piece, consumed in _pieces(raw, info.compress_type):
            out += piece
            crc = zlib.crc32(piece, crc)
            if len(out) > limits.max_member_bytes:
                raise _refuse(
                    PayloadTooLarge, field, "member_too_large",
                    f"{name!r} inflates past {limits.max_member_bytes} bytes (its header said {info.file_size})",
                    "单个文件过大", member=name,
                )  # fmt: skip
            if len(out) > room:
                raise _refuse(
                    PayloadTooLarge, field, "too_large",
                    f"the members inflate past {limits.max_total_bytes} bytes in all", "解压后总大小超限",
                )  # fmt: skip
            if len(out) > RATIO_FLOOR and len(out) > limits.max_ratio * max(consumed, 1):
                raise _refuse(
                    PayloadTooLarge, field, "ratio_too_high",
                    f"{name!r} inflates at over {limits.max_ratio}:1", "压缩比异常（疑似压缩炸弹）", member=name,
                )  # fmt: skip
    except (zlib.error, EOFError) as exc:
        raise _corrupt(field, f"{name!r} cannot be inflated: {exc}", name) from None
    if len(out) != info.file_size:
        raise _refuse(
            ValidationFailed, field, "size_mismatch",
            f"{name!r} holds {len(out)} bytes but its header says {info.file_size}", "文件头信息与内容不符",
            member=name,
        )  # fmt: skip
    if crc != info.CRC:
        raise _corrupt(field, f"{name!r} fails its CRC check", name)
    return bytes(out)


def _open_zip(data: bytes, field: str) -> list[zipfile.ZipInfo]:
    if sniff(data) != "zip":
        raise _refuse(
            ValidationFailed, field, "not_a_zip", f"the content is '{sniff(data)}', not a zip", "不是 zip 文件"
        )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return archive.infolist()
    except _ZIP_ERRORS as exc:
        raise _corrupt(field, f"unreadable zip ({type(exc).__name__}: {str(exc)[:200]})") from None


def _spans(view: memoryview, entries: list[tuple[str, zipfile.ZipInfo]], field: str) -> list[tuple[int, int]]:
    """Each member's compressed bytes (begin, end); refuse members that share bytes (a zip bomb trick)."""
    spans = [_member_span(view, info, field, name) for name, info in entries]
    ranked = sorted((info.header_offset, end, name) for (name, info), (_, end) in zip(entries, spans))
    for (_, end, first), (start, _, second) in zip(ranked, ranked[1:]):
        if start < end:
            raise _refuse(
                ValidationFailed, field, "overlapping_members",
                f"{first!r} and {second!r} share bytes (a zip bomb trick)", "成员数据重叠（疑似压缩炸弹）",
            )  # fmt: skip
    return spans


def _entries(data: bytes, limits: ZipLimits, field: str, prefix: str) -> list[tuple[str, zipfile.ZipInfo]]:
    """The central directory, checked: member count, names, entry types and declared sizes."""
    infos = _open_zip(data, field)
    if len(infos) > limits.max_members:
        raise _refuse(
            PayloadTooLarge, field, "too_many_members",
            f"{len(infos)} members; at most {limits.max_members}", f"成员过多（上限 {limits.max_members} 个）",
        )  # fmt: skip
    entries = _check_names(infos, field, prefix)
    _check_declared(entries, limits, field)
    return entries


def _unpack(data: bytes, limits: ZipLimits, depth: int, field: str, prefix: str) -> dict[str, bytes]:
    view = memoryview(data)
    entries = _entries(data, limits, field, prefix)
    out: dict[str, bytes] = {}
    total = 0
    for (name, info), (begin, end) in zip(entries, _spans(view, entries, field)):
        content = _read_member(view[begin:end], info, name, limits.max_total_bytes - total, limits, field)
        total += len(content)
        if name.endswith("/"):
            continue
        if sniff(content) == "zip":
            if depth >= limits.max_depth:
                raise _refuse(
                    ValidationFailed, field, "nested_too_deep",
                    f"{name!r} is an archive at depth {depth + 1}; at most {limits.max_depth}", "压缩包嵌套过深",
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
) -> dict[str, bytes]:
    """Every file of the zip ``data`` by normalised relative POSIX name (folders are left out).

    Refused with ValidationFailed (422): ``not_a_zip``, ``corrupt_zip`` (truncated, bad CRC, local and
    central headers disagreeing), ``unsafe_path`` (absolute, ``..``, drive letter, control characters),
    ``symlink``, ``special_file``, ``encrypted``, ``unsupported_compression``, ``duplicate_name``
    (case-insensitive), ``size_mismatch`` (a header that lies), ``overlapping_members`` and
    ``nested_too_deep`` (a zip inside a zip is depth 2). With PayloadTooLarge (413): ``too_many_members``,
    ``member_too_large``, ``too_large`` (the total) and ``ratio_too_high`` (judged once a member passes
    :data:`RATIO_FLOOR`), on declared sizes first and then on the bytes actually inflated. Nested
    archives within ``max_depth`` are checked the same way and returned packed.

    >>> buffer = io.BytesIO()
    >>> with zipfile.ZipFile(buffer, "w") as archive:
    ...     archive.writestr("shp\\\\roads.cpg", "UTF-8")
    >>> read_zip(buffer.getvalue())
    {'shp/roads.cpg': b'UTF-8'}
    """
    data = _as_bytes(data)
    limits = ZipLimits(max_members, max_total_bytes, max_member_bytes, max_ratio, max_depth)
    limits.check()
    return _unpack(bytes(data), limits, 1, field, "")


def zip_members(data: bytes, *, max_members: int = 1000, field: str = "file") -> list[str]:
    """The normalised names of the files in the zip ``data``, from its central directory alone: nothing
    is inflated, but the names, entry types, count and declared sizes pass the checks of :func:`read_zip`.

    >>> buffer = io.BytesIO()
    >>> with zipfile.ZipFile(buffer, "w") as archive:
    ...     archive.writestr("[Content_Types].xml", "<Types/>")
    ...     archive.writestr("xl/workbook.xml", "<workbook/>")
    >>> zip_members(buffer.getvalue())
    ['[Content_Types].xml', 'xl/workbook.xml']
    """
    limits = ZipLimits(max_members=max_members)
    limits.check()
    return [name for name, _ in _entries(bytes(_as_bytes(data)), limits, field, "") if not name.endswith("/")]


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


# -- images -------------------------------------------------------------------------------------------


def _image_error(exc: BaseException, kind: str, field: str) -> AppError:
    if isinstance(exc, Image.DecompressionBombError):
        return _too_many_pixels(field, str(exc))
    truncated = "truncated" in str(exc).lower() or isinstance(exc, EOFError)
    code = "truncated_image" if truncated else "corrupt_image"
    return ValidationFailed(
        "The image is truncated." if truncated else "The image cannot be decoded.",
        message_zh="图片不完整。" if truncated else "图片已损坏，无法解码。",
        code=code,
        details=[Detail(field, code, f"this {kind} cannot be decoded: {str(exc)[:200] or type(exc).__name__}")],
    )


def _too_many_pixels(field: str, reason: str) -> PayloadTooLarge:
    return PayloadTooLarge(
        "The image has too many pixels.",
        message_zh="图片像素过多。",
        code="too_many_pixels",
        details=[Detail(field, "too_many_pixels", reason)],
    )


def _decode(data: bytes, kind: str, max_pixels: int, field: str) -> dict:
    """Header first (size), then the decode: Pillow raises nearly anything on hostile input."""
    fmt = _PIL_FORMATS[kind]
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
        raise _image_error(exc, kind, field) from None
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
    data = _as_bytes(data)
    if max_pixels <= 0 or max_bytes <= 0 or not set(allowed) <= IMAGE_KINDS:
        raise ValueError(f"positive limits and image kinds from {sorted(IMAGE_KINDS)} are required")
    if len(data) > max_bytes:
        raise PayloadTooLarge(
            f"The image is {len(data)} bytes; at most {max_bytes}.",
            message_zh="图片文件过大。",
            code="too_large",
            details=[Detail(field, "too_large", f"{len(data)} bytes; at most {max_bytes}")],
        )
    kind = require_type(data, set(allowed), field)
    if kind == "heic" and not HEIC_SUPPORTED:
        raise ValidationFailed(
            "HEIC images are not supported on this server.",
            message_zh="本服务器不支持 HEIC 图片，请转换为 JPEG 后上传。",
            code="unsupported_format",
            details=[Detail(field, "unsupported_format", "HEIC needs the pillow-heif package; send JPEG or PNG")],
        )
    return _decode(bytes(data), kind, max_pixels, field)
