"""How a lexicon term is found in text: word by word, whatever the case, hyphens, spaces,
apostrophes or a plural ending, never inside another word."""

import re
from dataclasses import dataclass
from functools import lru_cache

# What a lexicon entry is, and what a hit on it is called.
STIGMATISING = "stigmatising"
JARGON = "jargon"
DEFICIT = "deficit"
AUDIENCE_TERM = "audience_term"  # a word of one audience's world; a hit is AUDIENCE_CONFLATION
NAME = "name"  # the name of a programme or service: never flagged, and shields the words in it
PERSONAL_DATA = "personal_data"
AUDIENCE_CONFLATION = "audience_conflation"

HYPHENS = "\\-\u2010\u2011"  # escaped for a character class
APOSTROPHES = "'\u2019"
# Between the words of a term: a hyphen, spaces, or nothing ("ex-offender", "ex offender", "exoffender").
_JOIN = rf"[\s{HYPHENS}]*"
# Not after a letter or a hyphen (so "offender" is not found in "reoffender" or "re-offender"), not
# before a letter ("addict" is not found in "addiction").
_BEFORE = rf"(?<![\w{HYPHENS}])"
_AFTER = r"(?!\w)"


@dataclass(frozen=True)
class Term:
    """One lexicon entry as the checker reads it, from the database or the lexicon file."""

    term: str
    kind: str
    suggestion: str = ""
    source: str = ""  # the citation shown beside a hit
    audience: str = ""  # for AUDIENCE_TERM: the slug of the audience whose word it is


def _word(word: str) -> str:
    return "".join(f"[{APOSTROPHES}]" if character in APOSTROPHES else re.escape(character) for character in word)


def _last_word(word: str) -> str:
    """The last word with its plural and possessive endings: addict, addicts, addict's, addicts'."""
    lowered = word.lower()
    if len(lowered) > 1 and lowered.endswith("y") and lowered[-2] not in "aeiou":
        stem = rf"{_word(word[:-1])}(?:y|ies)"
    elif lowered.endswith(("s", "x", "ch", "sh")):
        stem = rf"{_word(word)}(?:es)?"
    else:
        stem = rf"{_word(word)}s?"
    return rf"{stem}(?:[{APOSTROPHES}]s?)?"


def words_of(term: str) -> list[str]:
    return [word for word in re.split(rf"[\s{HYPHENS}]+", term.strip()) if word]


@lru_cache(maxsize=2048)
def term_pattern(term: str, *, inflected: bool = True, case_sensitive: bool = False) -> re.Pattern:
    """The pattern that finds term in text (see the module's docstring)."""
    words = words_of(term)
    body = [_word(word) for word in words[:-1]] + [_last_word(words[-1]) if inflected else _word(words[-1])]
    return re.compile(_BEFORE + _JOIN.join(body) + _AFTER, 0 if case_sensitive else re.IGNORECASE)


def normalised(text: str) -> str:
    """A term's key: lower case, one space between words, plain apostrophes."""
    return " ".join(words_of(text.casefold().replace("\u2019", "'")))
