"""From a review change to fresh matrix cells: queued on commit, deduplicated per version, healed
by the sweep, harmless when the round is gone."""

from decimal import Decimal
from unittest import mock

import pytest
from celery.signals import worker_ready
from django.core.cache import cache
from django.core.checks import run_checks
from django.db import transaction
from kombu.exceptions import OperationalError

from bold_portal.models import AuditEvent
from matrix.models import Matrix, MatrixCell, MatrixRow
from matrix.selectors.cells import stale_round_ids
from matrix.services import recompute as recompute_services
from matrix.services.recompute import matrix_recompute
from matrix.tasks import PENDING_KEY, enqueue_matrix_recompute, recompute_matrix, sweep_stale_matrices
from reviews.models import Review, ReviewRound, RoundVersion, Verdict
from reviews.services.reviews import review_save, review_withdraw
from reviews.services.rounds import round_rule_change
from tests.factories import make_principle, make_reviewer, make_round, make_submitted_review, make_version

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
    return make_submitted_review(
        review_round=review_round,
        version=version,
        principle=principle,
        verdict=verdict,
        reviewer=reviewer,
        expected_lock_version=lock,
    )


def cell(review_round, version, principle) -> dict:
    return (
        MatrixCell.objects.filter(round=review_round, version=version, principle=principle)
        .values("outcome", "meets", "does_not_meet", "not_sure")
        .get()
    )


def is_pending(review_round, version=None) -> bool:
    key = PENDING_KEY.format(round_id=review_round.pk, version_id=version.pk if version else "all")
    return cache.get(key) is not None


@pytest.fixture
def delay():
    """Count enqueued recomputes instead of running them."""
    with mock.patch.object(recompute_matrix, "delay") as delay:
        yield delay


def queued(delay) -> list[tuple]:
    return sorted((call.args for call in delay.call_args_list), key=repr)


def matrix_callbacks(callbacks) -> list:
    """The matrix's after-commit work (the stored progress counts are refreshed beside it)."""
    return [callback for callback in callbacks if callback.func is enqueue_matrix_recompute]


