"""Read queries for the programme admins' round pages (docs/admin-rounds.md). Every list is
read one page at a time, and every page makes the same number of queries whatever the size of
the round: counts come from grouped SQL, never from a query per row."""

import datetime
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Case, Count, Exists, OuterRef, Q, QuerySet, Subquery, When
from django.utils import timezone

from audiences.models import Audience, Membership, Organisation
from reviews.models import Assignment, AssignmentRequest, DeclaredInterest, Review, ReviewRound, RoundVersion
from usecases.models import UseCase, UseCaseVersion

ROUNDS_PER_PAGE = 20
# One page of the version chooser posts one checkbox per version shown, well under Django's
# DATA_UPLOAD_MAX_NUMBER_FIELDS (1,000) with the few other fields of the form.
VERSIONS_PER_PAGE = 100
ASSIGNMENTS_PER_PAGE = 50
PROGRESS_ROWS_PER_PAGE = 25
PROBLEM_VERSIONS_PER_PAGE = 50


def managed_rounds() -> QuerySet[ReviewRound]:
    """Every round, newest first, with how many versions and assignments it holds."""
    versions = RoundVersion.objects.filter(round=OuterRef("pk")).values("round").annotate(n=Count("pk")).values("n")
    assignments = Assignment.objects.filter(round=OuterRef("pk")).values("round").annotate(n=Count("pk")).values("n")
    return ReviewRound.objects.annotate(
        version_count=Subquery(versions), assignment_count=Subquery(assignments)
    ).order_by("-created_at", "-pk")


def managed_round(slug: str) -> ReviewRound | None:
    return ReviewRound.objects.filter(slug=slug).first()


def round_principle_names(review_round: ReviewRound) -> list[str]:
    return list(review_round.principles.order_by("order", "name").values_list("name", flat=True))


def flag_audience_names(review_round: ReviewRound) -> list[str]:
    """The names of the audiences whose "does not meet" flags the round's cells, in display order."""
    return list(review_round.flag_audiences.order_by("display_order", "name").values_list("name", flat=True))


def audiences() -> list[Audience]:
    return list(Audience.objects.order_by("display_order", "name"))


def organisations() -> QuerySet[Organisation]:
    return Organisation.objects.order_by("name")


def round_version_count(review_round: ReviewRound) -> int:
    return RoundVersion.objects.filter(round=review_round).count()


def candidate_versions(
    *, review_round: ReviewRound, audience: str = "", search: str = "", every_version: bool = False
) -> QuerySet[UseCaseVersion]:
    """Use case versions an admin may put in the round, filtered: by default the latest version of
    each use case; every_version shows earlier ones too. Each carries in_round."""
    versions = UseCaseVersion.objects.select_related("use_case__audience").annotate(
        in_round=Exists(RoundVersion.objects.filter(round=review_round, version=OuterRef("pk")))
    )
    if not every_version:
        latest = UseCaseVersion.objects.filter(use_case=OuterRef("use_case")).order_by("-number").values("number")[:1]
        versions = versions.filter(number=Subquery(latest))
    if audience:
        versions = versions.filter(use_case__audience__slug=audience)
    if search:
        versions = versions.filter(Q(title__icontains=search) | Q(use_case__slug__icontains=search))
    return versions.order_by("use_case__audience__display_order", "use_case__display_order", "use_case__slug", "number")


def round_version(review_round: ReviewRound, version_id: int) -> UseCaseVersion | None:
    return (
        UseCaseVersion.objects.select_related("use_case__audience")
        .filter(pk=version_id, round_versions__round=review_round)
        .first()
    )


def version_assignments(review_round: ReviewRound, version: UseCaseVersion) -> QuerySet[Assignment]:
    return (
        Assignment.objects.filter(round=review_round, version=version)
        .select_related("reviewer", "organisation")
        .order_by("organisation__name", "reviewer__email", "pk")
    )


def organisation_assignments(review_round: ReviewRound, organisation: Organisation) -> QuerySet[Assignment]:
    """The organisation's assignments in the round, and those of its members in person."""
    members = Membership.objects.filter(organisation=organisation).values("user_id")
    return (
        Assignment.objects.filter(Q(organisation=organisation) | Q(reviewer__in=members), round=review_round)
        .select_related("reviewer", "organisation", "version__use_case__audience")
        .order_by("version__title", "pk")
    )


def round_assignment(review_round: ReviewRound, assignment_id: int) -> Assignment | None:
    return (
        Assignment.objects.filter(round=review_round, pk=assignment_id)
        .select_related("reviewer", "organisation", "version__use_case__audience")
        .first()
    )


