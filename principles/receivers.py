from functools import partial

from django.db import transaction
from django.dispatch import receiver

from principles.tasks import enqueue_matrix_recompute
from usecases.signals import round_reviews_changed


@receiver(round_reviews_changed)
def recompute_after_commit(sender, round_id: int, **kwargs):
    transaction.on_commit(partial(enqueue_matrix_recompute, round_id), robust=True)
