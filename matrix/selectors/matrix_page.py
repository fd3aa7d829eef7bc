"""The analysts' matrix page: its filters, sorts and keyword search and their choices, and a page of
the round's matrix grouped by audience (or in the order of a sort), with per-principle totals, flags
and declared-interest marks (matrix.disclosure)."""

from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db import connections
from django.db.models import Count, IntegerField, OuterRef, Q, Subquery, Value
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
from principles.rule import CROSS, INSUFFICIENT, TICK, flip_margin
from reviews.models import ReviewRound, RoundVersion

# A page of the matrix page and of the API's round matrix: small enough to stay under 200 kB of HTML
# and to cost about the same whatever the size of the round (docs/performance.md).
MATRIX_ROWS_PER_PAGE = 50


# The matrix page's outcome filter: the row has a cross, has a cell with not enough reviews, or
# is all ticks (each over every principle, or over one principle when the filter names one).
OUTCOME_CROSS = "cross"
OUTCOME_INSUFFICIENT = "insufficient"
OUTCOME_ALL_TICKS = "all-ticks"
OUTCOME_FILTERS = (OUTCOME_CROSS, OUTCOME_INSUFFICIENT, OUTCOME_ALL_TICKS)

# The marks a row can be filtered by (a row with any of those chosen is kept).
MARK_FRAGILE = "fragile"
MARK_FLAGGED = "flagged"
MARK_DECLARED_INTEREST = "declared-interest"
MARK_FILTERS = (MARK_FRAGILE, MARK_FLAGGED, MARK_DECLARED_INTEREST)

# The sorts: by principles met, by the number of "does not meet" verdicts, by margin (the fewest
# verdicts that would have to change to flip one of the row's cells), or by one principle's cell
# (PRINCIPLE_SORT_PREFIX + its slug). "" is the report's order: by audience, then use case.
SORT_MET = "met"
SORT_DOES_NOT_MEET = "does-not-meet"
SORT_MARGIN = "margin"
PRINCIPLE_SORT_PREFIX = "principle-"
DIRECTION_ASCENDING = "asc"
DIRECTION_DESCENDING = "desc"

# Words searched for at most, and the longest search, in characters.
SEARCH_MAX_WORDS = 10
SEARCH_MAX_LENGTH = 200
SEARCHED_FIELDS = ("title", "impact_statement", "research_questions", "will_do", "wont_do")

# A principle's cells in sort order, lowest first: does not meet, not enough reviews, meets.
_OUTCOME_RANK = {CROSS: 0, INSUFFICIENT: 1, TICK: 2}
# A cell no change of verdicts can flip sorts as the largest margin.
_NO_MARGIN = 10**6


@dataclass(frozen=True)
class MatrixFilters:
    """What the matrix page shows: audience slugs (none: every audience), an outcome filter (one of
    OUTCOME_FILTERS, or "" for any) and the principle it and the mark filters apply to ("" for any
    principle), marks (of MARK_FILTERS: keep rows with any of them), words to search for in the
    use case's text, and a sort with its direction."""

    audiences: tuple[str, ...] = ()
    outcome: str = ""
    principle: str = ""
    marks: tuple[str, ...] = ()
    search: str = ""
    sort: str = ""
    direction: str = DIRECTION_ASCENDING

    @property
    def is_sorted(self) -> bool:
        return bool(self.sort)

    @property
    def is_ranked(self) -> bool:
        """The rows are chosen or ordered by what is worked out in Python (marks, margins), so the
        whole selection is read before a page of it is cut."""
        return bool(self.marks or self.sort)

    def as_query(self) -> list[tuple[str, str]]:
        """The filters as a URL's query (without defaults), to link back to the same view."""
        query = [("audience", slug) for slug in self.audiences]
        query += [(name, value) for name, value in (("outcome", self.outcome), ("principle", self.principle)) if value]
        query += [("mark", mark) for mark in self.marks]
        if self.search:
            query.append(("search", self.search))
        if self.sort:
            query.append(("sort", self.sort))
            if self.direction != DIRECTION_ASCENDING:
                query.append(("direction", self.direction))
        return query


@dataclass(frozen=True)
class AudienceOption:
    slug: str
    name: str
    pk: int


@dataclass(frozen=True)
class MatrixFilterOptions:
    """What the matrix page's filters can choose from: the round's audiences and principles."""

    audiences: tuple[AudienceOption, ...]
    principles: tuple[Principle, ...]


