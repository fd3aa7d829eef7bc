"""Checking a CSV file of assignments for a round (docs/admin-rounds.md), in full and
writing nothing: every problem, by line, or the assignments it would add. Columns: use_case (the
use case's short name), version (its number in the round), organisation (its name or short name)
or reviewer_email (an active account), and due_on (optional: 2027-03-15 or 15/03/2027; empty means
the round's due date). The service that adds them checks the round again."""

import csv
import datetime
import io
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models.functions import Lower
from django.utils.translation import gettext as _

from audiences.models import Organisation
from bold_portal.text import visible
from reviews.models import Assignment, ReviewRound, RoundVersion
from reviews.services.assignments import due_on_problem
from reviews.services.bulk_assignments import PlannedAssignment

COLUMNS = ("use_case", "version", "organisation", "reviewer_email", "due_on")
REQUIRED = ("use_case", "version")
# A file of at most this many rows (lines of data): 12 use cases for 30 organisations is 360.
MAX_ROWS = 5_000
MAX_BYTES = 1_000_000


@dataclass(frozen=True)
class FileProblem:
    line: int
    message: str

    def __str__(self):
        return visible(_("Line %(line)s: %(message)s") % {"line": self.line, "message": self.message})


@dataclass(frozen=True)
class CheckedFile:
    planned: list[PlannedAssignment]
    problems: list[FileProblem]
    already: int  # lines naming a pair the round already has: left as they are


def _date(text: str) -> datetime.date | None:
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ValueError


def _rows(content: bytes) -> tuple[list[tuple[int, dict[str, str]]], list[FileProblem]]:
    if len(content) > MAX_BYTES:
        return [], [FileProblem(1, _("The file is larger than 1 MB. Split it into smaller files."))]
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = content[: error.start].count(b"\n") + 1
        return [], [FileProblem(line, _("This line is not UTF-8 text. Save the file as “CSV UTF-8” and try again."))]
    if not text.strip():
        return [], [FileProblem(1, _("The file is empty. Give a header row: %(c)s.") % {"c": ", ".join(COLUMNS)})]
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = [name.strip().lower() for name in next(reader)]
        unknown = [name for name in header if name not in COLUMNS]
        missing = [name for name in REQUIRED if name not in header]
        if unknown or missing or ("organisation" not in header and "reviewer_email" not in header):
            return [], [
                FileProblem(
                    1,
                    _("The header row must name the columns %(columns)s (organisation or reviewer_email, or both).")
                    % {"columns": ", ".join(COLUMNS)},
                )
            ]
        rows = []
        for values in reader:
            if not any(value.strip() for value in values):
                continue
            line = reader.line_num
            if len(values) != len(header):
                rows.append((line, None))
            else:
                rows.append((line, {name: value.strip() for name, value in zip(header, values, strict=True)}))
            if len(rows) > MAX_ROWS:
                return [], [FileProblem(line, _("The file has more than %(max)d rows. Split it.") % {"max": MAX_ROWS})]
    except csv.Error:
        return [], [FileProblem(reader.line_num or 1, _("This line is not valid CSV (check its quotation marks)."))]
    if not rows:
        return [], [FileProblem(2, _("The file has a header row but no assignments."))]
    problems = [
        FileProblem(line, _("This line has a different number of values from the header row."))
        for line, values in rows
        if values is None
    ]
    return [(line, values) for line, values in rows if values is not None], problems


def assignments_file_check(*, review_round: ReviewRound, content: bytes, default_due_on) -> CheckedFile:
    """Every problem in the file, by line, or the assignments to add. A handful of queries."""
    rows, problems = _rows(content)
    if not rows:
        return CheckedFile(planned=[], problems=problems, already=0)
    versions = {
        (slug, number): pk
        for pk, slug, number in RoundVersion.objects.filter(round=review_round).values_list(
            "version_id", "version__use_case__slug", "version__number"
        )
    }
    organisations = {}
    for pk, name, slug in Organisation.objects.values_list("pk", "name", "slug"):
        organisations[name.lower()] = organisations[slug.lower()] = pk
    emails = {row.get("reviewer_email", "").lower() for _line, row in rows} - {""}
    people = dict(
        get_user_model()
        .objects.annotate(lower_email=Lower("email"))
        .filter(lower_email__in=emails, is_active=True)
        .values_list("lower_email", "pk")
    )
    existing = set(
        Assignment.objects.filter(round=review_round).values_list("version_id", "organisation_id", "reviewer_id")
    )
    planned, seen, already = [], {}, 0
    for line, row in rows:
        here = []
        version_id = None
        if not row["use_case"] or not row["version"]:
            here.append(_("Give the use case's short name and its version number."))
        elif not row["version"].isdigit():
            here.append(_("The version must be a whole number, such as 2."))
        else:
            version_id = versions.get((row["use_case"].lower(), int(row["version"])))
            if version_id is None:
                here.append(
                    _("Version %(n)s of the use case “%(slug)s” is not in this round. Add it to the round first.")
                    % {"n": row["version"], "slug": row["use_case"]}
                )
        organisation_name, email = row.get("organisation", ""), row.get("reviewer_email", "")
        organisation_id = reviewer_id = None
        if organisation_name and email:
            here.append(_("Give an organisation or a reviewer's email address, not both."))
        elif not organisation_name and not email:
            here.append(_("Give an organisation or a reviewer's email address."))
        elif organisation_name:
            organisation_id = organisations.get(organisation_name.lower())
            if organisation_id is None:
                here.append(_("There is no organisation called “%(name)s”.") % {"name": organisation_name})
        else:
            reviewer_id = people.get(email.lower())
            if reviewer_id is None:
                here.append(
                    _("There is no active account with the email address %(email)s. Invite them first.")
                    % {"email": email}
                )
        due_on = default_due_on
        if row.get("due_on"):
            try:
                due_on = _date(row["due_on"])
            except ValueError:
                here.append(_("The due date must be a real date, written like 2027-03-15 or 15/03/2027."))
                due_on = None
            else:
                if problem := due_on_problem(review_round, due_on):
                    here.append(problem + ".")
        problems += [FileProblem(line, message) for message in here]
        if here:
            continue
        key = (version_id, organisation_id, reviewer_id)
        if key in seen:
            problems.append(FileProblem(line, _("This line repeats line %(line)s.") % {"line": seen[key]}))
            continue
        seen[key] = line
        if key in existing:
            already += 1
            continue
        planned.append(PlannedAssignment(line, version_id, organisation_id, reviewer_id, due_on))
    problems.sort(key=lambda problem: problem.line)
    return CheckedFile(planned=planned if not problems else [], problems=problems, already=already)
