"""Exports of a round's principle matrix: one small interface, one class per format, one registry.

The matrix page, `manage.py export_matrix`, the export task and (later) the API all go through
EXPORTERS, so a format is added in one place. An exporter says what it is called, who may use it
and what it writes; it reads through matrix.selectors (the stored matrix rows, and for the
verdicts sheet and CSV the submitted verdicts, pseudonymised), never computing anything itself.

Spreadsheet formats (CSV, XLSX) neutralise every text cell that a spreadsheet would otherwise run
as a formula (see neutralise); JSON and PDF are not spreadsheets and keep text exactly.
"""

import csv
import datetime
import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import rules
import weasyprint
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from weasyprint.urls import URLFetcher

from bold_portal.spreadsheet import neutralise
from matrix.disclosure import is_published
from matrix.selectors.cells import COUNT_KEYS, round_principles
from matrix.selectors.exports import (
    VERDICT_KEYS,
    MatrixExportView,
    audience_names,
    matrix_document,
    matrix_table,
    round_verdict_count,
    round_verdict_rows,
)
from matrix.wording import (
    FLAG_SYMBOL,
    FRAGILE_SYMBOL,
    INTEREST_SYMBOL,
    OUTCOME_SYMBOLS,
    flag_in_words,
    fragile_in_words,
    fragility_in_words,
    interest_in_words,
    outcome_words,
    rule_in_words,
)
from principles.rule import TICK
from reviews.models import ReviewRound, Verdict

# The XLSX verdicts sheet holds at most this many verdicts; beyond it, the sheet says where the
# CSV of verdicts is (a spreadsheet of more is slow to open, and Excel stops at 1,048,576 rows).
VERDICT_SHEET_LIMIT = 100_000


def _xlsx_value(value):
    """A value as an XLSX cell may hold it: neutralised, and without the control characters the
    format cannot store (a vertical tab pasted from a word processor, say), which are dropped."""
    # Dropped first, then neutralised: "\x0b=1+1" must not become a formula once the \x0b is gone.
    return neutralise(ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value)


def _local(moment: datetime.datetime | str | None) -> str:
    if moment is None:
        return _("not computed yet")
    if isinstance(moment, str):
        moment = datetime.datetime.fromisoformat(moment)
    return timezone.localtime(moment).strftime("%d %B %Y, %H:%M %Z")


@dataclass(frozen=True)
class Exporter:
    identifier: str  # in URLs and the command's --format
    verbose_name: str  # on the matrix page
    extension: str
    content_type: str
    permission: str = "matrix.view_matrix"
    binary: bool = False  # not printable: the command needs --output
    file_label: str = "matrix"  # bold-<file_label>-<round>-<time>.<extension>
    description: str = ""  # what the file holds, on the page that starts an export
    # Whether the format can hold a view of the matrix page ("these N use cases"), not only the
    # whole round.
    filterable: bool = True

    def may_use(self, user) -> bool:
        return rules.has_perm(self.permission, user)

    # A format overrides render (the whole file) or chunks (the file in pieces); each defaults
    # to the other. view: the matrix page's view the file holds (None: the whole round).
    def render(self, review_round: ReviewRound, view: MatrixExportView | None = None) -> bytes:
        return b"".join(self.chunks(review_round, view))

    def chunks(self, review_round: ReviewRound, view: MatrixExportView | None = None) -> Iterator[bytes]:
        """The file in pieces, for writers that stream; by default the whole file at once."""
        yield self.render(review_round, view)


class JsonExporter(Exporter):
    def render(self, review_round: ReviewRound, view: MatrixExportView | None = None) -> bytes:
        return (json.dumps(matrix_document(review_round, view), indent=2, ensure_ascii=False) + "\n").encode("utf-8")


# A CSV file starts with the byte order mark, so that Excel reads it as UTF-8 (Welsh letters such
# as ŵ and ŷ, and the outcome symbols, are not garbled); other readers skip it ("utf-8-sig").
CSV_BOM = "\ufeff".encode()


def _csv_bytes(rows: Iterable[Iterable], *, first: bool = False) -> bytes:
    """Rows as CSV, neutralised; first: the start of the file, with the byte order mark."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows([neutralise(value) for value in row] for row in rows)
    return (CSV_BOM if first else b"") + buffer.getvalue().encode("utf-8")


def matrix_csv(document: dict) -> bytes:
    """A matrix document (the whole round's, or the API's page of it) as the CSV export's file."""
    header, rows = matrix_table(document)
    return _csv_bytes([header, *rows], first=True)


