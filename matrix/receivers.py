import logging
from functools import partial

from celery.signals import worker_ready
from django.db import transaction
from django.dispatch import receiver

from accounts.signals import access_withdrawn
from bold_portal.queueing import queue_failure_log
from matrix.services.tokens import api_tokens_revoke_all
from matrix.tasks import enqueue_matrix_recompute, sweep_stale_matrices
from reviews.signals import matrix_inputs_changed

logger = logging.getLogger(__name__)


@receiver(matrix_inputs_changed)
def recompute_after_commit(sender, round_id: int, version_id: int | None = None, **kwargs):
    # robust: a broker outage never undoes the reviewer's committed save; the sweep heals it.
    transaction.on_commit(partial(enqueue_matrix_recompute, round_id, version_id), robust=True)


@receiver(access_withdrawn)
def revoke_api_tokens(sender, user, actor, reason: str, **kwargs):
    # In the transaction that withdrew the access: the tokens stop with it, or neither happens.
    api_tokens_revoke_all(owner=user, actor=actor, reason=reason)


@worker_ready.connect
def sweep_when_a_worker_starts(**kwargs):
    # A worker starting (a new one, or one restarted after losing the broker: Celery stops on it)
    # repairs what was left behind meanwhile at once, without waiting for beat's next sweep.
    try:
        sweep_stale_matrices.delay()
    except Exception as error:
        queue_failure_log(logger, error, "Could not queue the matrix sweep on the worker's start; beat will")
