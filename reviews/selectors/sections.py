"""The text of a use case version's sections that a principle asks about
(Principle.reads_sections), as the pages that put a principle beside a use case show it: the
analysts' cell page and the reviewers' form. Reviews join use cases and principles, which know
nothing of each other."""

from dataclasses import dataclass

from principles.models import Principle
from principles.sections import SECTION_LABELS, sections_in_order
from usecases.checking import text_parts
from usecases.forms import DRAFT_FIELD_TEXT
from usecases.sections import SECTIONS_BY_SLUG


@dataclass(frozen=True)
class UseCaseSection:
    """A section of the use case version that the principle reads: its text as paragraphs or
    points (lines), or its data flows."""

    code: str
    label: str
    lines: tuple[str, ...] = ()
    flows: tuple[dict, ...] = ()
    # Written as points, one a line (research questions, what BOLD will and will not do).
    is_list: bool = False


_LISTED = {"research_questions", "will_do", "wont_do"}


def principle_sections(principle: Principle, version) -> tuple[UseCaseSection, ...]:
    """The use case version's text that the principle asks about, in the use case's order."""
    sections = []
    for code in sections_in_order(principle.reads_sections):
        value = getattr(version, code)
        label = str(SECTION_LABELS[code])
        if code == "data_flows":
            sections.append(UseCaseSection(code=code, label=label, flows=tuple(value or ())))
        else:
            lines = tuple(line.strip() for line in str(value).splitlines() if line.strip())
            sections.append(UseCaseSection(code=code, label=label, lines=lines, is_list=code in _LISTED))
    return tuple(sections)


def changed_sections(principle: Principle, earlier, later) -> list[str]:
    """The sections the principle reads (its reads_sections, in the use case's order) whose text
    differs between two versions of a use case, by their names; empty when none changed, so that
    a verdict on the principle may be carried forward from the earlier to the later version. A
    principle that names no section reads the whole text: any part of it that changed is named."""
    codes = sections_in_order(principle.reads_sections)
    if not codes:
        earlier_parts, later_parts = text_parts(earlier), text_parts(later)
        return [_part_name(part) for part in earlier_parts if earlier_parts[part] != later_parts[part]]
    return [_part_name(code) for code in codes if getattr(earlier, code) != getattr(later, code)]


def _part_name(code: str) -> str:
    """A part of the text by the name its authors write it under (as the comparison of versions names it)."""
    return str(DRAFT_FIELD_TEXT[code][0] if code in DRAFT_FIELD_TEXT else SECTIONS_BY_SLUG["data-flows"].name)
