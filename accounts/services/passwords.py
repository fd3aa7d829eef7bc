"""Links to create a password, and the end of a sign-in lockout once a new password is set."""

from collections.abc import Iterable

from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from bold_portal.email import emails_send_on_commit, portal_url
from bold_portal.models import audit


def sign_in_lockout_clear(*, user) -> None:
    """After a password reset the person may sign in at once: failed sign-ins with their email
    address stop counting (django-axes), wherever they came from."""
    with transaction.atomic():
        cleared = axes_reset(username=user.email.strip().lower())
        if cleared:
            audit(actor=user, action="sign_in_lockout_cleared", obj=user, failed_attempts_cleared=cleared)


def password_link(user) -> str:
    """A link for user to create a new password: Django's password reset link, so it works once
    (setting a password changes what the token is signed with) and expires after
    settings.PASSWORD_RESET_TIMEOUT."""
    return portal_url(
        "password_reset_confirm",
        uidb64=urlsafe_base64_encode(force_bytes(user.pk)),
        token=default_token_generator.make_token(user),
    )


def password_links_send(users: Iterable) -> None:
    """Email each new active account that has no usable password a link to create one, once the
    account is committed: people added by an import or by an admin, who were never invited. Call
    inside the transaction that creates the accounts."""
    emails_send_on_commit(
        template="accounts/email/set_password",
        kind="set_password",
        holds_secret=True,
        emails=[
            (
                user,
                user.email,
                {
                    "name": user.full_name,
                    "url": password_link(user),
                    "valid_days": settings.PASSWORD_RESET_TIMEOUT // (24 * 60 * 60),
                },
            )
            for user in users
            if user.is_active and not user.has_usable_password()
        ],
    )
