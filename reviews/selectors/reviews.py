"""Read queries for the reviewer pages. Each page's query count stays the same whatever the
number of assignments, reviews or verdicts."""

import datetime
from dataclasses import dataclass, field

from django.db.models import Exists, F, OuterRef, Q
from django.db.models.functions import Coalesce
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from audiences.models import Membership, Organisation
from principles.models import Principle
from reviews.models import (
    Assignment,
    AssignmentRequest,
    DeclaredInterest,
    Review,
    ReviewRound,
    Verdict,
    blocking_interest,
)
from usecases.models import UseCaseVersion

# How many items of recently closed rounds "My reviews" lists below the open ones.
RECENT_CLOSED_ITEMS = 10


def declined() -> Exists:
    """For a queryset of assignments: the assignment was declined and not yet given to someone
    else, so it expects nobody (docs/declined-and-interests.md)."""
    return Exists(
        AssignmentRequest.objects.filter(
            assignment=OuterRef("pk"), kind=AssignmentRequest.Kind.DECLINE, state=AssignmentRequest.State.OPEN
        )
    )


def _assigned_to(user) -> Q:
    """Assignments given to the user, or to an organisation the user belongs to."""
    return Q(reviewer=user) | Q(organisation__memberships__user=user)


@dataclass
class ReviewTarget:
    """A use case version within a round: what a reviewer opens, reviews and sees summarised.

    The object that the rules in reviews/rules.py decide on. It remembers the assignments
    it has looked up per user, so several permission checks on one page cost one query.
    """

    round: ReviewRound
    version: UseCaseVersion
    _assignments: dict = field(default_factory=dict, repr=False, compare=False)

    def assignments_for(self, user) -> list[Assignment]:
        if not user.is_authenticated:
            return []
        if user.pk not in self._assignments:
            self._assignments[user.pk] = list(
                Assignment.objects.filter(_assigned_to(user), round=self.round, version=self.version)
                .select_related("organisation")
                .order_by("due_on", "pk")
            )
        return self._assignments[user.pk]

    def request_assignment_for(self, user) -> Assignment | None:
        """The assignment a decline or a request for more time is about: the user's own, if they
        have one, else their organisation's."""
        assignments = self.assignments_for(user)
        return next((a for a in assignments if a.reviewer_id), assignments[0] if assignments else None)

    def blocking_interest_for(self, user) -> DeclaredInterest | None:
        """The declared interest (not overridden) that stops the user reviewing this use case."""
        if not user.is_authenticated:
            return None
        key = ("interest", user.pk)
        if key not in self._assignments:
            self._assignments[key] = blocking_interest(use_case_id=self.version.use_case_id, reviewer=user)
        return self._assignments[key]

    def due_on_for(self, user) -> datetime.date | None:
        """The earliest due date of the user's assignments, else the round's closing date."""
        dates = [a.due_on for a in self.assignments_for(user) if a.due_on]
        return min(dates) if dates else self.round.closes_on

    def organisation_for(self, user) -> Organisation | None:
        """The organisation the user reviews for: the one assigned the version, if any,
        else the user's only organisation. Kept on the review for anonymised breakdowns."""
        for assignment in self.assignments_for(user):
            if assignment.organisation_id:
                return assignment.organisation
        memberships = list(user.memberships.select_related("organisation")[:2])
        return memberships[0].organisation if len(memberships) == 1 else None


def review_target(*, round_slug: str, use_case_slug: str, number: int) -> ReviewTarget | None:
    """The version of a use case in a round, or None when the round does not include it."""
    review_round = ReviewRound.objects.filter(slug=round_slug).first()
    if review_round is None:
        return None
    version = (
        review_round.versions.select_related("use_case__audience")
        .filter(use_case__slug=use_case_slug, number=number)
        .first()
    )
    return ReviewTarget(round=review_round, version=version) if version else None


def own_review(*, user, target: ReviewTarget) -> Review | None:
    """The user's own review of the target, with its verdicts; None if not started."""
    if not user.is_authenticated:
        return None
    return (
        Review.objects.filter(reviewer=user, round=target.round, version=target.version)
        .prefetch_related("verdicts")
        .first()
    )


