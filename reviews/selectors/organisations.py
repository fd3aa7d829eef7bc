"""Read queries for an organisation's leads (docs/reviewer-journey.md, "Your organisation's
reviews"): how their members are getting on in open rounds (who has not submitted what:
reviews.selectors.not_submitted). They read review statuses alone, never what anyone said."""

import datetime
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from audiences.models import Organisation
from reviews.models import (
    Assignment,
    ProgressHeader,
    ProgressScope,
    Review,
    ReviewRound,
    VersionProgressCount,
)
from reviews.selectors.expected import expected_by_assignment, expected_reviewers
from reviews.selectors.requests import declined
from usecases.models import UseCaseVersion

# Bandit's B608 (SQL built from strings) is silenced by a nosec comment where a statement below ends:
# only Django's own SQL for the expected reviewers and table names from the models are formatted into
# the SQL; every value is a query parameter.


@dataclass(frozen=True)
class MemberProgress:
    """Where one person expected to review a version is with it: the status only, never what
    they said (see docs/reviewer-journey.md, "Your organisation's reviews")."""

    name: str
    status: str
    due_on: datetime.date | None
    user_id: int | None = None  # for reminders; never shown
    is_overdue: bool = False  # due before today and not submitted


@dataclass(frozen=True)
class VersionProgress:
    """A use case version assigned in an open round to an organisation or its members, with
    the progress of each member expected to review it."""

    title: str
    audience: str
    due_on: datetime.date | None
    reviewers: list[MemberProgress]
    path: str = ""  # the use case's page in the round, for links in reminders
    # The organisation-wide assignment, whose reviewers its lead chooses; None if given in person only.
    organisation_assignment_id: int | None = None
    # Counted once when built: a card shows each twice.
    submitted_count: int = 0
    overdue_count: int = 0
    version_id: int | None = None  # to put a page's versions in its order; never shown


@dataclass(frozen=True)
class RoundProgress:
    name: str
    closes_on: datetime.date | None
    versions: list[VersionProgress]
    slug: str = ""
    pk: int | None = None
    # Whether the round's progress counts are stored (reviews.models.progress_counts): the lead's
    # page then reads them; else it counts live.
    counts_stored: bool = False


@dataclass(frozen=True)
class OrganisationMember:
    name: str
    email: str
    role: str


@dataclass(frozen=True)
class OrganisationReviews:
    organisation_name: str
    organisation_slug: str
    rounds: list[RoundProgress]
    members: list[OrganisationMember]
    # The active members' accounts by id (organisation_overview), for round_versions and not_submitted_counts.
    people: dict = field(default_factory=dict)


def display_name(user) -> str:
    return user.get_full_name() or user.email


def _earliest(dates) -> datetime.date | None:
    known = [d for d in dates if d is not None]
    return min(known) if known else None


def active_members(organisation: Organisation):
    """The organisation's active memberships by name, and its members by id. One query."""
    memberships = sorted(
        organisation.memberships.filter(user__is_active=True).select_related("user"),
        key=lambda m: display_name(m.user).casefold(),
    )
    return memberships, {m.user_id: m.user for m in memberships}


def open_assignments(organisation: Organisation, member_ids) -> QuerySet[Assignment]:
    """The assignments of open rounds given to the organisation or to any of its members, not declined."""
    return Assignment.objects.filter(
        Q(organisation=organisation) | Q(reviewer__in=list(member_ids)), round__status=ReviewRound.Status.OPEN
    ).exclude(declined())


# What progress_by_round reads of each assignment, in this order.
_ASSIGNMENT_COLUMNS = (
    "pk",
    "round_id",
    "version_id",
    "organisation_id",
    "due_on",
    "round__name",
    "round__closes_on",
    "round__slug",
    "version__title",
    "version__number",
    "version__use_case__slug",
    "version__use_case__audience__name",
)


def _member_progress(name: str, status: str, due_on, user_id: int, today: datetime.date) -> MemberProgress:
    overdue = due_on is not None and due_on < today and status != Review.Status.SUBMITTED
    return MemberProgress(name=name, status=status, due_on=due_on, user_id=user_id, is_overdue=overdue)


