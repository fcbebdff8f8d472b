"""The members of a zip archive as its central directory declares them, checked before anything is
inflated: names that could escape a folder (zip slip), symlinks and special files, encryption, unknown
compression, duplicates, too many members, and declared sizes or ratios past the limits (:class:`ZipLimits`).

Every refusal is a :class:`~layers.errors.ValidationFailed` (422) or, for sizes,
:class:`~layers.errors.PayloadTooLarge` (413) with one ``Detail(field, code, reason)`` per problem.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass

from layers import i18n
from layers.errors import AppError, Detail, PayloadTooLarge, ValidationFailed
from layers.uploads.sniffing import MiB, sniff

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


@dataclass(frozen=True)
class ZipLimits:
    """How much one archive may hold; see :func:`layers.uploads.archives.read_zip`."""

    max_members: int = 1000
    max_total_bytes: int = 500 * MiB
    max_member_bytes: int = 200 * MiB
    max_ratio: float = 100
    max_depth: int = 1

    def check(self) -> None:
        for name, value in vars(self).items():
            if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
                raise ValueError(f"{name} must be a positive number, got {value!r}")


def refuse(cls: type[AppError], field: str, code: str, reason: str, zh: str, **extra) -> AppError:
    """The error refusing an archive: ``cls`` (ValidationFailed or PayloadTooLarge) with one detail; the English
    message says ``reason``, the Chinese one ``zh`` (a text of the table's ``errors.archive`` group)."""
    return cls(
        key="errors.archive.refused",
        params={"why": {"zh-CN": zh, "en": reason}},
        code=code,
        details=[Detail(field, code, reason, **extra)],
    )


def corrupt(field: str, reason: str, member: str | None = None) -> ValidationFailed:
    """The archive (or its ``member``) is damaged or incomplete: code ``corrupt_zip``."""
    extra = {"member": member} if member is not None else {}
    return refuse(ValidationFailed, field, "corrupt_zip", reason, i18n.text("errors.archive.corrupt"), **extra)


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


def raw_name(info: zipfile.ZipInfo) -> bytes:
    """The member name as stored in the archive's headers."""
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
            key="errors.archive.unsafe_members",
            params={"count": len(problems), "codes": ", ".join(codes)},
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
            raise refuse(
                PayloadTooLarge, field, "member_too_large",
                f"{name!r} declares {info.file_size} bytes; at most {limits.max_member_bytes}",
                i18n.text("errors.archive.member_too_large"), member=name,
            )  # fmt: skip
        if info.file_size > RATIO_FLOOR and info.file_size > limits.max_ratio * max(info.compress_size, 1):
            raise refuse(
                PayloadTooLarge, field, "ratio_too_high",
                f"{name!r} declares a compression ratio over {limits.max_ratio}:1",
                i18n.text("errors.archive.ratio_too_high"),
                member=name,
            )  # fmt: skip
    if total > limits.max_total_bytes:
        raise refuse(
            PayloadTooLarge, field, "too_large",
            f"the members declare {total} bytes in all; at most {limits.max_total_bytes}",
            i18n.text("errors.archive.too_large"),
        )  # fmt: skip


def _open_zip(data: bytes, field: str) -> list[zipfile.ZipInfo]:
    if sniff(data) != "zip":
        raise refuse(
            ValidationFailed, field, "not_a_zip", f"the content is '{sniff(data)}', not a zip",
            i18n.text("errors.archive.not_a_zip"),
        )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return archive.infolist()
    except _ZIP_ERRORS as exc:
        raise corrupt(field, f"unreadable zip ({type(exc).__name__}: {str(exc)[:200]})") from None


def checked_entries(data: bytes, limits: ZipLimits, field: str, prefix: str) -> list[tuple[str, zipfile.ZipInfo]]:
    """The central directory, checked: member count, names, entry types and declared sizes."""
    infos = _open_zip(data, field)
    if len(infos) > limits.max_members:
        raise refuse(
            PayloadTooLarge, field, "too_many_members",
            f"{len(infos)} members; at most {limits.max_members}",
            i18n.text("errors.archive.too_many_members", limit=limits.max_members),
        )  # fmt: skip
    entries = _check_names(infos, field, prefix)
    _check_declared(entries, limits, field)
    return entries
