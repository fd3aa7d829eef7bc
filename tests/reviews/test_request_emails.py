"""Everyone told about declines and requests for more time: when one arrives, whoever
answers it; when it is answered, the person who asked. Plain text and HTML, through the outbox,
written in the transaction that makes the change, once per request, kind and person."""

import datetime

import pytest

from bold_portal.models import OutboxMessage
from reviews.models import ReviewRound
from reviews.services.assignments import assignment_create, assignment_reassign, assignments_by_audience_create
from reviews.services.bulk_assignments import PlannedAssignment, assignments_grid_change, assignments_upload
from reviews.services.requests import (
    assignment_decline,
    assignment_more_time_grant,
    assignment_more_time_refuse,
    assignment_more_time_request,
)
from tests.factories import make_round, make_version
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


def test_a_use_case_given_after_opening_emails_the_people_newly_expected(
    world,  # noqa: F811
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    extra = make_version(audience=world.audience, title="Sleeping rough")
    world.round.versions.add(extra)
    with django_capture_on_commit_callbacks(execute=True):
        given = assignment_create(review_round=world.round, version=extra, organisation=world.crisis, actor=world.admin)
    emails = sent(mailoutbox, "assignment_given")
    # The lead is not expected by default, so not told.
    assert set(emails) == {"amara@crisis.example", "ben@crisis.example"}
    assert emails["ben@crisis.example"].subject == "A use case for you to review: Sleeping rough"
    assert "given to Crisis in Winter" in emails["ben@crisis.example"].body
    assert "Sleeping rough" in emails["ben@crisis.example"].alternatives[0][0]

    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assignment_reassign(assignment=given, reviewer=world.ben, actor=world.admin)
    assert not mailoutbox, "Ben was expected already: nobody is newly given it"
    with django_capture_on_commit_callbacks(execute=True):
        assignment_reassign(assignment=world.personal_assignment, reviewer=world.ben, actor=world.admin)
    assert set(sent(mailoutbox, "assignment_given")) == {"ben@crisis.example"}


@pytest.mark.parametrize("how", ["grid", "file", "audience"])
def test_use_cases_given_in_bulk_after_opening_email_the_people_newly_expected(
    world,  # noqa: F811
    mailoutbox,
    django_capture_on_commit_callbacks,
    how,
):
    extra = make_version(audience=world.audience, title="Sleeping rough")
    world.round.versions.add(extra)
    with django_capture_on_commit_callbacks(execute=True):
        if how == "grid":
            assignments_grid_change(
                review_round=world.round,
                version_ids=[extra.pk],
                organisation_ids=[world.crisis.pk],
                chosen=[(extra.pk, world.crisis.pk)],
                due_on=None,
                actor=world.admin,
            )
        elif how == "file":
            planned = [
                PlannedAssignment(
                    line=2, version_id=extra.pk, organisation_id=None, reviewer_id=world.ben.pk, due_on=None
                )
            ]
            assignments_upload(review_round=world.round, planned=planned, actor=world.admin)
        else:
            assignments_by_audience_create(review_round=world.round, due_on=None, actor=world.admin)
    sent(mailoutbox, "assignment_given")
    told = {(message.to[0], message.subject.split(": ")[1]) for message in mailoutbox}
    members = ["ben@crisis.example"] if how == "file" else ["amara@crisis.example", "ben@crisis.example"]
    # By audience, Crisis is also given the use case Amara had in person: both members are told of it.
    titles = ["Sleeping rough", "Leaving prison"] if how == "audience" else ["Sleeping rough"]
    assert told == {(member, title) for member in members for title in titles}


def test_a_draft_rounds_assignments_email_nobody(world, mailoutbox, django_capture_on_commit_callbacks):  # noqa: F811
    draft = make_round(status=ReviewRound.Status.DRAFT, principles=[world.principle])
    draft.versions.add(world.shared)
    with django_capture_on_commit_callbacks(execute=True):
        assignment_create(review_round=draft, version=world.shared, organisation=world.crisis, actor=world.admin)
    assert not OutboxMessage.objects.filter(kind="assignment_given").exists() and not mailoutbox
