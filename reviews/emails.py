"""What the reviews app emails, to whom: the digest when a round opens, the reminders before a
review is due, and the note when a round closes (docs/email.md). The services decide when; this
module only words the emails, through bold_portal.email."""

from collections.abc import Sequence

from bold_portal.email import email_send, email_send_on_commit, portal_url
from reviews.models import AssignmentReminder, AssignmentRequest, Review, ReviewRound
from reviews.selectors.emails import PersonItem, RoundPerson, round_people


def _version_url(review_round: ReviewRound, version, name: str = "reviews:use_case") -> str:
    return portal_url(name, review_round.slug, version.use_case.slug, version.number)


def _request_links(review_round: ReviewRound, version, *, may_decline: bool, may_ask_more_time: bool, request) -> dict:
    """Links to decline the use case and to ask for more time, where the person may, in an open
    round, and their latest request about it (docs/email.md)."""
    is_open = review_round.is_open
    return {
        "decline_url": _version_url(review_round, version, "reviews:decline") if is_open and may_decline else "",
        "more_time_url": (
            _version_url(review_round, version, "reviews:more_time") if is_open and may_ask_more_time else ""
        ),
        "request": request if is_open else None,
    }


def _item(review_round: ReviewRound, item: PersonItem) -> dict:
    version = item.version
    results_shared = review_round.show_aggregate_to_reviewers and (
        not review_round.is_blind or item.status == Review.Status.SUBMITTED
    )
    return {
        "title": version.title,
        "audience": version.use_case.audience.name,
        "due_on": item.due_on,
        "submitted": item.status == Review.Status.SUBMITTED,
        "draft": item.status == Review.Status.DRAFT,
        "url": _version_url(review_round, version),
        **_request_links(
            review_round,
            version,
            may_decline=item.may_decline,
            may_ask_more_time=item.may_ask_more_time,
            request=item.request,
        ),
        # Reviewers' summary of the version (matrix.views.version_summary), where the round shares it.
        "results_url": _version_url(review_round, version, "matrix:version_summary") if results_shared else "",
    }


def _person_email(*, template: str, kind: str, review_round: ReviewRound, person: RoundPerson) -> None:
    user = person.user
    email_send_on_commit(
        template=template,
        kind=kind,
        obj=review_round,
        user=user,
        to=[user.email],
        context={
            "name": user.get_full_name(),
            "round": review_round,
            "items": [_item(review_round, item) for item in person.items],
            "my_reviews_url": portal_url("reviews:my_reviews"),
            "password_reset_url": portal_url("password_reset"),
            "has_password": user.has_usable_password(),
        },
    )


def round_opened_emails_send(review_round: ReviewRound) -> int:
    """Email everyone the round expects a review from the list of what they have to review.
    Returns how many emails were queued."""
    people = round_people(review_round)
    for person in people:
        _person_email(
            template="reviews/email/round_opened", kind="round_opened", review_round=review_round, person=person
        )
    return len(people)


def round_closed_emails_send(review_round: ReviewRound) -> int:
    """Email everyone who was asked to review in the round, or who reviewed in it, that it has
    closed: what they submitted, links to the results where the round shares them, and which
    drafts were not counted. Returns how many emails were queued."""
    people = round_people(review_round, with_reviews=True)
    for person in people:
        _person_email(
            template="reviews/email/round_closed", kind="round_closed", review_round=review_round, person=person
        )
    return len(people)


def reminder_email_send(
    *,
    person,
    reminders: Sequence[AssignmentReminder],
    requests_by_assignment: dict[int, AssignmentRequest],
    led: set[int],
) -> None:
    """Send one email now telling person which reviews are due in three days and which today.
    One line per use case version, whichever assignments ask for it, with the latest request about
    each (requests_by_assignment) and links to decline (where the person reviews in person, or
    leads the organisation given it: led) or ask for more time."""
    groups = {kind: {} for kind in AssignmentReminder.Kind.values}
    for reminder in reminders:
        assignment = reminder.assignment
        request = requests_by_assignment.get(assignment.pk)
        can_ask = not (request and request.is_open)
        groups[reminder.kind].setdefault(
            (assignment.round_id, assignment.version_id),
            {
                "title": assignment.version.title,
                "audience": assignment.version.use_case.audience.name,
                "round": assignment.round.name,
                "due_on": reminder.due_on,
                "url": _version_url(assignment.round, assignment.version),
                **_request_links(
                    assignment.round,
                    assignment.version,
                    may_decline=can_ask and bool(assignment.reviewer_id or assignment.organisation_id in led),
                    may_ask_more_time=can_ask and assignment.due_on is not None,
                    request=request,
                ),
            },
        )
    email_send(
        template="reviews/email/reminder",
        kind="reminder",
        obj=reminders[0],  # the first of this batch's rows for the person: one email each
        user=person,
        to=[person.email],
        context={
            "name": person.get_full_name(),
            "due_today": list(groups[AssignmentReminder.Kind.DUE_TODAY].values()),
            "due_soon": list(groups[AssignmentReminder.Kind.DUE_SOON].values()),
            "my_reviews_url": portal_url("reviews:my_reviews"),
            "password_reset_url": portal_url("password_reset"),
            "has_password": person.has_usable_password(),
        },
    )
