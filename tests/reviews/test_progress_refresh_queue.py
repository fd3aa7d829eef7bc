"""Where the cache is Redis, a change of some versions' progress counts waits in the round's set of
versions and joins a refresh already queued; one that cannot be queued leaves its versions for the
next (docs/architecture.md, "Progress counts"). Needs Redis: skipped without REDIS_URL, and failed
instead in CI (BOLD_REQUIRE_SERVICES=1)."""

from unittest import mock

import pytest
from kombu.exceptions import OperationalError

from reviews.selectors.progress_counts import progress_being_updated
from reviews.services.progress_counts import progress_counts_refresh
from reviews.tasks import enqueue_progress_refresh, refresh_progress_counts, refresh_waiting_progress_counts
from tests.factories import (
    make_assignment,
    make_principle,
    make_round,
    make_submitted_review,
    make_user,
    make_version,
)
from tests.reviews.test_progress_counts import stored
from tests.services import require_redis

# The submits' own refreshes never run: their transactions are the test's, never committed.
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def redis():
    require_redis("The versions waiting for a refresh")


@pytest.fixture
def world():
    versions = [make_version() for _ in range(2)]
    principle = make_principle()
    review_round = make_round(principles=[principle], versions=versions)
    reviewers = [make_user() for _ in versions]
    for version, reviewer in zip(versions, reviewers, strict=True):
        make_assignment(review_round=review_round, version=version, reviewer=reviewer)
    progress_counts_refresh(round_id=review_round.pk)
    for version, reviewer in zip(versions, reviewers, strict=True):
        make_submitted_review(review_round=review_round, version=version, principle=principle, reviewer=reviewer)
    return review_round, versions


def test_a_change_the_broker_refuses_waits_for_the_next_refresh_queued(world, caplog):
    review_round, (first, second) = world
    with mock.patch.object(refresh_waiting_progress_counts, "apply_async", side_effect=OperationalError("refused")):
        enqueue_progress_refresh(review_round.pk, [first.pk])
    assert stored(review_round)["totals"].submitted == 0
    assert "Could not queue a progress refresh for round" in caplog.text

    # Nothing is left marking a refresh as queued, so the next change queues one, which counts both.
    enqueue_progress_refresh(review_round.pk, [second.pk])

    assert stored(review_round)["totals"].submitted == 2
    assert not progress_being_updated(review_round.pk)


def test_a_change_joins_a_refresh_already_queued_and_a_whole_rounds_is_queued_apart(world, settings):
    review_round, (first, second) = world
    settings.PROGRESS_REFRESH_DELAY_SECONDS = 3
    with mock.patch.object(refresh_waiting_progress_counts, "apply_async") as queued:
        enqueue_progress_refresh(review_round.pk, [first.pk])
        enqueue_progress_refresh(review_round.pk, [second.pk, first.pk])
    # Queued to run that long after the first change, for the changes meanwhile to join.
    queued.assert_called_once_with((review_round.pk,), countdown=3)
    assert progress_being_updated(review_round.pk)
    with mock.patch.object(refresh_progress_counts, "delay") as whole_round:
        enqueue_progress_refresh(review_round.pk)
    whole_round.assert_called_once_with(review_round.pk, None)

    refresh_waiting_progress_counts(review_round.pk)

    assert stored(review_round)["totals"].submitted == 2
    # The next change queues again.
    with mock.patch.object(refresh_waiting_progress_counts, "apply_async") as queued:
        enqueue_progress_refresh(review_round.pk, [first.pk])
    queued.assert_called_once_with((review_round.pk,), countdown=3)
