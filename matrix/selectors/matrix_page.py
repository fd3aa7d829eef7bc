"""The analysts' matrix page: its filters and their choices, and a page of the round's matrix grouped
by audience, with per-principle totals, flags and declared-interest marks (matrix.disclosure)."""

from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce

from audiences.models import Audience
from matrix import disclosure
from matrix.models import MatrixCell
from matrix.selectors.cells import (
    COUNT_KEYS,
    EMPTY_CELL,
    Cell,
    MatrixState,
    cell_from_row,
    matrix_state,
    round_principles,
)
from matrix.selectors.marks import round_marks
from matrix.wording import fragility_in_words
from principles.models import Principle
from principles.rule import CROSS, TICK
from reviews.models import ReviewRound, RoundVersion

MATRIX_ROWS_PER_PAGE = 200


# The matrix page's outcome filter: the row has a cross, has a cell with not enough reviews, or
# is all ticks (each over every principle, or over one principle when the filter names one).
OUTCOME_CROSS = "cross"
OUTCOME_INSUFFICIENT = "insufficient"
OUTCOME_ALL_TICKS = "all-ticks"
OUTCOME_FILTERS = (OUTCOME_CROSS, OUTCOME_INSUFFICIENT, OUTCOME_ALL_TICKS)


@dataclass(frozen=True)
class MatrixFilters:
    """What the matrix page shows: audience slugs (none: every audience), an outcome filter (one of
    OUTCOME_FILTERS, or "" for any) and the principle it applies to ("" for any principle)."""

    audiences: tuple[str, ...] = ()
    outcome: str = ""
    principle: str = ""


@dataclass(frozen=True)
class AudienceOption:
    slug: str
    name: str


@dataclass(frozen=True)
class MatrixFilterOptions:
    """What the matrix page's filters can choose from: the round's audiences and principles."""

    audiences: tuple[AudienceOption, ...]
    principles: tuple[Principle, ...]


def matrix_filter_options(review_round: ReviewRound) -> MatrixFilterOptions:
    """The audiences with a use case in the round and the round's principles. Two queries."""
    audiences = (
        Audience.objects.filter(use_cases__versions__round_versions__round=review_round)
        .distinct()
        .order_by("display_order", "name")
        .values_list("slug", "name")
    )
    return MatrixFilterOptions(
        audiences=tuple(AudienceOption(slug, name) for slug, name in audiences),
        principles=tuple(round_principles(review_round)),
    )


@dataclass(frozen=True)
class MatrixCellView:
    principle: Principle
    cell: Cell
    # The outcomes one reviewer changing their mind would give (empty: not fragile).
    would_become: frozenset[str] = frozenset()
    # Set when the round's flag rule flags the cell for discussion.
    flag: disclosure.CellFlag | None = None

    @property
    def fragility_in_words(self) -> str:
        return fragility_in_words(self.would_become)


@dataclass(frozen=True)
class MatrixUseCaseRow:
    use_case_slug: str
    number: int
    title: str
    cells: tuple[MatrixCellView, ...]
    # Set when a review from an organisation that declared an interest in the use case counts in
    # these cells and the person may see the mark (matrix.disclosure.interest_marks).
    declared_interest: disclosure.InterestMark | None = None

    @property
    def principles_met(self) -> int:
        return sum(1 for view in self.cells if view.cell.outcome == TICK)


@dataclass(frozen=True)
class MatrixAudienceGroup:
    slug: str
    name: str
    rows: tuple[MatrixUseCaseRow, ...]


@dataclass(frozen=True)
class PrincipleTotal:
    principle: Principle
    use_cases_meeting: int


@dataclass(frozen=True)
class MatrixPage:
    """One page of a round's matrix, as the analysts' matrix page shows it."""

    principles: tuple[Principle, ...]
    groups: tuple[MatrixAudienceGroup, ...]
    # Over every row the filters select, not only this page's.
    principle_totals: tuple[PrincipleTotal, ...]
    page: Page
    state: MatrixState


