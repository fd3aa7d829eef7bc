"""Letting authors read a round's feedback before it closes."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from bold_portal.models import audit
from matrix.models import FeedbackRelease
from reviews.models import ReviewRound


def feedback_release(*, review_round: ReviewRound, actor) -> FeedbackRelease:
    """Let the authors of the round's use cases read what reviewers said now, before the round
    closes. Once only: a round's feedback is released or it is not."""
    with transaction.atomic():
        # Two admins pressing the button at once: the second waits here, then finds the first's release.
        review_round = ReviewRound.objects.select_for_update(of=("self",)).get(pk=review_round.pk)
        if review_round.status == ReviewRound.Status.CLOSED:
            raise ValidationError(_("This round has closed: its feedback is open to authors already."))
        if review_round.status == ReviewRound.Status.DRAFT:
            raise ValidationError(_("This round has not opened yet: there is no feedback to release."))
        if FeedbackRelease.objects.filter(round=review_round).exists():
            raise ValidationError(_("This round's feedback has been released already."))
        release = FeedbackRelease(round=review_round, released_by=actor)
        release.full_clean()
        release.save()
        audit(actor=actor, action="feedback_released", obj=review_round)
    return release
