"""Read queries for the language checker: the lexicon as the checker reads it, where the database
and the lexicon file differ, and which hits of a text are still open (neither fixed nor dismissed)."""

from dataclasses import dataclass

from django.db.models import QuerySet

from language.checker.check import Hit, check_text
from language.checker.terms import Term
from language.lexicon_file import file_entries, file_terms, source_citation
from language.models import HitDismissal, LexiconEntry

COMPARED_FIELDS = ("suggestion", "source", "audience", "is_active")


def lexicon_entries_all() -> QuerySet[LexiconEntry]:
    """Every entry, checked or not, for the admins' list."""
    return LexiconEntry.objects.select_related("audience").order_by("kind", "term", "pk")


def lexicon_terms() -> tuple[Term, ...]:
    """The entries the checker uses: the database's checked entries, or the lexicon file's when the
    database has none at all (a new install before load_lexicon)."""
    entries = list(LexiconEntry.objects.select_related("audience").filter(is_active=True))
    if not entries and not LexiconEntry.objects.exists():
        return file_terms()
    return tuple(
        Term(
            term=entry.term,
            kind=entry.kind,
            suggestion=entry.suggestion,
            source=source_citation(entry.source),
            audience=entry.audience.slug if entry.audience else "",
        )
        for entry in entries
    )


def text_check(text: str, *, audience: str | None = None) -> list[Hit]:
    """check_text with the portal's lexicon."""
    return check_text(text, audience=audience, terms=lexicon_terms())


@dataclass(frozen=True)
class Difference:
    """One term (of one kind) where the lexicon file and the database differ: only in one of them,
    or fields that differ ({field: (in the file, in the database)})."""

    term: str
    kind: str
    where: str  # "file", "database" or "both"
    fields: dict


def lexicon_differences() -> list[Difference]:
    in_file = {(entry["term"].casefold(), entry["kind"]): {**entry, "is_active": True} for entry in file_entries()}
    in_database = {
        (entry.term.casefold(), entry.kind): {
            "term": entry.term,
            "kind": entry.kind,
            "suggestion": entry.suggestion,
            "source": entry.source,
            "audience": entry.audience.slug if entry.audience else "",
            "is_active": entry.is_active,
        }
        for entry in LexiconEntry.objects.select_related("audience")
    }
    differences = []
    for key in sorted(in_file.keys() | in_database.keys()):
        file_entry, database_entry = in_file.get(key), in_database.get(key)
        if database_entry is None:
            differences.append(Difference(file_entry["term"], file_entry["kind"], "file", {}))
        elif file_entry is None:
            differences.append(Difference(database_entry["term"], database_entry["kind"], "database", {}))
        else:
            fields = {
                name: (file_entry[name], database_entry[name])
                for name in ("term", *COMPARED_FIELDS)
                if file_entry[name] != database_entry[name]
            }
            if fields:
                differences.append(Difference(database_entry["term"], database_entry["kind"], "both", fields))
    return differences


def hit_key(hits: list[Hit], hit: Hit) -> tuple[str, str, int]:
    """How a dismissal knows a hit: its kind, its text in lower case, and which occurrence of that
    text (of that kind) it is, counted from the start of the text."""
    text = hit.text.casefold()
    earlier = [other for other in hits if other.kind == hit.kind and other.text.casefold() == text]
    return hit.kind, text, [other.start for other in earlier].index(hit.start) + 1


def open_hits(*, subject: str, hits: list[Hit]) -> list[Hit]:
    """The hits of the text known as subject that nobody dismissed (fixed ones are not among hits)."""
    return [hit for hit, _ in open_hits_by_subject({subject: hits})[subject]]


def open_hits_by_subject(hits_by_subject: dict[str, list[Hit]]) -> dict[str, list[tuple[Hit, int]]]:
    """For each subject, its hits that nobody dismissed, each with which occurrence of its text it is:
    the dismissals of every subject in one query."""
    rows = HitDismissal.objects.filter(subject__in=list(hits_by_subject))
    dismissed = set(rows.values_list("subject", "kind", "text", "occurrence"))
    still_open = {}
    for subject, hits in hits_by_subject.items():
        keyed = [(hit, hit_key(hits, hit)) for hit in hits]
        still_open[subject] = [(hit, key[2]) for hit, key in keyed if (subject, *key) not in dismissed]
    return still_open


def open_hit_count(*, subject: str, text: str, audience: str | None = None) -> int:
    """How many hits of text are neither fixed nor dismissed: what the readiness checklist counts."""
    return len(open_hits(subject=subject, hits=text_check(text, audience=audience)))
