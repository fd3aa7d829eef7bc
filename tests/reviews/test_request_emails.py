"""Everyone told about declines and requests for more time (issue 26): when one arrives, whoever
answers it; when it is answered, the person who asked. Plain text and HTML, through the outbox,
written in the transaction that makes the change, once per request, kind and person."""

import datetime

import pytest

from bold_portal.models import OutboxMessage
from reviews.services.assignments import assignment_reassign
from reviews.services.requests import (
    assignment_decline,
    assignment_more_time_grant,
    assignment_more_time_refuse,
    assignment_more_time_request,
)
from tests.reviews.test_assignment_requests import DUE, world  # noqa: F401 (the world, as a fixture)

pytestmark = pytest.mark.django_db

LATER = DUE + datetime.timedelta(days=5)


def sent(mailoutbox, kind):
    rows = OutboxMessage.objects.filter(kind=kind)
    assert all(row.sent_at for row in rows), "every row is sent after the commit"
    return {message.to[0]: message for message in mailoutbox if message.subject in {row.subject for row in rows}}


def test_a_members_request_for_more_time_goes_to_the_lead_and_its_answer_to_the_member(
    world,  # noqa: F811
    mailoutbox,
    django_capture_on_commit_callbacks,
    settings,
):
    settings.PORTAL_URL = "https://bold.example.org"
    with django_capture_on_commit_callbacks(execute=True):
        request = assignment_more_time_request(
            assignment=world.personal_assignment, due_on=LATER, reason="Away for a week.", actor=world.amara
        )
    arrived = sent(mailoutbox, "request_arrived")
    assert set(arrived) == {"lead@crisis.example"}
    email = arrived["lead@crisis.example"]
    assert email.subject == "More time asked for: Leaving prison"
    assert "Amara asks for more time on Leaving prison (Winter)" in email.body and "Away for a week." in email.body
    assert f"https://bold.example.org/reviews/organisation/crisis/requests/{request.pk}/" in email.body
    assert "Away for a week." in email.alternatives[0][0]

    with django_capture_on_commit_callbacks(execute=True):
        assignment_more_time_refuse(request=request, note="The round closes soon.", actor=world.lead)
    answered = sent(mailoutbox, "request_answered")
    assert set(answered) == {"amara@crisis.example"}
    assert answered["amara@crisis.example"].subject == "More time not given: Leaving prison"
    assert "The round closes soon." in answered["amara@crisis.example"].body
    assert "The round closes soon." in answered["amara@crisis.example"].alternatives[0][0]


def test_a_leads_decline_goes_to_the_programme_admins_and_reassigning_answers_it(
    world,  # noqa: F811
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        request = assignment_decline(
            assignment=world.organisation_assignment, reason="Not our audience.", actor=world.lead
        )
    arrived = sent(mailoutbox, "request_arrived")
    assert set(arrived) == {"admin@bold.example"}
    assert arrived["admin@bold.example"].subject == "A use case was declined: Repeat homelessness"
    assert f"/manage/rounds/winter/requests/{request.pk}/" in arrived["admin@bold.example"].body

    with django_capture_on_commit_callbacks(execute=True):
        assignment_reassign(assignment=world.organisation_assignment, organisation=world.nacro, actor=world.admin)
    answered = sent(mailoutbox, "request_answered")
    assert set(answered) == {"lead@crisis.example"}
    assert "it has been given to someone else" in answered["lead@crisis.example"].body


def test_a_granted_request_says_the_new_date(world, mailoutbox, django_capture_on_commit_callbacks):  # noqa: F811
    request = assignment_more_time_request(
        assignment=world.organisation_assignment, due_on=LATER, reason="Short of staff.", actor=world.ben
    )
    with django_capture_on_commit_callbacks(execute=True):
        assignment_more_time_grant(request=request, actor=world.lead)
    answered = sent(mailoutbox, "request_answered")
    assert set(answered) == {"ben@crisis.example"}
    assert f"it is now due on {LATER:%-d %B %Y}" in answered["ben@crisis.example"].body


def test_a_refused_change_queues_no_email(world, mailoutbox):  # noqa: F811
    with pytest.raises(Exception, match="Say why"):
        assignment_decline(assignment=world.personal_assignment, reason=" ", actor=world.amara)
    assert not OutboxMessage.objects.exists() and not mailoutbox


def test_each_email_is_queued_once_per_request_kind_and_person(world):  # noqa: F811
    request = assignment_decline(assignment=world.personal_assignment, reason="Away.", actor=world.amara)
    rows = OutboxMessage.objects.filter(kind="request_arrived")
    assert [(row.object_id, row.recipient) for row in rows] == [(str(request.pk), "lead@crisis.example")]
    assert rows.get().html and rows.get().text
