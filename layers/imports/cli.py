"""``python server.py import FILE --layer L [--crs …] [--commit]``: the import session run from the command
line, with its report as text (counts per problem, a few refused rows) in Chinese and English."""

from __future__ import annotations

import json
from pathlib import Path
from zoneinfo import ZoneInfo

from layers import i18n
from layers.errors import AppError
from layers.imports import ImportLimits, Imports
from layers.store import Store

__all__ = ["run_import"]

_SHOWN = 10


def _report(view: dict) -> list[str]:
    counts, info = view["counts"], view["info"]
    word = i18n.bilingual
    lines = [f"{word('console.import.file')}: {view['filename']} ({view['format']}, {view['size_bytes']} bytes); "
             f"{word('console.import.encoding')}: {info.get('encoding') or '-'}; "
             f"{word('console.import.crs')}: {info.get('crs')}"
             + (f" ({word('console.import.crs_assumed')})" if info.get("crs_assumed") else ""),
             f"{word('console.import.layer')}: {view['options'].get('layer')}; {word('console.import.mapping')}: "
             + json.dumps({k: v for k, v in view["mapping"].items() if v}, ensure_ascii=False),
             f"{word('console.import.rows')}: {counts['rows']}; {word('console.import.valid')}: {counts['valid']}; "
             f"{word('console.import.refused')}: {counts['refused']}"]  # fmt: skip
    for code, n in counts.get("problems", {}).items():
        lines.append(f"  {code}: {n}")
    for row in (view.get("page") or {}).get("rows", [])[:_SHOWN]:
        reasons = "; ".join(f"{p['code']}: {p['reason']}" for p in row["problems"])
        lines.append(f"  {i18n.bilingual('console.import.row', row=row['row'])}: {reasons}")
    return lines


def run_import(store: Store, tz: ZoneInfo, path: str, options: dict, *, commit: bool = False,
               refused: str | None = None, author: str = "command-line") -> tuple[int, list[str]]:  # fmt: skip
    """Preview (and with ``commit`` store) one file; (exit status, lines to print). 0 done, 1 refused, 2 bad input."""
    user = {"name": author, "role": "admin"}
    imports = Imports(store, tz=tz, limits=ImportLimits(max_bytes=2**40))
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        return 2, [f"{i18n.bilingual('console.error.label')}: {i18n.bilingual('console.import.cannot_read')} {path}: "
                  f"{exc.strerror}"]
    session_id = None
    try:
        view = imports.create(data, Path(path).name, user, options)
        session_id = view["id"]
        view = imports.preview(session_id, user, 0, _SHOWN, "refused")
        lines = _report(view)
        if refused and view["counts"]["refused"]:
            Path(refused).write_bytes(imports.refused(session_id, user)[0])
            lines.append(f"{i18n.bilingual('console.import.refused_written')} {refused}")
        if commit:
            result = imports.commit(session_id, user)
            lines.append(f"{i18n.bilingual('console.import.imported')} {result['created']} → {result['layer']} "
                         f"(id {result['first_id']}–{result['last_id']})")  # fmt: skip
        else:
            lines.append(i18n.bilingual("console.import.preview_only"))
        return 0, lines
    except AppError as exc:
        details = [f"  {d.get('field')}: {d.get('reason')}" for d in exc.details[:20]]
        error = f"{i18n.bilingual('console.error.label')}: {exc.message_zh} {exc.message}"
        return (1 if exc.status in (409, 413) else 2), [error, *details]
    finally:
        if session_id is not None:
            try:
                imports.delete(session_id, user)
            except AppError:
                pass