def progress_by_round(assignments: QuerySet[Assignment], members: dict) -> dict[int, RoundProgress]:
    """Per round, the VersionProgress of each (round, version) of the assignments, in the order of
    each version's first assignment by id. Three queries, whatever the number of assignments;
    plain rows, no model instances, since a page of 20 use cases has some 400 assignments."""
    rows = list(assignments.order_by("pk").values_list(*_ASSIGNMENT_COLUMNS))
    statuses = {
        (round_id, version_id, reviewer_id): status
        for round_id, version_id, reviewer_id, status in Review.objects.filter(
            round__in={row[1] for row in rows},
            version__in={row[2] for row in rows},
            reviewer__in=list(members),
        ).values_list("round_id", "version_id", "reviewer_id", "status")
    }

    # Per (round, version): who is expected to review it (reviews.selectors.expected) and by when.
    # Someone given it both in person and through the organisation has the earlier date.
    chosen = expected_by_assignment(assignments)
    targets: dict[tuple[int, int], tuple] = {}
    shared: dict[tuple[int, int], int] = {}
    expected: dict[tuple[int, int], dict[int, list]] = {}
    for row in rows:
        pk, round_id, version_id, organisation_id, due_on = row[:5]
        key = (round_id, version_id)
        targets.setdefault(key, row)
        if organisation_id:
            shared[key] = pk
        people = expected.setdefault(key, {})
        for user_id in chosen.get(pk, []):
            if user_id in members:
                people.setdefault(user_id, []).append(due_on)

    names = {pk: display_name(user) for pk, user in members.items()}
    today = timezone.localdate()
    rounds: dict[int, RoundProgress] = {}
    for key, row in targets.items():
        (
            _pk,
            round_id,
            version_id,
            _organisation_id,
            _due_on,
            name,
            closes_on,
            slug,
            title,
            number,
            use_case,
            audience,
        ) = row
        people = expected[key]
        reviewers = sorted(
            (
                _member_progress(
                    names[user_id], statuses.get((*key, user_id), "not_started"), _earliest(dates), user_id, today
                )
                for user_id, dates in people.items()
            ),
            key=lambda r: r.name.casefold(),
        )
        rounds.setdefault(
            round_id, RoundProgress(name=name, closes_on=closes_on, versions=[], slug=slug)
        ).versions.append(
            VersionProgress(
                title=title,
                audience=audience,
                due_on=_earliest(due for dates in people.values() for due in dates),
                reviewers=reviewers,
                path=reverse("reviews:use_case", args=[slug, use_case, number]),
                organisation_assignment_id=shared.get(key),
                submitted_count=sum(1 for r in reviewers if r.status == Review.Status.SUBMITTED),
                overdue_count=sum(1 for r in reviewers if r.is_overdue),
                version_id=version_id,
            )
        )
    return rounds


def round_order(progress: RoundProgress):
    return round_order_of(progress.closes_on, progress.name)


def round_order_of(closes_on: datetime.date | None, name: str) -> tuple:
    return (closes_on is None, closes_on or datetime.date.max, name)


def _members_list(memberships) -> list[OrganisationMember]:
    return [
        OrganisationMember(name=display_name(m.user), email=m.user.email, role=m.get_role_display())
        for m in memberships
    ]


def organisation_reviews(organisation: Organisation) -> OrganisationReviews:
    """The organisation's progress in open rounds, for its leads: per version assigned to the
    organisation or to any of its members, each expected reviewer's status and due date. People
    whose accounts are switched off (is_active false) have left and are not expected.

    Reads review statuses alone (never verdicts, reasons or comments), in five queries whatever
    the number of members, assignments or reviews; but it builds every version of every open
    round, so the lead's page reads organisation_overview and a page of round_versions instead."""
    memberships, members = active_members(organisation)
    rounds = progress_by_round(open_assignments(organisation, members), members)
    for progress in rounds.values():
        progress.versions.sort(key=lambda v: (v.due_on is None, v.due_on or datetime.date.max, v.title))
    return OrganisationReviews(
        organisation_name=organisation.name,
        organisation_slug=organisation.slug,
        rounds=sorted(rounds.values(), key=round_order),
        members=_members_list(memberships),
    )


