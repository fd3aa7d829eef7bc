"""From a review change to a fresh matrix snapshot: on commit, deduplicated, healed by the sweep."""

from unittest import mock

import pytest
from django.core.cache import cache
from django.core.checks import run_checks
from django.db import transaction
from kombu.exceptions import OperationalError

from matrix.services import matrix_snapshot_refresh
from matrix.tasks import PENDING_KEY, recompute_round_matrix, sweep_stale_matrices
from principles.models import MatrixSnapshot
from reviews.models import Review, Verdict
from reviews.services import VerdictInput, review_save, review_withdraw
from tests.factories import make_principle, make_reviewer, make_round, make_version

pytestmark = pytest.mark.django_db


@pytest.fixture
def principle():
    return make_principle(slug="relevant")


@pytest.fixture
def version():
    return make_version()


@pytest.fixture
def review_round(principle, version):
    return make_round(principles=[principle], versions=[version])


def submit(review_round, version, principle, *, verdict=Verdict.Choice.MEETS, reviewer=None, lock=0):
    return review_save(
        reviewer=reviewer or make_reviewer(),
        review_round=review_round,
        version=version,
        verdicts=[VerdictInput(principle_id=principle.pk, verdict=verdict, reason="Because")],
        overall_comment="",
        expected_lock_version=lock,
        submit=True,
    )


def relevant_cell(review_round):
    return MatrixSnapshot.objects.get(round=review_round).data["rows"][0]["cells"]["relevant"]


def is_pending(review_round) -> bool:
    return cache.get(PENDING_KEY.format(round_id=review_round.pk)) is not None


@pytest.fixture
def delay():
    """Count enqueued recomputes instead of running them."""
    with mock.patch.object(recompute_round_matrix, "delay") as delay:
        yield delay


