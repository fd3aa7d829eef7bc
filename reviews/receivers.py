"""Personal review links end with the standing they were sent on (docs/sign-in-security.md)."""

from django.dispatch import receiver

from accounts.signals import access_withdrawn
from audiences.signals import membership_removed
from reviews.services.review_links import review_links_revoke_all


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
