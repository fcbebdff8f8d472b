"""Tables with coordinates (CSV, XLSX): read them as text without guessing types, recognise the coordinate,
WKT and address columns by name, and parse numbers strictly (``"113,3"`` or ``"113°"`` is not a number)."""

from __future__ import annotations

import csv
import io
import re
import zipfile
import zlib
from datetime import date, datetime, time

import numpy as np
import pandas as pd

from geo import i18n
from geo.formats.charsets import decode
from geo.formats.integrity import xml_with_dtd
from geo.formats.reasons import reason

__all__ = [
    "ADDRESS_NAMES",
    "COORDINATE_PAIRS",
    "WKT_NAMES",
    "TableError",
    "clean_name",
    "find_column",
    "find_coordinate_columns",
    "parse_numbers",
    "read_csv",
    "read_xlsx",
]

#: (x, y) column names, most specific first; matched case-insensitively on stripped names.
COORDINATE_PAIRS = (
    ("经度", "纬度"), ("經度", "緯度"), ("东经", "北纬"), ("lng", "lat"), ("lon", "lat"), ("long", "lat"),
    ("longitude", "latitude"), ("x坐标", "y坐标"), ("point_x", "point_y"), ("x", "y"),
)  # fmt: skip
WKT_NAMES = ("wkt", "geometry", "geom", "the_geom", "几何", "几何形状")
ADDRESS_NAMES = ("地址", "详细地址", "门牌地址", "地點", "地址描述", "address", "addr", "street_address",
                 "full_address", "位置", "地点")  # fmt: skip
_NUMBER = r"\s*[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?\s*"
_NOT_DECIMAL = re.compile(r"[^0-9+\-.eE\n]")
_DELIMITERS = (",", "\t", ";", "|")
MAX_COLUMNS = 500
# What openpyxl raises on a broken part of a workbook (its XML parsers, ElementTree and lxml, raise
# SyntaxError subclasses; it trusts the values it reads).
_BROKEN_BOOK = (SyntaxError, KeyError, ValueError, TypeError, AttributeError, IndexError, OSError, EOFError,
                zipfile.BadZipFile, zlib.error)  # fmt: skip


class TableError(ValueError):
    """A table that cannot be read at all, with the reason in Chinese (``zh``) and English (``en``)."""

    def __init__(self, zh: str, en: str, code: str = "unreadable_table") -> None:
        super().__init__(en)
        self.zh, self.en, self.code = zh, en, code


def clean_name(name: object) -> str:
    """A column name without byte-order marks and surrounding blanks.

    >>> clean_name("\\ufeff 經度 ")
    '經度'
    """
    return str(name).replace("\ufeff", "").strip()


def find_column(columns, names) -> str | None:
    """The first column whose cleaned, case-folded name is one of ``names`` (in the order of ``names``)."""
    by_name = {}
    for column in columns:
        by_name.setdefault(clean_name(column).casefold(), column)
    return next((by_name[n.casefold()] for n in names if n.casefold() in by_name), None)


def find_coordinate_columns(columns) -> tuple[str, str] | None:
    """The (x, y) columns: 经度/纬度, lng/lat, lon/lat, longitude/latitude, x/y … (see :data:`COORDINATE_PAIRS`).

    >>> find_coordinate_columns(["名称", "LNG", "Lat"]), find_coordinate_columns(["a", "b"])
    (('LNG', 'Lat'), None)
    """
    for x_name, y_name in COORDINATE_PAIRS:
        x, y = find_column(columns, (x_name,)), find_column(columns, (y_name,))
        if x is not None and y is not None:
            return x, y
    return None