def matrix_filter_options(review_round: ReviewRound) -> MatrixFilterOptions:
    """The audiences with a use case in the round, in the report's order, and the round's
    principles. Two queries."""
    # One use case of the audience in the round is enough: a first row (LIMIT 1) per audience stops
    # there, where a join or EXISTS is planned as a join over every version of the round.
    first_in_round = RoundVersion.objects.filter(
        round=review_round, version__use_case__audience_id=OuterRef("pk")
    ).values("pk")[:1]
    audiences = (
        Audience.objects.annotate(in_round=Subquery(first_in_round))
        .filter(in_round__isnull=False)
        .order_by("display_order", "name")
        .values_list("slug", "name", "pk")
    )
    return MatrixFilterOptions(
        audiences=tuple(AudienceOption(slug, name, pk) for slug, name, pk in audiences),
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
    # The fewest verdicts that would have to change to flip the cell (None: no change can).
    margin: int | None = None

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
    audience_slug: str = ""
    audience_name: str = ""
    # Reviews of the version changed since its cells were computed (MatrixState.behind_version_ids):
    # its stored outcomes are not current, so the page says the row is being updated instead.
    is_updating: bool = False

    @property
    def principles_met(self) -> int:
        return sum(1 for view in self.cells if view.cell.outcome == TICK)

    @property
    def does_not_meet(self) -> int:
        """The "does not meet" verdicts over the row's cells."""
        return sum(view.cell.does_not_meet for view in self.cells)

    @property
    def margin(self) -> int | None:
        """The smallest margin of the row's cells (None: no change of verdicts flips any)."""
        return min((view.margin for view in self.cells if view.margin is not None), default=None)


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
    # Empty when the page was read without them (matrix_page, with_totals).
    principle_totals: tuple[PrincipleTotal, ...]
    page: Page
    state: MatrixState
    # Rows in the order of a sort, as one group naming no audience (each row names its own).
    is_sorted: bool = False


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
    for word in filters.search.split()[:SEARCH_MAX_WORDS]:
        # Every word, each in any of the use case's texts; through the version, a single row.
        found = Q()
        for name in SEARCHED_FIELDS:
            found |= Q(**{f"version__{name}__icontains": word})
        rows = rows.filter(found)
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
    rule = {"threshold": review_round.threshold, "min_reviews": review_round.min_reviews}
    margin = flip_margin(meets=cell.meets, does_not_meet=cell.does_not_meet, not_sure=cell.not_sure, **rule)
    return MatrixCellView(
        principle=principle, cell=cell, would_become=cell.would_become(**rule), flag=flag, margin=margin
    )


def _has_marks(row: MatrixUseCaseRow, filters: MatrixFilters) -> bool:
    """Whether the row has any of the marks the filters ask for (on the filters' principle, if any)."""
    views = [view for view in row.cells if not filters.principle or view.principle.slug == filters.principle]
    return (
        (MARK_FRAGILE in filters.marks and any(view.would_become for view in views))
        or (MARK_FLAGGED in filters.marks and any(view.flag for view in views))
        or (MARK_DECLARED_INTEREST in filters.marks and row.declared_interest is not None)
    )


def _sort_key(sort: str):
    """The key of a sort (lowest first), or None for a sort this page does not know."""
    if sort == SORT_MET:
        return lambda row: row.principles_met
    if sort == SORT_DOES_NOT_MEET:
        return lambda row: row.does_not_meet
    if sort == SORT_MARGIN:
        return lambda row: _NO_MARGIN if row.margin is None else row.margin
    if sort.startswith(PRINCIPLE_SORT_PREFIX):
        slug = sort.removeprefix(PRINCIPLE_SORT_PREFIX)

        def principle_key(row):
            view = next((view for view in row.cells if view.principle.slug == slug), None)
            if view is None:
                return (0, 0)
            return (_OUTCOME_RANK[view.cell.outcome], view.cell.meets - view.cell.does_not_meet)

        return principle_key
    return None


def _use_case_rows(
    review_round: ReviewRound,
    principles,
    rows: list[dict],
    *,
    for_admin: bool,
    whole_round: bool = False,
    state: MatrixState | None = None,
) -> list[MatrixUseCaseRow]:
    """The rows of these round versions (values of ROW_FIELDS) with their cells, flags and marks,
    each marked as being updated when the state says its version is behind.
    Three queries at most (cells, the groups of reviewers, the declared interests), and one more
    once the round has closed (the flag audiences' organisations). whole_round: rows holds the
    selection of the whole round, so the groups and marks are read for the round, not by id."""
    principle_ids = [p.pk for p in principles]
    version_ids = [row["version_id"] for row in rows]
    cells_of = MatrixCell.objects.filter(round=review_round, principle_id__in=principle_ids)
    if not whole_round:
        cells_of = cells_of.filter(version_id__in=version_ids)
    cells = {
        (row["version_id"], row["principle_id"]): cell_from_row(row)
        for row in cells_of.values("version_id", "principle_id", "outcome", "carried", *COUNT_KEYS)
    }
    marks = round_marks(
        review_round, principle_ids=principle_ids, version_ids=None if whole_round else version_ids, for_admin=for_admin
    )
    return [
        MatrixUseCaseRow(
            use_case_slug=row["version__use_case__slug"],
            number=row["version__number"],
            title=row["version__title"],
            cells=tuple(
                _cell_view(p, cells.get(key, EMPTY_CELL), review_round, marks.flag(*key))
                for p in principles
                for key in [(row["version_id"], p.pk)]
            ),
            declared_interest=marks.interest(row["version_id"]),
            audience_slug=row["version__use_case__audience__slug"],
            audience_name=row["version__use_case__audience__name"],
            is_updating=state is not None and state.is_behind(row["version_id"]),
        )
        for row in rows
    ]


# The fields a row of the page shows.
ROW_FIELDS = (
    "version_id",
    "version__number",
    "version__title",
    "version__use_case__slug",
    "version__use_case__audience__slug",
    "version__use_case__audience__name",
)


# The report's order within an audience.
_USE_CASE_ORDER = ("version__use_case__display_order", "version__use_case__slug", "version__number")


def _in_report_order(selected):
    """The selected round versions in the report's order, with the fields a row shows."""
    return selected.order_by(
        "version__use_case__audience__display_order", "version__use_case__audience__name", *_USE_CASE_ORDER
    ).values(*ROW_FIELDS)


# Pages whose rows lie within this many of the first are read audience by audience along the
# use cases' order index; deeper pages sort the whole selection, as reading that far per audience
# would cost more.
WALKED_ROWS_AT_MOST = 1000


class _RowsInReportOrder:
    """The selected rows in the report's order, as a Paginator reads them: counted without the
    joins the order needs, and a page read without sorting the whole selection. Each audience's
    rows come in order from the index on (audience, display order, slug) of its use cases, so a
    page near the start costs the same whatever the size of the round (docs/performance.md)."""

    def __init__(self, selected, audience_ids: list[int]):
        self.selected = selected
        # In the report's order (matrix_filter_options): the audiences with a row in the round.
        self.audience_ids = audience_ids

    def count(self) -> int:
        return self.selected.count()

    def __getitem__(self, rows: slice) -> list[dict]:
        start, stop = rows.start or 0, rows.stop
        if stop <= start:  # the one page of an empty selection
            return []
        # SQLite (the embedded default) cannot limit the parts of a UNION: it sorts the selection.
        can_walk = connections[self.selected.db].features.supports_slicing_ordering_in_compound
        if stop > WALKED_ROWS_AT_MOST or not self.audience_ids or not can_walk:
            return list(_in_report_order(self.selected)[start:stop])
        by_audience = [
            self.selected.filter(version__use_case__audience_id=audience_id)
            .annotate(audience_rank=Value(rank, output_field=IntegerField()))
            .order_by(*_USE_CASE_ORDER)
            .values(*ROW_FIELDS, "version__use_case__display_order", "audience_rank")
            for rank, audience_id in enumerate(self.audience_ids)
        ]
        if len(by_audience) == 1:
            return list(by_audience[0][start:stop])
        # The first `stop` rows of each audience, then the page of them all in the report's order.
        parts = [rows_of_audience[:stop] for rows_of_audience in by_audience]
        ordered = parts[0].union(*parts[1:], all=True).order_by("audience_rank", *_USE_CASE_ORDER)
        return list(ordered[start:stop])


def _ranked_rows(review_round, principles, ordered, filters: MatrixFilters, *, for_admin: bool, state=None):
    """Every selected row, kept by the mark filters and in the sort's order."""
    kept = _use_case_rows(review_round, principles, list(ordered), for_admin=for_admin, whole_round=True, state=state)
    if filters.marks:
        kept = [row for row in kept if _has_marks(row, filters)]
    if key := _sort_key(filters.sort):
        # A stable sort: rows that tie keep the report's order, in either direction.
        kept.sort(key=key, reverse=filters.direction == DIRECTION_DESCENDING)
    return kept


def matrix_view_version_ids(
    review_round: ReviewRound, *, options: MatrixFilterOptions, filters: MatrixFilters, for_admin: bool = False
) -> list[int]:
    """The ids of the versions the matrix page shows with these filters, on every page, in the
    page's order (for an export of "these use cases"). One query; filtered by marks or sorted,
    the page's three more at most (cells, and the marks: matrix.disclosure, as for the page),
    whatever the number of use cases."""
    ordered = _in_report_order(_filtered_round_versions(review_round, options.principles, filters))
    if filters.is_ranked:
        # Rows carry no version id: match them back by (use case, version number), one per row.
        rows = list(ordered)
        ids = {(row["version__use_case__slug"], row["version__number"]): row["version_id"] for row in rows}
        kept = _ranked_rows(review_round, options.principles, rows, filters, for_admin=for_admin)
        return [ids[(row.use_case_slug, row.number)] for row in kept]
    return [row["version_id"] for row in ordered]


def matrix_page(
    review_round: ReviewRound,
    *,
    options: MatrixFilterOptions,
    filters: MatrixFilters,
    page_number,
    for_admin: bool = False,
    with_totals: bool = True,
) -> MatrixPage:
    """A page of at most MATRIX_ROWS_PER_PAGE use case versions of the round's matrix, grouped by
    audience (or, sorted, in the sort's order), with per-principle totals over every selected row,
    and the flags and declared-interest marks the person may see (matrix.disclosure; for_admin: a
    programme admin). Six queries (count, rows, cells, totals and the matrix state's two), whatever
    the number of use cases; once the round has closed three more (the groups of reviewers, the
    flag audiences' organisations, the declared interests), and for a programme admin of an open
    round one (the declared interests). Sorted or filtered by marks, the whole selection is read
    (rows and cells, no count or totals query: four queries, and the same three or one more) and
    the page is cut from it in Python. Without with_totals (the API, which does not show them) no
    totals are counted: one query fewer, and principle_totals is empty."""
    principles = options.principles
    principle_ids = [p.pk for p in principles]
    state = matrix_state(review_round)
    selected = _filtered_round_versions(review_round, principles, filters)
    if filters.is_ranked:
        ordered = _in_report_order(selected)
        kept = _ranked_rows(review_round, principles, ordered, filters, for_admin=for_admin, state=state)
        page = Paginator(kept, MATRIX_ROWS_PER_PAGE).get_page(page_number)
        use_case_rows = list(page.object_list)
        meeting = {
            p.pk: sum(1 for row in kept if row.cells[index].cell.outcome == TICK) for index, p in enumerate(principles)
        }
    else:
        audience_ids = [a.pk for a in options.audiences if not filters.audiences or a.slug in filters.audiences]
        page = Paginator(_RowsInReportOrder(selected, audience_ids), MATRIX_ROWS_PER_PAGE).get_page(page_number)
        use_case_rows = _use_case_rows(
            review_round, principles, list(page.object_list), for_admin=for_admin, state=state
        )
        meeting = {}
        if with_totals:
            # Unfiltered, every tick is of a version in the round: a tick needs a verdict, and a
            # version with reviews cannot leave its round (reviews.services.rounds). So the count
            # reads the cells' index alone, without matching them to the round's versions.
            ticks = MatrixCell.objects.filter(round=review_round, outcome=TICK, principle_id__in=principle_ids)
            if filters != MatrixFilters():
                ticks = ticks.filter(version_id__in=selected.values("version_id"))
            meeting = dict(
                ticks.values("principle_id").annotate(count=Count("*")).order_by().values_list("principle_id", "count")
            )

    groups: list[MatrixAudienceGroup] = []
    if filters.is_sorted:
        groups = [MatrixAudienceGroup("", "", tuple(use_case_rows))] if use_case_rows else []
    for row in [] if filters.is_sorted else use_case_rows:
        if groups and groups[-1].slug == row.audience_slug:
            groups[-1] = MatrixAudienceGroup(row.audience_slug, groups[-1].name, (*groups[-1].rows, row))
        else:
            groups.append(MatrixAudienceGroup(row.audience_slug, row.audience_name, (row,)))
    return MatrixPage(
        principles=principles,
        groups=tuple(groups),
        principle_totals=tuple(PrincipleTotal(p, meeting.get(p.pk, 0)) for p in principles) if with_totals else (),
        page=page,
        state=state,
        is_sorted=filters.is_sorted,
    )
