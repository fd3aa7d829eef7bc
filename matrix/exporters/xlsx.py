"""The Excel workbook of the matrix, written by XlsxWriter in its constant-memory mode: each row
goes to the file as it is written, so a round of 10,000 use cases takes seconds and a bounded
amount of memory (openpyxl's write-only mode was five times slower, docs/performance.md)."""

import io

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from xlsxwriter import Workbook

from bold_portal.spreadsheet import neutralise
from matrix.exporters.base import Exporter, MatrixLayout, _local, _view_in_words, cell_text, matrix_layout
from matrix.exporters.xlsx_rows import RowWriter
from matrix.selectors.exports import (
    VERDICT_KEYS,
    MatrixExportView,
    matrix_table,
    round_verdict_count,
    round_verdict_values,
)
from matrix.wording import flag_in_words, fragile_in_words, interest_in_words, rule_in_words
from reviews.models import ReviewRound, Verdict

# The XLSX verdicts sheet holds at most this many verdicts; beyond it, the sheet says where the
# CSV of verdicts is (a spreadsheet of more is slow to open, and Excel stops at 1,048,576 rows).
VERDICT_SHEET_LIMIT = 100_000

# XlsxWriter stores a column's width with the padding Excel adds; less that padding, the file
# holds exactly the width asked for (in characters), as other writers store it.
_WIDTH_PADDING = 5 / 7


def _xlsx_value(value):
    """A value as an XLSX cell may hold it: neutralised, and without the control characters the
    format cannot store (a vertical tab pasted from a word processor, say), which are dropped."""
    # Dropped first, then neutralised: "\x0b=1+1" must not become a formula once the \x0b is gone.
    # A carriage return is then written as the line feed every reader of the XML reads it as.
    if not isinstance(value, str):
        return value
    return neutralise(ILLEGAL_CHARACTERS_RE.sub("", value)).replace("\r", "\n")


class _Sheet:
    """One worksheet written row by row, each value as what it is (text is never a formula)."""

    def __init__(self, workbook, name: str, widths: list[float]):
        self.sheet = workbook.add_worksheet(name)
        self.rows = RowWriter(self.sheet)
        self.row = 0
        # Each distinct text made fit for a cell once: a sheet repeats few texts.
        self.values: dict[str, str] = {}
        for index, width in enumerate(widths):
            self.sheet.set_column(index, index, width - _WIDTH_PADDING)

    def _value(self, value):
        if not isinstance(value, str):
            return value
        fit = self.values.get(value)
        if fit is None:
            fit = self.values[value] = _xlsx_value(value)
        return fit

    def append(self, values, cell_format=None, *, formats=None) -> None:
        """Write a row, with cell_format for every cell or formats[i] for the i-th."""
        self.rows.write_row(self.row, [self._value(value) for value in values], cell_format, formats=formats)
        self.row += 1


