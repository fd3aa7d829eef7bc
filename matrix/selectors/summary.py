"""The reviewer's summary of one use case version: its stored cells in the round."""

import datetime
from dataclasses import dataclass

from matrix.selectors.cells import Cell, matrix_state, version_cells
from reviews.models import ReviewRound


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
    state = matrix_state(review_round, version_ids=[version_id])
    return VersionSummary(computed_at=state.computed_at, is_stale=state.is_updating, cells=cells)
