"""Reading verdicts gathered offline (a workshop, a spreadsheet) from a CSV file.

verdict_rows_from_csv checks every row before anything is written and changes nothing itself;
reviews.services.verdicts_import writes the rows once there are no problems. Slugs, emails and
organisations are resolved with a fixed handful of queries for the whole file, never per row.
"""

import codecs
import csv
import io
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from accounts.models import EMAIL_MAX
from audiences.models import ORGANISATION_NAME_MAX, Membership, Organisation
from bold_portal.text import control_character, grouped, visible
from principles.models import PRINCIPLE_SLUG_MAX, Principle
from reviews.models import REVIEW_TEXT_SUBMIT_MAX, Review, ReviewRound, Verdict
from reviews.services import verdict_problem
from usecases.models import USE_CASE_SLUG_MAX, UseCase, UseCaseVersion

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
# The import_verdicts option that sets each field of a new round.
ROUND_OPTIONS = {
    "slug": "--round",
    "name": "--create-round",
    "threshold": "--threshold",
    "min_reviews": "--min-reviews",
}


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


@dataclass(frozen=True)
class VerdictRow:
    """One checked CSV row: a reviewer's verdict on one principle for one use case version."""

    line: int
    reviewer_email: str
    reviewer: AbstractBaseUser | None  # the existing account, or None for a reviewer the import creates
    organisation: Organisation
    version: UseCaseVersion
    principle: Principle
    verdict: str
    reason: str
    evidence: str

    @property
    def reviewer_key(self) -> str:
        return self.reviewer_email.lower()


def new_round_problems(review_round: ReviewRound) -> list[ImportProblem]:
    """What stops an unsaved round, built from the command's options, from being created."""
    problems = []
    excluded = []
    if not Decimal(0) <= review_round.threshold < Decimal(1):
        excluded.append("threshold")
        problems.append(
            ImportProblem(
                None,
                _("The threshold %(threshold)s is outside the range 0 to 1.") % {"threshold": review_round.threshold},
                _("Give --threshold as at least 0 and less than 1, such as 0.5 for a simple majority."),
            )
        )
    if review_round.min_reviews < 1:
        excluded.append("min_reviews")
        problems.append(
            ImportProblem(
                None,
                _("The minimum number of reviews %(number)s is less than 1.") % {"number": review_round.min_reviews},
                _("Give --min-reviews as a whole number of at least 1, such as 2."),
            )
        )
    try:
        review_round.full_clean(exclude=excluded, validate_constraints=False)
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            for message in messages:
                option = ROUND_OPTIONS.get(field, field)
                problems.append(ImportProblem(None, message, _("Correct %(option)s.") % {"option": option}))
    return problems


def verdict_rows_from_csv(
    content: bytes, *, review_round: ReviewRound | None
) -> tuple[list[VerdictRow], list[ImportProblem]]:
    """Parse and check a CSV file of verdicts for review_round (None: a new round, which will hold
    the versions and principles the file uses). Returns the checked rows and every problem found;
    the rows may be imported only when there are no problems."""
    records, problems = _records(content)
    if not records:
        return [], problems
    parsed = [_ParsedRow.from_record(line, record, problems) for line, record in records]
    lookups = _Lookups.for_rows(parsed, review_round)
    rows = [row for row in (lookups.resolve(p, problems) for p in parsed) if row is not None]
    # A review with a faulty row is already reported; saying it also lacks that principle is noise.
    # None in a key (a reviewer, use case or version that could not be read) matches any review.
    faulty_lines = {problem.line for problem in problems}
    faulty_reviews = {
        (p.email.lower() if p.email else None, p.use_case or None, p.version) for p in parsed if p.line in faulty_lines
    }
    _check_reviews(rows, lookups, problems, faulty_reviews=faulty_reviews)
    problems.sort(key=lambda problem: problem.line or 0)
    return rows, problems


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


def _records(content: bytes) -> tuple[list[tuple[int, dict[str, str]]], list[ImportProblem]]:
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
    """_records, once the file is text."""
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


