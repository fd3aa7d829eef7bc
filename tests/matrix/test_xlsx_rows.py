"""The XLSX's row writer writes exactly the sheet XlsxWriter's own write_* calls give."""

import io
import zipfile

import pytest
from xlsxwriter import Workbook

from matrix.exporters.xlsx_rows import RowWriter

TEXTS = [
    "plain",
    "Tom & Jerry <b>",
    ' "quoted" ',
    "  leading",
    "trailing\t",
    "line\nbreak",
    "bell\x07 and \x1f",
    "_x0041_ stays literal",
    "ŵ ŷ ✓ ✗ ⚠",
    "x" * 40_000,
]
ROWS = [
    ["Header", "Second", "Third", "Fourth"],
    [TEXTS[0], 1, 2.5, True],
    [None, "", 0, False],
    [*TEXTS[1:5]],
    [*TEXTS[5:]],
    [None, None, None, None],
    [12_345_678_901, -3, 1e-20, 0.1 + 0.2],
]


def _workbook(write) -> dict[str, bytes]:
    buffer = io.BytesIO()
    workbook = Workbook(buffer, {"constant_memory": True, "in_memory": False, "strings_to_formulas": False})
    bold = workbook.add_format({"bold": True})
    wrap = workbook.add_format({"text_wrap": True})
    sheet = workbook.add_worksheet("Data")
    # A row XlsxWriter holds (a merged heading) before the rows written whole, as the Matrix sheet has.
    sheet.merge_range(0, 0, 0, 3, "Heading", bold)
    write(sheet, bold, wrap)
    workbook.close()
    with zipfile.ZipFile(buffer) as archive:
        return {name: archive.read(name) for name in archive.namelist() if name != "docProps/core.xml"}


def _by_xlsxwriter(sheet, bold, wrap):
    for offset, values in enumerate(ROWS):
        row = offset + 1
        for column, value in enumerate(values):
            cell_format = wrap if column == 0 and offset % 2 else (bold if offset == 0 else None)
            if value is None or value == "":
                if cell_format is not None:
                    sheet.write_blank(row, column, None, cell_format)
            elif isinstance(value, str):
                sheet.write_string(row, column, value, cell_format)
            elif isinstance(value, bool):
                sheet.write_boolean(row, column, value, cell_format)
            else:
                sheet.write_number(row, column, value, cell_format)


def _by_row_writer(sheet, bold, wrap):
    rows = RowWriter(sheet)
    for offset, values in enumerate(ROWS):
        if offset == 0:
            rows.write_row(offset + 1, values, bold)
        else:
            formats = [wrap if offset % 2 else None, *([None] * (len(values) - 1))]
            rows.write_row(offset + 1, values, formats=formats)


def test_rows_written_whole_are_the_sheet_xlsxwriter_writes_cell_by_cell():
    expected = _workbook(_by_xlsxwriter)
    written = _workbook(_by_row_writer)
    assert written.keys() == expected.keys()
    for name in expected:
        assert written[name] == expected[name], name
    sheet = written["xl/worksheets/sheet1.xml"].decode()
    assert "Tom &amp; Jerry &lt;b&gt;" in sheet
    assert "bell_x0007_ and _x001F_" in sheet
    assert '<t xml:space="preserve">  leading</t>' in sheet
    assert "x" * 32_767 + "<" in sheet


def test_a_row_already_written_is_refused():
    buffer = io.BytesIO()
    workbook = Workbook(buffer, {"constant_memory": True, "in_memory": False})
    sheet = workbook.add_worksheet()
    rows = RowWriter(sheet)
    rows.write_row(3, ["three"])
    with pytest.raises(ValueError, match="Row 2"):
        rows.write_row(2, ["two"])
    workbook.close()


def test_only_constant_memory_workbooks():
    workbook = Workbook(io.BytesIO(), {"in_memory": True})
    with pytest.raises(ValueError, match="constant_memory"):
        RowWriter(workbook.add_worksheet())
    workbook.close()
