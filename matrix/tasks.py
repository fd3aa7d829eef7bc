import logging

from celery import shared_task
from django.core.cache import cache

from matrix.selectors import stale_round_ids
from matrix.services import matrix_export_run, matrix_recompute

logger = logging.getLogger(__name__)

# While this key exists a recompute of the version (or of the whole round) is already queued, so a
# burst of review changes enqueues one task. The task clears it before computing, so a change
# made during the computation queues the next one.
PENDING_KEY = "matrix-recompute-pending:{round_id}:{version_id}"
PENDING_TIMEOUT_SECONDS = 600


def enqueue_matrix_recompute(round_id: int, version_id: int | None = None) -> bool:
    """Queue a recompute of one version's cells (or with version_id None, the round's) unless one
    is already queued. Never raises: a lost message is healed by the periodic sweep."""
    key = PENDING_KEY.format(round_id=round_id, version_id=version_id or "all")
    try:
        if not cache.add(key, "1", timeout=PENDING_TIMEOUT_SECONDS):
            return False
        recompute_matrix.delay(round_id, version_id)
        return True
    except Exception:
        logger.exception("Could not queue a matrix recompute for round %s; the sweep will retry.", round_id)
        try:
            cache.delete(key)
        except Exception:
            logger.exception("Could not clear the pending flag for round %s.", round_id)
        return False


@shared_task(acks_late=True)
def recompute_matrix(round_id: int, version_id: int | None = None) -> None:
    cache.delete(PENDING_KEY.format(round_id=round_id, version_id=version_id or "all"))
    matrix_recompute(round_id=round_id, version_id=version_id)


@shared_task
def sweep_stale_matrices() -> int:
    """Queue a recompute of every round with a version whose cells are behind its reviews or rule."""
    return sum(enqueue_matrix_recompute(round_id) for round_id in stale_round_ids())


@shared_task(acks_late=True)
def run_matrix_export(export_id: int) -> None:
    """Make one analyst's export (matrix.services.matrix_export_run records any failure on it)."""
    matrix_export_run(export_id=export_id)
