"""The email telling people a use case was given to them after its round opened (docs/email.md):
queued in the outbox in the transaction that gives it, to each person it newly expects."""

from collections.abc import Collection

from django.contrib.auth import get_user_model

from bold_portal.email import email_send_on_commit, portal_url
from reviews.models import Assignment, ReviewRound
from reviews.selectors.expected import expected_by_assignment


def expected_people(assignment: Assignment) -> set[int]:
    return set(expected_by_assignment(Assignment.objects.filter(pk=assignment.pk)).get(assignment.pk, []))


def assignment_given_email(assignment: Assignment, *, already: set[int] = frozenset()) -> None:
    """In an open round, email each person the assignment expects, but those in already (who
    were expected before a reassignment)."""
    if assignment.round.status != ReviewRound.Status.OPEN:
        return
    for person in get_user_model().objects.filter(pk__in=expected_people(assignment) - set(already)).order_by("pk"):
        _email(assignment, person)


def assignments_given_emails(review_round: ReviewRound, assignment_ids: Collection[int]) -> None:
    """As assignment_given_email for assignments given together to an open round (by audience, on
    the grid, from a file): the same email to each person each one expects, with the people and
    use cases read once for all of them."""
    if review_round.status != ReviewRound.Status.OPEN or not assignment_ids:
        return
    given = Assignment.objects.filter(pk__in=assignment_ids)
    expected = expected_by_assignment(given)
    people = get_user_model().objects.in_bulk({pk for ids in expected.values() for pk in ids})
    for assignment in given.select_related("round", "version__use_case__audience", "organisation").order_by("pk"):
        for person_id in sorted(expected.get(assignment.pk, [])):
            _email(assignment, people[person_id])


def _email(assignment: Assignment, person) -> None:
    """occasion names whom it was given to, so giving it to someone else later is a new cause."""
    version = assignment.version
    link = portal_url("reviews:use_case", assignment.round.slug, version.use_case.slug, version.number)
    occasion = (
        f"organisation-{assignment.organisation_id}"
        if assignment.organisation_id
        else f"person-{assignment.reviewer_id}"
    )
    email_send_on_commit(
        template="reviews/email/assignment_given",
        kind="assignment_given",
        obj=assignment,
        occasion=occasion,
        to=[person.email],
        user=person,
        context={
            "name": person.get_full_name(),
            "title": version.title,
            "audience": version.use_case.audience.name,
            "round": assignment.round.name,
            "due_on": assignment.due_on or assignment.round.closes_on,
            "given_to": assignment.organisation.name if assignment.organisation_id else "",
            "link": link,
        },
    )
