"""State changes for the principle matrix."""

from django.db import transaction
from django.utils import timezone

from bold_portal.models import audit
from principles.models import MatrixSnapshot
from principles.selectors import round_matrix, snapshot_for
from usecases.models import Review, ReviewRound


def matrix_snapshot_refresh(*, round_id: int, only_if_stale: bool = False) -> MatrixSnapshot:
    """Recompute a round's matrix from its submitted reviews and store it as the round's snapshot.

    With only_if_stale, a snapshot already computed from the round's newest change is kept:
    the queued task uses this, so duplicate messages for one burst of changes cost one query.
    """
    with transaction.atomic():
        # The row lock serialises recomputes of one round across workers.
        review_round = ReviewRound.objects.select_for_update().get(pk=round_id)
        existing = MatrixSnapshot.objects.filter(round=review_round).first()
        if only_if_stale and existing and existing.source_changed_at >= review_round.last_changed_at:
            return existing
        now = timezone.now()
        snapshot = MatrixSnapshot(
            round=review_round,
            data=round_matrix(review_round, computed_at=now),
            computed_at=now,
            source_changed_at=review_round.last_changed_at,
            submitted_reviews=review_round.reviews.filter(status=Review.Status.SUBMITTED).count(),
        )
        if existing:
            snapshot.pk = existing.pk
        snapshot.full_clean(validate_unique=False)
        snapshot.save()
        audit(
            actor=None,
            action="matrix_recomputed",
            obj=snapshot,
            round=review_round.slug,
            submitted_reviews=snapshot.submitted_reviews,
        )
    return snapshot


def matrix_snapshot_current(*, review_round: ReviewRound) -> MatrixSnapshot:
    """The round's snapshot, recomputed first when it is missing or older than the round's newest
    change, so that exports never hand out a stale matrix."""
    snapshot = snapshot_for(review_round)
    if snapshot is None or snapshot.is_stale:
        snapshot = matrix_snapshot_refresh(round_id=review_round.pk)
    return snapshot