def _cell_count(principle_ids: list[int], **conditions) -> Coalesce:
    """How many of a round version's stored cells, over these principles, meet the conditions."""
    cells = (
        MatrixCell.objects.filter(
            round_id=OuterRef("round_id"),
            version_id=OuterRef("version_id"),
            principle_id__in=principle_ids,
            **conditions,
        )
        .order_by()
        .values("version_id")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return Coalesce(Subquery(cells), 0)


def _filtered_round_versions(review_round: ReviewRound, principles: tuple[Principle, ...], filters: MatrixFilters):
    """The round's versions that the filters select. A cell not computed yet counts as not enough
    reviews, as everywhere else on the page."""
    rows = RoundVersion.objects.filter(round=review_round)
    if filters.audiences:
        rows = rows.filter(version__use_case__audience__slug__in=filters.audiences)
    if filters.outcome:
        chosen = [p.pk for p in principles if not filters.principle or p.slug == filters.principle]
        if filters.outcome == OUTCOME_CROSS:
            rows = rows.annotate(crosses=_cell_count(chosen, outcome=CROSS)).filter(crosses__gt=0)
        elif filters.outcome == OUTCOME_INSUFFICIENT:
            decided = _cell_count(chosen, outcome__in=(TICK, CROSS))
            rows = rows.annotate(decided=decided).filter(decided__lt=len(chosen))
        elif filters.outcome == OUTCOME_ALL_TICKS:
            rows = rows.annotate(ticks=_cell_count(chosen, outcome=TICK)).filter(ticks=len(chosen))
    return rows


def _cell_view(principle: Principle, cell: Cell, review_round: ReviewRound, flag=None) -> MatrixCellView:
    would_become = cell.would_become(threshold=review_round.threshold, min_reviews=review_round.min_reviews)
    return MatrixCellView(principle=principle, cell=cell, would_become=would_become, flag=flag)


def matrix_page(
    review_round: ReviewRound,
    *,
    options: MatrixFilterOptions,
    filters: MatrixFilters,
    page_number,
    for_admin: bool = False,
) -> MatrixPage:
    """A page of at most MATRIX_ROWS_PER_PAGE use case versions of the round's matrix, grouped by
    audience, with per-principle totals over every selected row, and the flags and declared-interest
    marks the person may see (matrix.disclosure; for_admin: a programme admin). Six queries (count,
    rows, cells, totals and the matrix state's two), whatever the number of use cases; once the
    round has closed three more (the groups of reviewers, the flag audiences' organisations, the
    declared interests), and for a programme admin of an open round one (the declared interests)."""
    principles = options.principles
    principle_ids = [p.pk for p in principles]
    selected = _filtered_round_versions(review_round, principles, filters)
    ordered = selected.order_by(
        "version__use_case__audience__display_order",
        "version__use_case__audience__name",
        "version__use_case__display_order",
        "version__use_case__slug",
        "version__number",
    ).values(
        "version_id",
        "version__number",
        "version__title",
        "version__use_case__slug",
        "version__use_case__audience__slug",
        "version__use_case__audience__name",
    )
    page = Paginator(ordered, MATRIX_ROWS_PER_PAGE).get_page(page_number)
    rows = list(page.object_list)
    cells = {
        (row["version_id"], row["principle_id"]): cell_from_row(row)
        for row in MatrixCell.objects.filter(
            round=review_round, version_id__in=[row["version_id"] for row in rows], principle_id__in=principle_ids
        ).values("version_id", "principle_id", "outcome", *COUNT_KEYS)
    }
    meeting = dict(
        MatrixCell.objects.filter(
            round=review_round,
            outcome=TICK,
            principle_id__in=principle_ids,
            version_id__in=selected.values("version_id"),
        )
        .values("principle_id")
        .annotate(count=Count("pk"))
        .order_by()
        .values_list("principle_id", "count")
    )

    version_ids = [row["version_id"] for row in rows]
    marks = round_marks(review_round, principle_ids=principle_ids, version_ids=version_ids, for_admin=for_admin)
    groups: list[MatrixAudienceGroup] = []
    for row in rows:
        use_case_row = MatrixUseCaseRow(
            use_case_slug=row["version__use_case__slug"],
            number=row["version__number"],
            title=row["version__title"],
            cells=tuple(
                _cell_view(p, cells.get(key, EMPTY_CELL), review_round, marks.flag(*key))
                for p in principles
                for key in [(row["version_id"], p.pk)]
            ),
            declared_interest=marks.interest(row["version_id"]),
        )
        slug = row["version__use_case__audience__slug"]
        if groups and groups[-1].slug == slug:
            groups[-1] = MatrixAudienceGroup(slug, groups[-1].name, (*groups[-1].rows, use_case_row))
        else:
            groups.append(MatrixAudienceGroup(slug, row["version__use_case__audience__name"], (use_case_row,)))
    return MatrixPage(
        principles=principles,
        groups=tuple(groups),
        principle_totals=tuple(PrincipleTotal(p, meeting.get(p.pk, 0)) for p in principles),
        page=page,
        state=matrix_state(review_round),
    )
