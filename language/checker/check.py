"""The language checker: check_text finds, in a use case's text, the words the lexicon asks authors
to avoid or explain, and text that looks like personal data. It is advisory and pure: no database,
no settings; the terms come from the caller (language.selectors.lexicon_terms reads the database)
or, when none are given, from the lexicon file (language/lexicon.json)."""

import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass

from language.checker.personal_data import personal_data_spans
from language.checker.terms import (
    APOSTROPHES,
    AUDIENCE_CONFLATION,
    AUDIENCE_TERM,
    NAME,
    PERSONAL_DATA,
    Term,
    term_pattern,
)
from language.lexicon_file import REPORT_SOURCE, file_terms, source_citation

QUOTES = "\"'`\u2018\u2019\u201c\u201d\u00ab\u00bb"
# A term just after one of these is the one to avoid, named as such: "prison leavers, not ex-offenders".
_NAMED_TO_AVOID = re.compile(
    r"\b(?:not|instead\s+of|rather\s+than|avoid|avoiding|in\s+place\s+of|replac(?:e|es|ed|ing))"
    rf"\s+(?:the\s+|an?\s+)?[{QUOTES}]?$",
    re.IGNORECASE,
)
_PERSONAL_DATA_SUGGESTION = (
    "This looks like {what}. Take it out: a use case describes groups of people, never one person's details."
)


@dataclass(frozen=True)
class Hit:
    """A stretch of the text the checker flags: text[start:end], what kind of hit it is, what to
    write instead (or do), and the source of that advice."""

    start: int
    end: int
    text: str
    kind: str
    suggestion: str
    source: str

    def as_dict(self) -> dict:
        return asdict(self)


def _quoted(text: str, start: int, end: int) -> bool:
    """Whether the term is quoted on its own ("ex-offender"), as a term is when it is named rather than used."""
    if start == 0 or text[start - 1] not in QUOTES:
        return False
    # A closing apostrophe may have been read as a possessive ending: 'addicts'.
    return (end < len(text) and text[end] in QUOTES) or text[end - 1] in APOSTROPHES


def _named_to_avoid(text: str, start: int, end: int) -> bool:
    return _quoted(text, start, end) or bool(_NAMED_TO_AVOID.search(text[max(0, start - 40) : start]))


def _term_hits(text: str, term: Term, audience: str | None) -> Iterable[Hit]:
    if term.kind == AUDIENCE_TERM:
        if not audience or audience == term.audience:
            return
        kind = AUDIENCE_CONFLATION
    else:
        kind = term.kind
    for match in term_pattern(term.term).finditer(text):
        if not _named_to_avoid(text, match.start(), match.end()):
            yield Hit(match.start(), match.end(), match.group(), kind, term.suggestion, term.source)


def _name_spans(text: str, names: Iterable[Term]) -> list[tuple[int, int]]:
    """Where the names of programmes and services are ("Reducing Reoffending"), written as names are:
    with their capitals."""
    return [
        match.span()
        for name in names
        for match in term_pattern(name.term, inflected=False, case_sensitive=True).finditer(text)
    ]


def _without_overlaps(hits: list[Hit], shields: list[tuple[int, int]]) -> list[Hit]:
    """Hits outside the names, the longest first where two overlap ("ex-offender" over "offender")."""
    kept: list[Hit] = []
    taken = list(shields)
    for hit in sorted(hits, key=lambda hit: (-(hit.end - hit.start), hit.start)):
        if all(hit.end <= start or hit.start >= end for start, end in taken):
            kept.append(hit)
            taken.append((hit.start, hit.end))
    return sorted(kept, key=lambda hit: (hit.start, hit.end))


def check_text(text: str, *, audience: str | None = None, terms: Sequence[Term] | None = None) -> list[Hit]:
    """The hits in text, in the order they appear. audience: the slug of the use case's audience,
    so that another audience's words are flagged (none: they are not). terms: the lexicon (none:
    the lexicon file's)."""
    terms = file_terms() if terms is None else terms
    names = [term for term in terms if term.kind == NAME]
    hits = [hit for term in terms if term.kind != NAME for hit in _term_hits(text, term, audience)]
    hits += [
        Hit(
            start,
            end,
            text[start:end],
            PERSONAL_DATA,
            _PERSONAL_DATA_SUGGESTION.format(what=what),
            source_citation(REPORT_SOURCE),
        )
        for start, end, what in personal_data_spans(text)
    ]
    return _without_overlaps(hits, _name_spans(text, names))
