from functools import partial

from django.db import transaction
from django.dispatch import receiver

from matrix.tasks import enqueue_matrix_recompute
from reviews.signals import matrix_inputs_changed


@receiver(matrix_inputs_changed)
def recompute_after_commit(sender, round_id: int, version_id: int | None = None, **kwargs):
    # robust: a broker outage never undoes the reviewer's committed save; the sweep heals it.
    transaction.on_commit(partial(enqueue_matrix_recompute, round_id, version_id), robust=True)
