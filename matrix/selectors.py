"""Read queries for the principle matrix, shared by pages, exports and the tasks. They read the
stored rows; none recomputes anything or decodes more than the page or export shows."""

import datetime
from dataclasses import dataclass

from django.db.models import Exists, Min, OuterRef

from matrix.models import Matrix, MatrixCell, MatrixRow
from principles.models import Principle
from principles.rule import INSUFFICIENT
from reviews.models import Review, ReviewRound, RoundVersion

# The export shape's key order (docs/commands.md): later fields only ever go at the end.
MATRIX_KEYS = ("round", "name", "computed_at", "threshold", "min_reviews", "principles", "rows")
ROW_KEYS = ("audience", "use_case", "title", "version", "cells")
COUNT_KEYS = ("meets", "does_not_meet", "not_sure")


@dataclass(frozen=True)
class Cell:
    outcome: str
    meets: int
    does_not_meet: int
    not_sure: int

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


# A cell of a version nobody has computed yet: no reviews counted.
EMPTY_CELL = Cell(outcome=INSUFFICIENT, meets=0, does_not_meet=0, not_sure=0)


def _current_row(round_version_ref: str = "") -> Exists:
    """A matrix row computed from the version's newest change under the round's current rule."""
    return Exists(
        MatrixRow.objects.filter(
            round_id=OuterRef(f"{round_version_ref}round_id"),
            version_id=OuterRef(f"{round_version_ref}version_id"),
            change_count__gte=OuterRef(f"{round_version_ref}change_count"),
            rule_version__gte=OuterRef(f"{round_version_ref}round__rule_version"),
        )
    )


def stale_round_ids() -> list[int]:
    """Rounds with a version whose matrix row is missing or older than its newest change or rule."""
    return list(
        RoundVersion.objects.filter(~_current_row()).values_list("round_id", flat=True).distinct().order_by("round_id")
    )


@dataclass(frozen=True)
class MatrixState:
    computed_at: datetime.datetime | None
    is_updating: bool


def matrix_state(review_round: ReviewRound, *, version_id: int | None = None) -> MatrixState:
    """When the round's matrix was last written, and whether reviews (of one version, if given)
    changed since: then a recompute is on its way. Two queries."""
    computed_at = Matrix.objects.filter(round=review_round).values_list("computed_at", flat=True).first()
    behind = RoundVersion.objects.filter(round=review_round).filter(~_current_row())
    if version_id is not None:
        behind = behind.filter(version_id=version_id)
    return MatrixState(computed_at=computed_at, is_updating=behind.exists())


def _cell(row: dict) -> Cell:
    return Cell(
        outcome=row["outcome"], meets=row["meets"], does_not_meet=row["does_not_meet"], not_sure=row["not_sure"]
    )


def version_cells(*, round_id: int, version_id: int) -> dict[int, Cell]:
    """One version's cells in a round, by principle id: one indexed query, whatever the round's size."""
    rows = MatrixCell.objects.filter(round_id=round_id, version_id=version_id).values(
        "principle_id", "outcome", *COUNT_KEYS
    )
    return {row["principle_id"]: _cell(row) for row in rows}


def round_principles(review_round: ReviewRound) -> list[Principle]:
    return list(review_round.principles.order_by("order", "name"))


def round_version_rows(review_round: ReviewRound):
    """The round's versions in matrix order (audience display order, then use-case order), with
    only the fields a matrix shows."""
    return (
        RoundVersion.objects.filter(round=review_round)
        .order_by(
            "version__use_case__audience__display_order",
            "version__use_case__audience__name",
            "version__use_case__display_order",
            "version__use_case__slug",
        )
        .values(
            "version_id",
            "version__number",
            "version__title",
            "version__use_case__slug",
            "version__use_case__audience__slug",
        )
    )


def round_cells(review_round: ReviewRound) -> dict[tuple[int, int], Cell]:
    """Every cell of the round, by (version id, principle id)."""
    rows = MatrixCell.objects.filter(round=review_round).values("version_id", "principle_id", "outcome", *COUNT_KEYS)
    return {(row["version_id"], row["principle_id"]): _cell(row) for row in rows.iterator(chunk_size=5000)}


def matrix_document(review_round: ReviewRound) -> dict:
    """The round's matrix in the export shape (docs/commands.md), from the stored rows.
    Four queries (principles, cells, header, versions), whatever the number of use cases."""
    principles = round_principles(review_round)
    cells = round_cells(review_round)
    computed_at = Matrix.objects.filter(round=review_round).values_list("computed_at", flat=True).first()
    rows = [
        {
            "audience": row["version__use_case__audience__slug"],
            "use_case": row["version__use_case__slug"],
            "title": row["version__title"],
            "version": row["version__number"],
            "cells": {p.slug: cells.get((row["version_id"], p.pk), EMPTY_CELL).as_dict() for p in principles},
        }
        for row in round_version_rows(review_round)
    ]
    return {
        "round": review_round.slug,
        "name": review_round.name,
        "computed_at": computed_at.isoformat() if computed_at else None,
        "threshold": float(review_round.threshold),
        "min_reviews": review_round.min_reviews,
        "principles": [p.slug for p in principles],
        "rows": rows,
    }


def matrix_table(document: dict) -> tuple[list[str], list[list]]:
    """A matrix document as a flat table for the CSV export: one row per use case; per principle
    its outcome column (named by the principle's slug) and its three counts."""
    principles = document["principles"]
    header = list(ROW_KEYS[:-1])
    for slug in principles:
        header += [slug, *(f"{slug}_{key}" for key in COUNT_KEYS)]
    rows = []
    for row in document["rows"]:
        values = [row[key] for key in ROW_KEYS[:-1]]
        for slug in principles:
            cell = row["cells"][slug]
            values += [cell["outcome"], *(cell[key] for key in COUNT_KEYS)]
        rows.append(values)
    return header, rows


@dataclass(frozen=True)
class VersionSummary:
    """One version's cells in a round, for the reviewer's summary page."""

    computed_at: datetime.datetime | None
    is_stale: bool
    cells: dict[int, Cell]


def version_summary(*, review_round: ReviewRound, version_id: int) -> VersionSummary | None:
    """The version's stored cells; None until they are first computed. Three small queries,
    whatever the round's size: the matrix is never computed while a page waits."""
    cells = version_cells(round_id=review_round.pk, version_id=version_id)
    if not cells:
        return None
    state = matrix_state(review_round, version_id=version_id)
    return VersionSummary(computed_at=state.computed_at, is_stale=state.is_updating, cells=cells)


def round_reviewer_pseudonyms(review_round: ReviewRound) -> dict[int, int]:
    """Analysts' pseudonyms for the round's reviewers, by user id: Reviewer 1, 2, ... in the order
    of each reviewer's first review in the round (its id), counting every review, so a number is
    stable across the round's pages and exports, never shared by two people, and does not shift
    when someone withdraws. (Reviewers' own summary pages number per use case instead.) One query."""
    first_reviews = (
        Review.objects.filter(round=review_round)
        .values("reviewer_id")
        .annotate(first=Min("pk"))
        .order_by("first")
        .values_list("reviewer_id", flat=True)
    )
    return {reviewer_id: number for number, reviewer_id in enumerate(first_reviews, start=1)}
