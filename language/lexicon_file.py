"""The lexicon file, language/lexicon.json: the words the checker looks for, kept in the repository,
each citing its source (the report, or a published guide summarised under docs/sources/). It seeds
the database (the load_lexicon command); admins edit the database's copy in the portal, and the
lexicon_differences command shows where the two differ."""

import json
from functools import cache
from pathlib import Path

from language.checker.terms import Term

LEXICON_FILE = Path(__file__).resolve().parent / "lexicon.json"
REPORT_SOURCE = "bold-report"
ENTRY_FIELDS = ("term", "kind", "suggestion", "source", "audience")


@cache
def _lexicon() -> dict:
    return json.loads(LEXICON_FILE.read_text(encoding="utf-8"))


def sources() -> dict[str, dict]:
    """The sources entries may cite, by key: title, publisher, date and the summary's path."""
    return _lexicon()["sources"]


def source_citation(key: str) -> str:
    """How a hit names its source: the title, then the publisher and date."""
    source = sources().get(key)
    if source is None:
        return key
    return f"{source['title']} ({source['publisher']}, {source['date']})"


def file_entries() -> list[dict]:
    """The file's entries, each with every field of ENTRY_FIELDS ("" where the file leaves one out)."""
    return [{field: entry.get(field, "") for field in ENTRY_FIELDS} for entry in _lexicon()["entries"]]


@cache
def file_terms() -> tuple[Term, ...]:
    """The file's entries as the checker reads them."""
    return tuple(
        Term(
            term=entry["term"],
            kind=entry["kind"],
            suggestion=entry["suggestion"],
            source=source_citation(entry["source"]),
            audience=entry["audience"],
        )
        for entry in file_entries()
    )
