"""Celery tasks of the reviews app: the emails about rounds, and the daily reminders (beat)."""

import logging

from celery import shared_task

from reviews.emails import round_closed_emails_send, round_opened_emails_send
from reviews.models import ReviewRound
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
