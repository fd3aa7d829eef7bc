"""The audit actions of the language checker."""

from django.utils.translation import gettext_lazy as _

from bold_portal.audit_actions import AuditAction, NamedKind, names_by_id_or_slug, register, register_named
from language.models import LexiconEntry

register(
    AuditAction("lexicon_entry_created", _("Lexicon entry added")),
    AuditAction("lexicon_entry_updated", _("Lexicon entry changed")),
    AuditAction("lexicon_loaded", _("Lexicon loaded from its file")),
    AuditAction("language_hit_dismissed", _("Language checker hit dismissed")),
)

# Names beside numbers: an entry is named by its term, as written when the row was.
register_named(
    NamedKind(
        "language.lexiconentry",
        lookup=lambda values: names_by_id_or_slug(LexiconEntry.objects, values, name_field="term", slug_field=None),
        name_when_written=lambda entry: entry.term,
    )
)
