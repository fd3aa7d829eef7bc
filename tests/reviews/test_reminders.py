"""Reminders of reviews due in three days and today (reviews.services.reminders.reminders_send, run by beat
at 09:00 UK time): who gets one, at most once per person, assignment and kind, and never twice
even when a run dies between writing its records and sending."""

import copy
import datetime
from unittest import mock

import pytest
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bold_portal.celery import app as celery_app
from bold_portal.models import OutboxMessage
from reviews.models import AssignmentReminder, Review, ReviewRound
from reviews.services.reminders import reminders_send
from tests.factories import make_assignment, make_audience, make_organisation, make_reviewer, make_round, make_version

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 6, 1)
IN_THREE_DAYS = TODAY + datetime.timedelta(days=3)


@pytest.fixture
def world(settings):
    """Spring is open. Ann has housing due in three days in person, and treatment due today through
    Crisis, whose members also include Bea (submitted treatment) and Cal (account switched off).
    Dan's review is due tomorrow; Eve's is due today in a closed round; Fay's assignment has no
    due date in a round that closes today; Gus saved a draft of housing, due today."""
    settings.PORTAL_URL = "https://bold.example.org"
    audience = make_audience(name="Homelessness")
    crisis = make_organisation(name="Crisis", audiences=[audience])
    housing = make_version(audience=audience, title="Housing after prison")
    treatment = make_version(audience=audience, title="Treatment and housing")
    spring = make_round(name="Spring round", slug="spring", closes_on=TODAY + datetime.timedelta(days=20))
    people = {
        "ann": make_reviewer(organisation=crisis, email="ann@crisis.example", full_name="Ann Example"),
        "bea": make_reviewer(organisation=crisis, email="bea@crisis.example"),
        "cal": make_reviewer(organisation=crisis, email="cal@crisis.example", is_active=False),
        "dan": make_reviewer(email="dan@example.org"),
        "eve": make_reviewer(email="eve@example.org"),
        "fay": make_reviewer(email="fay@example.org"),
        "gus": make_reviewer(email="gus@example.org"),
    }
    make_assignment(review_round=spring, version=housing, reviewer=people["ann"], due_on=IN_THREE_DAYS)
    make_assignment(review_round=spring, version=treatment, organisation=crisis, due_on=TODAY)
    Review.objects.create(
        round=spring, version=treatment, reviewer=people["bea"], status="submitted", submitted_at=timezone.now()
    )
    make_assignment(
        review_round=spring, version=treatment, reviewer=people["dan"], due_on=TODAY + datetime.timedelta(1)
    )
    closed = make_round(status=ReviewRound.Status.CLOSED)
    make_assignment(review_round=closed, version=housing, reviewer=people["eve"], due_on=TODAY)
    closing = make_round(name="Short round", closes_on=TODAY)
    make_assignment(review_round=closing, version=housing, reviewer=people["fay"])
    make_assignment(review_round=spring, version=housing, reviewer=people["gus"], due_on=TODAY)
    Review.objects.create(round=spring, version=housing, reviewer=people["gus"], status="draft")
    return {"people": people, "spring": spring, "housing": housing, "treatment": treatment}


def _sent(mailoutbox) -> dict[str, object]:
    return {message.to[0]: message for message in mailoutbox}


def _recorded() -> set[tuple[str, str, str]]:
    return set(AssignmentReminder.objects.values_list("person__email", "assignment__version__title", "kind"))


def test_people_who_have_not_submitted_are_reminded_three_days_before_and_on_the_day(world, mailoutbox):
    assert reminders_send(today=TODAY) == 3

    sent = _sent(mailoutbox)
    assert set(sent) == {"ann@crisis.example", "fay@example.org", "gus@example.org"}
    assert _recorded() == {
        ("ann@crisis.example", "Housing after prison", "due_soon"),
        ("ann@crisis.example", "Treatment and housing", "due_today"),
        ("fay@example.org", "Housing after prison", "due_today"),
        ("gus@example.org", "Housing after prison", "due_today"),
    }
    ann = sent["ann@crisis.example"]
    assert ann.subject == "Reminder: BOLD use case review due today"
    assert "Hello Ann Example," in ann.body
    due_today, due_soon = ann.body.split("Due in 3 days, and not yet submitted:")
    assert "Treatment and housing (Homelessness, Spring round)" in due_today
    assert "Housing after prison (Homelessness, Spring round), due 4 June 2026" in due_soon
    assert "https://bold.example.org/reviews/spring/" in ann.body
    html = ann.alternatives[0][0]
    assert f'href="https://bold.example.org/reviews/spring/{world["treatment"].use_case.slug}/v1/"' in html
    assert "<h2>Due today, and not yet submitted</h2>" in html
    assert "no password yet" not in ann.body


