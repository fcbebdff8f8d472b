"""``python server.py import FILE --layer L [--crs …] [--commit]``: the import session run from the command
line, with its report as text (counts per problem, a few refused rows) in Chinese and English."""

from __future__ import annotations

import json
from pathlib import Path
from zoneinfo import ZoneInfo

from layers.errors import AppError
from layers.imports import ImportLimits, Imports
from layers.store import Store

__all__ = ["run_import"]

_SHOWN = 10


def _report(view: dict) -> list[str]:
    counts, info = view["counts"], view["info"]
    lines = [f"文件 / file: {view['filename']} ({view['format']}, {view['size_bytes']} bytes); "
             f"编码 / encoding: {info.get('encoding') or '-'}; 坐标系 / CRS: {info.get('crs')}"
             + (" (未声明，按 WGS 84 / none declared, read as WGS 84)" if info.get("crs_assumed") else ""),
             f"图层 / layer: {view['options'].get('layer')}; 映射 / mapping: "
             + json.dumps({k: v for k, v in view["mapping"].items() if v}, ensure_ascii=False),
             f"行 / rows: {counts['rows']}; 有效 / valid: {counts['valid']}; "
             f"拒绝 / refused: {counts['refused']}"]  # fmt: skip
    for code, n in counts.get("problems", {}).items():
        lines.append(f"  {code}: {n}")
    for row in (view.get("page") or {}).get("rows", [])[:_SHOWN]:
        reasons = "; ".join(f"{p['code']}: {p['reason']}" for p in row["problems"])
        lines.append(f"  第 {row['row']} 行 / row {row['row']}: {reasons}")
    return lines


def run_import(store: Store, data_dir: str, tz: ZoneInfo, path: str, options: dict, *, commit: bool = False,
               refused: str | None = None, author: str = "command-line") -> tuple[int, list[str]]:  # fmt: skip
    """Preview (and with ``commit`` store) one file; (exit status, lines to print). 0 done, 1 refused, 2 bad input."""
    user = {"name": author, "role": "admin"}
    imports = Imports(store, data_dir, tz=tz, limits=ImportLimits(max_bytes=2**40))
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        return 2, [f"错误 / error: 无法读取 / cannot read {path}: {exc.strerror}"]
    session_id = None
    try:
        view = imports.create(data, Path(path).name, user, options)
        session_id = view["id"]
        view = imports.preview(session_id, user, 0, _SHOWN, "refused")
        lines = _report(view)
        if refused and view["counts"]["refused"]:
            Path(refused).write_bytes(imports.refused(session_id, user)[0])
            lines.append(f"拒绝的行已写入 / refused rows written to {refused}")
        if commit:
            result = imports.commit(session_id, user)
            lines.append(f"已导入 / imported {result['created']} → {result['layer']} "
                         f"(id {result['first_id']}–{result['last_id']})")  # fmt: skip
        else:
            lines.append("预览完成，未写入；加 --commit 导入有效行 / preview only: add --commit to store the "
                         "valid rows")
        return 0, lines
    except AppError as exc:
        details = [f"  {d.get('field')}: {d.get('reason')}" for d in exc.details[:20]]
        return (1 if exc.status in (409, 413) else 2), [f"错误 / error: {exc.message_zh} {exc.message}", *details]
    finally:
        if session_id is not None:
            try:
                imports.delete(session_id, user)
            except AppError:
                pass
