"""Rounds that open and close on their dates (docs/admin-rounds.md). A round set to
follow its dates (ReviewRound.follows_dates) opens on its opening date, if nothing stops it, and
closes once its closing date has passed. In the full stack beat runs rounds_follow_dates every
hour; on the embedded default, with no beat, a round moves when any page of it is read
(round_dates_apply_on_read). Both open and close through round_open and round_close, with the
portal (no person) as the actor in the audit rows."""

import datetime
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone

from reviews.models import ReviewRound
from reviews.services.rounds import round_close, round_open, round_opening_problems

logger = logging.getLogger(__name__)

OPEN, CLOSE = "open", "close"


def round_dates_due(review_round: ReviewRound, today: datetime.date) -> str | None:
    """What the round's dates say should happen now: OPEN, CLOSE or None. Reads no row."""
    if not review_round.follows_dates:
        return None
    if review_round.status == ReviewRound.Status.DRAFT and review_round.opens_on and review_round.opens_on <= today:
        return OPEN
    if review_round.status == ReviewRound.Status.OPEN and review_round.closes_on and review_round.closes_on < today:
        return CLOSE
    return None


def round_follow_dates(*, review_round: ReviewRound, today: datetime.date | None = None) -> str | None:
    """Open or close one round if its dates say so; returns what was done (OPEN, CLOSE) or None.
    A round that something stops from opening (round_opening_problems) stays in draft, and its
    check page says why; warnings do not stop it: setting the round to follow its dates was the
    admin's confirmation. A round another request moved first is left as it is."""
    due = round_dates_due(review_round, today or timezone.localdate())
    try:
        if due == OPEN:
            if round_opening_problems(review_round):
                logger.warning("Round %s did not open on its date: something stops it.", review_round.pk)
                return None
            round_open(review_round=review_round, actor=None, open_anyway=True)
        elif due == CLOSE:
            round_close(review_round=review_round, actor=None)
    except ValidationError:
        return None  # another request or beat opened or closed it first
    return due


@dataclass(frozen=True)
class DatesFollowed:
    opened: int
    closed: int


def rounds_follow_dates(*, today: datetime.date | None = None) -> DatesFollowed:
    """Every round whose dates say it should open or close now, moved (beat, hourly)."""
    today = today or timezone.localdate()
    due = ReviewRound.objects.filter(follows_dates=True).filter(
        Q(status=ReviewRound.Status.DRAFT, opens_on__lte=today) | Q(status=ReviewRound.Status.OPEN, closes_on__lt=today)
    )
    done = [round_follow_dates(review_round=review_round, today=today) for review_round in due.order_by("pk")]
    return DatesFollowed(opened=done.count(OPEN), closed=done.count(CLOSE))


def round_dates_apply_on_read(review_round: ReviewRound) -> ReviewRound:
    """On the embedded default (no broker, so no beat), a page of the round that is read first
    moves it if its dates say so. No query unless they do. With beat, beat does it."""
    if settings.CELERY_BROKER_URL or not round_dates_due(review_round, timezone.localdate()):
        return review_round
    if round_follow_dates(review_round=review_round):
        review_round.refresh_from_db()
    return review_round