def test_a_reminder_due_in_three_days_only_says_so(world, mailoutbox):
    Review.objects.create(
        round=world["spring"],
        version=world["treatment"],
        reviewer=world["people"]["ann"],
        status="submitted",
        submitted_at=timezone.now(),
    )

    reminders_send(today=TODAY)

    ann = _sent(mailoutbox)["ann@crisis.example"]
    assert ann.subject == "Reminder: BOLD use case review due in 3 days"
    assert "Due today" not in ann.body
    assert "Treatment and housing" not in ann.body


def test_running_twice_sends_once(world, mailoutbox):
    reminders_send(today=TODAY)
    first = len(mailoutbox)

    assert reminders_send(today=TODAY) == 0
    assert len(mailoutbox) == first
    assert AssignmentReminder.objects.count() == 4


def test_each_kind_is_sent_once_per_person_and_assignment(world, mailoutbox):
    reminders_send(today=TODAY)
    mailoutbox.clear()

    reminders_send(today=IN_THREE_DAYS)

    # Ann's housing review, reminded three days before, is now due today: that is the other kind.
    assert set(_sent(mailoutbox)) == {"ann@crisis.example"}
    assert ("ann@crisis.example", "Housing after prison", "due_today") in _recorded()


def test_a_run_that_dies_after_writing_its_records_sends_nothing_on_the_rerun(world, mailoutbox):
    with (
        mock.patch("reviews.services.reminders.reminder_email_send", side_effect=KeyboardInterrupt),
        pytest.raises(KeyboardInterrupt),
    ):
        reminders_send(today=TODAY)
    assert len(_recorded()) == 4  # committed before anything was sent

    assert reminders_send(today=TODAY) == 0
    assert mailoutbox == []


@pytest.mark.django_db(transaction=True)
def test_the_records_are_committed_before_any_email_is_sent(world, mailoutbox):
    checked = []

    def send(*, person, reminders, **_context):
        # No transaction is open: the rows this run wrote are in the database for every process.
        assert not transaction.get_connection().in_atomic_block
        assert AssignmentReminder.objects.filter(pk__in=[r.pk for r in reminders]).count() == len(reminders)
        checked.append(person.email)

    with mock.patch("reviews.services.reminders.reminder_email_send", side_effect=send):
        reminders_send(today=TODAY)

    assert sorted(checked) == ["ann@crisis.example", "fay@example.org", "gus@example.org"]


def test_a_run_sends_only_the_records_it_wrote(world, mailoutbox):
    """Another run (a second beat, a redelivered task) that recorded a reminder first sends it; this one does not."""
    ann = world["people"]["ann"]
    assignment = world["spring"].assignments.get(reviewer=ann)
    AssignmentReminder.objects.create(
        person=ann,
        assignment=assignment,
        kind="due_soon",
        due_on=IN_THREE_DAYS,
        batch="00000000-0000-4000-8000-000000000000",
    )

    reminders_send(today=TODAY)

    ann_email = _sent(mailoutbox)["ann@crisis.example"]
    assert "Treatment and housing" in ann_email.body
    assert "Housing after prison" not in ann_email.body


def test_one_person_s_email_failing_does_not_stop_the_others_and_is_not_tried_again(world, mailoutbox, caplog):
    from reviews import emails

    real = emails.reminder_email_send

    def fail_for_ann(*, person, **sent):
        if person.email == "ann@crisis.example":
            raise ConnectionRefusedError("mail server down")
        real(person=person, **sent)

    with mock.patch("reviews.services.reminders.reminder_email_send", side_effect=fail_for_ann):
        assert reminders_send(today=TODAY) == 2

    assert set(_sent(mailoutbox)) == {"fay@example.org", "gus@example.org"}
    assert "Could not send 2 reminder(s)" in caplog.text
    assert reminders_send(today=TODAY) == 0


