"""The audit actions of use cases and their versions."""

from django.utils.translation import gettext_lazy as _

from bold_portal.audit_actions import AuditAction, register

register(
    AuditAction("use_case_created", _("Use case added")),
    # Written by the demo loader of earlier versions; kept so that those audit rows keep their label.
    AuditAction("use_case_updated", _("Use case changed")),
    AuditAction("use_case_version_created", _("Use case version added")),
)
