"""The text of a use case version's sections that a principle asks about
(Principle.reads_sections), as the pages that put a principle beside a use case show it: the
analysts' cell page and the reviewers' form. Reviews join use cases and principles, which know
nothing of each other."""

from dataclasses import dataclass

from principles.models import Principle
from principles.sections import SECTION_LABELS, sections_in_order


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
