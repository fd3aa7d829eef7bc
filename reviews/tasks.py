"""Celery tasks of the reviews app: the emails about rounds, the daily reminders (beat), and the
refresh of rounds' stored progress counts (after each change, and nightly)."""

import logging

from celery import shared_task

from bold_portal.queueing import queue_failure_log
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
def refresh_every_rounds_progress_counts() -> int:
    """Nightly repair: every round's counts again from scratch, but those frozen at closing."""
    round_ids = progress_refreshable_round_ids()
    for round_id in round_ids:
        enqueue_progress_refresh(round_id)
    return len(round_ids)


def enqueue_progress_refresh(round_id: int, version_ids: list[int] | None = None) -> None:
    """Queue a refresh of the round's counts, marking the round's counts as being updated until it
    has run. Never raises: a lost message is healed by the nightly repair."""
    try:
        progress_refresh_queued(round_id)
        refresh_progress_counts.delay(round_id, version_ids)
    except Exception as error:
        queue_failure_log(
            logger, error, "Could not queue a progress refresh for round %s; the nightly one will", round_id
        )
