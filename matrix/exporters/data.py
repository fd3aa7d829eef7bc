"""The data formats: the matrix as CSV and JSON, and every verdict of the round as CSV (streamed)."""

import csv
import io
import json
from collections.abc import Iterable, Iterator

from bold_portal.spreadsheet import TRIGGER_CHARACTERS, neutralise_text
from matrix.exporters.base import Exporter
from matrix.selectors.exports import (
    VERDICT_KEYS,
    MatrixExportView,
    matrix_document,
    matrix_table,
    round_verdict_values,
)
from reviews.models import ReviewRound


class JsonExporter(Exporter):
    """The matrix document, indented, with each use case's row on one line of its own: a file a
    person can read and a tool can read line by line, written with the JSON encoder's fast path
    (an indented row is written by the pure-Python one, five times slower)."""

    def chunks(self, review_round: ReviewRound, view: MatrixExportView | None = None) -> Iterator[bytes]:
        document = matrix_document(review_round, view)
        yield b"{\n"
        last = len(document) - 1
        for index, (key, value) in enumerate(document.items()):
            end = "\n" if index == last else ",\n"
            if key == "rows" and value:
                yield b'  "rows": [\n'
                rows = value
                for start in range(0, len(rows), 500):
                    lines = [f"    {json.dumps(row, ensure_ascii=False)}" for row in rows[start : start + 500]]
                    more = ",\n" if start + 500 < len(rows) else "\n"
                    yield (",\n".join(lines) + more).encode("utf-8")
                yield f"  ]{end}".encode()
            else:
                text = json.dumps(value, indent=2, ensure_ascii=False).replace("\n", "\n  ")
                yield f"  {json.dumps(key)}: {text}{end}".encode()
        yield b"}\n"


# A CSV file starts with the byte order mark, so that Excel reads it as UTF-8 (Welsh letters such
# as ŵ and ŷ, and the outcome symbols, are not garbled); other readers skip it ("utf-8-sig").
CSV_BOM = "\ufeff".encode()


def _csv_bytes(rows: Iterable[Iterable], *, first: bool = False) -> bytes:
    """Rows as CSV, neutralised; first: the start of the file, with the byte order mark."""
    buffer = io.StringIO()
    triggers = TRIGGER_CHARACTERS
    # neutralise, inline: a function call per value costs as much as writing it.
    csv.writer(buffer, lineterminator="\n").writerows(
        ["'" + value if isinstance(value, str) and value[:1] in triggers else value for value in row] for row in rows
    )
    return (CSV_BOM if first else b"") + buffer.getvalue().encode("utf-8")


def matrix_csv(document: dict) -> bytes:
    """A matrix document (the whole round's, or the API's page of it) as the CSV export's file."""
    header, rows = matrix_table(document, neutralised=True)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return CSV_BOM + buffer.getvalue().encode("utf-8")


class CsvExporter(Exporter):
    def render(self, review_round: ReviewRound, view: MatrixExportView | None = None) -> bytes:
        return matrix_csv(matrix_document(review_round, view))


class VerdictsCsvExporter(Exporter):
    """Every submitted verdict of the round, one a row, pseudonymised; read and written in
    chunks, so a round of millions of verdicts never sits in memory as rows."""

    chunk_rows = 5000

    def chunks(self, review_round: ReviewRound, view: MatrixExportView | None = None) -> Iterator[bytes]:
        if view is not None:
            raise ValueError("The verdicts CSV holds the whole round.")
        yield _csv_bytes([VERDICT_KEYS], first=True)
        text = neutralise_text
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        batch = []
        for row in round_verdict_values(review_round, chunk_size=self.chunk_rows):
            # Every value is text but the version numbers.
            (
                round_slug,
                audience,
                use_case,
                title,
                number,
                principle,
                reviewer,
                verdict,
                reason,
                evidence,
                reword,
                carried_version,
                carried_round,
            ) = row
            batch.append(
                (
                    text(round_slug),
                    text(audience),
                    text(use_case),
                    text(title),
                    number,
                    text(principle),
                    reviewer,
                    text(verdict),
                    text(reason),
                    text(evidence),
                    text(reword),
                    carried_version,
                    text(carried_round),
                )
            )
            if len(batch) == self.chunk_rows:
                writer.writerows(batch)
                yield buffer.getvalue().encode("utf-8")
                buffer.seek(0)
                buffer.truncate()
                batch = []
        if batch:
            writer.writerows(batch)
            yield buffer.getvalue().encode("utf-8")