class CsvExporter(Exporter):
    def render(self, review_round: ReviewRound, view: MatrixExportView | None = None) -> bytes:
        return matrix_csv(matrix_document(review_round, view))


class VerdictsCsvExporter(Exporter):
    """Every submitted verdict of the round, one a row, pseudonymised; read and written in
    chunks, so a round of millions of verdicts never sits in memory as rows."""

    chunk_rows = 2000

    def chunks(self, review_round: ReviewRound, view: MatrixExportView | None = None) -> Iterator[bytes]:
        if view is not None:
            raise ValueError("The verdicts CSV holds the whole round.")
        yield _csv_bytes([VERDICT_KEYS], first=True)
        batch = []
        for row in round_verdict_rows(review_round, chunk_size=self.chunk_rows):
            batch.append([row[key] for key in VERDICT_KEYS])
            if len(batch) == self.chunk_rows:
                yield _csv_bytes(batch)
                batch = []
        if batch:
            yield _csv_bytes(batch)


@dataclass(frozen=True)
class MatrixLayout:
    """The matrix as the report lays it out: audience groups of use cases, principles across."""

    document: dict
    principle_names: list[str]
    groups: list[dict]  # {"audience": name, "rows": [{"title", "version", "cells": [...], "met"}]}
    principle_totals: list[int]  # per principle, how many use cases meet it
    # Whether marks and flags about groups of reviewers are published (the round has closed).
    groups_published: bool


def matrix_layout(review_round: ReviewRound, view: MatrixExportView | None = None) -> MatrixLayout:
    """The layout of the round's matrix (or of the view's use cases, in its order: sorted, an
    audience heading comes again wherever the next row is from another audience)."""
    document = matrix_document(review_round, view)
    principles = round_principles(review_round)
    names = audience_names(row["audience"] for row in document["rows"])
    groups: list[dict] = []
    totals = [0] * len(principles)
    for row in document["rows"]:
        if not groups or groups[-1]["slug"] != row["audience"]:
            groups.append(
                {"slug": row["audience"], "audience": names.get(row["audience"], row["audience"]), "rows": []}
            )
        cells = []
        for index, principle in enumerate(principles):
            cell = row["cells"][principle.slug]
            totals[index] += cell["outcome"] == TICK
            cells.append(
                {
                    **cell,
                    "principle": principle.name,
                    "symbol": OUTCOME_SYMBOLS[cell["outcome"]],
                    "words": outcome_words(cell["outcome"]),
                    "fragility": fragility_in_words(cell["would_become"]) if cell["fragile"] else "",
                    "declared_interest": bool(row["declared_interest"]),
                    "flagged": principle.slug in (row["flagged"] or ()),
                }
            )
        groups[-1]["rows"].append(
            {
                "title": row["title"],
                "use_case": row["use_case"],
                "version": row["version"],
                "cells": cells,
                "met": sum(cell["outcome"] == TICK for cell in cells),
            }
        )
    return MatrixLayout(
        document=document,
        principle_names=[principle.name for principle in principles],
        groups=groups,
        principle_totals=totals,
        groups_published=is_published(review_round),
    )


def _view_in_words(document: dict) -> str:
    """Which use cases the file holds, for its About sheet or heading."""
    view = document.get("view")
    if not view:
        return _("The whole round (%(count)d use cases).") % {"count": len(document["rows"])}
    return _("These %(count)d use cases of the matrix page: %(view)s") % {
        "count": view["use_cases"],
        "view": view["description"],
    }


def cell_text(cell: dict) -> str:
    """A matrix cell as the XLSX Matrix sheet shows it: "✓ Meets (4 / 1 / 0)", then, for a fragile
    cell, "; ⚠ Fragile: would become a cross if one reviewer changed their mind"."""
    counts = " / ".join(str(cell[key]) for key in COUNT_KEYS)
    text = f"{OUTCOME_SYMBOLS[cell['outcome']]} {outcome_words(cell['outcome'])} ({counts})"
    if cell["fragility"]:
        text += f"; {FRAGILE_SYMBOL} {_('Fragile')}: {cell['fragility']}"
    if cell.get("declared_interest"):
        text += f"; {INTEREST_SYMBOL} {_('Declared interest')}"
    if cell.get("flagged"):
        text += f"; {FLAG_SYMBOL} {_('Flagged for discussion')}"
    if cell.get("carried"):
        text += "; ↻ " + ngettext("%(count)d carried forward", "%(count)d carried forward", cell["carried"]) % {
            "count": cell["carried"]
        }
    return text


