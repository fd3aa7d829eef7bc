"""Who in an organisation has not submitted what in open rounds (docs/reviewer-journey.md, "Your
organisation's reviews"): counted per member for the lead's page, and listed for one member for a
reminder. Statuses only, never what anyone said."""

import datetime
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Case, F, Max, OuterRef, QuerySet, Subquery, Sum, When
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from audiences.models import MemberReminder, Organisation
from reviews.models import Assignment, GroupProgressCount, ProgressScope, Review, VersionProgressCount
from reviews.selectors.expected import expected_reviewers
from reviews.selectors.organisations import (
    OrganisationReviews,
    RoundProgress,
    active_members,
    display_name,
    open_assignments,
    organisation_overview,
    progress_by_round,
    round_order,
    round_order_of,
)

# Bandit's B608 (SQL built from strings) is silenced by a nosec comment where a statement below ends:
# only Django's own SQL for the expected reviewers and table names from the models are formatted into
# the SQL; every value is a query parameter.


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
        entry["last_reminded_by"] = display_name(reminder.sent_by) if reminder.sent_by else ""


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
                entry["items"].append(_reminder_item(version.title, progress.name, reviewer.due_on))
                entry["overdue"] |= reviewer.due_on is not None and reviewer.due_on < today
    if organisation is not None:
        _add_reminders(people, organisation)
    return sorted((NotSubmitted(user_id=pk, **entry) for pk, entry in people.items()), key=lambda p: p.name.casefold())


def _reminder_item(title: str, round_name: str, due_on: datetime.date | None) -> str:
    item = {"title": title, "round": round_name}
    if due_on:
        item["date"] = formats.date_format(due_on, "j F Y")
        return _("%(title)s (%(round)s), due %(date)s") % item
    return _("%(title)s (%(round)s)") % item


def member_not_submitted(organisation: Organisation, user_id: int) -> NotSubmitted | None:
    """What one active member has not submitted in open rounds, as not_submitted lists it for
    them (in the same order), with when they were last reminded; None if nothing. Rounds whose
    progress counts are stored are read from the member's stored rows (one query, however large
    the rounds); any other round is built live, as organisation_reviews builds it. Four queries
    when every round is stored."""
    overview = organisation_overview(organisation)
    member = overview.people.get(user_id)
    if member is None:
        return None
    stored_ids = [r.pk for r in overview.rounds if r.counts_stored]
    left: list[tuple[tuple, str, str, datetime.date | None]] = []  # (order, item, path, due date)
    if stored_ids:
        left += _stored_left(organisation, user_id, stored_ids)
    if len(stored_ids) < len(overview.rounds):
        live = open_assignments(organisation, overview.people).exclude(round_id__in=stored_ids)
        left += _live_left(progress_by_round(live, overview.people), user_id)
    if not left:
        return None
    left.sort(key=lambda entry: entry[0])
    today = timezone.localdate()
    people = {
        user_id: {
            "name": display_name(member),
            "items": [item for _order, item, _path, _due in left],
            "paths": [path for _order, _item, path, _due in left],
            "overdue": any(due is not None and due < today for *_rest, due in left),
        }
    }
    _add_reminders(people, organisation)
    return NotSubmitted(user_id=user_id, **people[user_id])


def _version_order(due_on: datetime.date | None, title: str) -> tuple:
    return (due_on is None, due_on or datetime.date.max, title)


def _stored_left(organisation: Organisation, user_id: int, round_ids: list[int]) -> list[tuple]:
    """The member's versions not submitted in these rounds, from their stored rows, each with its
    order on the lead's page: the round's, then the version's (the organisation's earliest due
    date, from its members row, then the title). One query."""
    version_due = VersionProgressCount.objects.filter(
        round_id=OuterRef("round_id"),
        version_id=OuterRef("version_id"),
        organisation=organisation,
        scope=ProgressScope.MEMBERS,
    ).values("due_on")[:1]
    rows = (
        VersionProgressCount.objects.filter(
            round_id__in=round_ids,
            organisation=organisation,
            reviewer_id=user_id,
            scope=ProgressScope.MEMBER,
            submitted__lt=F("expected"),
        )
        .annotate(version_due=Subquery(version_due))
        .order_by("round_id", "version_id")
        .values_list(
            "due_on",
            "version_due",
            "round__name",
            "round__closes_on",
            "round__slug",
            "version__title",
            "version__number",
            "version__use_case__slug",
        )
    )
    return [
        (
            (round_order_of(closes_on, round_name), _version_order(version_due, title)),
            _reminder_item(title, round_name, due_on),
            reverse("reviews:use_case", args=[slug, use_case, number]),
            due_on,
        )
        for due_on, version_due, round_name, closes_on, slug, title, number, use_case in rows
    ]


def _live_left(rounds: dict[int, RoundProgress], user_id: int) -> list[tuple]:
    """The member's versions not submitted in these rounds built live (progress_by_round), as
    _stored_left gives them."""
    return [
        (
            (round_order(progress), _version_order(version.due_on, version.title)),
            _reminder_item(version.title, progress.name, reviewer.due_on),
            version.path,
            reviewer.due_on,
        )
        for progress in rounds.values()
        for version in progress.versions
        for reviewer in version.reviewers
        if reviewer.user_id == user_id and reviewer.status != Review.Status.SUBMITTED
    ]


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
    members = active_members(organisation)[1] if members is None else members
    stored_ids = [r.pk for r in rounds or [] if r.counts_stored]
    counts: dict[int, tuple[int, bool]] = {}
    if stored_ids:
        counts = _stored_not_submitted(organisation, stored_ids)
    if rounds is None or len(stored_ids) < len(rounds):
        live = open_assignments(organisation, members).exclude(round_id__in=stored_ids)
        for user_id, (count, overdue) in _live_not_submitted(live).items():
            before, was_overdue = counts.get(user_id, (0, False))
            counts[user_id] = (before + count, was_overdue or overdue)
    people = {
        pk: {"name": display_name(members[pk]), "items": [], "overdue": overdue, "item_count": count}
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