def verdicts_by_principle(review: Review | None) -> dict[int, Verdict]:
    """A review's verdicts keyed by principle id (none for a review not started), from the
    verdicts own_review prefetched."""
    return {v.principle_id: v for v in review.verdicts.all()} if review else {}


def round_principles(review_round: ReviewRound) -> list[Principle]:
    return list(review_round.principles.order_by("order", "name"))


@dataclass(frozen=True)
class ReviewItem:
    """One line of a reviewer's list: a version to review in a round, and where they are with it."""

    round: ReviewRound
    version: UseCaseVersion
    due_on: datetime.date | None
    review: Review | None

    @property
    def status(self) -> str:
        return self.review.status if self.review else "not_started"

    @property
    def is_overdue(self) -> bool:
        return (
            self.round.is_open
            and self.due_on is not None
            and self.due_on < timezone.localdate()
            and self.status != Review.Status.SUBMITTED
        )


def _review_items(user, assignments) -> list[ReviewItem]:
    """Merge a user's assignments (personal and organisational) into one item per version and
    round, with the user's review of each. One query for the reviews, whatever the number."""
    assignments = list(assignments)
    reviews = {
        (r.round_id, r.version_id): r
        for r in Review.objects.filter(reviewer=user, round__in={a.round_id for a in assignments})
    }
    items: dict[tuple[int, int], ReviewItem] = {}
    for assignment in assignments:
        key = (assignment.round_id, assignment.version_id)
        earlier = items.get(key)
        if earlier and earlier.due_on and (assignment.due_on is None or earlier.due_on <= assignment.due_on):
            continue
        items[key] = ReviewItem(
            round=assignment.round, version=assignment.version, due_on=assignment.due_on, review=reviews.get(key)
        )
    return list(items.values())


def _assignments(user, status: str):
    return (
        Assignment.objects.filter(_assigned_to(user), round__status=status)
        .select_related("round", "version__use_case__audience")
        .distinct()
    )


def open_review_items(user) -> list[ReviewItem]:
    """What the user has to review in open rounds: overdue first, then by due date."""
    items = _review_items(user, _assignments(user, ReviewRound.Status.OPEN))
    return sorted(
        items,
        key=lambda i: (not i.is_overdue, i.due_on is None, i.due_on or datetime.date.max, i.version.title),
    )


def recent_closed_review_items(user) -> list[ReviewItem]:
    """Items of the most recently closed rounds, the round that closed last first (when it
    actually closed, not its planned closes_on), for reading back."""
    assignments = _assignments(user, ReviewRound.Status.CLOSED).order_by(
        F("round__closed_at").desc(nulls_last=True), "-round__created_at", "version__title"
    )[:RECENT_CLOSED_ITEMS]
    return _review_items(user, assignments)


@dataclass(frozen=True)
class OtherReason:
    pseudonym: int
    verdict: str
    reason: str
    evidence: str
    suggested_rewording: str

    @property
    def verdict_label(self) -> str:
        return Verdict.Choice(self.verdict).label if self.verdict else ""


def review_pseudonyms(review_round: ReviewRound, version_ids=None) -> dict[int, int]:
    """Pseudonyms for the reviews of a round (of these versions; None: every version), by review
    id: Reviewer 1, 2, ... within each use case version, in the order its reviews were started
    (their ids), counting every review, so numbers never shift when someone withdraws. One
    reviewer's verdicts on a version share a number; their reviews of two versions cannot be
    linked by it. The reviewers' summary pages, the analysts' pages, the API and the exports all
    number this way. One query."""
    reviews = Review.objects.filter(round=review_round)
    if version_ids is not None:
        reviews = reviews.filter(version_id__in=list(version_ids))
    numbers: dict[int, int] = {}
    counters: dict[int, int] = {}
    for pk, version_id in reviews.order_by("version_id", "pk").values_list("pk", "version_id"):
        counters[version_id] = numbers[pk] = counters.get(version_id, 0) + 1
    return numbers


