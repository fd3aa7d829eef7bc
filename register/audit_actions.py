"""The audit actions of the public register."""

from django.utils.translation import gettext_lazy as _

from bold_portal.audit_actions import AuditAction, register

register(
    AuditAction("register_entry_published", _("Use case published on the public register")),
    AuditAction("register_entry_updated", _("Public register entry updated")),
    AuditAction("register_entry_withdrawn", _("Use case withdrawn from the public register")),
    AuditAction("register_name_agreed", _("Organisation agreed to be named on the public register")),
    AuditAction("register_name_withdrawn", _("Organisation withdrew its agreement to be named on the register")),
)
