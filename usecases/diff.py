"""Two versions of a use case compared word by word, section by section (difflib): what each side
lost or gained, for a page that marks changes with a symbol and words, never colour alone."""

import difflib
import re
from dataclasses import dataclass

from usecases.checking import text_parts
from usecases.forms import DRAFT_FIELD_TEXT
from usecases.sections import SECTIONS_BY_SLUG

_TOKENS = re.compile(r"\s+|[^\s]+")


@dataclass(frozen=True)
class Segment:
    kind: str  # "same", "removed" (only in the earlier text) or "added" (only in the later)
    text: str


@dataclass(frozen=True)
class PartDiff:
    name: str
    earlier: list[Segment]
    later: list[Segment]

    @property
    def changed(self) -> bool:
        return any(segment.kind != "same" for segment in (*self.earlier, *self.later))


def word_diff(earlier: str, later: str) -> tuple[list[Segment], list[Segment]]:
    """Each text as segments: unchanged words, and the words only it has (whitespace kept)."""
    old, new = _TOKENS.findall(earlier), _TOKENS.findall(later)
    earlier_segments, later_segments = [], []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if tag == "equal":
            earlier_segments.append(Segment("same", "".join(old[i1:i2])))
            later_segments.append(Segment("same", "".join(new[j1:j2])))
            continue
        if i2 > i1:
            earlier_segments.append(Segment("removed", "".join(old[i1:i2])))
        if j2 > j1:
            later_segments.append(Segment("added", "".join(new[j1:j2])))
    return earlier_segments, later_segments


def _name(field: str) -> str:
    return str(DRAFT_FIELD_TEXT[field][0] if field in DRAFT_FIELD_TEXT else SECTIONS_BY_SLUG["data-flows"].name)


def versions_diff(earlier, later) -> list[PartDiff]:
    """Every part of the two versions' text, in the report's order, word by word."""
    old, new = text_parts(earlier), text_parts(later)
    return [PartDiff(_name(part), *word_diff(old[part], new[part])) for part in old]
