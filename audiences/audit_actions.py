"""The audit actions of audiences, organisations, memberships and invitations."""

from django.utils.translation import gettext_lazy as _

from bold_portal.audit_actions import AuditAction, register

register(
    AuditAction("audience_created", _("Audience added")),
    AuditAction("audience_updated", _("Audience changed")),
    AuditAction("audience_moved", _("Audience moved in the list")),
    AuditAction("audience_archived", _("Audience archived")),
    AuditAction("audience_restored", _("Audience offered again")),
    AuditAction("audience_authors_added", _("Pilot team authors added")),
    AuditAction("organisation_created", _("Organisation added")),
    AuditAction("organisation_updated", _("Organisation changed")),
    # organisation_audiences_added and membership_updated were written by the demo loader of earlier
    # versions, which put drifted rows back; kept so that those audit rows keep their label.
    AuditAction("organisation_audiences_added", _("Organisation's audiences added")),
    AuditAction("membership_created", _("Member added")),
    AuditAction("membership_updated", _("Member's role put back")),
    AuditAction("membership_role_changed", _("Member's role changed")),
    AuditAction("membership_removed", _("Member removed")),
    AuditAction("member_reminded", _("Member reminded")),
    AuditAction("invitation_sent", _("Invitation sent")),
    AuditAction("invitation_cancelled", _("Invitation cancelled")),
    AuditAction("invitation_accepted", _("Invitation accepted")),
)
