"""The audit actions of accounts, audiences, organisations, memberships, invitations and sign-in."""

from django.utils.translation import gettext_lazy as _

from bold_portal.audit_actions import AuditAction, register

register(
    AuditAction("account_created", _("Account created")),
    AuditAction("account_updated", _("Account settings put back")),
    AuditAction("account_switched_on", _("Account switched on")),
    AuditAction("account_switched_off", _("Account switched off")),
    AuditAction("account_roles_changed", _("Staff roles changed")),
    AuditAction("account_erased", _("Personal data erased")),
    AuditAction("audience_created", _("Audience added")),
    AuditAction("audience_updated", _("Audience changed")),
    AuditAction("audience_moved", _("Audience moved in the list")),
    AuditAction("audience_archived", _("Audience archived")),
    AuditAction("audience_restored", _("Audience offered again")),
    AuditAction("audience_authors_added", _("Pilot team authors added")),
    AuditAction("organisation_created", _("Organisation added")),
    AuditAction("organisation_updated", _("Organisation changed")),
    AuditAction("organisation_audiences_added", _("Organisation's audiences added")),
    # membership_created and membership_updated come from the demo loader (row_ensure).
    AuditAction("membership_created", _("Member added")),
    AuditAction("membership_updated", _("Member's role put back")),
    AuditAction("membership_role_changed", _("Member's role changed")),
    AuditAction("membership_removed", _("Member removed")),
    AuditAction("member_reminded", _("Member reminded")),
    AuditAction("invitation_sent", _("Invitation sent")),
    AuditAction("invitation_cancelled", _("Invitation cancelled")),
    AuditAction("invitation_accepted", _("Invitation accepted")),
    AuditAction("sign_in_lockout_cleared", _("Sign-in lockout cleared")),
    AuditAction("sign_in_settings_changed", _("Sign-in settings changed")),
    AuditAction("two_factor_enabled", _("Two-step sign-in turned on")),
    AuditAction("two_factor_disabled", _("Two-step sign-in turned off")),
    AuditAction("recovery_codes_generated", _("Recovery codes made")),
)