def other_reasons(*, target: ReviewTarget, exclude_review: Review | None) -> dict[int, list[OtherReason]]:
    """Submitted reviewers' verdicts with their words, per principle id, pseudonymised. Never
    carries a name, email or organisation."""
    numbers = review_pseudonyms(target.round, [target.version.pk])
    verdicts = (
        Verdict.objects.filter(
            review__round=target.round, review__version=target.version, review__status=Review.Status.SUBMITTED
        )
        .exclude(review=exclude_review)
        .exclude(reason="", evidence="", suggested_rewording="")
        .order_by("review_id")
        .values("principle_id", "review_id", "verdict", "reason", "evidence", "suggested_rewording")
    )
    grouped: dict[int, list[OtherReason]] = {}
    for row in verdicts:
        grouped.setdefault(row["principle_id"], []).append(
            OtherReason(
                pseudonym=numbers[row["review_id"]],
                verdict=row["verdict"],
                reason=row["reason"],
                evidence=row["evidence"],
                suggested_rewording=row["suggested_rewording"],
            )
        )
    return grouped


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

    Reads review statuses alone (never verdicts, reasons or comments), in four queries whatever
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

    # Per (round, version): who is expected to review it and by when. An organisation assignment
    # expects every member; a personal one, that person. Someone with both has the earlier date.
    targets: dict[tuple[int, int], Assignment] = {}
    expected: dict[tuple[int, int], dict[int, list]] = {}
    for assignment in assignments:
        key = (assignment.round_id, assignment.version_id)
        targets.setdefault(key, assignment)
        people = expected.setdefault(key, {})
        for user_id in [assignment.reviewer_id] if assignment.reviewer_id else members:
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
            review_round.pk, RoundProgress(name=review_round.name, closes_on=review_round.closes_on, versions=[])
        ).versions.append(
            VersionProgress(
                title=assignment.version.title,
                audience=assignment.version.use_case.audience.name,
                due_on=_earliest(due for dates in people.values() for due in dates),
                reviewers=sorted(reviewers, key=lambda r: r.name.casefold()),
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


def not_submitted(overview: OrganisationReviews) -> list[NotSubmitted]:
    """From an organisation's progress, who has not submitted what (by name). Statuses only."""
    people: dict[int, dict] = {}
    today = timezone.localdate()
    for progress in overview.rounds:
        for version in progress.versions:
            for reviewer in version.reviewers:
                if reviewer.status == Review.Status.SUBMITTED or reviewer.user_id is None:
                    continue
                entry = people.setdefault(reviewer.user_id, {"name": reviewer.name, "items": [], "overdue": False})
                item = {"title": version.title, "round": progress.name}
                if reviewer.due_on:
                    item["date"] = formats.date_format(reviewer.due_on, "j F Y")
                    entry["items"].append(_("%(title)s (%(round)s), due %(date)s") % item)
                else:
                    entry["items"].append(_("%(title)s (%(round)s)") % item)
                entry["overdue"] |= reviewer.due_on is not None and reviewer.due_on < today
    return sorted((NotSubmitted(user_id=pk, **entry) for pk, entry in people.items()), key=lambda p: p.name.casefold())


def round_slugs() -> list[str]:
    """Every round's slug, alphabetically, for pointing people at the right one."""
    return list(ReviewRound.objects.order_by("slug").values_list("slug", flat=True))


def latest_request(assignment: Assignment | None) -> AssignmentRequest | None:
    """The newest decline or request for more time about the assignment, with who answered it."""
    if assignment is None:
        return None
    return AssignmentRequest.objects.filter(assignment=assignment).select_related("decided_by").first()


# --- Who is emailed about a round (reviews/emails.py) -------------------------------------------


@dataclass(frozen=True)
class PersonItem:
    """A use case version someone reviews in a round: when it is due, and how far they got."""

    version: UseCaseVersion
    due_on: datetime.date | None
    status: str  # the review's status, or "not_started"


@dataclass(frozen=True)
class RoundPerson:
    user: object
    items: list[PersonItem]


def round_people(review_round: ReviewRound, *, with_reviews: bool = False) -> list[RoundPerson]:
    """Everyone the round expects a review from (given a version in person, or an active member of
    an organisation given it; not where the assignment was declined), with each version's earliest
    due date (else the round's closing date) and their review's status. With with_reviews, also
    anyone else who has a review in the round. Active accounts only. Three queries, whatever the
    size of the round."""
    assignments = list(
        Assignment.objects.filter(round=review_round)
        .exclude(declined())
        .select_related("reviewer", "version__use_case__audience")
    )
    members: dict[int, list] = {}
    for membership in Membership.objects.filter(
        organisation__in={a.organisation_id for a in assignments if a.organisation_id}, user__is_active=True
    ).select_related("user"):
        members.setdefault(membership.organisation_id, []).append(membership.user)
    reviews = list(Review.objects.filter(round=review_round).select_related("reviewer", "version__use_case__audience"))
    statuses = {(r.reviewer_id, r.version_id): r.status for r in reviews}

    users: dict[int, object] = {}
    due: dict[tuple[int, int], list] = {}
    versions: dict[int, UseCaseVersion] = {}
    for assignment in assignments:
        versions[assignment.version_id] = assignment.version
        people = members.get(assignment.organisation_id, []) if assignment.organisation_id else [assignment.reviewer]
        for user in people:
            if user.is_active:
                users[user.pk] = user
                due.setdefault((user.pk, assignment.version_id), []).append(assignment.due_on)
    if with_reviews:
        for review in reviews:
            if review.reviewer.is_active:
                users[review.reviewer_id] = review.reviewer
                versions[review.version_id] = review.version
                due.setdefault((review.reviewer_id, review.version_id), [])

    items: dict[int, list[PersonItem]] = {}
    for (user_id, version_id), dates in due.items():
        items.setdefault(user_id, []).append(
            PersonItem(
                version=versions[version_id],
                due_on=_earliest(dates) or review_round.closes_on,
                status=statuses.get((user_id, version_id), "not_started"),
            )
        )
    return [
        RoundPerson(
            user=users[user_id],
            items=sorted(
                person_items,
                key=lambda i: (i.due_on is None, i.due_on or datetime.date.max, i.version.title.casefold()),
            ),
        )
        for user_id, person_items in sorted(items.items(), key=lambda pair: users[pair[0]].email.casefold())
    ]


@dataclass(frozen=True)
class ReminderDue:
    """A person who has not submitted the version of an assignment that is due on due_on."""

    person_id: int
    assignment_id: int
    due_on: datetime.date


def reminders_due(*, dates) -> list[ReminderDue]:
    """For assignments in open rounds due on one of dates (the assignment's due date, else the
    round's closing date), each person expected to review them (see round_people) who has not
    submitted that version. Three queries, whatever the number of rounds and people."""
    assignments = list(
        Assignment.objects.filter(round__status=ReviewRound.Status.OPEN)
        .filter(Q(reviewer__isnull=True) | Q(reviewer__is_active=True))
        .exclude(declined())
        .annotate(due=Coalesce("due_on", "round__closes_on"))
        .filter(due__in=list(dates))
        .values("pk", "round_id", "version_id", "reviewer_id", "organisation_id", "due")
    )
    members: dict[int, list[int]] = {}
    for organisation_id, user_id in Membership.objects.filter(
        organisation__in={a["organisation_id"] for a in assignments if a["organisation_id"]}, user__is_active=True
    ).values_list("organisation_id", "user_id"):
        members.setdefault(organisation_id, []).append(user_id)
    submitted = set(
        Review.objects.filter(
            status=Review.Status.SUBMITTED,
            round__in={a["round_id"] for a in assignments},
            version__in={a["version_id"] for a in assignments},
        ).values_list("reviewer_id", "round_id", "version_id")
    )
    return [
        ReminderDue(person_id=person_id, assignment_id=a["pk"], due_on=a["due"])
        for a in assignments
        for person_id in ([a["reviewer_id"]] if a["reviewer_id"] else members.get(a["organisation_id"], []))
        if (person_id, a["round_id"], a["version_id"]) not in submitted
    ]