class XlsxExporter(Exporter):
    """Four sheets: Matrix (as the report lays it out, for reading), Matrix data (one row per use
    case with numbers, for sorting and filtering), Verdicts (pseudonymised), About (the rule)."""

    def render(self, review_round: ReviewRound, view: MatrixExportView | None = None) -> bytes:
        layout = matrix_layout(review_round, view)
        workbook = Workbook(write_only=True)
        self._matrix_sheet(workbook, layout)
        self._matrix_data_sheet(workbook, layout)
        self._verdicts_sheet(workbook, review_round, layout, view)
        self._about_sheet(workbook, review_round, layout)
        buffer = io.BytesIO()
        workbook.save(buffer)
        return buffer.getvalue()

    @staticmethod
    def _cell(sheet, value, *, bold=False, wrap=False, fill=None):
        cell = WriteOnlyCell(sheet, value=_xlsx_value(value))
        if bold:
            cell.font = Font(bold=True)
        if wrap:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        if fill:
            cell.fill = PatternFill("solid", fgColor=fill)
        return cell

    @staticmethod
    def _widths(sheet, widths: list[float]) -> None:
        for index, width in enumerate(widths, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = width

    def _header(self, sheet, labels: list[str]):
        sheet.append([self._cell(sheet, label, bold=True, wrap=True, fill="DDDDDD") for label in labels])

    def _matrix_sheet(self, workbook, layout: MatrixLayout) -> None:
        sheet = workbook.create_sheet(_("Matrix"))
        columns = 2 + len(layout.principle_names) + 1
        self._widths(sheet, [48, 9, *([26] * len(layout.principle_names)), 16])
        sheet.freeze_panes = "B2"
        self._header(
            sheet,
            [
                _("Use case"),
                _("Version"),
                *(_("%(name)s (meets / does not meet / not sure)") % {"name": name} for name in layout.principle_names),
                _("Principles met"),
            ],
        )
        row_number = 1
        for group in layout.groups:
            # The report's audience heading: one merged row across the table.
            sheet.append([self._cell(sheet, group["audience"], bold=True, fill="F3F2F1")])
            row_number += 1
            sheet.merged_cells.add(f"A{row_number}:{get_column_letter(columns)}{row_number}")
            for row in group["rows"]:
                sheet.append(
                    [
                        self._cell(sheet, row["title"], wrap=True),
                        row["version"],
                        *(cell_text(cell) for cell in row["cells"]),
                        row["met"],
                    ]
                )
                row_number += 1
        sheet.append(
            [self._cell(sheet, _("Use cases that meet the principle"), bold=True), None, *layout.principle_totals]
        )

    def _matrix_data_sheet(self, workbook, layout: MatrixLayout) -> None:
        sheet = workbook.create_sheet(_("Matrix data"))
        header, rows = matrix_table(layout.document, text_booleans=False)
        header = [*header, "principles_met"]
        self._widths(sheet, [18, 24, 48, 9, *([14] * (len(header) - 4))])
        sheet.freeze_panes = "A2"
        self._header(sheet, header)
        met = [row["met"] for group in layout.groups for row in group["rows"]]
        for values, principles_met in zip(rows, met, strict=True):
            sheet.append([_xlsx_value(value) for value in values] + [principles_met])
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(header))}{len(rows) + 1}"

    def _verdicts_sheet(self, workbook, review_round: ReviewRound, layout: MatrixLayout, view=None) -> None:
        sheet = workbook.create_sheet(_("Verdicts"))
        self._widths(sheet, [18, 18, 24, 40, 9, 18, 13, 20, 60, 40, 60])
        # A view's workbook holds the verdicts of its use cases only (in the report's order).
        version_ids = None if view is None else view.version_ids
        count = round_verdict_count(review_round, version_ids=version_ids)
        if count > VERDICT_SHEET_LIMIT:
            sheet.append(
                [
                    self._cell(
                        sheet,
                        _(
                            "This round has %(count)s verdicts, more than this sheet holds (%(limit)s). Download "
                            "“Verdicts (CSV)” from the round's matrix page, or run: manage.py export_matrix "
                            "--round %(round)s --format verdicts-csv --output verdicts.csv"
                        )
                        % {"count": f"{count:,}", "limit": f"{VERDICT_SHEET_LIMIT:,}", "round": review_round.slug},
                        bold=True,
                    )
                ]
            )
            return
        sheet.freeze_panes = "A2"
        self._header(
            sheet,
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
        )
        labels = dict(Verdict.Choice.choices)
        written = 0
        for row in round_verdict_rows(review_round, version_ids=version_ids):
            values = [row[key] for key in VERDICT_KEYS]
            values[VERDICT_KEYS.index("verdict")] = str(labels.get(row["verdict"], row["verdict"]))
            sheet.append([_xlsx_value(value) for value in values])
            written += 1
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(VERDICT_KEYS))}{written + 1}"

    def _about_sheet(self, workbook, review_round: ReviewRound, layout: MatrixLayout) -> None:
        sheet = workbook.create_sheet(_("About"))
        self._widths(sheet, [30, 100])
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
            sheet.append([self._cell(sheet, label, bold=True), self._cell(sheet, value, wrap=True)])


