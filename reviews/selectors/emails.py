"""Who a round's emails go to (reviews/emails.py, docs/email.md): everyone the round expects a
review from, when it opens or closes, and each person to remind of a review due."""

import datetime
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models.functions import Coalesce

from audiences.models import Membership
from reviews.models import Assignment, AssignmentRequest, Review, ReviewRound
from reviews.selectors.expected import expected_by_assignment
from reviews.selectors.requests import declined, latest_requests
from usecases.models import UseCaseVersion


@dataclass(frozen=True)
class PersonItem:
    """A use case version someone reviews in a round: when it is due, and how far they got."""

    version: UseCaseVersion
    due_on: datetime.date | None
    status: str  # the review's status, or "not_started"
    # What the person may ask about it (docs/declined-and-interests.md), and their latest request.
    may_decline: bool = False
    may_ask_more_time: bool = False
    request: AssignmentRequest | None = None


@dataclass(frozen=True)
class RoundPerson:
    user: object
    items: list[PersonItem]


def round_people(review_round: ReviewRound, *, with_reviews: bool = False) -> list[RoundPerson]:
    """Everyone the round expects a review from (reviews.selectors.expected; not where the
    assignment was declined), with each version's earliest due date (else the round's closing
    date), their review's status, whether they may decline it or ask for more time, and the latest
    request about it. With with_reviews, also anyone else who has a review in the round. Active
    accounts only. Six queries, whatever the size of the round."""
    given = Assignment.objects.filter(round=review_round).exclude(declined())
    assignments = list(given.select_related("version__use_case__audience"))
    people_by_assignment = expected_by_assignment(given)
    users: dict[int, object] = {
        user.pk: user
        for user in get_user_model().objects.filter(
            pk__in={pk for people in people_by_assignment.values() for pk in people}
        )
    }
    reviews = list(Review.objects.filter(round=review_round).select_related("reviewer", "version__use_case__audience"))
    statuses = {(r.reviewer_id, r.version_id): r.status for r in reviews}
    leads = set(  # (organisation, user)
        Membership.objects.filter(
            organisation__in={a.organisation_id for a in assignments if a.organisation_id},
            role=Membership.Role.LEAD,
        ).values_list("organisation_id", "user_id")
    )
    requests_by_assignment = latest_requests(assignments)

    due: dict[tuple[int, int], list] = {}
    versions: dict[int, UseCaseVersion] = {}
    # The assignment a person's requests are about: their own, else their organisation's.
    asked_through: dict[tuple[int, int], Assignment] = {}
    for assignment in assignments:
        versions[assignment.version_id] = assignment.version
        for user_id in people_by_assignment.get(assignment.pk, []):
            due.setdefault((user_id, assignment.version_id), []).append(assignment.due_on)
            if assignment.reviewer_id or (user_id, assignment.version_id) not in asked_through:
                asked_through[(user_id, assignment.version_id)] = assignment
    if with_reviews:
        for review in reviews:
            if review.reviewer.is_active:
                users[review.reviewer_id] = review.reviewer
                versions[review.version_id] = review.version
                due.setdefault((review.reviewer_id, review.version_id), [])

    items: dict[int, list[PersonItem]] = {}
    for (user_id, version_id), dates in due.items():
        assignment = asked_through.get((user_id, version_id))
        request = requests_by_assignment.get(assignment.pk) if assignment else None
        can_ask = (
            assignment is not None
            and statuses.get((user_id, version_id)) != Review.Status.SUBMITTED
            and not (request and request.is_open)
        )
        items.setdefault(user_id, []).append(
            PersonItem(
                version=versions[version_id],
                due_on=min((due for due in dates if due is not None), default=None) or review_round.closes_on,
                status=statuses.get((user_id, version_id), "not_started"),
                may_decline=can_ask and bool(assignment.reviewer_id or (assignment.organisation_id, user_id) in leads),
                may_ask_more_time=can_ask and assignment.due_on is not None,
                request=request,
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
    due_assignments = (
        Assignment.objects.filter(round__status=ReviewRound.Status.OPEN)
        .exclude(declined())
        .annotate(due=Coalesce("due_on", "round__closes_on"))
        .filter(due__in=list(dates))
    )
    assignments = list(due_assignments.values("pk", "round_id", "version_id", "due"))
    people = expected_by_assignment(Assignment.objects.filter(pk__in=[a["pk"] for a in assignments]))
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
        for person_id in people.get(a["pk"], [])
        if (person_id, a["round_id"], a["version_id"]) not in submitted
    ]
