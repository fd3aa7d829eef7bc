"""What a comparison is made of: the kind of each cell (improved, worsened, unchanged or not
comparable), the use cases, the rounds' caveats, the summary and the page."""

from dataclasses import dataclass

from django.core.paginator import Page

from matrix.wording import being_updated_change_in_words, outcome_change_in_words
from principles.rule import CROSS, INSUFFICIENT, TICK
from reviews.models import ReviewRound

IMPROVED = "improved"
WORSENED = "worsened"
UNCHANGED = "unchanged"
NOT_COMPARABLE = "not-comparable"
CHANGE_KINDS = (IMPROVED, WORSENED, UNCHANGED, NOT_COMPARABLE)


@dataclass(frozen=True)
class CellCounts:
    """A round's stored totals for one cell (every reviewer of the version, never a group of them)."""

    meets: int
    does_not_meet: int
    not_sure: int


@dataclass(frozen=True)
class ComparedCell:
    """One principle of one use case in both rounds. An outcome is None where the round did not
    review the use case or does not have the principle; counts are None there and where the cell
    has not been computed yet."""

    principle_slug: str
    principle_name: str
    outcome_a: str | None
    outcome_b: str | None
    counts_a: CellCounts | None = None
    counts_b: CellCounts | None = None
    # The round's stored cell is behind the version's reviews (MatrixState.behind_version_ids): its
    # outcome is not shown, and the cell is not compared until it is current.
    updating_a: bool = False
    updating_b: bool = False

    @property
    def kind(self) -> str:
        if self.outcome_a is None or self.outcome_b is None or self.updating_a or self.updating_b:
            return NOT_COMPARABLE
        if INSUFFICIENT in (self.outcome_a, self.outcome_b):
            return NOT_COMPARABLE
        if self.outcome_a == self.outcome_b:
            return UNCHANGED
        return IMPROVED if (self.outcome_a, self.outcome_b) == (CROSS, TICK) else WORSENED

    @property
    def changed(self) -> bool:
        """Improved or worsened: "not in this round" and "not enough reviews yet" are no change."""
        return self.kind in (IMPROVED, WORSENED)

    @property
    def change_in_words(self) -> str:
        if self.updating_a or self.updating_b:
            return being_updated_change_in_words(first=self.updating_a)
        return outcome_change_in_words(self.outcome_a, self.outcome_b)


@dataclass(frozen=True)
class ComparedUseCase:
    audience_name: str
    use_case_slug: str
    title: str
    # The version each round reviewed (the newest, if a round holds more than one); None: not in it.
    number_a: int | None
    number_b: int | None
    cells: tuple[ComparedCell, ...]

    @property
    def changed(self) -> bool:
        return any(cell.changed for cell in self.cells)

    @property
    def changed_count(self) -> int:
        return sum(1 for cell in self.cells if cell.changed)


@dataclass(frozen=True)
class RoundCaveat:
    """Why one round's outcomes may not be final: it is not closed yet, or some of its use cases
    have fewer reviews than its minimum (their cells show "not enough reviews yet")."""

    round: ReviewRound
    still_open: bool
    below_minimum: int  # use cases of the round with fewer reviews than its minimum
    use_cases: int  # use cases of the round

    @property
    def any(self) -> bool:
        return self.still_open or self.below_minimum > 0


@dataclass(frozen=True)
class ChangeSummary:
    """How many cells of the comparison are of each kind, over every use case of both rounds."""

    improved: int
    worsened: int
    unchanged: int
    not_comparable: int

    @property
    def cells(self) -> int:
        return self.improved + self.worsened + self.unchanged + self.not_comparable


@dataclass(frozen=True)
class RoundComparison:
    round_a: ReviewRound
    round_b: ReviewRound
    # Every principle of either round, as (slug, name), in the order of the cells of each row.
    principles: tuple[tuple[str, str], ...]
    use_cases: tuple[ComparedUseCase, ...]
    page: Page
    # Over every use case of both rounds, not only this page's (or the one use case asked for).
    total_use_cases: int
    changed_use_cases: int
    summary: ChangeSummary
    caveats: tuple[RoundCaveat, ...]
    # The one use case asked for (its slug), or "" for every use case.
    use_case_slug: str = ""