class XlsxExporter(Exporter):
    """Four sheets: Matrix (as the report lays it out, for reading), Matrix data (one row per use
    case with numbers, for sorting and filtering), Verdicts (pseudonymised), About (the rule)."""

    def render(self, review_round: ReviewRound, view: MatrixExportView | None = None) -> bytes:
        layout = matrix_layout(review_round, view)
        buffer = io.BytesIO()
        workbook = Workbook(
            buffer,
            {
                "constant_memory": True,
                "in_memory": False,
                # Text is text: never a formula, a link or a number, whatever it starts with.
                "strings_to_formulas": False,
                "strings_to_urls": False,
                "strings_to_numbers": False,
            },
        )
        formats = {
            "header": workbook.add_format({"bold": True, "text_wrap": True, "valign": "top", "bg_color": "#DDDDDD"}),
            "heading": workbook.add_format({"bold": True, "bg_color": "#F3F2F1"}),
            "bold": workbook.add_format({"bold": True}),
            "wrap": workbook.add_format({"text_wrap": True, "valign": "top"}),
        }
        self._matrix_sheet(workbook, formats, layout)
        self._matrix_data_sheet(workbook, formats, layout)
        self._verdicts_sheet(workbook, formats, review_round, view)
        self._about_sheet(workbook, formats, review_round, layout)
        workbook.close()
        return buffer.getvalue()

    def _matrix_sheet(self, workbook, formats, layout: MatrixLayout) -> None:
        columns = 2 + len(layout.principle_names) + 1
        sheet = _Sheet(workbook, _("Matrix"), [48, 9, *([26] * len(layout.principle_names)), 16])
        sheet.sheet.freeze_panes(1, 1)
        sheet.append(
            [
                _("Use case"),
                _("Version"),
                *(_("%(name)s (meets / does not meet / not sure)") % {"name": name} for name in layout.principle_names),
                _("Principles met"),
            ],
            formats["header"],
        )
        title_formats = [formats["wrap"], *([None] * (columns - 1))]
        # Each cell's text made once per layout cell: the layout shares one among equal cells.
        texts: dict[int, str] = {}

        def text(cell: dict) -> str:
            made = texts.get(id(cell))
            if made is None:
                made = texts[id(cell)] = cell_text(cell)
            return made

        for group in layout.groups:
            # The report's audience heading: one merged row across the table.
            sheet.sheet.merge_range(
                sheet.row, 0, sheet.row, columns - 1, _xlsx_value(group["audience"]), formats["heading"]
            )
            sheet.row += 1
            for row in group["rows"]:
                sheet.append(
                    [row["title"], row["version"], *(text(cell) for cell in row["cells"]), row["met"]],
                    formats=title_formats,
                )
        sheet.append(
            [_("Use cases that meet the principle"), None, *layout.principle_totals],
            formats=[formats["bold"], *([None] * (columns - 1))],
        )

    def _matrix_data_sheet(self, workbook, formats, layout: MatrixLayout) -> None:
        header, rows = matrix_table(layout.document, text_booleans=False)
        header = [*header, "principles_met"]
        sheet = _Sheet(workbook, _("Matrix data"), [18, 24, 48, 9, *([14] * (len(header) - 4))])
        sheet.sheet.freeze_panes(1, 0)
        sheet.append(header, formats["header"])
        met = [row["met"] for group in layout.groups for row in group["rows"]]
        for values, principles_met in zip(rows, met, strict=True):
            sheet.append([*values, principles_met])
        sheet.sheet.autofilter(0, 0, len(rows), len(header) - 1)

    def _verdicts_sheet(self, workbook, formats, review_round: ReviewRound, view=None) -> None:
        sheet = _Sheet(workbook, _("Verdicts"), [18, 18, 24, 40, 9, 18, 13, 20, 60, 40, 60])
        # A view's workbook holds the verdicts of its use cases only (in the report's order).
        version_ids = None if view is None else view.version_ids
        count = round_verdict_count(review_round, version_ids=version_ids)
        if count > VERDICT_SHEET_LIMIT:
            sheet.append(
                [
                    _(
                        "This round has %(count)s verdicts, more than this sheet holds (%(limit)s). Download "
                        "“Verdicts (CSV)” from the round's matrix page, or run: manage.py export_matrix "
                        "--round %(round)s --format verdicts-csv --output verdicts.csv"
                    )
                    % {"count": f"{count:,}", "limit": f"{VERDICT_SHEET_LIMIT:,}", "round": review_round.slug}
                ],
                formats["bold"],
            )
            return
        sheet.sheet.freeze_panes(1, 0)
        sheet.append(
            [
                _("Round"),
                _("Audience"),
                _("Use case"),
                _("Title"),
                _("Version"),
                _("Principle"),
                _("Reviewer"),
                _("Verdict"),
                _("Reason"),
                _("Evidence"),
                _("Suggested rewording"),
                _("Carried forward from version"),
                _("Carried forward from round"),
            ],
            formats["header"],
        )
        labels = {value: str(label) for value, label in Verdict.Choice.choices}
        verdict_index = VERDICT_KEYS.index("verdict")
        written = 0
        for values in round_verdict_values(review_round, version_ids=version_ids):
            values = list(values)
            values[verdict_index] = labels.get(values[verdict_index], values[verdict_index])
            sheet.append(values)
            written += 1
        sheet.sheet.autofilter(0, 0, written, len(VERDICT_KEYS) - 1)

    def _about_sheet(self, workbook, formats, review_round: ReviewRound, layout: MatrixLayout) -> None:
        sheet = _Sheet(workbook, _("About"), [30, 100])
        document = layout.document
        rows = [
            (_("Round"), review_round.name),
            (_("Round slug"), review_round.slug),
            (_("Rule"), rule_in_words(threshold=document["threshold"], min_reviews=document["min_reviews"])),
            (_("Threshold"), document["threshold"]),
            (_("Minimum number of reviews"), document["min_reviews"]),
            (_("Use cases"), _view_in_words(document)),
            (_("Matrix computed at"), _local(document["computed_at"])),
            (_("Export generated at"), _local(timezone.now())),
            (
                _("Counts"),
                _("Each cell of the Matrix sheet shows its outcome, then (meets / does not meet / not sure)."),
            ),
            (_("Fragile"), fragile_in_words()),
            (_("Declared interest"), interest_in_words(published=layout.groups_published)),
            (_("Flagged for discussion"), flag_in_words(published=layout.groups_published)),
            (
                _("Reviewers"),
                _(
                    "Reviewers are pseudonymised. Reviewer numbers are given within each use case version: the "
                    "same number is the same person on every principle of that use case, but not across use "
                    "cases, and two people never share one."
                ),
            ),
        ]
        for label, value in rows:
            sheet.sheet.write_string(sheet.row, 0, _xlsx_value(str(label)), formats["bold"])
            cell = _xlsx_value(value)
            if isinstance(cell, str):
                sheet.sheet.write_string(sheet.row, 1, cell, formats["wrap"])
            else:
                sheet.sheet.write_number(sheet.row, 1, cell, formats["wrap"])
            sheet.row += 1
