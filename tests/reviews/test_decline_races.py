"""Declines, submissions and cancellations at the same moment, on real PostgreSQL connections.

A save reads the reviewer's assignments FOR SHARE after the round; a decline locks its assignment
FOR UPDATE after the round; cancelling and answering a request lock the assignment, then the
request. So each pair takes turns, and whichever comes second sees the first: a submission after a
decline is refused, a decline after a submission is refused, and a request cancelled while an
answer waits is not answered (nor the other way round). PostgreSQL only: SQLite serialises every
writing transaction, so there is no race to show."""

import datetime
import threading
from collections.abc import Callable

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from reviews.models import AssignmentRequest, Review
from reviews.services.requests import (
    assignment_decline,
    assignment_more_time_cancel,
    assignment_more_time_grant,
    assignment_more_time_request,
)
from reviews.services.reviews import VerdictInput, review_save
from tests.concurrency import STEP_SECONDS, Step, require_postgresql, wait_until_blocked_by
from tests.factories import make_assignment, make_principle, make_reviewer, make_round, make_user, make_version

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

TODAY = datetime.date.today()


@pytest.fixture(autouse=True)
def _postgresql_only():
    require_postgresql("Declines racing submissions (FOR SHARE against FOR UPDATE on the assignment)")


class Race:
    """A use case given in person to one reviewer, and the steps racing over it, let go and joined
    at teardown so that no connection holds a lock while the database is flushed."""

    def __init__(self):
        self.principle = make_principle()
        self.version = make_version()
        self.round = make_round(
            principles=[self.principle], versions=[self.version], closes_on=TODAY + datetime.timedelta(days=30)
        )
        self.reviewer = make_reviewer()
        self.assignment = make_assignment(
            review_round=self.round,
            version=self.version,
            reviewer=self.reviewer,
            due_on=TODAY + datetime.timedelta(days=10),
        )
        self.steps: list[Step] = []
        self.release = threading.Event()

    def start(self, name: str, target: Callable) -> Step:
        step = Step(name, target)
        self.steps.append(step)
        step.start()
        return step

    def holding(self, action: Callable) -> tuple[Callable, threading.Event]:
        """action run in a transaction kept open, holding its locks, until released."""
        done = threading.Event()

        def run():
            with transaction.atomic():
                result = action()
                done.set()
                assert self.release.wait(STEP_SECONDS), "the test never let the step go on"
            return result

        return run, done

    def submit(self):
        return review_save(
            reviewer=self.reviewer,
            review_round=self.round,
            version=self.version,
            verdicts=[VerdictInput(principle_id=self.principle.pk, verdict="meets")],
            overall_comment="",
            expected_lock_version=0,
            submit=True,
        )

    def decline(self):
        return assignment_decline(assignment=self.assignment, reason="Not our area.", actor=self.reviewer)

    def let_go(self):
        self.release.set()
        for step in self.steps:
            step.join(STEP_SECONDS)


@pytest.fixture
def race(transactional_db):
    race = Race()
    yield race
    race.let_go()


def test_a_submission_waits_for_a_decline_in_progress_and_is_refused(race):
    run, declined = race.holding(race.decline)
    decline = race.start("decline", run)
    assert declined.wait(STEP_SECONDS)
    submission = race.start("submission", race.submit)

    wait_until_blocked_by(submission, decline)
    race.release.set()

    decline.outcome()
    with pytest.raises(ValidationError, match="This use case was declined"):
        submission.outcome()
    assert not Review.objects.exists()


def test_a_decline_waits_for_a_submission_in_progress_and_is_refused(race):
    run, submitted = race.holding(race.submit)
    submission = race.start("submission", run)
    assert submitted.wait(STEP_SECONDS)
    decline = race.start("decline", race.decline)

    wait_until_blocked_by(decline, submission)
    race.release.set()

    submission.outcome()
    with pytest.raises(ValidationError, match="You have submitted a review of this use case"):
        decline.outcome()
    assert not AssignmentRequest.objects.exists()


def test_an_answer_waits_for_a_cancellation_in_progress_and_finds_nothing_to_answer(race):
    request = assignment_more_time_request(
        assignment=race.assignment, due_on=TODAY + datetime.timedelta(days=20), reason="Busy.", actor=race.reviewer
    )
    admin = make_user(is_superuser=True)
    run, cancelled = race.holding(lambda: assignment_more_time_cancel(request=request, actor=race.reviewer))
    cancellation = race.start("cancellation", run)
    assert cancelled.wait(STEP_SECONDS)
    answer = race.start("answer", lambda: assignment_more_time_grant(request=request, actor=admin))

    wait_until_blocked_by(answer, cancellation)
    race.release.set()

    cancellation.outcome()
    with pytest.raises(ValidationError, match="already been answered"):
        answer.outcome()
    request.refresh_from_db()
    assert request.state == AssignmentRequest.State.CANCELLED
