"""Read queries for an organisation's leads (docs/reviewer-journey.md, "Your organisation's
reviews"): how their members are getting on in open rounds, and who has not submitted what. They
read review statuses alone, never what anyone said."""

import datetime
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Case, Exists, F, Max, OuterRef, Q, QuerySet, Subquery, Sum, When
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from audiences.models import MemberReminder, Organisation
from reviews.models import (
    Assignment,
    GroupProgressCount,
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

    @property
    def is_overdue(self) -> bool:
        return self.due_on is not None and self.due_on < timezone.localdate() and self.status != Review.Status.SUBMITTED


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

    @property
    def submitted_count(self) -> int:
        return sum(1 for reviewer in self.reviewers if reviewer.status == Review.Status.SUBMITTED)

    @property
    def overdue_count(self) -> int:
        return sum(1 for reviewer in self.reviewers if reviewer.is_overdue)


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


def _display_name(user) -> str:
    return user.get_full_name() or user.email


def _earliest(dates) -> datetime.date | None:
    known = [d for d in dates if d is not None]
    return min(known) if known else None


def _members(organisation: Organisation):
    """The organisation's active memberships by name, and its members by id. One query."""
    memberships = sorted(
        organisation.memberships.filter(user__is_active=True).select_related("user"),
        key=lambda m: _display_name(m.user).casefold(),
    )
    return memberships, {m.user_id: m.user for m in memberships}


def _open_assignments(organisation: Organisation, member_ids) -> QuerySet[Assignment]:
    """The assignments of open rounds given to the organisation or to any of its members, not declined."""
    return Assignment.objects.filter(
        Q(organisation=organisation) | Q(reviewer__in=list(member_ids)), round__status=ReviewRound.Status.OPEN
    ).exclude(declined())


def _progress_by_round(assignments: list[Assignment], members: dict) -> dict[int, RoundProgress]:
    """Per round, the VersionProgress of each (round, version) of the assignments, in their order.
    Three queries: the assignments' rows are given, with their rounds and versions."""
    statuses = {
        (round_id, version_id, reviewer_id): status
        for round_id, version_id, reviewer_id, status in Review.objects.filter(
            round__in={a.round_id for a in assignments},
            version__in={a.version_id for a in assignments},
            reviewer__in=list(members),
        ).values_list("round_id", "version_id", "reviewer_id", "status")
    }

    # Per (round, version): who is expected to review it (reviews.selectors.expected) and by when.
    # Someone given it both in person and through the organisation has the earlier date.
    chosen = expected_by_assignment(Assignment.objects.filter(pk__in=[a.pk for a in assignments]))
    targets: dict[tuple[int, int], Assignment] = {}
    shared: dict[tuple[int, int], int] = {}
    expected: dict[tuple[int, int], dict[int, list]] = {}
    for assignment in assignments:
        key = (assignment.round_id, assignment.version_id)
        targets.setdefault(key, assignment)
        if assignment.organisation_id:
            shared[key] = assignment.pk
        people = expected.setdefault(key, {})
        for user_id in chosen.get(assignment.pk, []):
            if user_id in members:
                people.setdefault(user_id, []).append(assignment.due_on)

    rounds: dict[int, RoundProgress] = {}
    for key, assignment in targets.items():
        people = expected[key]
        reviewers = [
            MemberProgress(
                name=_display_name(members[user_id]),
                status=statuses.get((*key, user_id), "not_started"),
                due_on=_earliest(dates),
                user_id=user_id,
            )
            for user_id, dates in people.items()
        ]
        review_round = assignment.round
        rounds.setdefault(
            review_round.pk,
            RoundProgress(
                name=review_round.name, closes_on=review_round.closes_on, versions=[], slug=review_round.slug
            ),
        ).versions.append(
            VersionProgress(
                title=assignment.version.title,
                audience=assignment.version.use_case.audience.name,
                due_on=_earliest(due for dates in people.values() for due in dates),
                reviewers=sorted(reviewers, key=lambda r: r.name.casefold()),
                path=reverse(
                    "reviews:use_case",
                    args=[review_round.slug, assignment.version.use_case.slug, assignment.version.number],
                ),
                organisation_assignment_id=shared.get(key),
            )
        )
    return rounds


def _round_order(progress: RoundProgress):
    return (progress.closes_on is None, progress.closes_on or datetime.date.max, progress.name)


def _members_list(memberships) -> list[OrganisationMember]:
    return [
        OrganisationMember(name=_display_name(m.user), email=m.user.email, role=m.get_role_display())
        for m in memberships
    ]


def organisation_reviews(organisation: Organisation) -> OrganisationReviews:
    """The organisation's progress in open rounds, for its leads: per version assigned to the
    organisation or to any of its members, each expected reviewer's status and due date. People
    whose accounts are switched off (is_active false) have left and are not expected.

    Reads review statuses alone (never verdicts, reasons or comments), in five queries whatever
    the number of members, assignments or reviews; but it builds every version of every open
    round, so the lead's page reads organisation_overview and a page of round_versions instead."""
    memberships, members = _members(organisation)
    assignments = list(
        _open_assignments(organisation, members).select_related("round", "version__use_case__audience").order_by("pk")
    )
    rounds = _progress_by_round(assignments, members)
    for progress in rounds.values():
        progress.versions.sort(key=lambda v: (v.due_on is None, v.due_on or datetime.date.max, v.title))
    return OrganisationReviews(
        organisation_name=organisation.name,
        organisation_slug=organisation.slug,
        rounds=sorted(rounds.values(), key=_round_order),
        members=_members_list(memberships),
    )


def organisation_overview(organisation: Organisation) -> OrganisationReviews:
    """The organisation's open rounds (without their versions: see RoundVersions), each saying
    whether its progress counts are stored, and its members, for the lead's page. Two queries
    whatever the size of the rounds."""
    memberships, members = _members(organisation)
    given = _open_assignments(organisation, members).filter(round=OuterRef("pk"))
    rounds = (
        ReviewRound.objects.filter(Exists(given))
        .annotate(counts_stored=Exists(ProgressHeader.objects.filter(round=OuterRef("pk"))))
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
            key=_round_order,
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
        self.members = _members(organisation)[1] if members is None else members
        self.assignments = _open_assignments(organisation, self.members).filter(round__slug=round_slug)
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
            ordered = self.stored.order_by(F("due_on").asc(nulls_last=True), "version__title", "version_id")
            return list(ordered.values_list("version_id", flat=True)[offset : offset + limit])
        return self._live_page_ids(offset, limit)

    def __getitem__(self, key: slice) -> list[VersionProgress]:
        offset = key.start or 0
        limit = (key.stop if key.stop is not None else self.count()) - offset
        version_ids = self._page_ids(offset, limit)
        assignments = list(
            self.assignments.filter(version_id__in=version_ids)
            .select_related("round", "version__use_case__audience")
            .order_by("pk")
        )
        rounds = _progress_by_round(assignments, self.members)
        # _progress_by_round keeps the order of each version's first assignment.
        versions = next(iter(rounds.values())).versions if rounds else []
        by_id = dict(zip((a.version_id for a in _first_per_version(assignments)), versions, strict=True))
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


def _first_per_version(assignments: list[Assignment]) -> list[Assignment]:
    seen, first = set(), []
    for assignment in assignments:
        if assignment.version_id not in seen:
            seen.add(assignment.version_id)
            first.append(assignment)
    return first


@dataclass(frozen=True)
class NotSubmitted:
    """A member who has use cases to submit in open rounds: what, for a reminder."""

    user_id: int
    name: str
    items: list[str]  # "Title (round), due 1 May 2026", one per version
    overdue: bool
    paths: list[str] = field(default_factory=list)  # each item's use case page, in the same order
    last_reminded_at: datetime.datetime | None = None
    last_reminded_by: str = ""
    # How many use cases, when items is not listed (the lead's page counts them in SQL).
    item_count: int = 0

    @property
    def to_submit(self) -> int:
        return self.item_count or len(self.items)

    @property
    def reminded_today(self) -> bool:
        return self.last_reminded_at is not None and timezone.localdate(self.last_reminded_at) == timezone.localdate()


def _add_reminders(people: dict[int, dict], organisation: Organisation) -> None:
    """When each person was last reminded from the organisation, and by whom. One query, if anyone."""
    if not people:
        return
    reminders = MemberReminder.objects.filter(organisation=organisation)
    latest = reminders.filter(user=OuterRef("user")).order_by("-sent_at", "-pk").values("pk")[:1]
    for reminder in reminders.filter(user__in=list(people), pk=Subquery(latest)).select_related("sent_by"):
        entry = people[reminder.user_id]
        entry["last_reminded_at"] = reminder.sent_at
        entry["last_reminded_by"] = _display_name(reminder.sent_by) if reminder.sent_by else ""


def not_submitted(overview: OrganisationReviews, organisation: Organisation | None = None) -> list[NotSubmitted]:
    """From an organisation's progress, who has not submitted what (by name), with when each was
    last reminded from the organisation and by whom (one more query, given organisation).
    Statuses only."""
    people: dict[int, dict] = {}
    today = timezone.localdate()
    for progress in overview.rounds:
        for version in progress.versions:
            for reviewer in version.reviewers:
                if reviewer.status == Review.Status.SUBMITTED or reviewer.user_id is None:
                    continue
                entry = people.setdefault(
                    reviewer.user_id, {"name": reviewer.name, "items": [], "overdue": False, "paths": []}
                )
                entry["paths"].append(version.path)
                item = {"title": version.title, "round": progress.name}
                if reviewer.due_on:
                    item["date"] = formats.date_format(reviewer.due_on, "j F Y")
                    entry["items"].append(_("%(title)s (%(round)s), due %(date)s") % item)
                else:
                    entry["items"].append(_("%(title)s (%(round)s)") % item)
                entry["overdue"] |= reviewer.due_on is not None and reviewer.due_on < today
    if organisation is not None:
        _add_reminders(people, organisation)
    return sorted((NotSubmitted(user_id=pk, **entry) for pk, entry in people.items()), key=lambda p: p.name.casefold())


def not_submitted_counts(
    organisation: Organisation, members: dict | None = None, rounds: list[RoundProgress] | None = None
) -> list[NotSubmitted]:
    """Who has not submitted what in open rounds, as not_submitted says, but counted in SQL: per
    member, how many use cases (items left empty) and whether any is overdue, with when each was
    last reminded. Given the organisation's open rounds (organisation_overview), those whose
    progress counts are stored are summed from its members' stored rows, a few per member, and
    the others counted live over every expected (version, person) pair; without them, every open
    round is counted live. Two queries whatever the size of the rounds, three when some rounds are
    stored and some not (one more without members, the active members' accounts by id)."""
    members = _members(organisation)[1] if members is None else members
    stored_ids = [r.pk for r in rounds or [] if r.counts_stored]
    counts: dict[int, tuple[int, bool]] = {}
    if stored_ids:
        counts = _stored_not_submitted(organisation, stored_ids)
    if rounds is None or len(stored_ids) < len(rounds):
        live = _open_assignments(organisation, members).exclude(round_id__in=stored_ids)
        for user_id, (count, overdue) in _live_not_submitted(live).items():
            before, was_overdue = counts.get(user_id, (0, False))
            counts[user_id] = (before + count, was_overdue or overdue)
    people = {
        pk: {"name": _display_name(members[pk]), "items": [], "overdue": overdue, "item_count": count}
        for pk, (count, overdue) in counts.items()
        if pk in members
    }
    _add_reminders(people, organisation)
    return sorted((NotSubmitted(user_id=pk, **entry) for pk, entry in people.items()), key=lambda p: p.name.casefold())


def _stored_not_submitted(organisation: Organisation, round_ids: list[int]) -> dict[int, tuple[int, bool]]:
    """Per member with something left to submit in these rounds: how many, and whether any is
    overdue, from the members' stored rows (one per round and due date). One query."""
    today = timezone.localdate()
    rows = (
        GroupProgressCount.objects.filter(round_id__in=round_ids, scope=ProgressScope.MEMBER, organisation=organisation)
        .order_by()
        .values("reviewer_id")
        .annotate(
            left=Sum(F("expected") - F("submitted")),
            overdue=Max(Case(When(due_on__lt=today, expected__gt=F("submitted"), then=1), default=0)),
        )
        .filter(left__gt=0)
        .values_list("reviewer_id", "left", "overdue")
    )
    return {user_id: (int(left), bool(overdue)) for user_id, left, overdue in rows}


def _live_not_submitted(assignments: QuerySet[Assignment]) -> dict[int, tuple[int, bool]]:
    """Per person these assignments expect who has something left to submit: how many (version,
    round) pairs, and whether any is overdue, over every expected pair. One query."""
    expected_sql, expected_params = expected_reviewers(assignments).query.sql_with_params()
    sql = f"""
        WITH expected AS ({expected_sql}),
        pairs AS (
            SELECT round_id, version_id, user_id, MIN(due_on) AS due_on FROM expected
            GROUP BY round_id, version_id, user_id
        )
        SELECT p.user_id, COUNT(*), MAX(CASE WHEN p.due_on < %s THEN 1 ELSE 0 END)
        FROM pairs p
        LEFT JOIN {Review._meta.db_table} r
            ON r.round_id = p.round_id AND r.version_id = p.version_id AND r.reviewer_id = p.user_id
        WHERE r.id IS NULL OR r.status <> %s
        GROUP BY p.user_id
    """  # nosec
    with connection.cursor() as cursor:
        cursor.execute(sql, [*expected_params, timezone.localdate(), Review.Status.SUBMITTED])
        return {user_id: (count, bool(overdue)) for user_id, count, overdue in cursor.fetchall()}
