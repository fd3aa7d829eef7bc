"""Whole rows of an XlsxWriter worksheet in constant-memory mode, written as XML in one piece.

XlsxWriter spends about 20 microseconds on each cell it writes (a dimension check, a cell tuple,
a format lookup and several escaping passes), which was most of the time of a 10,000-use-case
workbook (docs/performance.md, "Exports"). RowWriter writes the same XML for a whole row at once:
the cell references of each column made once, each distinct text escaped once, each format's
index looked up once. tests/matrix/test_xlsx_rows.py proves that the sheet it writes is the one
XlsxWriter's own write_* calls give, so that an upgrade of XlsxWriter which changes its XML fails
a test rather than a file.

It uses XlsxWriter's row buffer (the worksheet's temporary file, its previous row and its
dimensions), which is not public API: the version is pinned in requirements.txt."""

from collections.abc import Sequence

from xlsxwriter.utility import _preserve_whitespace, xl_col_to_name
from xlsxwriter.worksheet import Worksheet

# The longest text a cell holds; XlsxWriter cuts longer text here too.
_CELL_TEXT_LIMIT = 32767


class RowWriter:
    """Writes rows of values (text, numbers, booleans; None or "" leaves the cell empty) to a
    worksheet of a workbook made with constant_memory, in increasing row order."""

    def __init__(self, worksheet: Worksheet):
        if not worksheet.constant_memory:
            raise ValueError("RowWriter writes to worksheets of a constant_memory workbook only.")
        self.worksheet = worksheet
        self.columns: list[str] = []
        # The XML of a text cell after its reference and style, by text: a sheet repeats few texts.
        self.texts: dict[str, str] = {}
        self.styles: dict[int, str] = {}

    def _references(self, count: int) -> list[str]:
        """The column letters of the first count columns (A, B, ..., AA, ...)."""
        while len(self.columns) < count:
            self.columns.append(xl_col_to_name(len(self.columns)))
        return self.columns

    def _style(self, cell_format) -> str:
        if cell_format is None:
            return ""
        style = self.styles.get(id(cell_format))
        if style is None:
            style = self.styles[id(cell_format)] = f' s="{cell_format._get_xf_index()}"'
        return style

    def _text(self, value: str) -> str:
        xml = self.texts.get(value)
        if xml is None:
            sheet = self.worksheet
            text = sheet._escape_data(sheet._escape_control_characters(value[:_CELL_TEXT_LIMIT]))
            preserve = ' xml:space="preserve"' if _preserve_whitespace(text) else ""
            xml = self.texts[value] = f' t="inlineStr"><is><t{preserve}>{text}</t></is></c>'
        return xml

    def write_row(self, row: int, values: Sequence, cell_format=None, *, formats: Sequence | None = None) -> None:
        """Write the row's values from column A; cell_format for every cell, or formats[i] for
        the i-th (None: no format). A formatted empty value is a formatted empty cell."""
        sheet = self.worksheet
        if row < sheet.previous_row or (row == sheet.previous_row and sheet.table):
            raise ValueError(f"Row {row} is already written or being written.")
        if row > sheet.previous_row:
            # The row XlsxWriter itself holds, if any, goes first (and takes its formats' indexes
            # first: a format's index is given when a cell of it is first written).
            sheet._write_single_row(row)
        if formats is None:
            styles = [self._style(cell_format)] * len(values)
        else:
            styles = [self._style(each) for each in formats]
        number = row + 1
        parts = [f'<row r="{number}">']
        first = last = None
        text = self._text
        # The sheet's column letters may run past this row's last column.
        references = self._references(len(values))
        for index, (column, style, value) in enumerate(zip(references, styles, values, strict=False)):
            if value is None or value == "":
                if not style:
                    continue
                parts.append(f'<c r="{column}{number}"{style}/>')
            elif isinstance(value, str):
                parts.append(f'<c r="{column}{number}"{style}{text(value)}')
            elif isinstance(value, bool):
                parts.append(f'<c r="{column}{number}"{style} t="b"><v>{int(value)}</v></c>')
            else:
                parts.append(f'<c r="{column}{number}"{style}><v>{value:.16G}</v></c>')
            if first is None:
                first = index
            last = index
        if first is None:
            return
        sheet._check_dimensions(row, first)
        sheet._check_dimensions(row, last)
        parts.append("</row>")
        sheet.fh.write("".join(parts))
