"""Read queries for the reviewer pages. Each page's query count stays the same whatever the
number of assignments, reviews or verdicts."""

import datetime
from dataclasses import dataclass, field

from django.db.models import Q

from audiences.models import Membership, Organisation
from bold_portal.compiled_reads import CompiledRead
from principles.models import Principle
from reviews.models import Assignment, DeclaredInterest, Review, ReviewRound, RoundVersion, Verdict, blocking_interest
from reviews.selectors.requests import declined
from usecases.models import UseCaseVersion

# The reads every reviewer page makes, compiled once (bold_portal.compiled_reads).
_TARGET = CompiledRead(
    lambda round_slug, use_case_slug, number: RoundVersion.objects.select_related(
        "round", "version__use_case__audience"
    )
    .filter(round__slug=round_slug, version__use_case__slug=use_case_slug, version__number=number)
    .order_by("pk")[:1]
)
_ASSIGNMENTS = CompiledRead(
    # Given to the user, or to an organisation the user belongs to.
    lambda user_id, round_id, version_id: Assignment.objects.filter(
        Q(reviewer_id=user_id) | Q(organisation__memberships__user_id=user_id), round_id=round_id, version_id=version_id
    )
    .select_related("organisation")
    .annotate(is_declined=declined())
    .order_by("due_on", "pk")
)
# Whether there is exactly one: no ordering needed (Membership's own joins the user).
_TWO_MEMBERSHIPS = CompiledRead(
    lambda user_id: Membership.objects.filter(user_id=user_id).select_related("organisation").order_by()[:2]
)
# One review at most (a unique constraint): ordered by its key alone, not by Review's default
# ordering, which joins the round, the version, its use case and audience.
_OWN_REVIEW = CompiledRead(
    lambda user_id, round_id, version_id: Review.objects.filter(
        reviewer_id=user_id, round_id=round_id, version_id=version_id
    ).order_by("pk")[:1]
)
# A review's verdicts in the principles' order, each with the earlier one it was carried forward
# from, if any. Not by Verdict's default ordering, which begins with the review's own and so
# joins its round, version, use case and audience: planning those joins cost PostgreSQL more than
# running the query.
_VERDICTS = CompiledRead(
    lambda review_id: Verdict.objects.filter(review_id=review_id)
    .select_related("carried_from__review__version", "carried_from__review__round")
    .order_by("principle__order", "principle_id")
)
_ROUND_PRINCIPLES = CompiledRead(
    lambda round_id: Principle.objects.filter(rounds__id=round_id).order_by("order", "name")
)


@dataclass
class ReviewTarget:
    """A use case version within a round: what a reviewer opens, reviews and sees summarised.

    The object that the rules in reviews/rules.py decide on. It remembers what it has looked up
    per user (assignments, a declared interest, whether their review is submitted), so several
    permission checks on one page cost one query each.
    """

    round: ReviewRound
    version: UseCaseVersion
    _assignments: dict = field(default_factory=dict, repr=False, compare=False)

    def assignments_for(self, user) -> list[Assignment]:
        if not user.is_authenticated:
            return []
        if user.pk not in self._assignments:
            self._assignments[user.pk] = _ASSIGNMENTS.objects(
                user_id=user.pk, round_id=self.round.pk, version_id=self.version.pk
            )
        return self._assignments[user.pk]

    def request_assignment_for(self, user) -> Assignment | None:
        """The assignment a decline or a request for more time is about: the user's own, if they
        have one, else their organisation's."""
        assignments = self.assignments_for(user)
        return next((a for a in assignments if a.reviewer_id), assignments[0] if assignments else None)

    def has_declined(self, user) -> bool:
        """Every assignment that gives the user this version was declined: nobody expects their review."""
        assignments = self.assignments_for(user)
        return bool(assignments) and all(a.is_declined for a in assignments)

    def blocking_interest_for(self, user) -> DeclaredInterest | None:
        """The declared interest (not overridden) that stops the user reviewing this use case."""
        if not user.is_authenticated:
            return None
        key = ("interest", user.pk)
        if key not in self._assignments:
            self._assignments[key] = blocking_interest(use_case_id=self.version.use_case_id, reviewer=user)
        return self._assignments[key]

    def has_submitted(self, user) -> bool:
        """Whether the user's own review of the version is submitted: read once a request, and
        not at all once own_review has read the review itself."""
        key = ("submitted", user.pk)
        if key not in self._assignments:
            self._assignments[key] = Review.objects.filter(
                reviewer=user, round=self.round, version=self.version, status=Review.Status.SUBMITTED
            ).exists()
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
        memberships = _TWO_MEMBERSHIPS.objects(user_id=user.pk)
        return memberships[0].organisation if len(memberships) == 1 else None


def review_target(*, round_slug: str, use_case_slug: str, number: int) -> ReviewTarget | None:
    """The version of a use case in a round, or None when the round does not include it."""
    link = next(iter(_TARGET.objects(round_slug=round_slug, use_case_slug=use_case_slug, number=number)), None)
    return ReviewTarget(round=link.round, version=link.version) if link else None


def own_review(*, user, target: ReviewTarget) -> Review | None:
    """The user's own review of the target, with its verdicts; None if not started."""
    if not user.is_authenticated:
        return None
    reviews = _OWN_REVIEW.objects(user_id=user.pk, round_id=target.round.pk, version_id=target.version.pk)
    review = reviews[0] if reviews else None
    if review is not None:
        _VERDICTS.related(review, "verdicts", review_id=review.pk)
    target._assignments["submitted", user.pk] = review is not None and review.status == Review.Status.SUBMITTED
    return review


def verdicts_by_principle(review: Review | None) -> dict[int, Verdict]:
    """A review's verdicts keyed by principle id (none for a review not started), from the
    verdicts own_review prefetched."""
    return {v.principle_id: v for v in review.verdicts.all()} if review else {}


def submitted_review_count(target: ReviewTarget) -> int:
    """How many reviews of the version are submitted in the round (so count in its outcomes)."""
    return Review.objects.filter(round=target.round, version=target.version, status=Review.Status.SUBMITTED).count()


def round_principles(review_round: ReviewRound) -> list[Principle]:
    return _ROUND_PRINCIPLES.objects(round_id=review_round.pk)


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
