"""The stored matrix cells and the round's matrix state, which every page, export and task
reads: a cell's counts and outcome, one version's or the whole round's cells, the round's
principles and versions in matrix order, and which rounds are behind their reviews or rule. They
read the stored rows; none recomputes anything or decodes more than the page or export shows."""

import datetime
from collections.abc import Collection
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Exists, F, OuterRef, Q

from matrix.models import Matrix, MatrixCell, MatrixRow
from principles.models import Principle
from principles.rule import INSUFFICIENT, OUTCOMES, one_change_outcomes
from reviews.models import ReviewRound, RoundVersion

# A cell's counts, in the export shape's key order (docs/commands.md).
COUNT_KEYS = ("meets", "does_not_meet", "not_sure")


@dataclass(frozen=True)
class Cell:
    outcome: str
    meets: int
    does_not_meet: int
    not_sure: int
    # How many of the counted verdicts were carried forward from an earlier version's review.
    carried: int = 0

    @property
    def total(self) -> int:
        return self.meets + self.does_not_meet + self.not_sure

    def as_dict(self) -> dict:
        return {
            "outcome": self.outcome,
            "meets": self.meets,
            "does_not_meet": self.does_not_meet,
            "not_sure": self.not_sure,
        }

    def would_become(self, *, threshold: Decimal, min_reviews: int) -> frozenset[str]:
        """The outcomes one reviewer changing their mind would give the cell (none: not fragile)."""
        return one_change_outcomes(
            meets=self.meets,
            does_not_meet=self.does_not_meet,
            not_sure=self.not_sure,
            threshold=threshold,
            min_reviews=min_reviews,
        )

    def fragility_dict(self, *, threshold: Decimal, min_reviews: int) -> dict:
        would_become = self.would_become(threshold=threshold, min_reviews=min_reviews)
        return {"fragile": bool(would_become), "would_become": [o for o in OUTCOMES if o in would_become]}


# A cell of a version nobody has computed yet: no reviews counted.
EMPTY_CELL = Cell(outcome=INSUFFICIENT, meets=0, does_not_meet=0, not_sure=0)


def _current_row() -> Exists:
    """A matrix row computed from the version's newest change."""
    return Exists(
        MatrixRow.objects.filter(
            round_id=OuterRef("round_id"), version_id=OuterRef("version_id"), change_count__gte=OuterRef("change_count")
        )
    )


def _computed_under_current_rule() -> Exists:
    """The round's matrix header says its cells follow the round's current rule."""
    return Exists(Matrix.objects.filter(round_id=OuterRef("pk"), rule_version__gte=OuterRef("rule_version")))


def stale_round_ids() -> list[int]:
    """Rounds with versions whose matrix is missing, computed under an older rule, or has a row
    older than its version's newest change."""
    behind_rows = RoundVersion.objects.filter(~_current_row()).values_list("round_id", flat=True).distinct()
    behind_rule = (
        ReviewRound.objects.filter(Exists(RoundVersion.objects.filter(round_id=OuterRef("pk"))))
        .filter(~_computed_under_current_rule())
        .values_list("pk", flat=True)
    )
    return sorted(set(behind_rows) | set(behind_rule))


def agreement_behind_round_ids() -> list[int]:
    """Rounds whose agreement figures were measured from older cells than their matrix holds, or
    never, though the matrix has been computed."""
    behind = Q(agreement_generation__isnull=True) | Q(agreement_generation__lt=F("generation"))
    return list(Matrix.objects.filter(behind).order_by("round_id").values_list("round_id", flat=True))


@dataclass(frozen=True)
class MatrixState:
    computed_at: datetime.datetime | None
    is_updating: bool
    # The round's agreement figures were measured from older cells than the matrix holds, or never.
    agreement_behind: bool
    # The versions whose stored cells are older than their reviews or the round's rule: every page
    # that shows an outcome marks theirs as being updated, not as current.
    behind_version_ids: frozenset[int] = frozenset()

    def is_behind(self, version_id: int) -> bool:
        return version_id in self.behind_version_ids


def matrix_state(review_round: ReviewRound, *, version_ids: Collection[int] | None = None) -> MatrixState:
    """When the round's matrix was last written, which versions (of these versions, if given) had
    reviews change since, or the round's rule: a recompute is on its way for them; and whether its
    agreement figures are behind its cells. Two queries, whatever the number of versions; a page
    that shows a few versions names them, so that the second reads those alone."""
    header = (
        Matrix.objects.filter(round=review_round)
        .values("computed_at", "rule_version", "generation", "agreement_generation")
        .first()
    )
    if header is None or header["rule_version"] < review_round.rule_version:
        behind = RoundVersion.objects.filter(round=review_round)
    else:
        behind = RoundVersion.objects.filter(round=review_round).filter(~_current_row())
    if version_ids is not None:
        behind = behind.filter(version_id__in=version_ids)
    behind_version_ids = frozenset(behind.values_list("version_id", flat=True))
    return MatrixState(
        computed_at=header and header["computed_at"],
        is_updating=bool(behind_version_ids),
        behind_version_ids=behind_version_ids,
        agreement_behind=header is not None and header["agreement_generation"] != header["generation"],
    )


def cell_from_row(row: dict) -> Cell:
    return Cell(
        outcome=row["outcome"],
        meets=row["meets"],
        does_not_meet=row["does_not_meet"],
        not_sure=row["not_sure"],
        carried=row.get("carried", 0),
    )


def version_cells(*, round_id: int, version_id: int) -> dict[int, Cell]:
    """One version's cells in a round, by principle id: one indexed query, whatever the round's size."""
    rows = MatrixCell.objects.filter(round_id=round_id, version_id=version_id).values(
        "principle_id", "outcome", "carried", *COUNT_KEYS
    )
    return {row["principle_id"]: cell_from_row(row) for row in rows}


def round_principles(review_round: ReviewRound) -> list[Principle]:
    return list(review_round.principles.order_by("order", "name"))


def round_version_rows(review_round: ReviewRound):
    """The round's versions in matrix order (audience display order, then use-case order, then
    version number: two versions of one use case in a round come in order), with only the fields
    a matrix shows."""
    return (
        RoundVersion.objects.filter(round=review_round)
        .order_by(
            "version__use_case__audience__display_order",
            "version__use_case__audience__name",
            "version__use_case__display_order",
            "version__use_case__slug",
            "version__number",
        )
        .values(
            "version_id",
            "version__number",
            "version__title",
            "version__use_case__slug",
            "version__use_case__audience__slug",
            "version__use_case__audience__name",
        )
    )


def round_cells(review_round: ReviewRound) -> dict[tuple[int, int], Cell]:
    """Every cell of the round, by (version id, principle id). Read as tuples, and equal cells
    shared (a round of thousands of use cases has a few hundred distinct cells at most), so that a
    round's matrix costs little more memory than its keys."""
    rows = MatrixCell.objects.filter(round=review_round).values_list(
        "version_id", "principle_id", "outcome", "carried", *COUNT_KEYS
    )
    shared: dict[tuple, Cell] = {}
    cells: dict[tuple[int, int], Cell] = {}
    for version_id, principle_id, *values in rows.iterator(chunk_size=5000):
        key = tuple(values)
        cell = shared.get(key)
        if cell is None:
            outcome, carried, meets, does_not_meet, not_sure = key
            cell = shared[key] = Cell(
                outcome=outcome, meets=meets, does_not_meet=does_not_meet, not_sure=not_sure, carried=carried
            )
        cells[(version_id, principle_id)] = cell
    return cells