def test_submitting_recomputes_the_version_after_commit(
    review_round, version, principle, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        submit(review_round, version, principle)
        assert not MatrixCell.objects.exists()  # nothing runs before the commit
        assert is_pending(review_round, version) is False

    assert len(matrix_callbacks(callbacks)) == 1
    assert cell(review_round, version, principle) == {
        "outcome": "insufficient",
        "meets": 1,
        "does_not_meet": 0,
        "not_sure": 0,
    }
    row = MatrixRow.objects.get(round=review_round, version=version)
    assert row.change_count == RoundVersion.objects.get(round=review_round, version=version).change_count == 1
    assert not is_pending(review_round, version)  # the task cleared its flag
    assert stale_round_ids() == []


def test_editing_and_withdrawing_recompute_the_version(
    review_round, version, principle, django_capture_on_commit_callbacks
):
    reviewer = make_reviewer()
    with django_capture_on_commit_callbacks(execute=True):
        submit(review_round, version, principle, reviewer=reviewer)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        review = submit(review_round, version, principle, reviewer=reviewer, verdict=Verdict.Choice.NOT_SURE, lock=1)
    assert len(matrix_callbacks(callbacks)) == 1
    assert (cell(review_round, version, principle)["meets"], cell(review_round, version, principle)["not_sure"]) == (
        0,
        1,
    )

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        review_withdraw(review=review, actor=reviewer, expected_lock_version=2)
    assert len(matrix_callbacks(callbacks)) == 1
    assert cell(review_round, version, principle)["not_sure"] == 0
    # Three recomputes; the round's first computed the whole round.
    assert Matrix.objects.get(round=review_round).version_recomputes == 2


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
    assert RoundVersion.objects.get(round=review_round, version=version).change_count == 0


def test_a_rolled_back_change_queues_nothing(review_round, version, principle, delay):
    with pytest.raises(RuntimeError), transaction.atomic():
        submit(review_round, version, principle)
        raise RuntimeError("the request failed after the save")

    delay.assert_not_called()
    assert not Review.objects.exists()
    assert RoundVersion.objects.get(round=review_round, version=version).change_count == 0


def test_a_burst_of_changes_in_one_transaction_queues_one_recompute(
    review_round, version, principle, django_capture_on_commit_callbacks, delay
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        for _ in range(5):
            submit(review_round, version, principle)

    assert len(matrix_callbacks(callbacks)) == 5
    delay.assert_called_once_with(review_round.pk, version.pk)
    assert is_pending(review_round, version)


def test_a_burst_over_several_transactions_queues_one_recompute_until_it_runs(
    review_round, version, principle, django_capture_on_commit_callbacks, delay
):
    for _ in range(4):
        with django_capture_on_commit_callbacks(execute=True):
            submit(review_round, version, principle)

    delay.assert_called_once_with(review_round.pk, version.pk)

    recompute_matrix.run(review_round.pk, version.pk)  # the worker picks the message up
    assert not is_pending(review_round, version)
    assert cell(review_round, version, principle)["meets"] == 4

    with django_capture_on_commit_callbacks(execute=True):
        submit(review_round, version, principle)

    assert delay.call_count == 2  # a change after the recompute started queues the next one


def test_a_burst_in_one_transaction_writes_the_cells_once_and_audits_no_recompute(
    review_round, version, principle, django_capture_on_commit_callbacks
):
    """Tasks run eagerly here, so each callback's task runs before the next callback: only the
    first finds the row behind; the others claim nothing and write nothing."""
    with (
        mock.patch.object(
            recompute_services, "_changed_cells", wraps=recompute_services._changed_cells
        ) as changed_cells,
        django_capture_on_commit_callbacks(execute=True),
        transaction.atomic(),
    ):
        for _ in range(3):
            submit(review_round, version, principle)

    assert changed_cells.call_count == 1
    matrix = Matrix.objects.get(round=review_round)
    # The round's first run computes the whole round (its header had no rule yet).
    assert (matrix.version_recomputes, matrix.round_recomputes) == (2, 1)
    assert cell(review_round, version, principle) == {"outcome": "tick", "meets": 3, "does_not_meet": 0, "not_sure": 0}
    assert set(AuditEvent.objects.values_list("action", flat=True)) == {"review_submitted"}


def test_versions_and_rounds_are_deduplicated_separately(principle, django_capture_on_commit_callbacks, delay):
    first, second = make_version(), make_version()
    one = make_round(principles=[principle], versions=[first, second])
    other = make_round(principles=[principle], versions=[first])

    with django_capture_on_commit_callbacks(execute=True):
        submit(one, first, principle)
        submit(one, second, principle)
        submit(other, first, principle)
        submit(one, first, principle)  # already queued

    assert queued(delay) == sorted([(one.pk, first.pk), (one.pk, second.pk), (other.pk, first.pk)], key=repr)


def test_a_rule_change_queues_a_recompute_of_the_whole_round(
    review_round, version, principle, django_capture_on_commit_callbacks, delay
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        round_rule_change(review_round=review_round, threshold=Decimal("0.60"), min_reviews=1, actor=None)

    assert len(matrix_callbacks(callbacks)) == 1
    delay.assert_called_once_with(review_round.pk, None)
    assert is_pending(review_round)


def test_a_broker_outage_keeps_the_review_and_the_sweep_heals_it(
    review_round, version, principle, django_capture_on_commit_callbacks
):
    with (
        mock.patch.object(recompute_matrix, "delay", side_effect=OperationalError("broker unreachable")),
        django_capture_on_commit_callbacks(execute=True),
    ):
        review = submit(review_round, version, principle)

    assert Review.objects.get(pk=review.pk).status == Review.Status.SUBMITTED
    assert not MatrixCell.objects.exists()
    assert not is_pending(review_round, version)  # otherwise the next change would not queue a recompute
    assert stale_round_ids() == [review_round.pk]

    assert sweep_stale_matrices.run() == 1

    assert cell(review_round, version, principle)["meets"] == 1
    assert Matrix.objects.get(round=review_round).round_recomputes == 1
    assert stale_round_ids() == []
    assert not is_pending(review_round)


def test_a_lost_message_is_healed_by_the_sweep(review_round, version, principle, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        submit(review_round, version, principle)
    with django_capture_on_commit_callbacks(execute=False):  # committed, but the message is lost
        submit(review_round, version, principle, verdict=Verdict.Choice.DOES_NOT_MEET)
    assert cell(review_round, version, principle)["does_not_meet"] == 0
    assert stale_round_ids() == [review_round.pk]

    assert sweep_stale_matrices.run() == 1

    assert cell(review_round, version, principle) == {
        "outcome": "cross",
        "meets": 1,
        "does_not_meet": 1,
        "not_sure": 0,
    }
    assert stale_round_ids() == []
    assert sweep_stale_matrices.run() == 0


def test_a_cache_outage_does_not_break_the_save(review_round, version, principle, django_capture_on_commit_callbacks):
    with (
        mock.patch("matrix.tasks.cache.add", side_effect=ConnectionError("cache unreachable")),
        django_capture_on_commit_callbacks(execute=True),
    ):
        review = submit(review_round, version, principle)

    assert Review.objects.get(pk=review.pk).status == Review.Status.SUBMITTED
    assert stale_round_ids() == [review_round.pk]  # the sweep will catch up


def test_the_sweep_queues_exactly_the_stale_and_missing_rounds(
    principle, version, django_capture_on_commit_callbacks, delay
):
    fresh, stale, missing, rule_changed, empty = (
        make_round(principles=[principle], versions=[version]) for _ in range(5)
    )
    empty.versions.clear()
    for review_round in (fresh, stale, missing, rule_changed):
        with django_capture_on_commit_callbacks(execute=False):  # lose every message
            submit(review_round, version, principle)
    for review_round in (fresh, stale, rule_changed, empty):
        matrix_recompute(round_id=review_round.pk)
    with django_capture_on_commit_callbacks(execute=False):
        submit(stale, version, principle)  # changed after its cells
        round_rule_change(review_round=rule_changed, threshold=Decimal("0.40"), min_reviews=1, actor=None)

    assert stale_round_ids() == sorted([stale.pk, missing.pk, rule_changed.pk])
    assert sweep_stale_matrices.run() == 3
    assert queued(delay) == sorted([(stale.pk, None), (missing.pk, None), (rule_changed.pk, None)], key=repr)


def test_the_sweep_does_not_queue_a_round_twice(review_round, version, principle, delay):
    assert stale_round_ids() == [review_round.pk]  # never computed

    assert sweep_stale_matrices.run() == 1
    assert sweep_stale_matrices.run() == 0  # still queued: the pending flag holds it back

    delay.assert_called_once_with(review_round.pk, None)


def test_a_round_deleted_before_its_task_runs_is_ignored(review_round, version, principle, delay):
    assert enqueue_matrix_recompute(review_round.pk, version.pk)
    assert enqueue_matrix_recompute(review_round.pk)
    round_id = review_round.pk
    ReviewRound.objects.filter(pk=round_id).delete()

    recompute_matrix.run(round_id, version.pk)
    recompute_matrix.run(round_id, None)

    assert not Matrix.objects.exists()
    assert not MatrixRow.objects.exists()
    assert not MatrixCell.objects.exists()
    assert not cache.get(PENDING_KEY.format(round_id=round_id, version_id=version.pk))
    assert not cache.get(PENDING_KEY.format(round_id=round_id, version_id="all"))


@pytest.mark.parametrize(
    ("broker", "redis", "warned"),
    [("redis://broker/0", "", True), ("redis://broker/0", "redis://cache/1", False), ("", "", False)],
)
def test_a_broker_without_a_shared_cache_is_warned_about(settings, broker, redis, warned):
    settings.CELERY_BROKER_URL, settings.REDIS_URL = broker, redis

    warnings = [m.id for m in run_checks(include_deployment_checks=True)]

    assert ("matrix.W001" in warnings) is warned


def test_a_worker_starting_sweeps_at_once(review_round, version, principle, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):  # committed while the broker was away
        submit(review_round, version, principle)

    worker_ready.send(sender=None)

    assert cell(review_round, version, principle)["meets"] == 1
    assert stale_round_ids() == []


def test_a_worker_starting_without_a_broker_logs_one_line(review_round, caplog):
    with mock.patch.object(sweep_stale_matrices, "delay", side_effect=OperationalError("broker unreachable")):
        worker_ready.send(sender=None)

    assert [record.getMessage() for record in caplog.records] == [
        "Could not queue the matrix sweep on the worker's start; beat will (OperationalError: broker unreachable)"
    ]
