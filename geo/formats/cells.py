"""Spreadsheet cells that stay text: a value that starts like a formula (``=``, ``+``, ``-``, ``@``, a tab or
a carriage return, or their full-width forms) runs as one when a CSV is opened in Excel or LibreOffice (CSV or
formula injection, OWASP). Every CSV writer passes text through :func:`csv_text_cell`; XLSX writers store such
text as a string cell, never as a formula."""

from __future__ import annotations

__all__ = ["FORMULA_STARTS", "csv_text_cell", "starts_like_formula"]

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def starts_like_formula(value) -> bool:
    """Whether ``value`` is text a spreadsheet would read as a formula.

    >>> starts_like_formula('=HYPERLINK("http://x")'), starts_like_formula("东门"), starts_like_formula(-3)
    (True, False, False)
    """
    return isinstance(value, str) and value[:1] in FORMULA_STARTS


def csv_text_cell(value):
    """``value`` for a CSV field: text that starts like a formula gets a leading apostrophe, which spreadsheets
    show as text and do not display; anything else is returned unchanged.

    >>> csv_text_cell("=1+1"), csv_text_cell("-2"), csv_text_cell(-2), csv_text_cell("西门")
    ("'=1+1", "'-2", -2, '西门')
    """
    return "'" + value if starts_like_formula(value) else value
