"""The audit actions of principles."""

from django.utils.translation import gettext_lazy as _

from bold_portal.audit_actions import AuditAction, register

register(
    AuditAction("principle_created", _("Principle added")),
    AuditAction("principle_updated", _("Principle changed")),
)