def active_person(email: str):
    """The active account with this email address (any letter case), or None."""
    return get_user_model().objects.filter(email__iexact=email.strip(), is_active=True).first()


def versions_without_assignment(review_round: ReviewRound) -> QuerySet[UseCaseVersion]:
    """The round's versions nobody has been given to review, by title."""
    return (
        UseCaseVersion.objects.filter(round_versions__round=review_round)
        .exclude(pk__in=Assignment.objects.filter(round=review_round).values("version_id"))
        .select_related("use_case__audience")
        .order_by("title", "pk")
    )


def draft_author_count(review_round: ReviewRound) -> int:
    """How many people have a draft, never submitted, in the round."""
    return (
        Review.objects.filter(round=review_round, status=Review.Status.DRAFT).values("reviewer_id").distinct().count()
    )


# --- The progress dashboard -------------------------------------------------------------------


@dataclass(frozen=True)
class Progress:
    """Submitted out of expected for a use case version, an organisation or a person. Expected:
    every active member of an organisation given the version, and every person given it in
    person; someone given it both ways is expected once, by the earlier due date."""

    expected: int
    submitted: int
    overdue: int

    @property
    def outstanding(self) -> int:
        return self.expected - self.submitted


@dataclass(frozen=True)
class VersionProgressRow:
    version_id: int
    title: str
    number: int
    audience: str
    due_on: datetime.date | None
    progress: Progress


@dataclass(frozen=True)
class GroupProgressRow:
    """An organisation (its organisation-wide assignments) or a person (their assignments in person)."""

    kind: str  # "organisation" or "person"
    key: str  # the organisation's slug, or the person's email
    name: str
    versions: int
    progress: Progress


class _SqlPage:
    """Rows of one page from SQL, with the total count, shaped for Django's Paginator."""

    def __init__(self, count: int, fetch):
        self._count, self._fetch = count, fetch

    def count(self) -> int:
        return self._count

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, key: slice):
        return self._fetch(key.start or 0, (key.stop or self._count) - (key.start or 0))


def _tables() -> dict[str, str]:
    return {
        "assignment": Assignment._meta.db_table,
        "request": AssignmentRequest._meta.db_table,
        "membership": Membership._meta.db_table,
        "user": get_user_model()._meta.db_table,
        "review": Review._meta.db_table,
        "round_version": RoundVersion._meta.db_table,
        "version": UseCaseVersion._meta.db_table,
        "use_case": UseCase._meta.db_table,
        "audience": Audience._meta.db_table,
        "organisation": Organisation._meta.db_table,
    }


# A declined assignment expects nobody until it is given to someone else.
_NOT_DECLINED = """
    NOT EXISTS (SELECT 1 FROM {request} q WHERE q.assignment_id = a.id AND q.kind = 'decline' AND q.state = 'open')
"""

# Every (version, person) the round expects a review from, with the due date of the assignment
# that asks them: people given a version in person, and every active member of an organisation
# given it; not through a declined assignment. Parameters: round id, True, round id, True.
_EXPECTED = f"""
    SELECT 'person' AS kind, a.reviewer_id AS group_id, a.version_id, a.reviewer_id AS user_id, a.due_on
    FROM {{assignment}} a JOIN {{user}} u ON u.id = a.reviewer_id
    WHERE a.round_id = %s AND u.is_active = %s AND {_NOT_DECLINED}
    UNION ALL
    SELECT 'organisation', a.organisation_id, a.version_id, m.user_id, a.due_on
    FROM {{assignment}} a
    JOIN {{membership}} m ON m.organisation_id = a.organisation_id
    JOIN {{user}} u ON u.id = m.user_id
    WHERE a.round_id = %s AND u.is_active = %s AND {_NOT_DECLINED}
"""

# Counting, over rows p with a due_on, joined to their review r. Parameter: today.
_COUNTS = """
    COUNT(*) AS expected,
    SUM(CASE WHEN r.status = 'submitted' THEN 1 ELSE 0 END) AS submitted,
    SUM(CASE WHEN (r.status IS NULL OR r.status <> 'submitted') AND p.due_on < %s THEN 1 ELSE 0 END) AS overdue
"""


def _rows(sql: str, params: list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql.format(**_tables()), params)
        return cursor.fetchall()


def _as_date(value) -> datetime.date | None:
    if value is None or isinstance(value, datetime.date):
        return value
    return datetime.date.fromisoformat(str(value))


