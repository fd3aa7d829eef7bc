"""With a worker and a Redis cache, a review change's version waits in the round's set of versions
and joins a recompute already queued; one that cannot be queued leaves its version for the next;
a message delivered again recomputes the rows behind (docs/architecture.md, "Work counted
together"). Needs Redis: skipped without REDIS_URL, and failed instead in CI
(BOLD_REQUIRE_SERVICES=1)."""

import logging
from unittest import mock

import pytest
from kombu.exceptions import OperationalError

from bold_portal.celery import app as celery_app
from matrix.models import Matrix, MatrixCell
from matrix.selectors.cells import stale_round_ids
from matrix.services.recompute import matrix_recompute
from matrix.tasks import WAITING, enqueue_matrix_recompute, recompute_matrix, recompute_waiting_versions
from reviews.models import Verdict
from tests.factories import make_principle, make_round, make_submitted_review, make_version
from tests.services import require_redis

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def worker_and_redis():
    require_redis("The versions waiting for a recompute")
    celery_app.conf.task_always_eager = False  # as with a worker; conftest's autouse fixture turns it back on
    # The other messages a change or a recompute queues are not this file's: none reaches a broker.
    with (
        mock.patch("reviews.receivers.enqueue_progress_refresh"),
        mock.patch("matrix.tasks.enqueue_agreement_refresh"),
    ):
        yield


@pytest.fixture
def world():
    principle = make_principle()
    versions = [make_version() for _ in range(3)]
    review_round = make_round(principles=[principle], versions=versions)
    matrix_recompute(round_id=review_round.pk)  # the round's first computation, as after its first submit
    return review_round, versions, principle


def submit(world, version, django_capture_on_commit_callbacks):
    review_round, _versions, principle = world
    with django_capture_on_commit_callbacks(execute=True):
        make_submitted_review(review_round=review_round, version=version, principle=principle)


def meets(review_round) -> dict[int, int]:
    return dict(MatrixCell.objects.filter(round=review_round).values_list("version_id", "meets"))


def version_recomputes(review_round) -> int:
    return Matrix.objects.values_list("version_recomputes", flat=True).get(round=review_round)


def test_changes_join_the_recompute_queued_for_the_round_and_one_run_writes_them_all(
    world, settings, django_capture_on_commit_callbacks
):
    review_round, (first, second, third), _principle = world
    settings.MATRIX_RECOMPUTE_DELAY_SECONDS = 3
    with mock.patch.object(recompute_waiting_versions, "apply_async") as queued:
        submit(world, first, django_capture_on_commit_callbacks)
        submit(world, second, django_capture_on_commit_callbacks)
        submit(world, first, django_capture_on_commit_callbacks)
    # One message, that long after the first change, for the changes meanwhile to join.
    queued.assert_called_once_with((review_round.pk,), countdown=3)
    assert stale_round_ids() == [review_round.pk]

    recompute_waiting_versions.run(review_round.pk)  # the worker takes the message

    assert meets(review_round) == {first.pk: 2, second.pk: 1, third.pk: 0}
    assert version_recomputes(review_round) == 1
    assert stale_round_ids() == []
    # The next change queues the next recompute.
    with mock.patch.object(recompute_waiting_versions, "apply_async") as queued:
        submit(world, third, django_capture_on_commit_callbacks)
    queued.assert_called_once_with((review_round.pk,), countdown=3)


def test_a_whole_rounds_recompute_is_queued_apart(world):
    review_round, _versions, _principle = world
    with (
        mock.patch.object(recompute_matrix, "delay") as whole_round,
        mock.patch.object(recompute_waiting_versions, "apply_async") as waiting,
    ):
        assert enqueue_matrix_recompute(review_round.pk)
    whole_round.assert_called_once_with(review_round.pk, None)
    waiting.assert_not_called()


def test_a_change_the_broker_refuses_waits_for_the_next_recompute_queued(
    world, caplog, django_capture_on_commit_callbacks
):
    review_round, (first, second, _third), _principle = world
    refused = OperationalError("Connection refused.")
    with (
        mock.patch.object(recompute_waiting_versions, "apply_async", side_effect=refused),
        caplog.at_level(logging.ERROR),
    ):
        submit(world, first, django_capture_on_commit_callbacks)
    assert f"Could not queue a matrix recompute for round {review_round.pk}; the sweep will retry" in caplog.text

    # Nothing is left marking a recompute as queued, so the next change queues one, which takes both.
    with mock.patch.object(recompute_waiting_versions, "apply_async") as queued:
        submit(world, second, django_capture_on_commit_callbacks)
    queued.assert_called_once()
    recompute_waiting_versions.run(review_round.pk)

    assert meets(review_round)[first.pk] == meets(review_round)[second.pk] == 1
    assert stale_round_ids() == []


def test_a_message_delivered_again_recomputes_the_rows_behind_the_versions_it_took_included(
    world, django_capture_on_commit_callbacks
):
    review_round, (first, second, _third), principle = world
    with mock.patch.object(recompute_waiting_versions, "apply_async"):
        submit(world, first, django_capture_on_commit_callbacks)
    # The first delivery took the versions, then its worker died before writing anything.
    assert WAITING.take(review_round.pk) == [first.pk]
    with django_capture_on_commit_callbacks(execute=False):  # and another change's message was lost
        make_submitted_review(
            review_round=review_round, version=second, principle=principle, verdict=Verdict.Choice.NOT_SURE
        )

    recompute_waiting_versions.push_request(delivery_info={"redelivered": True})
    try:
        recompute_waiting_versions.run(review_round.pk)
    finally:
        recompute_waiting_versions.pop_request()

    assert meets(review_round)[first.pk] == 1
    assert MatrixCell.objects.get(round=review_round, version=second).not_sure == 1
    assert stale_round_ids() == []


def test_a_message_that_finds_no_version_waiting_writes_nothing(world):
    review_round, _versions, _principle = world
    computed_at = Matrix.objects.values_list("computed_at", flat=True).get(round=review_round)

    recompute_waiting_versions.run(review_round.pk)

    assert Matrix.objects.values_list("computed_at", flat=True).get(round=review_round) == computed_at
