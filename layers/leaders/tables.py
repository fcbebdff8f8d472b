"""The dashboard's tables as downloads: each table's columns titled in Chinese or English, its rows from the
dashboard figures, and the file as CSV (UTF-8 with a byte-order mark, so Excel reads Chinese right) or as
Excel (.xlsx, see ``layers/exports/xlsx.py``)."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from zoneinfo import ZoneInfo

from geo.formats.cells import csv_text_cell
from layers import i18n
from layers.accounts import CASE_LAYER
from layers.exports.xlsx import write_xlsx
from layers.store import Store

TABLES = ("by_grid", "by_category", "by_month", "time_to_fix", "grid_ranking", "overdue")
FORMATS = {"csv": "text/csv; charset=utf-8",
           "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}  # fmt: skip
LANGUAGES = ("zh-CN", "en")

# Column id -> (zh-CN title, English title).
TITLES = {
    "rank": i18n.pair("leaders.column.rank"),
    "grid_code": i18n.pair("leaders.column.grid_code"),
    "grid_name": i18n.pair("leaders.column.grid_name"),
    "responsible_unit": i18n.pair("leaders.column.responsible_unit"),
    "category": i18n.pair("leaders.column.category"),
    "category_name": i18n.pair("leaders.column.category_name"),
    "cases": i18n.pair("leaders.column.cases"),
    "open": i18n.pair("leaders.column.open"),
    "overdue": i18n.pair("leaders.column.overdue"),
    "fixed": i18n.pair("leaders.column.fixed"),
    "recurring": i18n.pair("leaders.column.recurring"),
    "month": i18n.pair("leaders.column.month"),
    "reported": i18n.pair("leaders.column.reported"),
    "fixes": i18n.pair("leaders.column.fixes"),
    "median_hours": i18n.pair("leaders.column.median_hours"),
    "id": i18n.pair("leaders.column.id"),
    "status": i18n.pair("leaders.column.status"),
    "address": i18n.pair("leaders.column.address"),
    "description": i18n.pair("leaders.column.description"),
    "dispatched_at": i18n.pair("leaders.column.dispatched_at"),
    "deadline": i18n.pair("leaders.column.deadline"),
    "overdue_days": i18n.pair("leaders.column.overdue_days"),
}
COLUMNS = {
    "by_grid": ("grid_code", "grid_name", "responsible_unit", "cases", "open", "overdue", "fixed", "recurring"),
    "grid_ranking": ("rank", "grid_code", "grid_name", "responsible_unit", "overdue", "open", "recurring", "cases",
                     "fixed"),
    "by_category": ("category", "category_name", "cases", "open", "overdue", "fixed", "recurring"),
    "by_month": ("month", "reported", "fixed"),
    "time_to_fix": ("responsible_unit", "cases", "open", "overdue", "median_hours", "fixes"),
    "overdue": ("id", "category", "category_name", "status", "grid_code", "grid_name", "responsible_unit", "address",
                "description", "dispatched_at", "deadline", "overdue_days"),
}  # fmt: skip
# File names: zh-CN stems (the ASCII names are dashboard-<table>).
FILE_STEMS = {
    "by_grid": i18n.text("leaders.file.by_grid"),
    "grid_ranking": i18n.text("leaders.file.grid_ranking"),
    "by_category": i18n.text("leaders.file.by_category"),
    "by_month": i18n.text("leaders.file.by_month"),
    "time_to_fix": i18n.text("leaders.file.time_to_fix"),
    "overdue": i18n.text("leaders.file.overdue"),
}  # fmt: skip


def _pick(localized, lang: str):
    if isinstance(localized, dict):
        return localized.get(lang) or localized.get("zh-CN")
    return localized


def _grid_row(row: dict, lang: str) -> dict:
    name = row.get("name") or {}
    return row | {"grid_name": _pick(name, lang), "responsible_unit": name.get("responsible_unit")}


def _overdue_rows(store: Store, figures: dict, at_us: int, tz: ZoneInfo, lang: str, names: tuple) -> list[dict]:
    grid_names, category_names = names
    labels = figures.get("state_labels") or {}
    rows = []
    for fid in figures["overdue"]["ids"]:
        props = json.loads(store.get(CASE_LAYER, fid, at_us).properties or "{}")
        deadline = props.get("deadline")
        days = None
        if deadline:
            late_us = at_us - int(datetime.fromisoformat(deadline).timestamp() * 1e6)
            days = round(late_us / 8.64e10, 1)
        rows.append({
            "id": fid, "category": props.get("category"),
            "category_name": _pick(category_names.get(props.get("category")), lang),
            "status": _pick(labels.get(props.get("status")), lang) or props.get("status"),
            "grid_code": props.get("grid_code"), "grid_name": _pick(grid_names.get(props.get("grid_code")), lang),
            "responsible_unit": props.get("responsible_unit"), "address": props.get("address"),
            "description": props.get("description"), "dispatched_at": props.get("dispatched_at"),
            "deadline": deadline, "overdue_days": days,
        })  # fmt: skip
    return sorted(rows, key=lambda r: -(r["overdue_days"] or 0))


def table(name: str, figures: dict, *, lang: str = "zh-CN", store: Store | None = None, at_us: int | None = None,
          tz: ZoneInfo | None = None, names: tuple | None = None) -> tuple[list[str], list[list]]:  # fmt: skip
    """(column titles, rows) of dashboard table ``name`` from ``figures`` (``GET /api/dashboard``'s body with
    ``by_unit``). The ``overdue`` table reads its cases from ``store`` as they were ``at_us``."""
    if name not in TABLES:
        raise ValueError(f"table must be one of {', '.join(TABLES)}, got {name!r}")
    if lang not in LANGUAGES:
        raise ValueError(f"lang must be one of {', '.join(LANGUAGES)}, got {lang!r}")
    if name in ("by_grid", "grid_ranking"):
        rows = [_grid_row(r, lang) for r in figures[name]]
    elif name == "by_category":
        rows = [r | {"category_name": _pick(r.get("name"), lang)} for r in figures[name]]
    elif name == "by_month":
        rows = figures["by_month"]
    elif name == "time_to_fix":
        rows = [r | {"fixes": r["fixed"]} for r in figures["by_unit"]]
    else:
        if store is None or at_us is None or tz is None or names is None:
            raise ValueError("the overdue table needs store, at_us, tz and names")
        rows = _overdue_rows(store, figures, at_us, tz, lang, names)
    column_ids = COLUMNS[name]
    index = 0 if lang == "zh-CN" else 1
    return [TITLES[c][index] for c in column_ids], [[row.get(c) for c in column_ids] for row in rows]


def _csv_field(value):
    # Text from reports that starts like a formula would run as one in Excel (CSV injection): keep it text.
    return "" if value is None else csv_text_cell(value)


def to_csv(header: list[str], rows: list[list]) -> bytes:
    """CSV (RFC 4180, CRLF) in UTF-8 with a byte-order mark; None becomes an empty field and text that would
    start a formula gets a leading apostrophe."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_csv_field(v) for v in header])
    writer.writerows([[_csv_field(v) for v in row] for row in rows])
    return b"\xef\xbb\xbf" + out.getvalue().encode("utf-8")


def render(name: str, fmt: str, header: list[str], rows: list[list], at_us: int, tz: ZoneInfo) -> dict:
    """``{"data", "media_type", "filename", "filename_ascii"}`` of a table in ``fmt`` (csv or xlsx)."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be csv or xlsx, got {fmt!r}")
    stamp = datetime.fromtimestamp(at_us / 1e6, tz).strftime("%Y%m%d")
    data = to_csv(header, rows) if fmt == "csv" else write_xlsx(header, rows, sheet_name=name)
    return {"data": data, "media_type": FORMATS[fmt], "filename": f"{FILE_STEMS[name]}-{stamp}.{fmt}",
            "filename_ascii": f"dashboard-{name}-{stamp}.{fmt}"}  # fmt: skip