def _expected_params(review_round: ReviewRound) -> list:
    return [review_round.pk, True, review_round.pk, True]


def round_progress_totals(review_round: ReviewRound) -> Progress:
    """The whole round: every expected review once. One query."""
    sql = f"""
        WITH expected AS ({_EXPECTED}),
        pairs AS (SELECT version_id, user_id, MIN(due_on) AS due_on FROM expected GROUP BY version_id, user_id)
        SELECT {_COUNTS}
        FROM pairs p
        LEFT JOIN {{review}} r ON r.round_id = %s AND r.version_id = p.version_id AND r.reviewer_id = p.user_id
    """
    params = [*_expected_params(review_round), timezone.localdate(), review_round.pk]
    expected, submitted, overdue = _rows(sql, params)[0]
    return Progress(expected=expected or 0, submitted=submitted or 0, overdue=overdue or 0)


def version_progress(review_round: ReviewRound) -> _SqlPage:
    """Per use case version of the round, overdue first, then the most outstanding, then by title.
    Paginate it: each page is one grouped query (plus one count)."""
    count = RoundVersion.objects.filter(round=review_round).count()

    def fetch(offset: int, limit: int) -> list[VersionProgressRow]:
        sql = f"""
            WITH expected AS ({_EXPECTED}),
            pairs AS (SELECT version_id, user_id, MIN(due_on) AS due_on FROM expected GROUP BY version_id, user_id),
            progress AS (
                SELECT p.version_id, MIN(p.due_on) AS due_on, {_COUNTS}
                FROM pairs p
                LEFT JOIN {{review}} r ON r.round_id = %s AND r.version_id = p.version_id AND r.reviewer_id = p.user_id
                GROUP BY p.version_id
            )
            SELECT rv.version_id, v.title, v.number, au.name, pr.due_on,
                   COALESCE(pr.expected, 0), COALESCE(pr.submitted, 0), COALESCE(pr.overdue, 0)
            FROM {{round_version}} rv
            JOIN {{version}} v ON v.id = rv.version_id
            JOIN {{use_case}} uc ON uc.id = v.use_case_id
            JOIN {{audience}} au ON au.id = uc.audience_id
            LEFT JOIN progress pr ON pr.version_id = rv.version_id
            WHERE rv.round_id = %s
            ORDER BY COALESCE(pr.overdue, 0) DESC, COALESCE(pr.expected, 0) - COALESCE(pr.submitted, 0) DESC,
                     v.title, v.id
            LIMIT %s OFFSET %s
        """
        params = [
            *_expected_params(review_round),
            timezone.localdate(),
            review_round.pk,
            review_round.pk,
            limit,
            offset,
        ]
        return [
            VersionProgressRow(
                version_id=row[0],
                title=row[1],
                number=row[2],
                audience=row[3],
                due_on=_as_date(row[4]),
                progress=Progress(expected=row[5], submitted=row[6], overdue=row[7]),
            )
            for row in _rows(sql, params)
        ]

    return _SqlPage(count, fetch)


def group_progress(review_round: ReviewRound) -> _SqlPage:
    """Per organisation (its organisation-wide assignments) and per person given use cases in
    person, overdue first, then the most outstanding, then by name. Paginate it."""
    counts = Assignment.objects.filter(round=review_round).aggregate(
        organisations=Count("organisation", distinct=True), people=Count("reviewer", distinct=True)
    )

    def fetch(offset: int, limit: int) -> list[GroupProgressRow]:
        sql = f"""
            WITH expected AS ({_EXPECTED}),
            progress AS (
                SELECT p.kind, p.group_id, {_COUNTS}
                FROM expected p
                LEFT JOIN {{review}} r ON r.round_id = %s AND r.version_id = p.version_id AND r.reviewer_id = p.user_id
                GROUP BY p.kind, p.group_id
            ),
            groups AS (
                SELECT 'organisation' AS kind, a.organisation_id AS group_id, o.slug AS group_key, o.name AS name,
                       COUNT(*) AS versions
                FROM {{assignment}} a JOIN {{organisation}} o ON o.id = a.organisation_id
                WHERE a.round_id = %s
                GROUP BY a.organisation_id, o.slug, o.name
                UNION ALL
                SELECT 'person', a.reviewer_id, u.email, COALESCE(NULLIF(u.full_name, ''), u.email), COUNT(*)
                FROM {{assignment}} a JOIN {{user}} u ON u.id = a.reviewer_id
                WHERE a.round_id = %s
                GROUP BY a.reviewer_id, u.email, u.full_name
            )
            SELECT g.kind, g.group_key, g.name, g.versions,
                   COALESCE(pr.expected, 0), COALESCE(pr.submitted, 0), COALESCE(pr.overdue, 0)
            FROM groups g LEFT JOIN progress pr ON pr.kind = g.kind AND pr.group_id = g.group_id
            ORDER BY COALESCE(pr.overdue, 0) DESC, COALESCE(pr.expected, 0) - COALESCE(pr.submitted, 0) DESC,
                     g.name, g.kind
            LIMIT %s OFFSET %s
        """
        params = [
            *_expected_params(review_round),
            timezone.localdate(),
            review_round.pk,
            review_round.pk,
            review_round.pk,
            limit,
            offset,
        ]
        return [
            GroupProgressRow(
                kind=row[0],
                key=row[1],
                name=row[2],
                versions=row[3],
                progress=Progress(expected=row[4], submitted=row[5], overdue=row[6]),
            )
            for row in _rows(sql, params)
        ]

    return _SqlPage(counts["organisations"] + counts["people"], fetch)


