"""The audit actions of accounts, sign-in and two-factor sign-in."""

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from bold_portal.audit_actions import AuditAction, NamedKind, object_type_moved, register, register_named

register(
    AuditAction("account_created", _("Account created")),
    # Written by the demo loader of earlier versions, which put drifted rows back; kept so that
    # those audit rows keep their label.
    AuditAction("account_updated", _("Account settings put back")),
    AuditAction("account_switched_on", _("Account switched on")),
    AuditAction("account_switched_off", _("Account switched off")),
    AuditAction("account_roles_changed", _("Staff roles changed")),
    AuditAction("account_erased", _("Personal data erased")),
    AuditAction("sign_in_lockout_cleared", _("Sign-in lockout cleared")),
    AuditAction("sign_in_settings_changed", _("Sign-in settings changed")),
    AuditAction("two_factor_enabled", _("Two-step sign-in turned on")),
    AuditAction("two_factor_disabled", _("Two-step sign-in turned off")),
    AuditAction("recovery_codes_generated", _("Recovery codes made")),
)

# Accounts lived in the audiences app until accounts.0001: rows written then name them so.
object_type_moved("audiences.user", "accounts.user")


def _people(values: set[str]) -> dict[str, str]:
    """People's names as they are now (never stored in a row: an erased account has none)."""
    ids = {int(value) for value in values if value.isdigit()}
    return {str(person.pk): person.get_short_name() for person in get_user_model().objects.filter(pk__in=ids)}


register_named(
    NamedKind(
        "accounts.user",
        lookup=_people,
        keys=("user_id", "users", "reviewer", "reviewers", "new_reviewers", "person", "declared_by"),
    )
)