@dataclass
class _ParsedRow:
    """A row's values after the checks that need no database; None where a value is unusable."""

    line: int
    email: str | None
    organisation: str
    use_case: str
    version: int | None
    principle: str
    verdict: str | None
    reason: str
    evidence: str

    @classmethod
    def from_record(cls, line: int, record: dict[str, str], problems: list[ImportProblem]) -> "_ParsedRow":
        def problem(message, hint):
            problems.append(ImportProblem(line, message, hint))

        # A value with a control character or over its column's limit is reported here and then
        # treated as missing, without a second message: it never reaches a lookup.
        record = {column: value for column, value in record.items() if _value_fits(line, column, value, problems)}
        email = BaseUserManager.normalize_email(record.get("reviewer_email", ""))
        try:
            validate_email(email)
        except ValidationError:
            if "reviewer_email" not in record:
                pass  # reported already
            elif email:
                problem(
                    _("“%(email)s” is not an email address.") % {"email": email},
                    _("Check reviewer_email for typos or spaces; write it like name@example.org."),
                )
            else:
                problem(_("reviewer_email is empty."), _("Give the reviewer's email address."))
            email = None

        for column in ("organisation", "use_case", "principle"):
            if record.get(column) == "":
                problem(
                    _("%(column)s is empty.") % {"column": column},
                    _("Fill in %(column)s on this row.") % {"column": column},
                )

        version = None
        if "version" in record:
            version = int(record["version"]) if record["version"].isdecimal() else None
            if not version:  # not a whole number, or 0
                version = None
                problem(
                    _("“%(value)s” is not a version number.") % {"value": record["version"]},
                    _("Give the version as a whole number, such as 1."),
                )

        verdict = record.get("verdict", "").lower() or None
        reason = record.get("reason")
        if "verdict" not in record:
            pass  # reported already
        elif verdict not in Verdict.Choice.values:
            problem(
                _("“%(value)s” is not a verdict.") % {"value": record["verdict"]},
                _("Write meets, does_not_meet or not_sure in the verdict column."),
            )
            verdict = None
        elif reason is not None and (reason_problem := verdict_problem(verdict=verdict, reason=reason)):
            problem(f"{reason_problem}.", _("Fill in the reason column with the reason the reviewer gave."))

        return cls(
            line=line,
            email=email,
            organisation=record.get("organisation", ""),
            use_case=record.get("use_case", ""),
            version=version,
            principle=record.get("principle", ""),
            verdict=verdict,
            reason=reason or "",
            evidence=record.get("evidence", ""),
        )


def _value_fits(line: int, column: str, value: str, problems: list[ImportProblem]) -> bool:
    """Whether value can be read at all: no control character, and within the column's limit.
    If not, the problem names the line, the column and what to do."""
    limit, what = COLUMN_LIMITS[column]
    if found := control_character(value):
        position, code = found
        problems.append(
            ImportProblem(
                line,
                _("%(what)s has a hidden control character (%(code)s) at character %(position)s.")
                % {"what": str(what).capitalize(), "code": code, "position": grouped(position)},
                _("Remove it (it often comes with text copied from another program) and import the file again."),
                column=column,
            )
        )
        return False
    if len(value) > limit:
        problems.append(
            ImportProblem(
                line,
                _("%(what)s is %(length)s characters long; the limit is %(limit)s.")
                % {"what": str(what).capitalize(), "length": grouped(len(value)), "limit": grouped(limit)},
                _("Shorten it.") if column in FREE_TEXT_COLUMNS else _("Check it: the portal keeps none longer."),
                column=column,
            )
        )
        return False
    return True


