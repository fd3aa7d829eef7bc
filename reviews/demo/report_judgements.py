"""What the report's illustrative use cases are made of (reviews/demo/bold_report.py): the shape of
a use case, how one fieldwork reviewer judged one principle, and phrases several use cases share."""

from dataclasses import dataclass, field

MEETS = "meets"
DOES_NOT_MEET = "does_not_meet"
NOT_SURE = "not_sure"


@dataclass(frozen=True)
class Judgement:
    """One fieldwork reviewer's verdict on one principle."""

    verdict: str
    reason: str = ""
    suggested_rewording: str = ""


TICK = Judgement(MEETS)


def cross(reason: str, *, rewording: str = "") -> Judgement:
    return Judgement(DOES_NOT_MEET, reason, rewording)


def unsure(reason: str) -> Judgement:
    return Judgement(NOT_SURE, reason)


@dataclass(frozen=True)
class UseCaseData:
    slug: str
    audience: str
    title: str
    impact_statement: str
    research_questions: tuple[str, ...]
    data_flows: tuple[dict[str, str], ...]
    will_do: tuple[str, ...]
    wont_do: tuple[str, ...]
    # Principle slug -> the judgements of the audience's three fieldwork reviewers, in order.
    fieldwork: dict[str, tuple[Judgement, Judgement, Judgement]] = field(default_factory=dict)


SECURE_ANALYSTS = "BOLD analysts, in a secure research environment"

ANONYMISED = "Remove names, dates of birth and addresses before any records are linked"
VETTED_ONLY = "Let only trained, vetted BOLD analysts see the linked records, in a secure research environment"
GROUPS_ONLY = "Publish findings only as numbers about groups of people, never about anyone in particular"
NO_INDIVIDUAL_DECISIONS = "Use the data to make decisions about any individual person"
NOT_SOLD = "Sell the data or pass it to private companies"