def test_submitting_recomputes_the_matrix_after_commit(
    review_round, version, principle, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        submit(review_round, version, principle)
        assert not MatrixSnapshot.objects.exists()  # nothing runs before the commit

    assert len(callbacks) == 1
    snapshot = MatrixSnapshot.objects.get(round=review_round)
    assert snapshot.submitted_reviews == 1
    assert not snapshot.is_stale
    assert relevant_cell(review_round)["meets"] == 1
    assert not is_pending(review_round)


def test_editing_and_withdrawing_recompute_the_matrix(
    review_round, version, principle, django_capture_on_commit_callbacks
):
    reviewer = make_reviewer()
    with django_capture_on_commit_callbacks(execute=True):
        submit(review_round, version, principle, reviewer=reviewer)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        review = submit(review_round, version, principle, reviewer=reviewer, verdict=Verdict.Choice.NOT_SURE, lock=1)
    assert len(callbacks) == 1
    assert (relevant_cell(review_round)["meets"], relevant_cell(review_round)["not_sure"]) == (0, 1)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        review_withdraw(review=review, actor=reviewer, expected_lock_version=2)
    assert len(callbacks) == 1
    assert relevant_cell(review_round)["not_sure"] == 0
    assert MatrixSnapshot.objects.get(round=review_round).submitted_reviews == 0


def test_a_draft_does_not_queue_a_recompute(review_round, version, django_capture_on_commit_callbacks, delay):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        review_save(
            reviewer=make_reviewer(),
            review_round=review_round,
            version=version,
            verdicts=[],
            overall_comment="",
            expected_lock_version=0,
            submit=False,
        )

    assert callbacks == []
    delay.assert_not_called()


def test_a_rolled_back_change_queues_nothing(review_round, version, principle, delay):
    with pytest.raises(RuntimeError), transaction.atomic():
        submit(review_round, version, principle)
        raise RuntimeError("the request failed after the save")

    delay.assert_not_called()
    assert not Review.objects.exists()


def test_a_burst_of_changes_in_one_transaction_queues_one_recompute(
    review_round, version, principle, django_capture_on_commit_callbacks, delay
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        for _ in range(5):
            submit(review_round, version, principle)

    assert len(callbacks) == 5
    delay.assert_called_once_with(review_round.pk)
    assert is_pending(review_round)


def test_a_burst_over_several_transactions_queues_one_recompute_until_it_runs(
    review_round, version, principle, django_capture_on_commit_callbacks, delay
):
    for _ in range(4):
        with django_capture_on_commit_callbacks(execute=True):
            submit(review_round, version, principle)

    delay.assert_called_once_with(review_round.pk)

    recompute_round_matrix.run(review_round.pk)  # the worker picks the message up
    assert not is_pending(review_round)
    assert MatrixSnapshot.objects.get(round=review_round).submitted_reviews == 4

    with django_capture_on_commit_callbacks(execute=True):
        submit(review_round, version, principle)

    assert delay.call_count == 2  # a change after the recompute started queues the next one


def test_rounds_are_deduplicated_separately(version, principle, django_capture_on_commit_callbacks, delay):
    first, second = make_round(principles=[principle], versions=[version]), make_round(principles=[principle])
    second.versions.add(version)

    with django_capture_on_commit_callbacks(execute=True):
        submit(first, version, principle)
        submit(second, version, principle)

    assert sorted(call.args[0] for call in delay.call_args_list) == sorted([first.pk, second.pk])


def test_a_broker_outage_keeps_the_review_and_the_sweep_heals_it(
    review_round, version, principle, django_capture_on_commit_callbacks
):
    with (
        mock.patch.object(recompute_round_matrix, "delay", side_effect=OperationalError("broker unreachable")),
        django_capture_on_commit_callbacks(execute=True),
    ):
        review = submit(review_round, version, principle)

    assert Review.objects.get(pk=review.pk).status == Review.Status.SUBMITTED
    assert not MatrixSnapshot.objects.exists()
    assert not is_pending(review_round)  # otherwise the next change would not queue a recompute

    assert sweep_stale_matrices.run() == 1

    snapshot = MatrixSnapshot.objects.get(round=review_round)
    assert snapshot.submitted_reviews == 1
    assert not snapshot.is_stale


def test_a_cache_outage_does_not_break_the_save(review_round, version, principle, django_capture_on_commit_callbacks):
    with (
        mock.patch("matrix.tasks.cache.add", side_effect=ConnectionError("cache unreachable")),
        django_capture_on_commit_callbacks(execute=True),
    ):
        review = submit(review_round, version, principle)

    assert Review.objects.get(pk=review.pk).status == Review.Status.SUBMITTED


def test_the_sweep_queues_exactly_the_stale_and_missing_rounds(
    principle, version, django_capture_on_commit_callbacks, delay
):
    fresh, stale, missing, empty = (make_round(principles=[principle], versions=[version]) for _ in range(4))
    for review_round in (fresh, stale, missing):
        with django_capture_on_commit_callbacks(execute=False):  # lose every message
            submit(review_round, version, principle)
    matrix_snapshot_refresh(round_id=fresh.pk)
    matrix_snapshot_refresh(round_id=stale.pk)
    matrix_snapshot_refresh(round_id=empty.pk)
    with django_capture_on_commit_callbacks(execute=False):
        submit(stale, version, principle)  # changed after its snapshot

    queued = sweep_stale_matrices.run()

    assert queued == 2
    assert sorted(call.args[0] for call in delay.call_args_list) == sorted([stale.pk, missing.pk])


def test_the_sweep_does_not_queue_a_round_twice(review_round, version, principle, delay):
    assert sweep_stale_matrices.run() == 1
    assert sweep_stale_matrices.run() == 0  # still queued: the pending flag holds it back

    delay.assert_called_once_with(review_round.pk)


@pytest.mark.parametrize(
    ("broker", "redis", "warned"),
    [("redis://broker/0", "", True), ("redis://broker/0", "redis://cache/1", False), ("", "", False)],
)
def test_a_broker_without_a_shared_cache_is_warned_about(settings, broker, redis, warned):
    settings.CELERY_BROKER_URL, settings.REDIS_URL = broker, redis

    warnings = [m.id for m in run_checks(include_deployment_checks=True)]

    assert ("principles.W001" in warnings) is warned


def test_a_burst_in_one_transaction_recomputes_the_matrix_once(
    review_round, version, principle, django_capture_on_commit_callbacks
):
    from bold_portal.models import AuditEvent

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        for _ in range(3):
            submit(review_round, version, principle)

    assert AuditEvent.objects.filter(action="matrix_recomputed").count() == 1
    assert relevant_cell(review_round) == {"outcome": "tick", "meets": 3, "does_not_meet": 0, "not_sure": 0}
