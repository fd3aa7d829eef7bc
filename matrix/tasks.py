import contextlib
import functools
import logging
import math

from celery import shared_task
from django.conf import settings
from django.core.cache import cache

from bold_portal.after_response import run_after_response
from bold_portal.queueing import queue_failure_log
from bold_portal.waiting import WaitingVersions, waiting_store
from matrix.selectors.agreement import agreement_refresh_wait
from matrix.selectors.cells import agreement_behind_round_ids, stale_round_ids
from matrix.services.agreement import matrix_agreement_refresh
from matrix.services.exports import matrix_export_run
from matrix.services.recompute import matrix_recompute

logger = logging.getLogger(__name__)

# While this key exists a recompute of the version (or of the whole round) is already queued, so a
# burst of review changes enqueues one task. The task clears it before computing, so a change
# made during the computation queues the next one.
PENDING_KEY = "matrix-recompute-pending:{round_id}:{version_id}"
PENDING_TIMEOUT_SECONDS = 600

# With a worker and a Redis cache, a review change's version instead waits in the round's set of
# versions for one recompute of them all, queued MATRIX_RECOMPUTE_DELAY_SECONDS after the first
# (bold_portal.waiting; docs/architecture.md, "Work counted together").
WAITING = WaitingVersions(
    versions_key="matrix-recompute-versions:{round_id}", flag_key="matrix-recompute-waiting:{round_id}"
)


# The same for the round's agreement figures: one refresh queued at a time, however many versions
# were recomputed meanwhile.
AGREEMENT_PENDING_KEY = "matrix-agreement-pending:{round_id}"


def _queue_once(key: str, task, *args, round_id: int, what: str, healed_by: str, countdown: int = 0) -> bool:
    """Queue the task (to start countdown seconds from now) unless the key says one is already
    queued. Never raises: a lost message is healed by what healed_by names."""
    try:
        if not cache.add(key, "1", timeout=PENDING_TIMEOUT_SECONDS + countdown):
            return False
        if countdown:
            task.apply_async(args, countdown=countdown)
        else:
            task.delay(*args)
        return True
    except Exception as error:
        queue_failure_log(logger, error, "Could not queue %s for round %s; %s will retry", what, round_id, healed_by)
        # Set only if the cache answered; should it have stopped since, the flag expires by itself.
        with contextlib.suppress(Exception):
            cache.delete(key)
        return False


def enqueue_matrix_recompute(round_id: int, version_id: int | None = None) -> bool:
    """Queue a recompute of one version's cells (or with version_id None, the round's) unless one
    is already queued; with a worker and Redis, the version joins the round's versions waiting for
    one. Returns whether a message was queued. Never raises: a lost message is healed by the
    periodic sweep."""
    if version_id is not None and waiting_store() is not None and not recompute_matrix.app.conf.task_always_eager:
        delay = settings.MATRIX_RECOMPUTE_DELAY_SECONDS
        try:
            return WAITING.add(
                round_id,
                [version_id],
                delay=delay,
                queue=lambda: recompute_waiting_versions.apply_async((round_id,), countdown=delay),
            )
        except Exception as error:
            queue_failure_log(
                logger, error, "Could not queue a matrix recompute for round %s; the sweep will retry", round_id
            )
            return False
    key = PENDING_KEY.format(round_id=round_id, version_id=version_id or "all")
    return _queue_once(
        key, recompute_matrix, round_id, version_id, round_id=round_id, what="a matrix recompute", healed_by="the sweep"
    )


def enqueue_agreement_refresh(round_id: int, *, countdown: int = 0) -> bool:
    """Queue a refresh of the round's agreement unless one is already queued. In eager mode it runs
    at once, in the calling process: so pages call it only once their response has been sent."""
    return _queue_once(
        AGREEMENT_PENDING_KEY.format(round_id=round_id),
        refresh_matrix_agreement,
        round_id,
        round_id=round_id,
        what="an agreement refresh",
        healed_by="the sweep or the next reading of the agreement",
        countdown=countdown,
    )


def refresh_agreement_after_response(response, *, round_id: int) -> None:
    """Queue a refresh of the round's agreement once the page that found it behind has been sent:
    with a worker, a message (unless one is queued); in eager mode, the refresh itself, in the web
    process, with the page already sent."""
    run_after_response(
        response,
        functools.partial(enqueue_agreement_refresh, round_id),
        what=f"Refreshing the agreement of round {round_id}",
    )


