"""Dates that mean something: a round records when it opened and closed; a
round set to follow its dates opens and closes on them, by beat or, with no beat, when a page of
it is read; the close page says how many expected reviews are missing and how many use cases
will show not enough reviews."""

import datetime

import pytest
from django.conf import settings as django_settings
from django.urls import reverse
from django.utils import timezone

from audiences.models import Membership
from bold_portal.models import AuditEvent
from reviews import tasks
from reviews.models import Review, ReviewRound
from reviews.services.round_dates import rounds_follow_dates
from reviews.services.rounds import round_close, round_open
from tests.factories import (
    make_assignment,
    make_audience,
    make_organisation,
    make_principle,
    make_reviewer,
    make_round,
    make_version,
)

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)


def ready_round(slug, *, status=ReviewRound.Status.DRAFT, opens_on=None, closes_on=None, follows_dates=True):
    review_round = make_round(
        slug=slug, status=status, opens_on=opens_on, closes_on=closes_on, follows_dates=follows_dates
    )
    organisation = make_organisation(audiences=[make_audience()])
    reviewer = make_reviewer(organisation=organisation)
    make_reviewer(organisation=organisation)  # the two reviewers the round's minimum asks for
    make_reviewer(organisation=organisation, role=Membership.Role.LEAD)  # not expected by default
    version = make_version()
    review_round.versions.add(version)
    make_assignment(review_round=review_round, version=version, organisation=organisation)
    return review_round, version, reviewer


def test_opening_and_closing_record_when(admin):
    review_round, _version, _reviewer = ready_round("spring", follows_dates=False)
    review_round = round_open(review_round=review_round, actor=admin)
    assert review_round.opened_at is not None and review_round.closed_at is None
    closed = round_close(review_round=review_round, actor=admin).review_round
    assert closed.opened_at == review_round.opened_at and closed.closed_at >= closed.opened_at
    opened_row = AuditEvent.objects.get(action="round_opened")
    assert opened_row.data["after"]["opened_at"] and opened_row.data["before"]["opened_at"] is None


def test_rounds_open_and_close_on_their_dates(admin):
    due, _v, _r = ready_round("due", opens_on=TODAY, closes_on=TODAY + 9 * DAY)
    later, _v, _r = ready_round("later", opens_on=TODAY + DAY, closes_on=TODAY + 9 * DAY)
    by_hand, _v, _r = ready_round("by-hand", opens_on=TODAY - DAY, closes_on=TODAY + 9 * DAY, follows_dates=False)
    ending, _v, _r = ready_round(
        "ending", status=ReviewRound.Status.OPEN, opens_on=TODAY - 9 * DAY, closes_on=TODAY - DAY
    )
    stopped = make_round(
        slug="stopped", status=ReviewRound.Status.DRAFT, opens_on=TODAY, closes_on=TODAY + DAY, follows_dates=True
    )  # no use cases: something stops it

    done = rounds_follow_dates()

    assert (done.opened, done.closed) == (1, 1)
    status = dict(ReviewRound.objects.values_list("slug", "status"))
    assert status == {"due": "open", "later": "draft", "by-hand": "draft", "ending": "closed", "stopped": "draft"}
    opened = ReviewRound.objects.get(slug="due")
    assert opened.opened_at is not None
    assert AuditEvent.objects.get(action="round_opened").actor is None
    assert rounds_follow_dates() == type(done)(opened=0, closed=0)  # nothing left to do
    del due, later, by_hand, ending, stopped


def test_beat_runs_it_every_hour():
    schedule = {entry["task"] for entry in django_settings.CELERY_BEAT_SCHEDULE.values()}
    assert "reviews.tasks.rounds_open_and_close_on_their_dates" in schedule
    ready_round("due", opens_on=TODAY, closes_on=TODAY + DAY)
    tasks.rounds_open_and_close_on_their_dates.delay()
    assert ReviewRound.objects.get(slug="due").status == ReviewRound.Status.OPEN


def test_without_beat_reading_an_admin_page_of_the_round_moves_it(client, admin, settings):
    settings.CELERY_BROKER_URL = ""  # the embedded default, whatever broker the test run has
    ready_round("due", opens_on=TODAY, closes_on=TODAY + DAY)
    page = client.get(reverse("rounds:detail", args=["due"])).content.decode()
    assert ReviewRound.objects.get(slug="due").status == ReviewRound.Status.OPEN
    assert "Opened on" in page and "Opens and closes on these dates by itself" in page


def test_with_beat_reading_a_page_leaves_it_to_beat(client, admin, settings):
    settings.CELERY_BROKER_URL = "redis://example.invalid:6379/0"
    ready_round("due", opens_on=TODAY, closes_on=TODAY + DAY)
    client.get(reverse("rounds:detail", args=["due"]))
    assert ReviewRound.objects.get(slug="due").status == ReviewRound.Status.DRAFT


def test_without_beat_a_reviewer_reading_the_use_case_closes_a_round_past_its_date(client, settings):
    settings.CELERY_BROKER_URL = ""  # the embedded default, whatever broker the test run has
    review_round, version, reviewer = ready_round(
        "ending", status=ReviewRound.Status.OPEN, opens_on=TODAY - 9 * DAY, closes_on=TODAY - DAY
    )
    client.force_login(reviewer)
    page = client.get(reverse("reviews:use_case", args=["ending", version.use_case.slug, version.number]))
    assert page.status_code == 200
    review_round.refresh_from_db()
    assert review_round.status == ReviewRound.Status.CLOSED


def test_following_dates_needs_both_dates(client, admin):
    principle = make_principle()
    data = {
        "name": "Summer",
        "slug": "",
        "threshold": "0.5",
        "min_reviews": "2",
        "is_blind": "yes",
        "show_aggregate_to_reviewers": "yes",
        "principles": [principle.pk],
        "follows_dates": "yes",
        "closes_on_0": str((TODAY + DAY).day),
        "closes_on_1": str((TODAY + DAY).month),
        "closes_on_2": str((TODAY + DAY).year),
    }
    page = client.post(reverse("rounds:new"), data).content.decode()
    assert "govuk-error-summary" in page and 'href="#id_follows_dates' in page
    assert "Enter an opening date and a closing date for the round to open and close on them" in page
    assert not ReviewRound.objects.exists() and not AuditEvent.objects.exists()
    data.update({"opens_on_0": str(TODAY.day), "opens_on_1": str(TODAY.month), "opens_on_2": str(TODAY.year)})
    assert client.post(reverse("rounds:new"), data).status_code == 302
    assert ReviewRound.objects.get().follows_dates


def test_the_close_page_says_what_is_missing(client, admin):
    review_round, version, reviewer = ready_round("open", status=ReviewRound.Status.OPEN, follows_dates=False)
    review_round.versions.add(make_version())  # given to nobody: no reviews
    Review.objects.create(
        round=review_round, version=version, reviewer=reviewer, status="submitted", submitted_at=timezone.now()
    )
    page = client.get(reverse("rounds:close", args=["open"])).content.decode()
    assert "1 of 2 expected reviews is missing." in page
    assert "2 use cases have fewer than 2 submitted reviews and will show not enough reviews." in page
