"""The charts page: verdicts per principle and use case, and the round's progress."""

from dataclasses import dataclass

from django.core.paginator import Page, Paginator

from bold_portal.pagination import KnownCount
from matrix.models import MatrixCell
from matrix.selectors.cells import (
    COUNT_KEYS,
    EMPTY_CELL,
    Cell,
    cell_from_row,
    matrix_state,
    round_principles,
    round_version_rows,
)
from matrix.selectors.rounds import RoundSummary, round_summaries
from principles.models import Principle
from reviews.models import ReviewRound

CHART_USE_CASES_PER_PAGE = 20


@dataclass(frozen=True)
class ChartUseCase:
    title: str
    number: int
    cells: tuple[Cell, ...]  # one per principle, in the round's order
    # Reviews changed since these counts were computed (MatrixState.behind_version_ids).
    is_updating: bool = False


@dataclass(frozen=True)
class RoundChartsData:
    principles: tuple[Principle, ...]
    use_cases: tuple[ChartUseCase, ...]
    page: Page
    # The round's progress as a whole, as on the rounds page. Progress by organisation is not an
    # analysts' figure (docs/analysts.md, "Charts"): programme admins have the round's progress page.
    progress: RoundSummary


def round_charts(review_round: ReviewRound, *, page_number) -> RoundChartsData:
    """A page of at most CHART_USE_CASES_PER_PAGE use cases, in matrix order, with their stored
    counts on each principle, each use case marked when its counts are being updated, and the
    round's progress. Eight queries whatever the number of use cases, organisations or reviews: the
    page's use cases are counted with the round's progress, and only theirs are checked for being
    updated."""
    principles = tuple(round_principles(review_round))
    (progress,) = round_summaries([review_round])
    page = Paginator(
        KnownCount(round_version_rows(review_round), progress.use_cases), CHART_USE_CASES_PER_PAGE
    ).get_page(page_number)
    rows = list(page.object_list)
    version_ids = [row["version_id"] for row in rows]
    cells = {
        (row["version_id"], row["principle_id"]): cell_from_row(row)
        for row in MatrixCell.objects.filter(round=review_round, version_id__in=version_ids).values(
            "version_id", "principle_id", "outcome", *COUNT_KEYS
        )
    }
    state = matrix_state(review_round, version_ids=version_ids)
    return RoundChartsData(
        principles=principles,
        use_cases=tuple(
            ChartUseCase(
                title=row["version__title"],
                number=row["version__number"],
                cells=tuple(cells.get((row["version_id"], p.pk), EMPTY_CELL) for p in principles),
                is_updating=state.is_behind(row["version_id"]),
            )
            for row in rows
        ),
        page=page,
        progress=progress,
    )
