import logging

from celery import shared_task
from django.core.cache import cache

from matrix.selectors import agreement_is_stored, stale_round_ids
from matrix.services import matrix_agreement_refresh, matrix_export_run, matrix_recompute

logger = logging.getLogger(__name__)

# While this key exists a recompute of the version (or of the whole round) is already queued, so a
# burst of review changes enqueues one task. The task clears it before computing, so a change
# made during the computation queues the next one.
PENDING_KEY = "matrix-recompute-pending:{round_id}:{version_id}"
PENDING_TIMEOUT_SECONDS = 600


# The same for the round's agreement figures: one refresh queued at a time, however many versions
# were recomputed meanwhile.
AGREEMENT_PENDING_KEY = "matrix-agreement-pending:{round_id}"


def _queue_once(key: str, task, *args, round_id: int, what: str, healed_by: str) -> bool:
    """Queue the task unless the key says one is already queued. Never raises: a lost message is
    healed by what healed_by names."""
    try:
        if not cache.add(key, "1", timeout=PENDING_TIMEOUT_SECONDS):
            return False
        task.delay(*args)
        return True
    except Exception:
        logger.exception("Could not queue %s for round %s; %s will retry.", what, round_id, healed_by)
        try:
            cache.delete(key)
        except Exception:
            logger.exception("Could not clear the pending flag for round %s.", round_id)
        return False


def enqueue_matrix_recompute(round_id: int, version_id: int | None = None) -> bool:
    """Queue a recompute of one version's cells (or with version_id None, the round's) unless one
    is already queued. Never raises: a lost message is healed by the periodic sweep."""
    key = PENDING_KEY.format(round_id=round_id, version_id=version_id or "all")
    return _queue_once(
        key, recompute_matrix, round_id, version_id, round_id=round_id, what="a matrix recompute", healed_by="the sweep"
    )


@shared_task(acks_late=True)
def recompute_matrix(round_id: int, version_id: int | None = None) -> None:
    cache.delete(PENDING_KEY.format(round_id=round_id, version_id=version_id or "all"))
    result = matrix_recompute(round_id=round_id, version_id=version_id)
    # Agreement is measured over the whole round (seconds for 10,000 use cases): queued only when a
    # row changed (or it has never been measured), and once however many recomputes come meanwhile.
    if result is not None and (result.rows_claimed or not agreement_is_stored(round_id)):
        key = AGREEMENT_PENDING_KEY.format(round_id=round_id)
        _queue_once(
            key,
            refresh_matrix_agreement,
            round_id,
            round_id=round_id,
            what="an agreement refresh",
            healed_by="the next recompute",
        )


@shared_task(acks_late=True)
def refresh_matrix_agreement(round_id: int) -> None:
    cache.delete(AGREEMENT_PENDING_KEY.format(round_id=round_id))
    matrix_agreement_refresh(round_id=round_id)


@shared_task
def sweep_stale_matrices() -> int:
    """Queue a recompute of every round with a version whose cells are behind its reviews or rule."""
    return sum(enqueue_matrix_recompute(round_id) for round_id in stale_round_ids())


@shared_task(acks_late=True)
def run_matrix_export(export_id: int) -> None:
    """Make one analyst's export (matrix.services.matrix_export_run records any failure on it)."""
    matrix_export_run(export_id=export_id)