def organisation_overview(organisation: Organisation) -> OrganisationReviews:
    """The organisation's open rounds (without their versions: see RoundVersions), each saying
    whether its progress counts are stored, and its members, for the lead's page. Two queries
    whatever the size of the rounds."""
    memberships, members = active_members(organisation)
    stored = Exists(ProgressHeader.objects.filter(round=OuterRef("pk")))
    # A round whose counts are stored gives the organisation something when it has one of its
    # members rows (one index probe); only the others look for an assignment, which can mean
    # reading every assignment of a large round.
    given_stored = Exists(
        VersionProgressCount.objects.filter(
            round=OuterRef("pk"), organisation=organisation, scope=ProgressScope.MEMBERS
        )
    )
    given_live = Exists(open_assignments(organisation, members).filter(round=OuterRef("pk")))
    rounds = (
        ReviewRound.objects.filter(status=ReviewRound.Status.OPEN)
        .annotate(counts_stored=stored)
        .filter((stored & given_stored) | (~stored & given_live))
        .only("name", "slug", "closes_on")
    )
    return OrganisationReviews(
        organisation_name=organisation.name,
        organisation_slug=organisation.slug,
        rounds=sorted(
            (
                RoundProgress(
                    name=r.name,
                    closes_on=r.closes_on,
                    versions=[],
                    slug=r.slug,
                    pk=r.pk,
                    counts_stored=r.counts_stored,
                )
                for r in rounds
            ),
            key=round_order,
        ),
        members=_members_list(memberships),
        people=members,
    )


class RoundVersions:
    """The versions of one open round given to the organisation or its members, the earliest
    due first (no due date last), then by title: for Django's Paginator. Ordered and paged in SQL;
    only a page's versions are built (one count, one query for the page's ids, then five). With
    stored_round_id (the round's, when its progress counts are stored) the count and the order
    read the organisation's stored rows of the round, one per version, instead of every expected
    (version, person) pair."""

    def __init__(
        self,
        organisation: Organisation,
        round_slug: str,
        members: dict | None = None,
        *,
        stored_round_id: int | None = None,
    ):
        self.organisation = organisation
        self.members = active_members(organisation)[1] if members is None else members
        self.assignments = open_assignments(organisation, self.members).filter(round__slug=round_slug)
        self.stored = (
            None
            if stored_round_id is None
            else VersionProgressCount.objects.filter(
                round_id=stored_round_id, organisation=organisation, scope=ProgressScope.MEMBERS
            )
        )
        self._count = None

    def count(self) -> int:
        if self._count is None:
            if self.stored is not None:
                self._count = self.stored.count()
            else:
                self._count = self.assignments.order_by().values("version_id").distinct().count()
        return self._count

    def __len__(self) -> int:
        return self.count()

    def _page_ids(self, offset: int, limit: int) -> list[int]:
        if self.stored is not None:
            ordered = self.stored.order_by(F("due_on").asc(nulls_last=True), "title", "version_id")
            return list(ordered.values_list("version_id", flat=True)[offset : offset + limit])
        return self._live_page_ids(offset, limit)

    def __getitem__(self, key: slice) -> list[VersionProgress]:
        offset = key.start or 0
        limit = (key.stop if key.stop is not None else self.count()) - offset
        version_ids = self._page_ids(offset, limit)
        rounds = progress_by_round(self.assignments.filter(version_id__in=version_ids), self.members)
        versions = next(iter(rounds.values())).versions if rounds else []
        by_id = {version.version_id: version for version in versions}
        return [by_id[pk] for pk in version_ids if pk in by_id]

    def _live_page_ids(self, offset: int, limit: int) -> list[int]:
        given_sql, given_params = self.assignments.order_by().values("version_id").distinct().query.sql_with_params()
        expected_sql, expected_params = expected_reviewers(self.assignments).query.sql_with_params()
        sql = f"""
            WITH given AS ({given_sql}), expected AS ({expected_sql}),
            due AS (SELECT version_id, MIN(due_on) AS due_on FROM expected GROUP BY version_id)
            SELECT g.version_id FROM given g
            JOIN {UseCaseVersion._meta.db_table} v ON v.id = g.version_id
            LEFT JOIN due d ON d.version_id = g.version_id
            ORDER BY CASE WHEN d.due_on IS NULL THEN 1 ELSE 0 END, d.due_on, v.title, g.version_id
            LIMIT %s OFFSET %s
        """  # nosec
        with connection.cursor() as cursor:
            cursor.execute(sql, [*given_params, *expected_params, limit, offset])
            return [row[0] for row in cursor.fetchall()]