def _no_fetching():
    """A WeasyPrint URL fetcher that refuses every URL: the template is self-contained, and a
    link that slipped into it (or into a title) must never make the server fetch anything."""

    class NoFetching(URLFetcher):
        def fetch(self, url, headers=None):
            raise ValueError(f"The PDF export fetches nothing: refused {url}")

    return NoFetching()


class PdfExporter(Exporter):
    """A4 landscape: the round's name, rule and computed-at, then one table per audience group."""

    def render(self, review_round: ReviewRound, view: MatrixExportView | None = None) -> bytes:
        layout = matrix_layout(review_round, view)
        document = layout.document
        html = render_to_string(
            "matrix/export_pdf.html",
            {
                "review_round": review_round,
                "layout": layout,
                "rule": rule_in_words(threshold=document["threshold"], min_reviews=document["min_reviews"]),
                "computed_at": _local(document["computed_at"]),
                "view_in_words": _view_in_words(document),
                "generated_at": _local(timezone.now()),
                "fragile_in_words": fragile_in_words(),
                "interest_in_words": interest_in_words(published=layout.groups_published),
                "flag_in_words": flag_in_words(published=layout.groups_published),
            },
        )
        # PDF/UA: a tagged PDF (its headings, tables and header cells in a structure tree, with the
        # document's language and title), so that a screen reader reads the table as a table.
        return weasyprint.HTML(string=html, url_fetcher=_no_fetching()).write_pdf(pdf_variant="pdf/ua-1")


EXPORTERS: dict[str, Exporter] = {
    exporter.identifier: exporter
    for exporter in (
        CsvExporter(
            "csv",
            "CSV (spreadsheet data)",
            "csv",
            "text/csv; charset=utf-8",
            description="One row per use case version: each principle's outcome and its three counts.",
        ),
        JsonExporter(
            "json",
            "JSON (for analysts' tools)",
            "json",
            "application/json",
            description="The matrix with the round's rule and when it was computed, for scripts and tools.",
        ),
        XlsxExporter(
            "xlsx",
            "Excel workbook (XLSX)",
            "xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            binary=True,
            description=(
                "The matrix laid out like the report's table, the same figures as a table to sort and filter, "
                "every submitted verdict with its reason (reviewers pseudonymised), and the round's rule."
            ),
        ),
        PdfExporter(
            "pdf",
            "PDF (to print or share)",
            "pdf",
            "application/pdf",
            binary=True,
            description="The matrix on A4 landscape pages, one table per audience, with the round's rule.",
        ),
        VerdictsCsvExporter(
            "verdicts-csv",
            "Verdicts (CSV)",
            "csv",
            "text/csv; charset=utf-8",
            file_label="verdicts",
            filterable=False,
            description="Every submitted verdict, one a row, with its reason, evidence and suggested rewording "
            "(reviewers pseudonymised).",
        ),
    )
}


def exporters_for(user) -> list[Exporter]:
    """The exports this person may download, in the order the page lists them."""
    return [exporter for exporter in EXPORTERS.values() if exporter.may_use(user)]