@dataclass
class _Lookups:
    """Everything the rows refer to, fetched once for the whole file."""

    review_round: ReviewRound | None
    users: dict[str, AbstractBaseUser]
    memberships: set[tuple[int, int]]
    organisations: dict[str, Organisation]
    use_cases: set[str]
    versions: dict[tuple[str, int], UseCaseVersion]
    principles: dict[str, Principle]
    round_principles: list[Principle] | None
    round_version_ids: set[int]
    reviewed: dict[tuple[int, int], str]  # (reviewer id, version id) -> status of the review in the round

    @classmethod
    def for_rows(cls, parsed: list[_ParsedRow], review_round: ReviewRound | None) -> "_Lookups":
        keys = {row.email.lower() for row in parsed if row.email}
        # Accounts are matched on their email address, ignoring case (one account per address).
        found = list(
            get_user_model().objects.annotate(email_key=Lower("email")).filter(email_key__in=keys).order_by("pk")
        )
        users = {}
        for user in found:
            users.setdefault(user.email_key, user)

        names = {row.organisation for row in parsed}
        organisations = {}
        for organisation in Organisation.objects.filter(Q(slug__in=names) | Q(name__in=names)):
            organisations[organisation.slug] = organisation
            organisations[organisation.name] = organisation

        slugs = {row.use_case for row in parsed}
        versions = UseCaseVersion.objects.filter(use_case__slug__in=slugs).select_related("use_case")
        if review_round is not None:
            round_principles = list(review_round.principles.order_by("order", "name"))
            round_version_ids = set(review_round.versions.values_list("pk", flat=True))
            reviewed = {
                (reviewer_id, version_id): status
                for reviewer_id, version_id, status in Review.objects.filter(
                    round=review_round, reviewer__in=found, version__use_case__slug__in=slugs
                ).values_list("reviewer_id", "version_id", "status")
            }
        else:
            round_principles, round_version_ids, reviewed = None, set(), {}
        return cls(
            review_round=review_round,
            users=users,
            memberships=set(Membership.objects.filter(user__in=found).values_list("user_id", "organisation_id")),
            organisations=organisations,
            use_cases=set(UseCase.objects.filter(slug__in=slugs).values_list("slug", flat=True)),
            versions={(version.use_case.slug, version.number): version for version in versions},
            principles={principle.slug: principle for principle in Principle.objects.order_by("order", "name")},
            round_principles=round_principles,
            round_version_ids=round_version_ids,
            reviewed=reviewed,
        )

    def resolve(self, row: _ParsedRow, problems: list[ImportProblem]) -> VerdictRow | None:
        """The row with its references looked up, or None (with problems added) when one is missing."""

        def problem(message, hint):
            problems.append(ImportProblem(row.line, message, hint))

        organisation = self.organisations.get(row.organisation)
        if row.organisation and organisation is None:
            problem(
                _("No organisation has the slug or name “%(value)s”.") % {"value": row.organisation},
                _("Give the organisation's slug (such as crisis) or its exact name; an admin adds new organisations."),
            )

        version = self.versions.get((row.use_case, row.version))
        if row.use_case and row.use_case not in self.use_cases:
            problem(
                _("No use case has the slug “%(value)s”.") % {"value": row.use_case},
                _("Check the slug against the use case's page in the portal."),
            )
        elif row.use_case and row.version and version is None:
            numbers = sorted(number for slug, number in self.versions if slug == row.use_case)
            problem(
                _("Use case %(use_case)s has no version %(version)s.")
                % {"use_case": row.use_case, "version": row.version},
                _("Its versions are %(numbers)s: correct the version number.")
                % {"numbers": ", ".join(map(str, numbers)) or _("none yet")},
            )
        elif version is not None and self.review_round and version.pk not in self.round_version_ids:
            problem(
                _("Version %(version)s of %(use_case)s is not part of round %(round)s.")
                % {"version": row.version, "use_case": row.use_case, "round": self.review_round.slug},
                _("Ask an admin to add it to the round first, or import into a new round with --create-round."),
            )
            version = None

        principle = self.principles.get(row.principle)
        allowed = self.round_principles if self.review_round else list(self.principles.values())
        if row.principle and principle not in allowed:
            principle = None
            where = _("round %(round)s") % {"round": self.review_round.slug} if self.review_round else _("the portal")
            problem(
                _("Principle “%(value)s” is not one of %(where)s's principles.")
                % {"value": row.principle, "where": where},
                _("Use one of: %(slugs)s.") % {"slugs": ", ".join(p.slug for p in allowed)},
            )

        if None in (row.email, organisation, version, principle, row.verdict):
            return None
        return VerdictRow(
            line=row.line,
            reviewer_email=row.email,
            reviewer=self.users.get(row.email.lower()),
            organisation=organisation,
            version=version,
            principle=principle,
            verdict=row.verdict,
            reason=row.reason,
            evidence=row.evidence,
        )


