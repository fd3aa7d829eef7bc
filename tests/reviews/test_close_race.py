"""Closing a round against reviews being saved, on two real PostgreSQL connections.

A save reads the round under a shared row lock (FOR SHARE), so closing the round (FOR UPDATE)
waits for saves in progress, and a save that starts after the close reads the round closed.
Saves of different versions share the round's lock, so they never wait for each other.
PostgreSQL only: SQLite serialises every writing transaction, so there is no race to show.
CI runs this with BOLD_REQUIRE_SERVICES=1, where a missing PostgreSQL fails instead of skipping."""

import threading
from collections.abc import Callable

import pytest
from django.db import transaction

from reviews.models import Review, ReviewRound, RoundVersion, Verdict
from reviews.services import reviews as services
from reviews.services.reviews import RoundNotOpen, VerdictInput, review_save
from tests.concurrency import STEP_SECONDS, Step, require_postgresql, wait_until_blocked_by
from tests.factories import close_round, make_assignment, make_principle, make_reviewer, make_round, make_version

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


@pytest.fixture(autouse=True)
def _postgresql_only():
    require_postgresql("The close race (FOR SHARE against FOR UPDATE on the round)")


class Threads:
    """The test's steps and the events that hold them, all let go and joined at teardown, so
    that a failing test never leaves a connection holding a lock while the database is flushed."""

    def __init__(self):
        self.steps: list[Step] = []
        self.holds: list[threading.Event] = []
        self.paused: dict[str, tuple[threading.Event, threading.Event]] = {}

    def start(self, name: str, target: Callable) -> Step:
        step = Step(name, target)
        self.steps.append(step)
        step.start()
        return step

    def hold(self) -> threading.Event:
        """An event a step waits for, set at teardown at the latest."""
        event = threading.Event()
        self.holds.append(event)
        return event

    def pause_after_round_read(self, thread_name: str) -> tuple[threading.Event, threading.Event]:
        """Pause the review save running in the named thread right after its FOR SHARE read of
        the round, with its transaction open: (read, go on)."""
        self.paused[thread_name] = (threading.Event(), self.hold())
        return self.paused[thread_name]

    def let_go(self) -> None:
        for event in self.holds:
            event.set()
        for step in self.steps:
            step.join(STEP_SECONDS)


@pytest.fixture
def threads(transactional_db, monkeypatch):
    threads = Threads()
    original = services.round_read_shared

    def round_read_shared(round_id, **annotations):
        review_round = original(round_id, **annotations)
        events = threads.paused.get(threading.current_thread().name)
        if events is not None:
            read, go_on = events
            read.set()
            assert go_on.wait(STEP_SECONDS), "the test never let the paused save go on"
        return review_round

    monkeypatch.setattr(services, "round_read_shared", round_read_shared)
    yield threads
    threads.let_go()


@pytest.fixture
def race():
    relevant, clear = make_principle(slug="relevant"), make_principle(slug="clear")
    first, second = make_version(), make_version()
    review_round = make_round(principles=[relevant, clear], versions=[first, second])
    reviewers = [make_reviewer() for _ in range(3)]
    for reviewer in reviewers:
        for version in (first, second):
            make_assignment(review_round=review_round, version=version, reviewer=reviewer)
    return review_round, (first, second), (relevant, clear), reviewers


def saver(review_round, version, principles, reviewer) -> Callable[[], Review]:
    def save():
        return review_save(
            reviewer=reviewer,
            review_round=review_round,
            version=version,
            verdicts=[VerdictInput(principle_id=p.pk, verdict=Verdict.Choice.MEETS) for p in principles],
            overall_comment="",
            expected_lock_version=0,
            submit=True,
        )

    return save


def test_closing_waits_for_a_save_in_progress_and_refuses_saves_after_it(race, threads):
    review_round, (first, second), principles, (early, late, _) = race
    read, go_on = threads.pause_after_round_read("early save")

    early_save = threads.start("early save", saver(review_round, first, principles, early))
    assert read.wait(STEP_SECONDS), "the save never read the round"
    closing = threads.start("close", lambda: close_round(review_round))
    wait_until_blocked_by(closing, early_save)
    assert not closing.done.is_set()
    assert ReviewRound.objects.get(pk=review_round.pk).status == ReviewRound.Status.OPEN

    go_on.set()
    saved = early_save.outcome()
    closed = closing.outcome()

    assert closed.status == ReviewRound.Status.CLOSED
    assert Review.objects.get(pk=saved.pk).status == Review.Status.SUBMITTED
    assert saved.submitted_at <= closed.closed_at  # the save was in before the round closed
    assert RoundVersion.objects.get(round=review_round, version=first).change_count == 1

    late_save = threads.start("late save", saver(review_round, second, principles, late))
    with pytest.raises(RoundNotOpen):
        late_save.outcome()
    with pytest.raises(RoundNotOpen):  # and on this connection too
        saver(review_round, first, principles, late)()
    assert not Review.objects.filter(reviewer=late).exists()
    assert RoundVersion.objects.get(round=review_round, version=second).change_count == 0


def test_saves_of_different_versions_do_not_wait_for_each_other(race, threads):
    """Each save does all its work (round read, review, verdicts, audit row, its version's
    counter) while the other's transaction is open, holding every lock it took."""
    review_round, (first, second), principles, (one, other, _) = race
    first_read, first_go_on = threads.pause_after_round_read("first save")
    holding = {"first save": threading.Event(), "second save": threading.Event()}
    release = threads.hold()

    def save_and_hold(version, reviewer):
        def run():
            with transaction.atomic():
                review = saver(review_round, version, principles, reviewer)()
                holding[threading.current_thread().name].set()
                assert release.wait(STEP_SECONDS), "the test never released the open transaction"
            return review

        return run

    first_save = threads.start("first save", save_and_hold(first, one))
    assert first_read.wait(STEP_SECONDS), "the first save never read the round"
    second_save = threads.start("second save", save_and_hold(second, other))
    # The second save goes all the way while the first holds the round's shared lock...
    assert holding["second save"].wait(STEP_SECONDS), "the second save waited for the first"
    first_go_on.set()
    # ...and the first finishes its work while the second's transaction is open.
    assert holding["first save"].wait(STEP_SECONDS), "the first save waited for the second"
    assert not first_save.done.is_set() and not second_save.done.is_set()
    assert not Review.objects.exists()  # neither has committed yet

    release.set()
    saved = [first_save.outcome(), second_save.outcome()]

    assert [review.version_id for review in saved] == [first.pk, second.pk]
    assert Review.objects.filter(round=review_round, status=Review.Status.SUBMITTED).count() == 2
    counts = dict(RoundVersion.objects.filter(round=review_round).values_list("version_id", "change_count"))
    assert counts == {first.pk: 1, second.pk: 1}
