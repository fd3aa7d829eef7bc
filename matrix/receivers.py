from functools import partial

from django.db import transaction
from django.dispatch import receiver

from accounts.signals import access_withdrawn
from matrix.services.tokens import api_tokens_revoke_all
from matrix.tasks import enqueue_matrix_recompute
from reviews.signals import matrix_inputs_changed


@receiver(matrix_inputs_changed)
def recompute_after_commit(sender, round_id: int, version_id: int | None = None, **kwargs):
    # robust: a broker outage never undoes the reviewer's committed save; the sweep heals it.
    transaction.on_commit(partial(enqueue_matrix_recompute, round_id, version_id), robust=True)


@receiver(access_withdrawn)
def revoke_api_tokens(sender, user, actor, reason: str, **kwargs):
    # In the transaction that withdrew the access: the tokens stop with it, or neither happens.
    api_tokens_revoke_all(owner=user, actor=actor, reason=reason)