def parse_numbers(values) -> tuple[np.ndarray, np.ndarray]:
    """Strict decimal numbers: (float values, NaN where missing or bad; mask of present-but-bad cells).

    Numbers from a spreadsheet pass; text must be a plain decimal (an exponent is allowed); blanks are
    missing, not bad.

    >>> v, bad = parse_numbers(["113.3", " 23 ", "", None, "1,5", "12°", 7])
    >>> v.tolist()[:2], bad.tolist()
    ([113.3, 23.0], [False, False, False, False, True, True, False])
    """
    series = pd.Series(values, dtype=object) if not isinstance(values, pd.Series) else values
    if series.dtype.kind in "if":
        out = series.to_numpy(dtype=np.float64, na_value=np.nan)
        return out, np.zeros(len(out), dtype=bool)
    if isinstance(series.dtype, pd.StringDtype) and not series.isna().any():  # a CSV column: text only
        fast = _plain_decimals(series.tolist())
        if fast is not None:
            return fast
        text = series.astype(str)
        blank = (text.str.strip() == "").to_numpy(bool)
        good = text.str.fullmatch(_NUMBER).to_numpy(bool) & ~blank
        out = np.full(len(text), np.nan)
        out[good] = text[good].astype(np.float64).to_numpy()
        bad = ~(good | blank)
        with np.errstate(invalid="ignore"):
            bad |= good & ~np.isfinite(out)
        out[~np.isfinite(out)] = np.nan
        return out, bad
    obj = series.astype(object)
    is_text = obj.map(lambda v: isinstance(v, str)).to_numpy(dtype=bool)
    is_number = obj.map(lambda v: isinstance(v, int | float | np.integer | np.floating) and not isinstance(v, bool))
    is_number = is_number.to_numpy(dtype=bool)
    out = np.full(len(obj), np.nan)
    if is_number.any():
        out[is_number] = obj[is_number].astype(np.float64).to_numpy()
    text = obj[is_text].astype(str)
    blank = text.str.strip() == ""
    good = text.str.fullmatch(_NUMBER) & ~blank
    positions = np.flatnonzero(is_text)
    out[positions[good.to_numpy()]] = text[good].astype(np.float64).to_numpy()
    bad = np.zeros(len(obj), dtype=bool)
    bad[positions[~(good | blank).to_numpy()]] = True
    other = ~(is_text | is_number) & obj.notna().to_numpy()
    bad |= other
    with np.errstate(invalid="ignore"):
        bad |= (is_number | is_text) & ~np.isnan(out) & ~np.isfinite(out)
    out[~np.isfinite(out)] = np.nan
    return out, bad


def _plain_decimals(cells: list[str]) -> tuple[np.ndarray, np.ndarray] | None:
    """``parse_numbers`` for a column of text whose cells hold only ASCII digits, signs, points and
    exponents (or nothing): converted in one pass, or None when any cell needs the cell-by-cell check.

    Over that alphabet Python's ``float`` accepts exactly the strings ``_NUMBER`` accepts (no underscores,
    ``inf`` or ``nan`` can be spelt with it), so a failed conversion means some cell is not a number.
    """
    stripped = [c.strip() for c in cells]
    if _NOT_DECIMAL.search("\n".join(stripped)) is not None:
        return None
    blank = np.fromiter((not c for c in stripped), dtype=bool, count=len(stripped))
    try:
        values = np.array([c or "nan" for c in stripped], dtype=object).astype(np.float64)
    except ValueError:
        return None
    values[blank] = np.nan
    bad = ~np.isfinite(values) & ~blank  # 1e999 is a number too large to be a coordinate or a measure
    values[bad] = np.nan
    return values, bad


def _delimiter(header: str) -> str:
    counts = {d: header.count(d) for d in _DELIMITERS}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def _unique_columns(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for name in names:
        name = name or "column"
        k = seen.get(name, 0)
        seen[name] = k + 1
        out.append(name if k == 0 else f"{name}_{k + 1}")
    return out


def read_csv(data: bytes) -> tuple[pd.DataFrame, dict, list[tuple[int, int]]]:
    """A CSV (or TSV) file as text columns, every cell a string ("" for blank).

    Returns the frame, ``{"encoding", "delimiter", "undecodable_bytes"}`` and the rows (0-based) holding
    more fields than the header, as (row, fields). The encoding is found by :func:`geo.formats.charsets.decode`;
    undecodable bytes stay in the cells as lone surrogates for the caller to report.
    """
    decoded = decode(data)
    text = decoded.text
    first_line = text.split("\n", 1)[0]
    sep = _delimiter(first_line)
    info = {"encoding": decoded.encoding, "delimiter": sep, "undecodable_bytes": decoded.undecodable_bytes}
    if not text.strip():
        raise TableError(*i18n.pair("formats.error.empty_file"), "empty_file")
    try:
        frame = pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False, na_filter=False,
                            engine="c", encoding_errors="surrogateescape")  # fmt: skip
        ragged: list[tuple[int, int]] = []
    except pd.errors.ParserError:
        frame, ragged = _read_ragged(text, sep)
    except (pd.errors.EmptyDataError, ValueError) as exc:
        raise TableError(*i18n.pair("formats.error.unreadable_table", reason=exc)) from None
    if frame.shape[1] > MAX_COLUMNS:
        raise TableError(*i18n.pair("formats.error.too_many_columns_csv", count=frame.shape[1], limit=MAX_COLUMNS),
                         "too_many_columns")  # fmt: skip
    frame.columns = _unique_columns([clean_name(c) for c in frame.columns])
    return frame.reset_index(drop=True), info, ragged


