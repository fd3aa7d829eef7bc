"""Reviewers' accounts made by the portal rather than by an invitation (the verdicts import)."""

from collections.abc import Mapping
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models.functions import Lower

from accounts.services.passwords import password_links_send
from audiences.models import Membership, Organisation
from audiences.signals import membership_changed
from bold_portal.models import audit_many


@dataclass(frozen=True)
class ReviewerAccounts:
    users: dict  # by the email address as given
    created: list[str]  # the addresses that got a new account


def reviewer_accounts_create(*, people: Mapping[str, Organisation], actor) -> ReviewerAccounts:
    """Create an account for each email address that has none (matched whatever its letter case),
    with no usable password and a reviewer's place in the given organisation, and email it a link
    to create a password once the transaction commits. An account that exists is used as it is:
    nothing of it, nor of its memberships, changes. One query finds the accounts that exist,
    however many people there are. Returns every address's account."""
    user_model = get_user_model()
    existing = _accounts_by_address(people)
    new_users, memberships, users = {}, [], {}
    for email, organisation in people.items():
        key = email.strip().lower()
        user = existing.get(key) or new_users.get(key)
        if user is None:
            user = user_model(email=email.strip())
            user.set_unusable_password()
            user.full_clean(validate_unique=False, validate_constraints=False)
            new_users[key] = user
            memberships.append(Membership(user=user, organisation=organisation, role=Membership.Role.REVIEWER))
        users[email] = user
    with transaction.atomic():
        user_model.objects.bulk_create(new_users.values())
        Membership.objects.bulk_create(memberships)
        for organisation_id in sorted({m.organisation.pk for m in memberships}):
            membership_changed.send(sender=Membership, organisation_id=organisation_id)
        audit_many(actor=actor, action="account_created", objects=list(new_users.values()), reason="reviewer")
        password_links_send(new_users.values())
    return ReviewerAccounts(users=users, created=[user.email for user in new_users.values()])


def _accounts_by_address(people: Mapping[str, Organisation]) -> dict:
    keys = {email.strip().lower() for email in people}
    accounts = get_user_model().objects.annotate(key=Lower("email")).filter(key__in=keys)
    return {user.key: user for user in accounts}
