"""Accounts the portal makes for people who were not invited (most people join by accepting an
invitation, audiences.services.invitations): the report's demo data, for example."""

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.services.passwords import password_links_send
from bold_portal.models import audit


def account_create(
    *, email: str, full_name: str, password: str | None, actor, is_active: bool = True, superuser: bool = False
):
    """Create one account (create-only: an address that already has an account, whatever its
    letter case, is refused). password is checked against the portal's password rules; None makes
    a password nobody can use, and an active account is then emailed a link to create one once the
    transaction commits. is_active=False: switched off from the start (someone whose past work is
    recorded but who is not expected to sign in). superuser: also staff and superuser (the Django
    admin), as createsuperuser makes the first admin. Staff roles come from
    accounts.services.access.account_staff_roles_set, memberships from audiences' services."""
    user = get_user_model()(
        email=email.strip(),
        full_name=full_name.strip(),
        is_active=is_active,
        is_staff=superuser,
        is_superuser=superuser,
    )
    if password is None:
        user.set_unusable_password()
    else:
        try:
            validate_password(password, user)
        except ValidationError as error:
            raise ValidationError({"password": error.messages}) from error
        user.set_password(password)
    user.full_clean()
    with transaction.atomic():
        user.save()
        audit(
            actor=actor,
            action="account_created",
            obj=user,
            reason="created",
            is_active=is_active,
            superuser=superuser,
        )
        password_links_send([user])
    return user
