import logging

from celery import shared_task
from django.core.cache import cache

from principles.selectors import stale_rounds
from principles.services import matrix_snapshot_refresh

logger = logging.getLogger(__name__)

# While this key exists a recompute of the round is already queued, so a burst of
# review changes enqueues one task. The task clears it before computing, so a change
# made during the computation queues the next one.
PENDING_KEY = "matrix-recompute-pending:{round_id}"
PENDING_TIMEOUT_SECONDS = 600


def enqueue_matrix_recompute(round_id: int) -> bool:
    """Queue a recompute of the round's matrix unless one is already queued. Never raises:
    a lost message is healed by the periodic sweep."""
    key = PENDING_KEY.format(round_id=round_id)
    try:
        if not cache.add(key, "1", timeout=PENDING_TIMEOUT_SECONDS):
            return False
        recompute_round_matrix.delay(round_id)
        return True
    except Exception:
        logger.exception("Could not queue a matrix recompute for round %s; the sweep will retry.", round_id)
        try:
            cache.delete(key)
        except Exception:
            logger.exception("Could not clear the pending flag for round %s.", round_id)
        return False


@shared_task(acks_late=True)
def recompute_round_matrix(round_id: int) -> None:
    cache.delete(PENDING_KEY.format(round_id=round_id))
    matrix_snapshot_refresh(round_id=round_id, only_if_stale=True)


@shared_task
def sweep_stale_matrices() -> int:
    """Queue a recompute for every round whose snapshot is missing or older than its newest change."""
    return sum(enqueue_matrix_recompute(pk) for pk in stale_rounds().values_list("pk", flat=True))
