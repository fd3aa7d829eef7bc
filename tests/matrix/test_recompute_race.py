"""Recomputes against each other and against reviewers' saves, on real PostgreSQL connections.

A version's recompute holds its round's matrix header FOR KEY SHARE, a whole round's FOR UPDATE:
versions' recomputes run side by side, a whole round's waits for them and then writes every cell
under the newest rule, and a reviewer's save takes none of these locks."""

import threading
from decimal import Decimal

import pytest
from django.db.models import F

from matrix import receivers
from matrix.models import Matrix, MatrixCell
from matrix.services import recompute as recompute_services
from matrix.services.recompute import matrix_recompute
from principles.rule import cell_outcome
from reviews.models import ReviewRound, RoundVersion, Verdict
from tests.concurrency import STEP_SECONDS, Step, require_postgresql, wait_until_blocked_by
from tests.factories import (
    make_assignment,
    make_principle,
    make_reviewer,
    make_round,
    make_submitted_review,
    make_version,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

MEETS, CROSSED = Verdict.Choice.MEETS, Verdict.Choice.DOES_NOT_MEET


@pytest.fixture(autouse=True)
def _postgresql_only():
    require_postgresql("The recompute's header locks (FOR KEY SHARE against FOR UPDATE)")


@pytest.fixture(autouse=True)
def _no_queued_recomputes(monkeypatch):
    """Saves queue no recompute here: each test runs its recomputes itself, on its own threads."""
    monkeypatch.setattr(receivers, "enqueue_matrix_recompute", lambda *args: None)


class Steps:
    def __init__(self):
        self.steps: list[Step] = []
        self.releases: list[threading.Event] = []
        self.paused: dict[str, tuple[threading.Event, threading.Event]] = {}

    def start(self, name: str, target) -> Step:
        step = Step(name, target)
        self.steps.append(step)
        step.start()
        return step

    def pause_after_header_lock(self, thread_name: str) -> tuple[threading.Event, threading.Event]:
        """(locked, go on) for the recompute running in the named thread."""
        release = threading.Event()
        self.releases.append(release)
        self.paused[thread_name] = (threading.Event(), release)
        return self.paused[thread_name]


@pytest.fixture
def steps(transactional_db, monkeypatch):
    steps = Steps()
    original = recompute_services._lock_header_read_rule

    def lock_then_maybe_pause(cursor, **kwargs):
        result = original(cursor, **kwargs)
        events = steps.paused.get(threading.current_thread().name)
        if events is not None:
            locked, go_on = events
            locked.set()
            assert go_on.wait(STEP_SECONDS), "the test never let the paused recompute go on"
        return result

    monkeypatch.setattr(recompute_services, "_lock_header_read_rule", lock_then_maybe_pause)
    yield steps
    for release in steps.releases:
        release.set()
    for step in steps.steps:
        step.join(STEP_SECONDS)


@pytest.fixture
def world():
    principle = make_principle(slug="relevant")
    first, second = make_version(), make_version()
    review_round = make_round(principles=[principle], versions=[first, second])
    reviewers = [make_reviewer() for _ in range(3)]
    for reviewer in reviewers:
        for version in (first, second):
            make_assignment(review_round=review_round, version=version, reviewer=reviewer)
    for version in (first, second):
        submit(review_round, version, principle, reviewers[0], MEETS)
        submit(review_round, version, principle, reviewers[1], CROSSED)
    matrix_recompute(round_id=review_round.pk)
    return review_round, (first, second), principle, reviewers


def submit(review_round, version, principle, reviewer, verdict):
    return make_submitted_review(
        review_round=review_round, version=version, principle=principle, verdict=verdict, reviewer=reviewer
    )


def stored(review_round) -> dict[int, tuple]:
    return {
        c.version_id: (c.outcome, c.meets, c.does_not_meet, c.not_sure)
        for c in MatrixCell.objects.filter(round=review_round)
    }


def test_a_whole_round_waits_for_a_versions_recompute_and_a_save_waits_for_neither(world, steps):
    review_round, (first, second), principle, (_, _, third_reviewer) = world
    assert stored(review_round)[first.pk][0] == "cross"  # one of two meets: not more than half
    RoundVersion.objects.filter(round=review_round, version=first).update(change_count=F("change_count") + 1)
    locked, go_on = steps.pause_after_header_lock("version")
    version_run = steps.start("version", lambda: matrix_recompute(round_id=review_round.pk, version_ids=[first.pk]))
    assert locked.wait(STEP_SECONDS), "the version's recompute never locked the header"
    # The rule changes while the version's recompute holds the header under the old rule.
    ReviewRound.objects.filter(pk=review_round.pk).update(threshold=Decimal("0.40"), rule_version=F("rule_version") + 1)

    round_run = steps.start("round", lambda: matrix_recompute(round_id=review_round.pk))
    wait_until_blocked_by(round_run, version_run)
    saving = steps.start("save", lambda: submit(review_round, second, principle, third_reviewer, MEETS))
    saved = saving.outcome()  # while both recomputes are open
    assert not round_run.done.is_set()

    go_on.set()
    assert version_run.outcome().version_ids == (first.pk,)
    whole = round_run.outcome()

    assert whole.version_ids is None
    assert Matrix.objects.get(round=review_round).rule_version == 2
    # Every cell follows the new rule (1 > 0.4 x 2), the save made during the race included.
    assert stored(review_round) == {first.pk: ("tick", 1, 1, 0), second.pk: ("tick", 2, 1, 0)}
    assert saved.version_id == second.pk
    for outcome, meets, does_not_meet, not_sure in stored(review_round).values():
        assert outcome == cell_outcome(
            meets=meets, does_not_meet=does_not_meet, not_sure=not_sure, threshold=Decimal("0.40"), min_reviews=2
        )


def test_recomputes_of_two_versions_do_not_wait_for_each_other(world, steps):
    review_round, (first, second), principle, (_, _, third_reviewer) = world
    submit(review_round, first, principle, third_reviewer, MEETS)
    submit(review_round, second, principle, third_reviewer, MEETS)
    locked, go_on = steps.pause_after_header_lock("first")

    first_run = steps.start("first", lambda: matrix_recompute(round_id=review_round.pk, version_ids=[first.pk]))
    assert locked.wait(STEP_SECONDS), "the first recompute never locked the header"
    second_result = steps.start(
        "second", lambda: matrix_recompute(round_id=review_round.pk, version_ids=[second.pk])
    ).outcome()  # goes all the way while the first holds its share of the header
    assert not first_run.done.is_set()
    go_on.set()
    first_result = first_run.outcome()

    assert (first_result.rows_claimed, second_result.rows_claimed) == (1, 1)
    assert stored(review_round) == {first.pk: ("tick", 2, 1, 0), second.pk: ("tick", 2, 1, 0)}
