"""Read queries for an organisation's leads (docs/reviewer-journey.md, "Your organisation's
reviews"): how their members are getting on in open rounds, and who has not submitted what. They
read review statuses alone, never what anyone said."""

import datetime
from dataclasses import dataclass, field

from django.db.models import OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from audiences.models import MemberReminder, Organisation
from reviews.models import Assignment, Review, ReviewRound
from reviews.selectors.expected import expected_by_assignment
from reviews.selectors.requests import declined


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


def _display_name(user) -> str:
    return user.get_full_name() or user.email


def _earliest(dates) -> datetime.date | None:
    known = [d for d in dates if d is not None]
    return min(known) if known else None


def organisation_reviews(organisation: Organisation) -> OrganisationReviews:
    """The organisation's progress in open rounds, for its leads: per version assigned to the
    organisation or to any of its members, each expected reviewer's status and due date. People
    whose accounts are switched off (is_active false) have left and are not expected.

    Reads review statuses alone (never verdicts, reasons or comments), in five queries whatever
    the number of members, assignments or reviews."""
    memberships = sorted(
        organisation.memberships.filter(user__is_active=True).select_related("user"),
        key=lambda m: _display_name(m.user).casefold(),
    )
    members = {m.user_id: m.user for m in memberships}
    assignments = list(
        Assignment.objects.filter(
            Q(organisation=organisation) | Q(reviewer__in=list(members)), round__status=ReviewRound.Status.OPEN
        )
        .exclude(declined())
        .select_related("round", "version__use_case__audience")
        .order_by("pk")
    )
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

    for progress in rounds.values():
        progress.versions.sort(key=lambda v: (v.due_on is None, v.due_on or datetime.date.max, v.title))
    return OrganisationReviews(
        organisation_name=organisation.name,
        organisation_slug=organisation.slug,
        rounds=sorted(rounds.values(), key=lambda r: (r.closes_on is None, r.closes_on or datetime.date.max, r.name)),
        members=[
            OrganisationMember(name=_display_name(m.user), email=m.user.email, role=m.get_role_display())
            for m in memberships
        ],
    )


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

    @property
    def reminded_today(self) -> bool:
        return self.last_reminded_at is not None and timezone.localdate(self.last_reminded_at) == timezone.localdate()


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
    if organisation is not None and people:
        reminders = MemberReminder.objects.filter(organisation=organisation)
        latest = reminders.filter(user=OuterRef("user")).order_by("-sent_at", "-pk").values("pk")[:1]
        for reminder in reminders.filter(user__in=list(people), pk=Subquery(latest)).select_related("sent_by"):
            entry = people[reminder.user_id]
            entry["last_reminded_at"] = reminder.sent_at
            entry["last_reminded_by"] = _display_name(reminder.sent_by) if reminder.sent_by else ""
    return sorted((NotSubmitted(user_id=pk, **entry) for pk, entry in people.items()), key=lambda p: p.name.casefold())
