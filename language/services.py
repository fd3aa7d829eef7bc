"""State changes for the language checker: the lexicon's entries (added, changed, loaded from the
lexicon file) and dismissed hits. Each runs in one transaction and writes an audit row."""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from audiences.models import Audience
from bold_portal.field_changes import audit_values, fields_update
from bold_portal.models import audit
from language.checker.check import Hit
from language.checker.terms import AUDIENCE_TERM, NAME
from language.lexicon_file import file_entries
from language.models import HitDismissal, LexiconEntry
from language.selectors import hit_key

ENTRY_FIELDS = ("term", "kind", "suggestion", "source", "audience", "is_active")


def _entry_check(entry: LexiconEntry) -> None:
    """full_clean, with the database's rules as messages on the fields they are about: a term
    already in the lexicon (whatever its letter case), a suggestion, an audience."""
    errors = {}
    twins = LexiconEntry.objects.filter(term__iexact=entry.term, kind=entry.kind).exclude(pk=entry.pk)
    if entry.term and twins.exists():
        message = _("The lexicon already has %(term)s as this kind of term. Change that entry instead.")
        errors["term"] = [message % {"term": entry.term}]
    if entry.kind != NAME and not entry.suggestion:
        errors["suggestion"] = [_("Enter a suggestion: what to write instead, or what to do")]
    if entry.kind == AUDIENCE_TERM and entry.audience is None:
        errors["audience"] = [_("Choose the audience whose term it is")]
    if entry.kind != AUDIENCE_TERM and entry.audience is not None:
        errors["audience"] = [_("Choose no audience: only another audience's term has one")]
    try:
        entry.full_clean(exclude=list(errors), validate_constraints=not errors)
    except ValidationError as error:
        errors = {**error.message_dict, **errors}
    if errors:
        raise ValidationError(errors)


def lexicon_entry_create(
    *, term: str, kind: str, suggestion: str, source: str, audience: Audience | None = None, actor
) -> LexiconEntry:
    """Add a word or phrase for the checker to look for (or, a name, never to flag)."""
    entry = LexiconEntry(
        term=" ".join(term.split()), kind=kind, suggestion=suggestion.strip(), source=source, audience=audience
    )
    _entry_check(entry)
    try:
        with transaction.atomic():
            entry.save()
            audit(actor=actor, action="lexicon_entry_created", obj=entry, after=audit_values(entry, ENTRY_FIELDS))
    except IntegrityError:  # the same term added a moment ago, by another admin
        _entry_check(entry)
        raise
    return entry


def lexicon_entry_update(
    *,
    entry: LexiconEntry,
    term: str,
    kind: str,
    suggestion: str,
    source: str,
    audience: Audience | None,
    is_active: bool,
    actor,
) -> LexiconEntry:
    """Change an entry, or whether the checker uses it. The last save wins: each is in the audit trail."""
    values = {
        "term": " ".join(term.split()),
        "kind": kind,
        "suggestion": suggestion.strip(),
        "source": source,
        "audience": audience,
        "is_active": is_active,
    }
    return fields_update(obj=entry, values=values, actor=actor, action="lexicon_entry_updated", check=_entry_check)


@dataclass
class LexiconLoad:
    """What loading the lexicon file did: the terms added, and those left out because the database
    has no audience with the slug the file names."""

    added: list[str] = field(default_factory=list)
    without_audience: list[str] = field(default_factory=list)


def lexicon_load(*, actor=None) -> LexiconLoad:
    """Add the lexicon file's entries that the database lacks (by term, whatever its case, and kind). Entries
    already there are left as admins keep them: lexicon_differences shows where they differ."""
    result = LexiconLoad()
    with transaction.atomic():
        known = {(term.casefold(), kind) for term, kind in LexiconEntry.objects.values_list("term", "kind")}
        audiences = {audience.slug: audience for audience in Audience.objects.all()}
        for values in file_entries():
            if (values["term"].casefold(), values["kind"]) in known:
                continue
            if values["audience"] and values["audience"] not in audiences:
                result.without_audience.append(values["term"])
                continue
            entry = LexiconEntry(**{**values, "audience": audiences.get(values["audience"])})
            _entry_check(entry)
            entry.save()
            known.add((entry.term.casefold(), entry.kind))
            result.added.append(entry.term)
        if result.added:
            audit(actor=actor, action="lexicon_loaded", obj=None, added=result.added)
    return result


def language_hit_dismiss(*, subject: str, hits: list[Hit], hit: Hit, reason: str, actor) -> HitDismissal:
    """Dismiss one hit of the text known as subject, with the reason it is not a problem there.
    hits: all the text's hits, which say which occurrence of its words this one is."""
    kind, text, occurrence = hit_key(hits, hit)
    dismissal = HitDismissal(
        subject=subject, kind=kind, text=text, occurrence=occurrence, reason=reason.strip(), dismissed_by=actor
    )
    dismissal.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            dismissal.save()
            audit(
                actor=actor,
                action="language_hit_dismissed",
                obj=dismissal,
                subject=subject,
                kind=kind,
                text=text,
                occurrence=occurrence,
            )
    except IntegrityError as error:  # dismissed a moment ago, by someone else or another tab
        raise ValidationError({"reason": [_("This hit is already dismissed.")]}) from error
    return dismissal
