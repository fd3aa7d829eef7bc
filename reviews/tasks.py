"""Celery tasks of the reviews app: the emails about rounds, the daily reminders (beat), and the
refresh of rounds' stored progress counts (after each change, and nightly)."""

import logging

from celery import shared_task
from django.conf import settings

from bold_portal.queueing import queue_failure_log
from bold_portal.waiting import WaitingVersions, waiting_store
from reviews.emails import round_closed_emails_send, round_opened_emails_send
from reviews.models import ReviewRound
from reviews.selectors.progress_counts import (
    progress_refresh_done,
    progress_refresh_queued,
    progress_refreshable_round_ids,
)
from reviews.services.reminders import reminders_send

logger = logging.getLogger(__name__)


@shared_task
def round_opened_emails(round_id: int) -> None:
    """Queue one email per person with what they review in the round just opened."""
    review_round = ReviewRound.objects.get(pk=round_id)
    logger.info("Round %s opened: %s email(s) queued.", round_id, round_opened_emails_send(review_round))


@shared_task
def round_closed_emails(round_id: int) -> None:
    review_round = ReviewRound.objects.get(pk=round_id)
    logger.info("Round %s closed: %s email(s) queued.", round_id, round_closed_emails_send(review_round))


# Never retried: a rerun (a message delivered again after a worker died, a second beat) finds the
# rows already recorded and sends nothing more, so at worst a reminder is lost, never sent twice.
@shared_task
def assignment_reminders_send() -> None:
    logger.info("Assignment reminders: %s email(s) sent.", reminders_send())


@shared_task
def rounds_open_and_close_on_their_dates() -> None:
    """Beat, hourly: rounds set to follow their dates open on the opening date and close once the
    closing date has passed."""
    from reviews.services.round_dates import rounds_follow_dates  # a cycle: round services queue these tasks

    done = rounds_follow_dates()
    logger.info("Rounds following their dates: %s opened, %s closed.", done.opened, done.closed)


# With a Redis cache (every deployment with a worker), a change of some versions waits in the
# round's set of versions for one refresh of them all, queued PROGRESS_REFRESH_DELAY_SECONDS after
# the first (bold_portal.waiting; docs/architecture.md, "Progress counts").
WAITING = WaitingVersions(
    versions_key="progress-refresh-versions:{round_id}", flag_key="progress-refresh-pending:{round_id}"
)


@shared_task
def refresh_progress_counts(round_id: int, version_ids: list[int] | None = None) -> None:
    """Recompute the round's stored progress counts (of these versions, or all): from scratch, so
    a message delivered twice or late does no harm."""
    from reviews.services.progress_counts import progress_counts_refresh  # cycle: rounds queues tasks here

    try:
        progress_counts_refresh(round_id=round_id, version_ids=version_ids)
    finally:
        progress_refresh_done(round_id)


@shared_task
def refresh_waiting_progress_counts(round_id: int) -> None:
    """Recompute the stored progress counts of every version of the round waiting for a refresh."""
    from reviews.services.progress_counts import progress_counts_refresh  # cycle: rounds queues tasks here

    try:
        if waiting := WAITING.take(round_id):
            progress_counts_refresh(round_id=round_id, version_ids=waiting)
    finally:
        progress_refresh_done(round_id)


@shared_task
def refresh_every_rounds_progress_counts() -> int:
    """Nightly repair: every round's counts again from scratch, but those frozen at closing."""
    round_ids = progress_refreshable_round_ids()
    for round_id in round_ids:
        enqueue_progress_refresh(round_id)
    return len(round_ids)


@shared_task
def reorder_progress() -> int:
    """Just after midnight: count every round's place in the progress dashboard's order again as at
    the new day, for reviews due yesterday are now overdue. Until then the dashboard orders the
    stored counts itself. Returns how many rounds were counted."""
    from reviews.services.progress_counts import progress_order_refresh  # cycle: rounds queues tasks here

    return sum(progress_order_refresh(round_id=round_id) for round_id in progress_refreshable_round_ids())


def enqueue_progress_refresh(round_id: int, version_ids: list[int] | None = None) -> None:
    """Queue a refresh of the round's counts (of these versions, or all), marking the round's
    counts as being updated until it has run; where the cache is Redis, some versions' refresh
    joins one already queued for the round, or is queued PROGRESS_REFRESH_DELAY_SECONDS ahead for
    the changes that follow to join. Never raises: a lost message is healed by the nightly repair."""
    try:
        if waiting_store() is None or not version_ids:
            _queue(round_id, lambda: refresh_progress_counts.delay(round_id, version_ids))
            return
        delay = settings.PROGRESS_REFRESH_DELAY_SECONDS
        WAITING.add(
            round_id,
            version_ids,
            delay=delay,
            queue=lambda: _queue(
                round_id, lambda: refresh_waiting_progress_counts.apply_async((round_id,), countdown=delay)
            ),
        )
    except Exception as error:
        queue_failure_log(
            logger, error, "Could not queue a progress refresh for round %s; the nightly one will", round_id
        )


def _queue(round_id: int, send) -> None:
    progress_refresh_queued(round_id)
    try:
        send()
    except Exception:
        progress_refresh_done(round_id)  # nothing was queued: the counts are not being updated
        raise
