"""What "My reviews" lists (docs/reviewer-journey.md#my-reviews): the reviewer's use cases grouped by
round, open rounds first, with where they are with each and what they asked for. Four queries,
whatever the number of rounds, assignments and requests."""

import datetime
from dataclasses import dataclass

from django.db.models import Exists, F, OuterRef, Q, Subquery
from django.utils import timezone

from audiences.models import Membership
from reviews.models import Assignment, AssignmentRequest, Review, ReviewRound, cancellable_by
from reviews.selectors.requests import declined
from usecases.models import UseCaseVersion

# How many items of recently closed rounds "My reviews" lists below the open ones.
RECENT_CLOSED_ITEMS = 10


@dataclass(frozen=True)
class RequestState:
    """The newest decline or request for more time about an item's assignment."""

    kind: str
    state: str
    requested_at: datetime.datetime
    requested_due_on: datetime.date | None
    requested_by_id: int

    @property
    def is_open(self) -> bool:
        return self.state == AssignmentRequest.State.OPEN

    @property
    def state_label(self) -> str:
        return AssignmentRequest.State(self.state).label


@dataclass(frozen=True)
class ReviewItem:
    """A version to review in a round, where the reviewer is with it, and what they may ask."""

    round: ReviewRound
    version: UseCaseVersion
    due_on: datetime.date | None
    review: Review | None
    # Every assignment that gives the reviewer this version was declined: nobody expects the review.
    is_declined: bool = False
    request: RequestState | None = None
    may_decline: bool = False
    may_ask_more_time: bool = False
    may_cancel_request: bool = False

    @property
    def status(self) -> str:
        return self.review.status if self.review else "not_started"

    @property
    def is_submitted(self) -> bool:
        return self.status == Review.Status.SUBMITTED

    @property
    def is_overdue(self) -> bool:
        return (
            self.round.is_open
            and not self.is_declined
            and self.due_on is not None
            and self.due_on < timezone.localdate()
            and not self.is_submitted
        )


@dataclass(frozen=True)
class RoundGroup:
    """One round's items: what is left to do (overdue first, then by due date), then what is submitted."""

    round: ReviewRound
    items: list[ReviewItem]

    @property
    def submitted_count(self) -> int:
        return sum(item.is_submitted for item in self.items)


@dataclass(frozen=True)
class MyReviews:
    open_rounds: list[RoundGroup]
    declined: list[ReviewItem]
    closed_rounds: list[RoundGroup]


def _assigned_to(user) -> Q:
    return Q(reviewer=user) | Q(organisation__memberships__user=user)


def _latest_request(field: str) -> Subquery:
    newest = AssignmentRequest.objects.filter(assignment=OuterRef("pk")).order_by("-requested_at", "-pk")
    return Subquery(newest.values(field)[:1])


def _assignments(user, status: str, round_id: int | None = None):
    """The user's assignments in rounds of that status (or in one round, round_id), each with whether
    it was declined, the newest request about it, and whether the user leads the organisation it was
    given to."""
    in_round = Q(round_id=round_id) if round_id else Q()
    return (
        Assignment.objects.filter(_assigned_to(user), in_round, round__status=status)
        .select_related("round", "version__use_case__audience")
        .annotate(
            is_declined=declined(),
            request_kind=_latest_request("kind"),
            request_state=_latest_request("state"),
            request_at=_latest_request("requested_at"),
            request_due_on=_latest_request("requested_due_on"),
            request_by=_latest_request("requested_by_id"),
            leads_organisation=Exists(
                Membership.objects.filter(
                    user=user, organisation=OuterRef("organisation_id"), role=Membership.Role.LEAD
                )
            ),
        )
        .distinct()
    )


def _request_state(assignment: Assignment) -> RequestState | None:
    if assignment.request_kind is None:
        return None
    return RequestState(
        kind=assignment.request_kind,
        state=assignment.request_state,
        requested_at=assignment.request_at,
        requested_due_on=assignment.request_due_on,
        requested_by_id=assignment.request_by,
    )


def _item(user, assignments: list[Assignment], review: Review | None) -> ReviewItem:
    """One line for the version, from every assignment that gives it to the user. Requests are made
    about the user's own assignment when there is one, else their organisation's (as on the use case
    page); the due date is the earliest."""
    asked_through = next((a for a in assignments if a.reviewer_id), assignments[0])
    request = _request_state(asked_through)
    dates = [a.due_on for a in assignments if a.due_on]
    submitted = review is not None and review.status == Review.Status.SUBMITTED
    can_ask = asked_through.round.is_open and not submitted and not (request and request.is_open)
    return ReviewItem(
        round=asked_through.round,
        version=asked_through.version,
        due_on=min(dates) if dates else None,
        review=review,
        is_declined=all(a.is_declined for a in assignments),
        request=request,
        may_decline=can_ask and bool(asked_through.reviewer_id or asked_through.leads_organisation),
        may_ask_more_time=can_ask and asked_through.due_on is not None,
        may_cancel_request=bool(asked_through.round.is_open and request and cancellable_by(request, user)),
    )


def _review_items(user, assignments) -> list[ReviewItem]:
    """One item per version and round, with the user's review of each. One query for the reviews."""
    by_key: dict[tuple[int, int], list[Assignment]] = {}
    for assignment in assignments:
        by_key.setdefault((assignment.round_id, assignment.version_id), []).append(assignment)
    reviews = {
        (r.round_id, r.version_id): r
        for r in Review.objects.filter(reviewer=user, round__in={round_id for round_id, _ in by_key})
    }
    return [_item(user, group, reviews.get(key)) for key, group in by_key.items()]


def _in_round_order(item: ReviewItem):
    """Left to do first (overdue first, then by due date, none last), then submitted."""
    return (
        item.is_submitted,
        not item.is_overdue,
        item.due_on is None,
        item.due_on or datetime.date.max,
        item.version.title.casefold(),
    )


def _grouped(items: list[ReviewItem], round_order) -> list[RoundGroup]:
    rounds: dict[int, RoundGroup] = {}
    for item in items:
        rounds.setdefault(item.round.pk, RoundGroup(round=item.round, items=[])).items.append(item)
    for group in rounds.values():
        group.items.sort(key=_in_round_order)
    return sorted(rounds.values(), key=lambda group: round_order(group.round))


def my_reviews(user, round_id: int | None = None) -> MyReviews:
    """The user's open rounds (closing soonest first), each with its items; the use cases they
    declined, in a list of their own; then the most recently closed rounds, for reading back.
    With round_id (a personal link's session), that open round's items only."""
    open_items = _review_items(user, _assignments(user, ReviewRound.Status.OPEN, round_id))
    closed_assignments = (
        []
        if round_id
        else list(
            _assignments(user, ReviewRound.Status.CLOSED).order_by(
                F("round__closed_at").desc(nulls_last=True), "-round__created_at", "version__title"
            )[:RECENT_CLOSED_ITEMS]
        )
    )
    closed_order = {}
    for assignment in closed_assignments:
        closed_order.setdefault(assignment.round_id, len(closed_order))
    return MyReviews(
        open_rounds=_grouped(
            [i for i in open_items if not i.is_declined],
            lambda r: (r.closes_on is None, r.closes_on or datetime.date.max, r.name.casefold()),
        ),
        declined=sorted(
            (i for i in open_items if i.is_declined), key=lambda i: (i.round.name.casefold(), i.version.title)
        ),
        closed_rounds=_grouped(_review_items(user, closed_assignments), lambda r: closed_order[r.pk]),
    )
