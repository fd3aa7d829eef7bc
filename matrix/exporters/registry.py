"""Exports of a round's principle matrix: one small interface, one class per format, one registry.

The matrix page, `manage.py export_matrix`, the export task and (later) the API all go through
EXPORTERS, so a format is added in one place. An exporter says what it is called, who may use it
and what it writes; it reads through matrix.selectors (the stored matrix rows, and for the
verdicts sheet and CSV the submitted verdicts, pseudonymised), never computing anything itself.

Spreadsheet formats (CSV, XLSX) neutralise every text cell that a spreadsheet would otherwise run
as a formula (see neutralise); JSON and PDF are not spreadsheets and keep text exactly.
"""

from matrix.exporters.base import Exporter
from matrix.exporters.data import CsvExporter, JsonExporter, VerdictsCsvExporter
from matrix.exporters.pdf import PdfExporter
from matrix.exporters.xlsx import XlsxExporter

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
            streamed=True,
            description="Every submitted verdict, one a row, with its reason, evidence and suggested rewording "
            "(reviewers pseudonymised).",
        ),
    )
}


def exporters_for(user) -> list[Exporter]:
    """The exports this person may download, in the order the page lists them."""
    return [exporter for exporter in EXPORTERS.values() if exporter.may_use(user)]
