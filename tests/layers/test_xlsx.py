"""layers/exports/xlsx.py: the minimal Excel writer, read back with openpyxl (and as a plain zip of XML parts)."""

from __future__ import annotations

import io
import zipfile

import openpyxl
import pytest

from layers.exports.xlsx import column_letter, write_xlsx


def read(data: bytes) -> list[list]:
    return [list(row) for row in openpyxl.load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True)]


def test_text_numbers_and_empties_come_back_as_written():
    rows = [["西围片 <&> 'x' \"引号\"", 3, 0.25, True], ["上洞片", None, -1.5, False]]
    assert read(write_xlsx(["网格", "数量", "比例", "已超期"], rows)) == [["网格", "数量", "比例", "已超期"], *rows]


def test_header_is_bold_and_frozen_and_the_parts_are_the_standard_ones():
    data = write_xlsx(["a"], [[1]], sheet_name="by/grid:[x]")
    names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
    assert {"[Content_Types].xml", "_rels/.rels", "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/styles.xml",
            "xl/worksheets/sheet1.xml"} == names  # fmt: skip
    book = openpyxl.load_workbook(io.BytesIO(data))
    sheet = book.active
    assert sheet.title == "by_grid__x_" and sheet["A1"].font.b and not sheet["A2"].font.b
    assert sheet.freeze_panes == "A2"


def test_text_that_looks_like_a_formula_stays_text_and_control_characters_are_dropped():
    rows = read(write_xlsx(["t"], [["=1+1"], ["a\x00b\x1fc\td"], [float("nan")]]))
    assert rows[1:] == [["=1+1"], ["abc\td"], ["nan"]]


@pytest.mark.parametrize("index, name", [(0, "A"), (25, "Z"), (26, "AA"), (701, "ZZ"), (702, "AAA"), (16383, "XFD")])
def test_column_letters(index, name):
    assert column_letter(index) == name


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="column index"):
        column_letter(-1)
    with pytest.raises(ValueError, match="sheet_name"):
        write_xlsx(["a"], [], sheet_name=" ")
