"""Reading a CSV file of verdicts gathered offline: its encoding, its CSV syntax and its header
row, giving each data row's values as text, or every problem with the file itself. The columns
and the longest value each may hold are written here."""

import codecs
import csv
import io
from contextlib import contextmanager
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from accounts.models import EMAIL_MAX
from audiences.models import ORGANISATION_NAME_MAX
from bold_portal.text import visible
from principles.models import PRINCIPLE_SLUG_MAX
from reviews.models import REVIEW_TEXT_SUBMIT_MAX, Verdict
from usecases.models import USE_CASE_SLUG_MAX

REQUIRED_COLUMNS = ("reviewer_email", "organisation", "use_case", "version", "principle", "verdict", "reason")
OPTIONAL_COLUMNS = ("evidence",)
COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
# Each column's longest value, in characters, and what the messages call it. Imported reviews are
# submitted, so their texts have the submission limit; the other columns name things the portal
# keeps, none longer than its own limit.
COLUMN_LIMITS = {
    "reviewer_email": (EMAIL_MAX, _lazy("the email address")),
    "organisation": (ORGANISATION_NAME_MAX, _lazy("the organisation")),
    "use_case": (USE_CASE_SLUG_MAX, _lazy("the use case's slug")),
    "version": (10, _lazy("the version number")),  # a version number has at most 10 digits
    "principle": (PRINCIPLE_SLUG_MAX, _lazy("the principle's slug")),
    "verdict": (Verdict._meta.get_field("verdict").max_length, _lazy("the verdict")),
    "reason": (REVIEW_TEXT_SUBMIT_MAX, _lazy("the reason")),
    "evidence": (REVIEW_TEXT_SUBMIT_MAX, _lazy("the evidence")),
}
FREE_TEXT_COLUMNS = ("reason", "evidence")
SAVE_AS_UTF8 = _lazy("Save it from your spreadsheet as “CSV UTF-8 (comma delimited)” and import it again.")


@dataclass(frozen=True)
class ImportProblem:
    """Something that stops the import: where (the CSV line, header = 1; None for the command's
    options; and the column, when one value is wrong), what is wrong and what to do about it."""

    line: int | None
    message: str
    hint: str
    column: str | None = None

    def __str__(self):
        where = _("Line %(line)s") % {"line": self.line} if self.line else _("Options")
        if self.column:
            where = _("%(where)s, column %(column)s") % {"where": where, "column": self.column}
        # A value quoted in a message shows its control characters as codes, not as themselves.
        return visible(f"{where}: {self.message} {self.hint}")


def _looks_like_utf16(content: bytes) -> bool:
    """UTF-16 text, with or without a byte order mark: in its first kilobyte (where the header
    row is, in plain letters) at least a quarter of the bytes are zero."""
    if content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return True
    start = content[:1024]
    return bool(start) and start.count(0) * 4 >= len(start)


@contextmanager
def _csv_fields_up_to(length: int):
    """Let the csv module read a value as long as length (its default stops at 131,072
    characters with a misleading error), so that an over-long value gets the column's own message."""
    default = csv.field_size_limit()
    csv.field_size_limit(max(default, length + 1))
    try:
        yield
    finally:
        csv.field_size_limit(default)


def records_from_file(content: bytes) -> tuple[list[tuple[int, dict[str, str]]], list[ImportProblem]]:
    """The data rows as (line number, {column: stripped value}), or the problems with the file itself."""
    if _looks_like_utf16(content):
        return [], [ImportProblem(1, _("The file is UTF-16 text, which the import cannot read."), str(SAVE_AS_UTF8))]
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = content[: error.start].count(b"\n") + 1
        return [], [
            ImportProblem(line, _("The file is not UTF-8 text (unreadable bytes on this line)."), str(SAVE_AS_UTF8))
        ]
    with _csv_fields_up_to(len(text)):
        return _csv_records(text)


def _csv_records(text: str) -> tuple[list[tuple[int, dict[str, str]]], list[ImportProblem]]:
    """records_from_file, once the file is text."""
    if not text.strip():
        return [], [
            ImportProblem(
                1,
                _("The file is empty."),
                _("Give a header row naming the columns %(columns)s, then one row per verdict.")
                % {"columns": ", ".join(COLUMNS)},
            )
        ]

    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    problems = []
    try:
        header = [name.strip().lower() for name in next(reader)]
    except csv.Error as error:
        return [], [_unreadable_line(1, error)]
    problems += _header_problems(header)
    if problems:
        return [], problems

    records = []
    while True:
        line = reader.line_num + 1  # where this record starts; quoted values may span lines
        try:
            values = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            problems.append(_unreadable_line(line, error))
            break
        if not any(value.strip() for value in values):
            continue  # blank lines, or rows of empty cells a spreadsheet left behind
        if len(values) != len(header):
            problems.append(
                ImportProblem(
                    line,
                    _("This row has %(found)s values but the header has %(expected)s columns.")
                    % {"found": len(values), "expected": len(header)},
                    _("Check for a missing or extra comma; wrap a value that contains a comma in double quotes."),
                )
            )
            continue
        records.append((line, {name: value.strip() for name, value in zip(header, values, strict=True)}))
    if not records and not problems:
        problems.append(
            ImportProblem(
                2,
                _("There are no verdict rows after the header."),
                _("Add one row per reviewer, use case version and principle below the header row."),
            )
        )
    return records, problems


def _unreadable_line(line: int, error: csv.Error) -> ImportProblem:
    return ImportProblem(
        line,
        _("This line cannot be read as CSV (%(error)s).") % {"error": error},
        _(
            "A value containing a comma, a quote or a line break must be wrapped in double quotes, "
            "with any double quote inside it written twice."
        ),
    )


def _shown(name: str) -> str:
    """A column name as a message quotes it: cut short if it is long."""
    return name if len(name) <= 40 else f"{name[:40]}…"


def _header_problems(header: list[str]) -> list[ImportProblem]:
    hint = _("The header row names these columns, in any order: %(columns)s (evidence may be left out).") % {
        "columns": ", ".join(COLUMNS)
    }
    problems = []
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    if missing:
        problems.append(ImportProblem(1, _("Missing columns: %(names)s.") % {"names": ", ".join(missing)}, hint))
    unexpected = [_shown(name) or _("(a column with no name)") for name in header if name not in COLUMNS]
    if unexpected:
        problems.append(ImportProblem(1, _("Unexpected columns: %(names)s.") % {"names": ", ".join(unexpected)}, hint))
    repeated = sorted({name for name in header if name in COLUMNS and header.count(name) > 1})
    if repeated:
        problems.append(
            ImportProblem(1, _("Columns named more than once: %(names)s.") % {"names": ", ".join(repeated)}, hint)
        )
    return problems
