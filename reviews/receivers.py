"""Personal review links end with the standing they were sent on (docs/sign-in-security.md); the
round's stored progress counts are refreshed after whatever moves them commits (docs/architecture.md,
"Progress counts")."""

from functools import partial

from django.db import transaction
from django.dispatch import receiver

from accounts.signals import access_withdrawn, account_active_changed
from audiences.signals import membership_changed, membership_removed
from reviews.selectors.progress_counts import progress_round_ids_of_organisation, progress_round_ids_of_person
from reviews.services.review_links import review_links_revoke_all
from reviews.signals import matrix_inputs_changed, progress_inputs_changed
from reviews.tasks import enqueue_progress_refresh


@receiver(access_withdrawn)
def revoke_review_links_with_access(sender, user, actor, reason: str, **kwargs):
    # In the transaction that withdrew the access: the links stop with it, or neither happens.
    # (A new staff role needs nothing: a link never opens for analysts or admins.)
    if reason in {"switched_off", "erased"}:
        review_links_revoke_all(person=user, actor=actor, reason=reason)


@receiver(membership_removed)
def revoke_review_links_with_membership(sender, user, organisation, actor, **kwargs):
    # Every link of theirs, not only this organisation's rounds: a link is sent on one membership.
    review_links_revoke_all(person=user, actor=actor, reason="membership_removed")


def _refresh_progress_after_commit(round_id: int, version_ids: list[int] | None) -> None:
    # robust: a broker outage never undoes the committed change; the nightly repair heals it.
    transaction.on_commit(partial(enqueue_progress_refresh, round_id, version_ids), robust=True)


@receiver(matrix_inputs_changed)
def refresh_progress_after_reviews_change(sender, round_id: int, version_id: int | None = None, **kwargs):
    # A version's submitted reviews changed, or (no version) the round's versions or rule.
    _refresh_progress_after_commit(round_id, None if version_id is None else [version_id])


@receiver(progress_inputs_changed)
def refresh_progress_after_assignments_change(sender, round_id: int, version_ids: list[int] | None = None, **kwargs):
    _refresh_progress_after_commit(round_id, None if version_ids is None else sorted(set(version_ids)))


@receiver(membership_changed)
def refresh_progress_after_membership_change(sender, organisation_id: int, **kwargs):
    for round_id in progress_round_ids_of_organisation(organisation_id):
        _refresh_progress_after_commit(round_id, None)


@receiver(account_active_changed)
def refresh_progress_after_account_switched(sender, user, **kwargs):
    for round_id in progress_round_ids_of_person(user.pk):
        _refresh_progress_after_commit(round_id, None)