def test_people_without_a_password_are_told_how_to_create_one(world, mailoutbox):
    gus = world["people"]["gus"]
    gus.set_unusable_password()
    gus.save()

    reminders_send(today=TODAY)

    gus_email = _sent(mailoutbox)["gus@example.org"]
    assert "has no password yet" in gus_email.body
    assert "https://bold.example.org/password-reset/" in gus_email.body


def test_a_declined_assignment_is_not_reminded(world, mailoutbox):
    """Declining goes through the assignment requests: here, an open decline of Gus's assignment."""
    from reviews.models import AssignmentRequest

    gus = world["people"]["gus"]
    assignment = world["spring"].assignments.get(reviewer=gus)
    AssignmentRequest.objects.create(
        assignment=assignment, kind=AssignmentRequest.Kind.DECLINE, reason="I know the people in it", requested_by=gus
    )

    reminders_send(today=TODAY)

    assert "gus@example.org" not in _sent(mailoutbox)


def test_the_day_is_the_uk_date_not_the_utc_date(world, mailoutbox):
    # 23:30 UTC on 31 May is 00:30 on 1 June in London (British Summer Time).
    late_evening_utc = datetime.datetime(2026, 5, 31, 23, 30, tzinfo=datetime.UTC)
    with mock.patch("django.utils.timezone.now", return_value=late_evening_utc):
        reminders_send()

    assert ("ann@crisis.example", "Housing after prison", "due_soon") in _recorded()
    assert ("gus@example.org", "Housing after prison", "due_today") in _recorded()


def test_the_database_refuses_a_second_reminder_of_the_same_kind(world):
    ann = world["people"]["ann"]
    assignment = world["spring"].assignments.get(reviewer=ann)
    fields = {"person": ann, "assignment": assignment, "kind": "due_soon", "due_on": IN_THREE_DAYS}
    AssignmentReminder.objects.create(batch="00000000-0000-4000-8000-000000000001", **fields)

    with pytest.raises(IntegrityError):
        AssignmentReminder.objects.create(batch="00000000-0000-4000-8000-000000000002", **fields)


def test_the_query_count_does_not_grow_with_people_or_assignments(world, mailoutbox):
    # Each email is a row of the outbox, written and sent on its own (a savepoint, the row, its
    # claim): those queries are one set per email; the rest must not grow with the data.
    def run(today):
        AssignmentReminder.objects.all().delete()
        OutboxMessage.objects.all().delete()
        with CaptureQueriesContext(connection) as captured:
            reminders_send(today=today)
        outbox = [q for q in captured if "outboxmessage" in q["sql"] or "SAVEPOINT" in q["sql"]]
        return len(captured) - len(outbox)

    small = run(TODAY)
    for n in range(5):
        person = make_reviewer(email=f"more-{n}@example.org")
        make_assignment(review_round=world["spring"], version=make_version(), reviewer=person, due_on=TODAY)
    assert run(TODAY) == small


def test_beat_runs_the_reminders_at_nine_in_the_morning_uk_time():
    entry = settings.CELERY_BEAT_SCHEDULE["assignment-reminders"]
    celery_app.loader.import_default_modules()
    assert entry["task"] in celery_app.tasks
    assert celery_app.conf.timezone == "Europe/London"

    schedule = copy.copy(entry["schedule"])
    schedule.app = celery_app
    # At 07:00 UTC the next run is 08:00 UTC in summer (09:00 BST) and 09:00 UTC in winter (GMT).
    for now, last_run, seconds_to_go in [
        (
            datetime.datetime(2026, 6, 1, 7, tzinfo=datetime.UTC),
            datetime.datetime(2026, 5, 31, 8, tzinfo=datetime.UTC),
            3600,
        ),
        (
            datetime.datetime(2026, 1, 15, 7, tzinfo=datetime.UTC),
            datetime.datetime(2026, 1, 14, 9, tzinfo=datetime.UTC),
            7200,
        ),
    ]:
        schedule.nowfun = lambda now=now: now
        assert schedule.is_due(last_run) == (False, seconds_to_go)


def test_the_beat_task_sends_the_reminders(world, mailoutbox):
    from reviews.tasks import assignment_reminders_send

    with mock.patch("django.utils.timezone.now", return_value=datetime.datetime(2026, 6, 1, 8, tzinfo=datetime.UTC)):
        assignment_reminders_send.delay()

    assert set(_sent(mailoutbox)) == {"ann@crisis.example", "fay@example.org", "gus@example.org"}
