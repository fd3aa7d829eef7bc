"""The audit actions of exports and API tokens."""

from django.utils.translation import gettext_lazy as _

from bold_portal.audit_actions import AuditAction, register

register(
    AuditAction("export_requested", _("Export requested")),
    AuditAction("export_downloaded", _("Export downloaded")),
    AuditAction("api_token_created", _("API token created")),
    AuditAction("api_token_revoked", _("API token revoked")),
    AuditAction("feedback_released", _("Feedback released to authors")),
    AuditAction("reason_answered", _("Authors answered a reviewer's reason")),
)
