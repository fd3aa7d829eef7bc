"""Exports of a round's principle matrix: one small interface, one class per format, one registry.

The matrix page, `manage.py export_matrix`, the export task and (later) the API all go through
EXPORTERS, so a format is added in one place. An exporter says what it is called, who may use it
and what it writes; it reads the matrix through matrix.selectors, never the verdict tables.
"""

import csv
import io
import json
from dataclasses import dataclass

import rules

from matrix.selectors import matrix_document, matrix_table
from reviews.models import ReviewRound


@dataclass(frozen=True)
class Exporter:
    identifier: str  # in URLs and the command's --format
    verbose_name: str  # on the matrix page
    extension: str
    content_type: str
    permission: str = "matrix.view_matrix"

    def may_use(self, user) -> bool:
        return rules.has_perm(self.permission, user)

    def render(self, review_round: ReviewRound) -> bytes:
        raise NotImplementedError


class JsonExporter(Exporter):
    def render(self, review_round: ReviewRound) -> bytes:
        return (json.dumps(matrix_document(review_round), indent=2, ensure_ascii=False) + "\n").encode("utf-8")


class CsvExporter(Exporter):
    def render(self, review_round: ReviewRound) -> bytes:
        header, rows = matrix_table(matrix_document(review_round))
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
        return buffer.getvalue().encode("utf-8")


EXPORTERS: dict[str, Exporter] = {
    exporter.identifier: exporter
    for exporter in (
        CsvExporter("csv", "CSV (spreadsheet data)", "csv", "text/csv; charset=utf-8"),
        JsonExporter("json", "JSON (for analysts' tools)", "json", "application/json"),
    )
}


def exporters_for(user) -> list[Exporter]:
    """The exports this person may download, in the order the page lists them."""
    return [exporter for exporter in EXPORTERS.values() if exporter.may_use(user)]