def _read_ragged(text: str, sep: str) -> tuple[pd.DataFrame, list[tuple[int, int]]]:
    """The slow path for rows with more fields than the header: keep the header's width, name the rows."""
    reader = csv.reader(io.StringIO(text), delimiter=sep)
    header = next(reader)
    width, rows, ragged = len(header), [], []
    for i, row in enumerate(reader):
        if len(row) > width:
            ragged.append((i, len(row)))
        rows.append((row + [""] * width)[:width])
    return pd.DataFrame(rows, columns=header, dtype=object), ragged


def _cell(value):
    """A spreadsheet cell as a plain value: numbers stay numbers, dates become ISO 8601 text."""
    if isinstance(value, datetime):
        return value.isoformat(sep=" ") if value.time() != time(0) else value.date().isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    return value


def read_xlsx(data: bytes, sheet: str | None = None) -> tuple[pd.DataFrame, dict]:
    """One sheet of an XLSX workbook (``sheet``, or the first) with its first non-empty row as the header.

    Returns the frame (cells as read: numbers, text, None) and ``{"sheets", "sheet"}``.
    """
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            with_dtd = xml_with_dtd(archive)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError) as exc:
        raise TableError(*i18n.pair("formats.error.unreadable_xlsx", reason=reason(exc)), "unreadable_xlsx") from None
    if with_dtd:  # entities (billion laughs, external files) have no place in a workbook: refused unparsed
        refusal = f"{with_dtd} declares a document type or entities"
        raise TableError(*i18n.pair("formats.error.unreadable_xlsx", reason=refusal), "unreadable_xlsx")
    try:
        return _read_book(load_workbook(io.BytesIO(data), read_only=True, data_only=True), sheet)
    except TableError:
        raise
    except (*_BROKEN_BOOK, InvalidFileException) as exc:  # a broken part: truncated XML, a missing part, bad values
        raise TableError(*i18n.pair("formats.error.unreadable_xlsx", reason=reason(exc)), "unreadable_xlsx") from None


def _read_book(book, sheet: str | None) -> tuple[pd.DataFrame, dict]:
    try:
        sheets = list(book.sheetnames)
        chosen = sheet if sheet is not None else (sheets[0] if sheets else None)
        if chosen not in sheets:
            names = {lang: sep.join(sheets) for lang, sep in i18n.both("formats.word.list_separator").items()}
            raise TableError(*i18n.pair("formats.error.no_sheet", sheet=repr(chosen), sheets=names), "unknown_sheet")
        rows = ([_cell(v) for v in row] for row in book[chosen].iter_rows(values_only=True))
        header = None
        for row in rows:
            if any(v not in (None, "") for v in row):
                header = row
                break
        if header is None:
            raise TableError(*i18n.pair("formats.error.empty_sheet", sheet=repr(chosen)), "empty_file")
        while header and header[-1] in (None, ""):
            header.pop()
        width = len(header)
        if width > MAX_COLUMNS:
            raise TableError(*i18n.pair("formats.error.too_many_columns", count=width), "too_many_columns")
        body = [(row + [None] * width)[:width] for row in rows]
    finally:
        book.close()
    while body and all(v in (None, "") for v in body[-1]):
        body.pop()
    names = _unique_columns([clean_name(v) if v not in (None, "") else f"column{i + 1}" for i, v in enumerate(header)])
    frame = pd.DataFrame(body, columns=names, dtype=object)
    return frame, {"sheets": sheets, "sheet": chosen}


def is_blank(values) -> np.ndarray:
    """True where a cell is missing or blank text."""
    series = pd.Series(values, dtype=object)
    return series.map(_blank).to_numpy(bool)


def _blank(value) -> bool:
    return value is None or (isinstance(value, float) and value != value) or (isinstance(value, str) and
                                                                            not value.strip())

