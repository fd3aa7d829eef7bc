"""Declines and requests that mean what they say: a declined use case leaves
My reviews' open rounds for a "Declined" list and cannot be reviewed (service and page); a request
for more time is cancelled by whoever made it, and by nobody else (service, audit row, page); My
reviews and the reviewers' emails link to declining and asking for more time and say what became
of a request."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from audiences.models import Membership
from bold_portal.models import AuditEvent
from reviews.emails import round_opened_emails_send
from reviews.models import AssignmentRequest, Review
from reviews.services.chosen_reviewers import assignment_reviewers_choose
from reviews.services.requests import (
    assignment_decline,
    assignment_more_time_cancel,
    assignment_more_time_grant,
    assignment_more_time_request,
)
from reviews.services.reviews import VerdictInput, review_save
from tests.factories import make_assignment
from tests.pages import main_content
from tests.reviews.test_assignment_requests import LATER, World

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return World()


def ask_more_time(world, *, actor=None, assignment=None):
    return assignment_more_time_request(
        assignment=assignment or world.personal_assignment,
        due_on=LATER,
        reason="Our team is away.",
        actor=actor or world.amara,
    )


def save(world, reviewer, version, *, submit=False):
    return review_save(
        reviewer=reviewer,
        review_round=world.round,
        version=version,
        verdicts=[VerdictInput(principle_id=world.principle.pk, verdict="meets")],
        overall_comment="",
        expected_lock_version=0,
        submit=submit,
    )


# --- A decline sticks -------------------------------------------------------------------------


def test_a_declined_use_case_leaves_the_open_rounds_for_the_declined_list(client, world):
    assignment_decline(assignment=world.personal_assignment, reason="We do not work with prisons.", actor=world.amara)
    client.force_login(world.amara)

    page = main_content(client.get(reverse("reviews:my_reviews")))

    open_rounds = page[: page.index('id="declined"')]
    declined = page[page.index('id="declined"') :]
    assert "Leaving prison" not in open_rounds and "Repeat homelessness" in open_rounds
    assert "Leaving prison" in declined and "Declined" in declined
    assert f"Declined on {datetime.date.today():%-d %B %Y}: waiting to be given to someone else" in declined
    assert "Not started" not in declined and world.url("decline", world.personal) not in declined
    assert "0 of 1 submitted" in open_rounds, "the declined use case is not counted in its round"


def test_a_declined_use_case_cannot_be_reviewed_on_its_page_or_through_the_service(client, world):
    assignment_decline(assignment=world.personal_assignment, reason="We do not work with prisons.", actor=world.amara)
    client.force_login(world.amara)
    url = world.url("review", world.personal)

    page = client.get(url)
    refused = client.post(url, {"action": "submit", "lock_version": "0", "relevant-verdict": "meets"})

    assert page.status_code == 200 and 'id="declined"' in page.text and "Submit review" not in page.text
    assert refused.status_code == 403 and not Review.objects.exists()
    assert "Review this use case" not in client.get(world.url("use_case", world.personal)).text
    with pytest.raises(ValidationError, match="This use case was declined"):
        save(world, world.amara, world.personal, submit=True)
    assert not Review.objects.exists()


def test_a_lead_declining_for_the_organisation_stops_every_member_reviewing(world):
    save(world, world.ben, world.shared)  # a draft started before the decline is kept, not counted
    assignment_decline(assignment=world.organisation_assignment, reason="Nobody is free.", actor=world.lead)

    with pytest.raises(ValidationError, match="This use case was declined"):
        review_save(
            reviewer=world.ben,
            review_round=world.round,
            version=world.shared,
            verdicts=[VerdictInput(principle_id=world.principle.pk, verdict="meets")],
            overall_comment="",
            expected_lock_version=1,
            submit=True,
        )
    assert Review.objects.get().status == Review.Status.DRAFT


def test_a_use_case_also_given_in_person_is_still_expected_when_the_organisation_declines(world):
    """A personal assignment of the same version still expects the review: only every assignment
    declined stops it."""
    make_assignment(review_round=world.round, version=world.shared, reviewer=world.ben)
    assignment_decline(assignment=world.organisation_assignment, reason="Nobody is free.", actor=world.lead)

    assert save(world, world.ben, world.shared, submit=True).status == Review.Status.SUBMITTED


# --- Cancelling a request for more time -------------------------------------------------------


def test_whoever_asked_for_more_time_cancels_the_request_with_an_audit_row(world):
    request = ask_more_time(world)

    assignment_more_time_cancel(request=request, actor=world.amara)

    request.refresh_from_db()
    world.personal_assignment.refresh_from_db()
    assert request.state == AssignmentRequest.State.CANCELLED and request.decided_at is not None
    assert world.personal_assignment.due_on != LATER, "the due date stays"
    row = AuditEvent.objects.get(action="assignment_more_time_cancelled")
    assert row.actor == world.amara and row.data["request"] == request.pk
    assert ask_more_time(world).is_open, "a new request can be made"


@pytest.mark.parametrize("who", ["lead", "ben", "admin", "nacro_lead"])
def test_nobody_else_cancels_a_request(world, who):
    request = ask_more_time(world)
    before = AuditEvent.objects.count()

    with pytest.raises(ValidationError, match="Only the person who asked for more time can cancel the request"):
        assignment_more_time_cancel(request=request, actor=getattr(world, who))

    request.refresh_from_db()
    assert request.is_open and AuditEvent.objects.count() == before


def test_an_answered_request_cannot_be_cancelled(world):
    request = ask_more_time(world)
    assignment_more_time_grant(request=request, actor=world.admin)

    with pytest.raises(ValidationError, match="already been answered"):
        assignment_more_time_cancel(request=request, actor=world.amara)
    request.refresh_from_db()
    assert request.state == AssignmentRequest.State.GRANTED


def test_a_decline_is_not_cancelled_this_way(world):
    decline = assignment_decline(assignment=world.personal_assignment, reason="No.", actor=world.amara)

    with pytest.raises(ValidationError):
        assignment_more_time_cancel(request=decline, actor=world.amara)
    decline.refresh_from_db()
    assert decline.is_open


def test_the_reviewer_cancels_through_the_pages(client, world):
    ask_more_time(world)
    client.force_login(world.amara)

    use_case = client.get(world.url("use_case", world.personal)).text
    my_reviews = client.get(reverse("reviews:my_reviews")).text
    cancel_url = world.url("more_time_cancel", world.personal)
    assert cancel_url in use_case and cancel_url in my_reviews
    assert f"More time asked for, until {LATER:%-d %B %Y}: waiting for a decision" in my_reviews
    confirm = client.get(cancel_url)
    assert confirm.status_code == 200 and "Cancel your request for more time?" in confirm.text

    response = client.post(cancel_url)

    assert response.status_code == 302
    assert AssignmentRequest.objects.get().state == AssignmentRequest.State.CANCELLED
    page = client.get(reverse("reviews:my_reviews")).text
    assert "More time asked for" in page and "cancelled by the person who asked" in page
    assert cancel_url not in page and world.url("more_time", world.personal) in page
    assert client.get(cancel_url).status_code == 404, "nothing left to cancel"


def test_someone_else_gets_a_404_on_the_cancel_page_and_nothing_changes(client, world):
    ask_more_time(world, actor=world.ben, assignment=world.organisation_assignment)

    for person in (world.lead, world.amara, world.nacro_reviewer):
        client.force_login(person)
        url = world.url("more_time_cancel", world.shared)
        assert client.get(url).status_code == 404
        assert client.post(url).status_code == 404
    assert AssignmentRequest.objects.get().is_open


def test_a_request_answered_while_the_cancel_page_was_open_is_no_longer_offered(client, world):
    request = ask_more_time(world)
    client.force_login(world.amara)
    url = world.url("more_time_cancel", world.personal)
    assert client.get(url).status_code == 200
    AssignmentRequest.objects.filter(pk=request.pk).update(
        state="refused", decision_note="No.", decided_at=request.requested_at
    )

    response = client.post(url)

    assert response.status_code == 404  # the page no longer offers anything to cancel
    assert AssignmentRequest.objects.get().state == "refused"


# --- Links to declining and more time --------------------------------------------------------


def test_my_reviews_links_to_declining_and_more_time_where_the_person_may(client, world):
    client.force_login(world.amara)
    page = client.get(reverse("reviews:my_reviews")).text

    assert world.url("decline", world.personal) in page, "her own assignment"
    assert world.url("more_time", world.personal) in page
    assert world.url("decline", world.shared) not in page, "only the lead declines for the organisation"
    assert world.url("more_time", world.shared) in page

    client.force_login(world.lead)
    assert world.url("decline", world.shared) in client.get(reverse("reviews:my_reviews")).text


def test_the_round_opened_email_links_to_declining_and_more_time(world, mailoutbox, django_capture_on_commit_callbacks):
    # The lead reviews their organisation's use case only when chosen; then their email offers to decline it.
    assignment_reviewers_choose(
        assignment=world.organisation_assignment,
        memberships=list(Membership.objects.filter(organisation=world.crisis, user__in=[world.lead, world.amara])),
        actor=world.lead,
    )
    with django_capture_on_commit_callbacks(execute=True):
        round_opened_emails_send(world.round)

    by_person = {message.to[0]: message for message in mailoutbox}
    amara = by_person["amara@crisis.example"]
    html = amara.alternatives[0][0]
    for body in (amara.body, html):
        assert world.url("decline", world.personal) in body and world.url("more_time", world.personal) in body
        assert world.url("decline", world.shared) not in body
    assert world.url("decline", world.shared) in by_person["lead@crisis.example"].body


def test_an_email_says_what_became_of_a_request(world, mailoutbox, django_capture_on_commit_callbacks):
    ask_more_time(world)

    with django_capture_on_commit_callbacks(execute=True):
        round_opened_emails_send(world.round)

    amara = next(message for message in mailoutbox if message.to == ["amara@crisis.example"])
    assert f"More time asked for, until {LATER:%-d %B %Y}: waiting for a decision" in amara.body
    assert world.url("more_time", world.personal) not in amara.body, "one request at a time"