# The recompute, agreement and export tasks are acknowledged once done, and put back on the queue
# when their worker is lost, so a killed worker's task is delivered again (docs/reliability.md).
RESILIENT = {"acks_late": True, "reject_on_worker_lost": True}


@shared_task(**RESILIENT)
def recompute_matrix(round_id: int, version_id: int | None = None) -> None:
    cache.delete(PENDING_KEY.format(round_id=round_id, version_id=version_id or "all"))
    _recompute(round_id, None if version_id is None else [version_id])


@shared_task(bind=True, **RESILIENT)
def recompute_waiting_versions(self, round_id: int) -> None:
    """Recompute the cells of every version of the round waiting for a recompute. A message
    delivered again (its worker died after taking the versions, which are no longer waiting)
    recomputes every row of the round that is behind instead."""
    redelivered = bool((self.request.delivery_info or {}).get("redelivered"))
    version_ids = None if redelivered else WAITING.take(round_id)
    if version_ids != []:
        _recompute(round_id, version_ids)


def _recompute(round_id: int, version_ids: list[int] | None) -> None:
    result = matrix_recompute(round_id=round_id, version_ids=version_ids)
    # Agreement is measured over the whole round, so its cost grows with the round: never here in
    # eager mode, where this runs inside the reviewer's request (it is measured when it is next
    # read, after that page's response). A worker measures it after recomputes that changed what it
    # is measured from, at most once per MATRIX_AGREEMENT_DELAY_SECONDS per round: the first such
    # recompute queues it that long ahead, and later ones find it queued.
    if result is not None and result.agreement_inputs_changed and not recompute_matrix.app.conf.task_always_eager:
        enqueue_agreement_refresh(round_id, countdown=settings.MATRIX_AGREEMENT_DELAY_SECONDS)


@shared_task(**RESILIENT)
def refresh_matrix_agreement(round_id: int) -> None:
    """Measure the round's agreement, unless it was measured less than MATRIX_AGREEMENT_DELAY_SECONDS
    ago: then, with a worker, come back when that time is up (the pending flag stays, so nothing
    else is queued meanwhile). Whoever asked (a recompute, a page that found the figures behind,
    the sweep), a round is measured at most once in that time. In eager mode the page that found
    the figures behind runs this after its response, and it measures at once."""
    key = AGREEMENT_PENDING_KEY.format(round_id=round_id)
    eager = refresh_matrix_agreement.app.conf.task_always_eager
    wait = 0.0 if eager else agreement_refresh_wait(round_id, every_seconds=settings.MATRIX_AGREEMENT_DELAY_SECONDS)
    if wait > 0:
        countdown = math.ceil(wait)
        try:
            cache.set(key, "1", timeout=PENDING_TIMEOUT_SECONDS + countdown)
            refresh_matrix_agreement.apply_async((round_id,), countdown=countdown)
            return
        except Exception as error:
            # Measuring now is better than not at all: the figures would stay behind until the sweep.
            queue_failure_log(
                logger, error, "Could not put off the agreement refresh of round %s; measuring now", round_id
            )
    cache.delete(key)
    matrix_agreement_refresh(round_id=round_id)


@shared_task
def sweep_stale_matrices() -> int:
    """Queue a recompute of every round with a version whose cells are behind its reviews or rule,
    and a refresh of the agreement of every other round whose agreement is behind its cells (a lost
    message). Returns the number of recomputes queued."""
    stale = stale_round_ids()
    for round_id in sorted(set(agreement_behind_round_ids()) - set(stale)):
        enqueue_agreement_refresh(round_id)
    return sum(enqueue_matrix_recompute(round_id) for round_id in stale)


# On the exports queue (settings.CELERY_TASK_ROUTES), with time limits: a large export never holds
# a worker for minutes, and never waits in front of a recompute.
@shared_task(
    bind=True,
    soft_time_limit=settings.EXPORT_SOFT_TIME_LIMIT_SECONDS,
    time_limit=settings.EXPORT_HARD_TIME_LIMIT_SECONDS,
    **RESILIENT,
)
def run_matrix_export(self, export_id: int) -> None:
    """Make one analyst's export (matrix.services.matrix_export_run records any failure on it,
    the soft time limit's included)."""
    matrix_export_run(export_id=export_id, redelivered=bool((self.request.delivery_info or {}).get("redelivered")))