def _check_reviews(
    rows: list[VerdictRow], lookups: _Lookups, problems: list[ImportProblem], *, faulty_reviews: set[tuple]
) -> None:
    """Checks across rows: one organisation per reviewer, accounts that can review for it, no
    repeated verdicts, no review that exists already, and one verdict per principle of the round."""
    organisation_of: dict[str, VerdictRow] = {}
    seen: dict[tuple, int] = {}
    reviews: dict[tuple[str, int], list[VerdictRow]] = defaultdict(list)

    for row in rows:
        first = organisation_of.setdefault(row.reviewer_key, row)
        if first.organisation != row.organisation:
            problems.append(
                ImportProblem(
                    row.line,
                    _("%(email)s is given organisation %(this)s here but %(first)s on line %(line)s.")
                    % {
                        "email": row.reviewer_email,
                        "this": row.organisation.slug,
                        "first": first.organisation.slug,
                        "line": first.line,
                    },
                    _("Give one organisation per reviewer in the file."),
                )
            )
        elif (
            first is row
            and row.reviewer is not None
            and (row.reviewer.pk, row.organisation.pk) not in lookups.memberships
        ):
            problems.append(
                ImportProblem(
                    row.line,
                    _("%(email)s has an account but is not a reviewer of %(organisation)s.")
                    % {"email": row.reviewer_email, "organisation": row.organisation.name},
                    _("Correct the organisation, or ask an admin to add them to it first."),
                )
            )

        key = (row.reviewer_key, row.version.pk, row.principle.pk)
        if key in seen:
            problems.append(
                ImportProblem(
                    row.line,
                    _("This repeats the verdict on line %(line)s: the same reviewer, use case version and principle.")
                    % {"line": seen[key]},
                    _("Keep only one of the two rows."),
                )
            )
            continue
        seen[key] = row.line
        reviews[(row.reviewer_key, row.version.pk)].append(row)

    round_principles = lookups.round_principles or sorted(
        {row.principle for row in rows}, key=lambda principle: (principle.order, principle.name)
    )
    for review_rows in reviews.values():
        first = review_rows[0]
        label = {
            "email": first.reviewer_email,
            "use_case": first.version.use_case.slug,
            "version": first.version.number,
        }
        if first.reviewer is not None and (status := lookups.reviewed.get((first.reviewer.pk, first.version.pk))):
            problems.append(
                ImportProblem(
                    first.line,
                    _("%(email)s already has a review (%(status)s) of %(use_case)s version %(version)s in this round.")
                    % {**label, "status": Review.Status(status).label.lower()},
                    _("Remove this reviewer's rows for that version: an import adds reviews, it does not change them."),
                )
            )
        given = {row.principle for row in review_rows}
        missing = [principle.slug for principle in round_principles if principle not in given]
        key = (first.reviewer_key, first.version.use_case.slug, first.version.number)
        if missing and not any(_matches(key, faulty) for faulty in faulty_reviews):
            problems.append(
                ImportProblem(
                    first.line,
                    _("%(email)s's review of %(use_case)s version %(version)s has no verdict for: %(missing)s.")
                    % {**label, "missing": ", ".join(missing)},
                    _("Add a row for each principle of the round (not_sure with a reason when it was not discussed)."),
                )
            )


def _matches(key: tuple, pattern: tuple) -> bool:
    """Whether a (reviewer, use case, version) key matches pattern, where None matches anything."""
    return all(wanted is None or wanted == value for value, wanted in zip(key, pattern, strict=True))
