"""The audit actions of the language checker."""

from django.utils.translation import gettext_lazy as _

from bold_portal.audit_actions import AuditAction, register

register(
    AuditAction("lexicon_entry_created", _("Lexicon entry added")),
    AuditAction("lexicon_entry_updated", _("Lexicon entry changed")),
    AuditAction("lexicon_loaded", _("Lexicon loaded from its file")),
    AuditAction("language_hit_dismissed", _("Language checker hit dismissed")),
)