# --- Requests from reviewers and declared interests (docs/declined-and-interests.md) ----------

REQUESTS_PER_PAGE = 25
INTERESTS_PER_PAGE = 50


def _requests() -> QuerySet[AssignmentRequest]:
    """Requests with what their pages show, open ones first, then the newest."""
    return AssignmentRequest.objects.select_related(
        "assignment__round",
        "assignment__version__use_case__audience",
        "assignment__organisation",
        "assignment__reviewer",
        "requested_by",
        "decided_by",
    ).order_by(Case(When(state=AssignmentRequest.State.OPEN, then=0), default=1), "-requested_at", "-pk")


def round_requests(review_round: ReviewRound) -> QuerySet[AssignmentRequest]:
    return _requests().filter(assignment__round=review_round)


def round_open_request_count(review_round: ReviewRound) -> int:
    return AssignmentRequest.objects.filter(assignment__round=review_round, state=AssignmentRequest.State.OPEN).count()


def round_request(review_round: ReviewRound, request_id: int) -> AssignmentRequest | None:
    return round_requests(review_round).filter(pk=request_id).first()


def _organisation_assignments_q(organisation: Organisation, prefix: str = "") -> Q:
    """Assignments to the organisation, or in person to one of its members."""
    members = Membership.objects.filter(organisation=organisation).values("user_id")
    return Q(**{f"{prefix}organisation": organisation}) | Q(**{f"{prefix}reviewer__in": members})


def organisation_requests(organisation: Organisation) -> QuerySet[AssignmentRequest]:
    """Requests about the organisation's assignments, or its members' own, in rounds still open."""
    return _requests().filter(
        _organisation_assignments_q(organisation, "assignment__"),
        assignment__round__status=ReviewRound.Status.OPEN,
    )


def organisation_request(organisation: Organisation, request_id: int) -> AssignmentRequest | None:
    return organisation_requests(organisation).filter(pk=request_id).first()


def organisation_members(organisation: Organisation) -> QuerySet:
    """The organisation's active members, by name, for choosing who takes a use case on."""
    return (
        get_user_model()
        .objects.filter(memberships__organisation=organisation, is_active=True)
        .order_by("full_name", "email")
    )


def interests() -> QuerySet[DeclaredInterest]:
    """Every declaration, standing ones first, then the newest; with the use case's latest title."""
    latest = UseCaseVersion.objects.filter(use_case=OuterRef("use_case")).order_by("-number").values("title")[:1]
    return (
        DeclaredInterest.objects.select_related(
            "organisation", "use_case__audience", "declared_by", "overridden_by", "withdrawn_by"
        )
        .annotate(use_case_title=Subquery(latest))
        .order_by(Case(When(withdrawn_at__isnull=True, then=0), default=1), "-declared_at", "-pk")
    )


def organisation_interests(organisation: Organisation) -> QuerySet[DeclaredInterest]:
    return interests().filter(organisation=organisation)


def use_case_choices() -> QuerySet[UseCase]:
    """Every use case with its latest version's title (use_case_title), for choosing one."""
    latest = UseCaseVersion.objects.filter(use_case=OuterRef("pk")).order_by("-number").values("title")[:1]
    return (
        UseCase.objects.select_related("audience")
        .annotate(use_case_title=Subquery(latest))
        .order_by("audience__display_order", "display_order", "slug")
    )
