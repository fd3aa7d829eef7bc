"""Read queries for the principle matrix, shared by pages, exports and the tasks. They read the
stored rows; none recomputes anything or decodes more than the page or export shows."""

import datetime
import hashlib
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import CharField, Count, Exists, F, OuterRef, Q, Subquery, Value
from django.db.models.functions import Cast, Coalesce, Concat
from django.utils import timezone

from audiences.models import Audience
from bold_portal.roles import is_analyst
from matrix import disclosure
from matrix.models import ApiToken, Matrix, MatrixAgreement, MatrixCell, MatrixRow
from matrix.wording import (
    agreement_in_words,
    cell_rule_in_words,
    fragility_in_words,
    outcome_change_in_words,
)
from principles.models import Principle
from principles.rule import CROSS, INSUFFICIENT, OUTCOMES, TICK, cell_outcome, one_change_outcomes
from reviews.models import Assignment, Review, ReviewRound, RoundVersion, Verdict
from reviews.selectors.requests import declined
from reviews.selectors.reviews import review_pseudonyms

# The export shape's key order (docs/commands.md): later fields only ever go at the end.
MATRIX_KEYS = ("round", "name", "computed_at", "threshold", "min_reviews", "principles", "rows", "agreement")
ROW_KEYS = ("audience", "use_case", "title", "version", "cells")
COUNT_KEYS = ("meets", "does_not_meet", "not_sure")
# Added after the counts (a cell's keys, and per principle at the end of the CSV's columns).
FRAGILITY_KEYS = ("fragile", "would_become")


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


def matrix_state(review_round: ReviewRound, *, version_id: int | None = None) -> MatrixState:
    """When the round's matrix was last written, and whether reviews (of one version, if given)
    changed since: then a recompute is on its way; and whether its agreement figures are behind
    its cells. Two queries."""
    header = (
        Matrix.objects.filter(round=review_round)
        .values("computed_at", "rule_version", "generation", "agreement_generation")
        .first()
    )
    if header is None or header["rule_version"] < review_round.rule_version:
        behind = RoundVersion.objects.filter(round=review_round)
    else:
        behind = RoundVersion.objects.filter(round=review_round).filter(~_current_row())
    if version_id is not None:
        behind = behind.filter(version_id=version_id)
    return MatrixState(
        computed_at=header and header["computed_at"],
        is_updating=behind.exists(),
        agreement_behind=header is not None and header["agreement_generation"] != header["generation"],
    )


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
    """Every cell of the round, by (version id, principle id)."""
    rows = MatrixCell.objects.filter(round=review_round).values("version_id", "principle_id", "outcome", *COUNT_KEYS)
    return {(row["version_id"], row["principle_id"]): _cell(row) for row in rows.iterator(chunk_size=5000)}


def _document_cell(cell: Cell, rule: dict) -> dict:
    return {**cell.as_dict(), **cell.fragility_dict(**rule)}


def matrix_document(review_round: ReviewRound) -> dict:
    """The round's matrix in the export shape (docs/commands.md), from the stored rows. Exports
    are shared files, so their declared-interest marks and flags follow the analysts' rule
    (matrix.disclosure): null until the round has closed. Six queries whatever the number of use
    cases (principles, cells, the matrix state's two, versions, agreement), and once the round has
    closed three more (the groups of reviewers, the flag audiences' organisations and the declared interests)."""
    principles = round_principles(review_round)
    cells = round_cells(review_round)
    state = matrix_state(review_round)
    computed_at = state.computed_at
    rule = {"threshold": review_round.threshold, "min_reviews": review_round.min_reviews}
    groups = disclosure.round_groups(review_round)
    marked = disclosure.interest_marks(review_round, groups, for_admin=False)
    flags = disclosure.round_flags(review_round, groups, [p.pk for p in principles])
    rows = [
        {
            "audience": row["version__use_case__audience__slug"],
            "use_case": row["version__use_case__slug"],
            "title": row["version__title"],
            "version": row["version__number"],
            "cells": {
                p.slug: _document_cell(cells.get((row["version_id"], p.pk), EMPTY_CELL), rule) for p in principles
            },
            # Added last: whether a review from an organisation that declared an interest counts here.
            # Exports are shared files, so they never name the organisation.
            "declared_interest": (row["version_id"] in marked) if groups.published else None,
            # Added last: the principles (slugs) whose cell the round's flag rule flags for
            # discussion. Like declared interests, exports never name the audience.
            "flagged": [p.slug for p in principles if (row["version_id"], p.pk) in flags] if groups.published else None,
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
        "agreement": agreement_document(round_agreement(review_round, state=state)),
    }


def agreement_document(agreement: "RoundAgreement") -> dict:
    """The round's agreement in the export shape: when it was last measured, the whole round's
    figure, then each principle's (alpha null when there is not enough data), then whether it is
    being updated. Figures measured before the latest changes are never handed out: while it is
    being updated, the round's figure is null and the principles' list empty, as on the page."""
    current = not agreement.is_updating
    return {
        "computed_at": agreement.computed_at.isoformat() if agreement.computed_at else None,
        "round": agreement.round.as_dict() if agreement.round and current else None,
        "principles": [figure.as_dict() for figure in agreement.principles] if current else [],
        "is_updating": agreement.is_updating,
    }


def matrix_table(document: dict) -> tuple[list[str], list[list]]:
    """A matrix document as a flat table for the CSV export: one row per use case; per principle
    its outcome column (named by the principle's slug) and its three counts; then, after every
    principle's, each principle's fragility ("true"/"false") and what it would become ("cross",
    "tick|insufficient", or empty); then declared_interest ("true"/"false") and flagged (the
    flagged principles' slugs joined by "|", or empty)."""
    principles = document["principles"]
    header = list(ROW_KEYS[:-1])
    for slug in principles:
        header += [slug, *(f"{slug}_{key}" for key in COUNT_KEYS)]
    for slug in principles:
        header += [f"{slug}_{key}" for key in FRAGILITY_KEYS]
    header += ["declared_interest", "flagged"]
    rows = []
    for row in document["rows"]:
        values = [row[key] for key in ROW_KEYS[:-1]]
        for slug in principles:
            cell = row["cells"][slug]
            values += [cell["outcome"], *(cell[key] for key in COUNT_KEYS)]
        for slug in principles:
            cell = row["cells"][slug]
            values += ["true" if cell["fragile"] else "false", "|".join(cell["would_become"])]
        if row["declared_interest"] is None:  # not published until the round has closed
            values += ["", ""]
        else:
            values += ["true" if row["declared_interest"] else "false", "|".join(row["flagged"])]
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


# --- The analysts' pages: rounds, the matrix page and "why this cell" ----------------------------
# Each read returns small frozen dataclasses. The counts come from grouped queries, so a page
# makes the same number of queries whatever the number of rounds, use cases or reviews.

ROUNDS_PER_PAGE = 25
MATRIX_ROWS_PER_PAGE = 200

# The matrix page's outcome filter: the row has a cross, has a cell with not enough reviews, or
# is all ticks (each over every principle, or over one principle when the filter names one).
OUTCOME_CROSS = "cross"
OUTCOME_INSUFFICIENT = "insufficient"
OUTCOME_ALL_TICKS = "all-ticks"
OUTCOME_FILTERS = (OUTCOME_CROSS, OUTCOME_INSUFFICIENT, OUTCOME_ALL_TICKS)


@dataclass(frozen=True)
class RoundSummary:
    """A round on the rounds page: its state, rule, dates and progress."""

    slug: str
    name: str
    status: str
    status_label: str
    threshold: Decimal
    min_reviews: int
    opens_on: datetime.date | None
    closes_on: datetime.date | None
    closed_on: datetime.date | None
    use_cases: int
    submitted: int
    expected: int


@dataclass(frozen=True)
class RoundsPage:
    rounds: tuple[RoundSummary, ...]
    page: Page


def _expected_reviews(round_ids: list[int]) -> dict[int, int]:
    """Per round, how many reviews are expected: one per person and version, where a personal
    assignment expects that person and an organisation assignment each of its active members (people
    whose accounts are switched off have left). Someone expected twice for one version (in person
    and through an organisation, or through two organisations) counts once. One grouped query."""
    rows = (
        Assignment.objects.filter(round_id__in=round_ids)
        .exclude(declined())
        # One annotate, so the person and their active flag come from the same membership join.
        .annotate(
            person_id=Coalesce("reviewer_id", "organisation__memberships__user_id"),
            member_is_active=F("organisation__memberships__user__is_active"),
        )
        .filter(Q(reviewer__isnull=False) | Q(member_is_active=True))
        .values("round_id")
        .annotate(
            expected=Count(
                Concat(Cast("version_id", CharField()), Value(":"), Cast("person_id", CharField())), distinct=True
            )
        )
        .order_by()
    )
    return {row["round_id"]: row["expected"] for row in rows}


def _count_by_round(queryset, round_ids: list[int]) -> dict[int, int]:
    rows = queryset.filter(round_id__in=round_ids).values("round_id").annotate(count=Count("pk")).order_by()
    return {row["round_id"]: row["count"] for row in rows}


def rounds_page(page_number) -> RoundsPage:
    """Every round, newest first, a page at a time, with its progress: reviews submitted out of
    expected. Five queries whatever the number of rounds, assignments or reviews."""
    paginator = Paginator(ReviewRound.objects.order_by("-created_at", "-pk"), ROUNDS_PER_PAGE)
    page = paginator.get_page(page_number)
    return RoundsPage(rounds=round_summaries(list(page.object_list)), page=page)


def round_summaries(rounds: list[ReviewRound]) -> tuple[RoundSummary, ...]:
    """The rounds with their progress. Three grouped queries (none for no rounds)."""
    round_ids = [r.pk for r in rounds]
    if round_ids:
        expected = _expected_reviews(round_ids)
        submitted = _count_by_round(Review.objects.filter(status=Review.Status.SUBMITTED), round_ids)
        use_cases = _count_by_round(RoundVersion.objects.all(), round_ids)
    else:
        expected = submitted = use_cases = {}
    return tuple(
        RoundSummary(
            slug=r.slug,
            name=r.name,
            status=r.status,
            status_label=r.get_status_display(),
            threshold=r.threshold,
            min_reviews=r.min_reviews,
            opens_on=r.opens_on,
            closes_on=r.closes_on,
            closed_on=r.closed_on,
            use_cases=use_cases.get(r.pk, 0),
            submitted=submitted.get(r.pk, 0),
            expected=expected.get(r.pk, 0),
        )
        for r in rounds
    )


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
        (row["version_id"], row["principle_id"]): _cell(row)
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
    disclosed = disclosure.round_groups(review_round, version_ids)
    marks = disclosure.interest_marks(review_round, disclosed, version_ids, for_admin=for_admin)
    flags = disclosure.round_flags(review_round, disclosed, principle_ids)
    groups: list[MatrixAudienceGroup] = []
    for row in rows:
        use_case_row = MatrixUseCaseRow(
            use_case_slug=row["version__use_case__slug"],
            number=row["version__number"],
            title=row["version__title"],
            cells=tuple(
                _cell_view(p, cells.get(key, EMPTY_CELL), review_round, flags.get(key))
                for p in principles
                for key in [(row["version_id"], p.pk)]
            ),
            declared_interest=marks.get(row["version_id"]),
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


@dataclass(frozen=True)
class CellVerdict:
    """One submitted verdict behind a cell, pseudonymised."""

    pseudonym: int
    verdict: str
    verdict_label: str
    reason: str
    evidence: str
    suggested_rewording: str


@dataclass(frozen=True)
class CellDetail:
    review_round: ReviewRound
    audience_name: str
    use_case_slug: str
    number: int
    title: str
    principle: Principle
    cell: Cell
    rule_in_words: str
    # What one reviewer changing their mind would do: "would become a cross if ...".
    fragile: bool
    fragility_in_words: str
    verdicts: tuple[CellVerdict, ...]
    # Whether figures about groups of reviewers are published yet (the round has closed).
    groups_published: bool
    # The verdicts by the reviewers' organisation, one row per block of at least the anonymity
    # minimum (matrix.disclosure); None when the round is open or no such breakdown can be shown.
    organisation_groups: tuple[disclosure.OrganisationGroup, ...] | None
    anonymity_min_group: int
    state: MatrixState
    # Set when a review from an organisation that declared an interest counts here and the person
    # may see the mark (matrix.disclosure.interest_marks).
    declared_interest: disclosure.InterestMark | None = None
    # Set when the round's flag rule flags the cell for discussion.
    flag: disclosure.CellFlag | None = None


def cell_detail(
    *, review_round: ReviewRound, use_case_slug: str, number: int, principle_slug: str, for_admin: bool = False
) -> CellDetail | None:
    """Everything behind one cell: the stored outcome and counts, the rule in words, every
    submitted verdict, pseudonymised within the use case version, and what matrix.disclosure lets
    the person see about groups of its reviewers (for_admin: a programme admin). None if the round
    has no such version or principle. Seven queries while the round is open (eight for a programme
    admin), ten once it has closed, whatever the number of reviews."""
    principle = review_round.principles.filter(slug=principle_slug).first()
    round_version = (
        RoundVersion.objects.filter(round=review_round, version__use_case__slug=use_case_slug, version__number=number)
        .select_related("version__use_case__audience")
        .first()
    )
    if principle is None or round_version is None:
        return None
    version = round_version.version
    stored = (
        MatrixCell.objects.filter(round=review_round, version=version, principle=principle)
        .values("outcome", *COUNT_KEYS)
        .first()
    )
    cell = _cell(stored) if stored else EMPTY_CELL
    would_become = cell.would_become(threshold=review_round.threshold, min_reviews=review_round.min_reviews)
    pseudonyms = review_pseudonyms(review_round, [version.pk])
    rows = (
        Verdict.objects.filter(
            review__round=review_round,
            review__version=version,
            review__status=Review.Status.SUBMITTED,
            principle=principle,
        )
        .exclude(verdict="")
        .values("verdict", "reason", "evidence", "suggested_rewording", "review_id")
    )
    labels = dict(Verdict.Choice.choices)
    verdicts = sorted(
        (
            CellVerdict(
                pseudonym=pseudonyms[row["review_id"]],
                verdict=row["verdict"],
                verdict_label=str(labels.get(row["verdict"], row["verdict"])),
                reason=row["reason"],
                evidence=row["evidence"],
                suggested_rewording=row["suggested_rewording"],
            )
            for row in rows
        ),
        key=lambda v: v.pseudonym,
    )
    groups = disclosure.round_groups(review_round, [version.pk])
    return CellDetail(
        review_round=review_round,
        audience_name=version.use_case.audience.name,
        use_case_slug=version.use_case.slug,
        number=version.number,
        title=version.title,
        principle=principle,
        cell=cell,
        rule_in_words=cell_rule_in_words(cell, threshold=review_round.threshold, min_reviews=review_round.min_reviews),
        fragile=bool(would_become),
        fragility_in_words=fragility_in_words(would_become),
        verdicts=tuple(verdicts),
        groups_published=groups.published,
        organisation_groups=groups.of(version.pk).breakdown(principle.pk),
        anonymity_min_group=settings.ANONYMITY_MIN_GROUP,
        state=matrix_state(review_round, version_id=version.pk),
        declared_interest=disclosure.interest_marks(review_round, groups, [version.pk], for_admin=for_admin).get(
            version.pk
        ),
        flag=disclosure.round_flags(review_round, groups, [principle.pk]).get((version.pk, principle.pk)),
    )


# The verdicts export's columns (docs/commands.md), in order: later fields only ever go at the end.
VERDICT_KEYS = (
    "round",
    "audience",
    "use_case",
    "title",
    "version",
    "principle",
    "reviewer",
    "verdict",
    "reason",
    "evidence",
    "suggested_rewording",
)


def _submitted_verdicts(review_round: ReviewRound):
    from reviews.models import Verdict

    return Verdict.objects.filter(review__round=review_round, review__status=Review.Status.SUBMITTED).exclude(
        verdict=""
    )


def round_verdict_count(review_round: ReviewRound) -> int:
    """How many submitted verdicts the round has: one query."""
    return _submitted_verdicts(review_round).count()


def round_verdict_rows(review_round: ReviewRound, *, chunk_size: int = 2000):
    """Every submitted verdict of the round, in matrix order (audience, use case, version), then
    principle order, then review, as dicts with VERDICT_KEYS; reviewers pseudonymised within each
    use case version, as on the cell pages. Read from the database in chunks, so memory stays flat
    whatever the round's size: two queries (pseudonyms, then the verdicts, fetched chunk by chunk)."""
    pseudonyms = review_pseudonyms(review_round)
    rows = (
        _submitted_verdicts(review_round)
        .order_by(
            "review__version__use_case__audience__display_order",
            "review__version__use_case__audience__name",
            "review__version__use_case__display_order",
            "review__version__use_case__slug",
            "review__version__number",
            "principle__order",
            "principle__name",
            "review_id",
        )
        .values_list(
            "review__version__use_case__audience__slug",
            "review__version__use_case__slug",
            "review__version__title",
            "review__version__number",
            "principle__slug",
            "review_id",
            "verdict",
            "reason",
            "evidence",
            "suggested_rewording",
        )
    )
    for (
        audience,
        use_case,
        title,
        number,
        principle,
        review_id,
        verdict,
        reason,
        evidence,
        rewording,
    ) in rows.iterator(chunk_size=chunk_size):
        yield {
            "round": review_round.slug,
            "audience": audience,
            "use_case": use_case,
            "title": title,
            "version": number,
            "principle": principle,
            "reviewer": f"Reviewer {pseudonyms[review_id]}",
            "verdict": verdict,
            "reason": reason,
            "evidence": evidence,
            "suggested_rewording": rewording,
        }


def audience_names(slugs) -> dict[str, str]:
    """Audience names by slug, for exports that show the report's group headings. One query."""
    from audiences.models import Audience

    return dict(Audience.objects.filter(slug__in=set(slugs)).values_list("slug", "name"))


def matrix_export_for(*, user, round_slug: str, export_id: int):
    """The export, without its file, if this person may see it (whoever requested it, while they
    may still see the matrix, and programme admins); otherwise None. One query, plus the
    permission's group lookups."""
    import rules

    from matrix.models import MatrixExport

    export = (
        MatrixExport.objects.select_related("round")
        .defer("content")
        .filter(pk=export_id, round__slug=round_slug)
        .first()
    )
    if export is None or not rules.has_perm("matrix.view_export", user, export):
        return None
    return export


def matrix_export_content(export) -> bytes:
    """The export's file, read only when it is downloaded."""
    from matrix.models import MatrixExport

    content = MatrixExport.objects.filter(pk=export.pk).values_list("content", flat=True).first()
    return bytes(content or b"")


# --- Rounds side by side ---------------------------------------------------------------------------
# Two rounds compared use case by use case (whatever version each reviewed) and principle by
# principle (matched by the principle's slug, its code). Both rounds' rows and cells are read in a
# fixed number of queries and compared in Python, so the "only what changed" filter and the pages
# count exactly the rows shown; a round's cells are a few thousand small tuples at most.

COMPARISON_ROWS_PER_PAGE = 50


@dataclass(frozen=True)
class ComparedCell:
    """One principle of one use case in both rounds. An outcome is None where the round did not
    review the use case or does not have the principle."""

    principle_slug: str
    principle_name: str
    outcome_a: str | None
    outcome_b: str | None

    @property
    def changed(self) -> bool:
        return self.outcome_a != self.outcome_b

    @property
    def change_in_words(self) -> str:
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
class RoundComparison:
    round_a: ReviewRound
    round_b: ReviewRound
    use_cases: tuple[ComparedUseCase, ...]
    page: Page
    # Over every use case of both rounds, not only this page's.
    total_use_cases: int
    changed_use_cases: int


def _round_newest_versions(round_ids: list[int]) -> dict[tuple[int, int], dict]:
    """Per (round id, use case id), the newest version the round holds, with what the comparison
    shows. One query."""
    rows = (
        RoundVersion.objects.filter(round_id__in=round_ids)
        .order_by("version__number")
        .values(
            "round_id",
            "version_id",
            "version__number",
            "version__title",
            "version__use_case_id",
            "version__use_case__slug",
            "version__use_case__display_order",
            "version__use_case__audience__name",
            "version__use_case__audience__display_order",
        )
    )
    return {(row["round_id"], row["version__use_case_id"]): row for row in rows}


def round_comparison(
    *, round_a: ReviewRound, round_b: ReviewRound, only_changed: bool = False, page_number=None
) -> RoundComparison:
    """The two rounds side by side: one entry per use case in either round, in matrix order
    (audience, then use case), with the title of the newest version reviewed; one cell per principle
    of either round, in round A's principle order then round B's. Four queries (the rounds'
    principles, versions and cells), whatever the number of use cases."""
    round_ids = [round_a.pk, round_b.pk]
    principle_rows = list(
        ReviewRound.principles.through.objects.filter(reviewround_id__in=round_ids)
        .order_by("principle__order", "principle__name")
        .values_list("reviewround_id", "principle_id", "principle__slug", "principle__name")
    )
    principles: dict[str, str] = {}
    principle_slugs: dict[tuple[int, str], int] = {}
    for round_id in round_ids:
        for row_round, principle_id, slug, name in principle_rows:
            if row_round == round_id:
                principles.setdefault(slug, name)
                principle_slugs[(round_id, slug)] = principle_id
    versions = _round_newest_versions(round_ids)
    version_ids = {row["version_id"] for row in versions.values()}
    outcomes = {
        (row["round_id"], row["version_id"], row["principle_id"]): row["outcome"]
        for row in MatrixCell.objects.filter(round_id__in=round_ids, version_id__in=version_ids)
        .values("round_id", "version_id", "principle_id", "outcome")
        .iterator(chunk_size=5000)
    }

    def outcome(review_round: ReviewRound, version: dict | None, slug: str) -> str | None:
        principle_id = principle_slugs.get((review_round.pk, slug))
        if version is None or principle_id is None:
            return None
        # A version not computed yet counts as not enough reviews, as on the matrix page.
        return outcomes.get((review_round.pk, version["version_id"], principle_id), INSUFFICIENT)

    entries = []
    for use_case_id in {use_case_id for _, use_case_id in versions}:
        a, b = versions.get((round_a.pk, use_case_id)), versions.get((round_b.pk, use_case_id))
        newest = max((v for v in (a, b) if v), key=lambda v: v["version__number"])
        entry = ComparedUseCase(
            audience_name=newest["version__use_case__audience__name"],
            use_case_slug=newest["version__use_case__slug"],
            title=newest["version__title"],
            number_a=a["version__number"] if a else None,
            number_b=b["version__number"] if b else None,
            cells=tuple(
                ComparedCell(slug, name, outcome(round_a, a, slug), outcome(round_b, b, slug))
                for slug, name in principles.items()
            ),
        )
        order = (
            newest["version__use_case__audience__display_order"],
            entry.audience_name,
            newest["version__use_case__display_order"],
            entry.use_case_slug,
        )
        entries.append((order, entry))
    ordered = [entry for _, entry in sorted(entries, key=lambda pair: pair[0])]
    changed = [entry for entry in ordered if entry.changed]
    page = Paginator(changed if only_changed else ordered, COMPARISON_ROWS_PER_PAGE).get_page(page_number)
    return RoundComparison(
        round_a=round_a,
        round_b=round_b,
        use_cases=tuple(page.object_list),
        page=page,
        total_use_cases=len(ordered),
        changed_use_cases=len(changed),
    )


def comparison_round_choices() -> list[tuple[str, str]]:
    """Every round, newest first, as (slug, name) choices for the comparison form. One query."""
    return list(ReviewRound.objects.order_by("-created_at", "-pk").values_list("slug", "name"))


# --- Agreement between reviewers (Krippendorff's alpha) ------------------------------------------


def round_decided_counts(review_round: ReviewRound) -> list[tuple[int, int, int, int]]:
    """(version id, principle id, meets, does not meet) of every stored cell of the round's
    principles with at least two reviewers who decided: the units agreement is measured on. One
    query; a tuple a cell, so 10,000 use cases of 4 principles are 40,000 small tuples."""
    return list(
        MatrixCell.objects.filter(round=review_round, principle__in=review_round.principles.all())
        .annotate(decided=F("meets") + F("does_not_meet"))
        .filter(decided__gte=2)
        .values_list("version_id", "principle_id", "meets", "does_not_meet")
        .iterator(chunk_size=10_000)
    )


# Names the statement in logs and lets tests and the docs EXPLAIN it.
REVIEWER_COUNTS_MARK = "/* matrix: agreement reviewer counts */"


def agreement_reviewer_counts(review_round: ReviewRound) -> tuple[dict[int, int], int]:
    """How many reviewers the agreement rests on: per principle, and for the round, the people
    whose submitted "meets" or "does not meet" is on a use case that at least one other reviewer
    decided on too. One query: the round's decided verdicts, each with the number of decided
    verdicts on its (version, principle) counted by a window over them, reduced to the distinct
    (reviewer, principle) pairs of the round's principles, a few hundred rows at most, counted
    here. It reads the round's reviews and their verdicts once (SQLite: by the round's reviews, then
    each one's verdicts by index; PostgreSQL: a hash join, as the recompute does) and sorts them:
    never the stored cells, whose join made SQLite read every verdict of a principle for each cell.
    The principles are filtered after the count, which depends on the principle anyway: joined
    inside, they misled PostgreSQL's estimates into probing a review for every verdict."""
    tables = {
        "verdict": Verdict._meta.db_table,
        "review": Review._meta.db_table,
        "round_principle": ReviewRound.principles.through._meta.db_table,
    }
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            {REVIEWER_COUNTS_MARK}
            SELECT DISTINCT reviewer_id, principle_id
            FROM (
                SELECT r.reviewer_id AS reviewer_id, v.principle_id AS principle_id,
                    COUNT(*) OVER (PARTITION BY r.version_id, v.principle_id) AS decided
                FROM {tables["review"]} r
                JOIN {tables["verdict"]} v ON v.review_id = r.id
                WHERE r.round_id = %(round)s AND r.status = %(submitted)s AND v.verdict IN (%(meets)s, %(not)s)
            ) decided_verdicts
            WHERE decided >= 2 AND principle_id IN (
                SELECT rp.principle_id FROM {tables["round_principle"]} rp WHERE rp.reviewround_id = %(round)s
            )
            """,
            {
                "round": review_round.pk,
                "submitted": Review.Status.SUBMITTED,
                "meets": Verdict.Choice.MEETS,
                "not": Verdict.Choice.DOES_NOT_MEET,
            },
        )
        pairs = cursor.fetchall()
    per_principle: dict[int, int] = {}
    for _reviewer_id, principle_id in pairs:
        per_principle[principle_id] = per_principle.get(principle_id, 0) + 1
    return per_principle, len({reviewer_id for reviewer_id, _principle_id in pairs})


@dataclass(frozen=True)
class AgreementFigure:
    """One stored alpha: principle None for the whole round; alpha None when undefined."""

    principle: Principle | None
    alpha: float | None
    reviewers: int
    use_cases: int

    @property
    def in_words(self) -> str:
        return agreement_in_words(self.alpha)

    def as_dict(self) -> dict:
        return {
            "principle": self.principle.slug if self.principle else None,
            "alpha": None if self.alpha is None else round(self.alpha, 4),
            "reviewers": self.reviewers,
            "use_cases": self.use_cases,
        }


@dataclass(frozen=True)
class RoundAgreement:
    computed_at: datetime.datetime | None  # None: not computed yet
    round: AgreementFigure | None
    principles: tuple[AgreementFigure, ...]
    # Reviews or cells changed since the figures were measured (or they never were, though the
    # matrix has been computed): they are not current.
    is_updating: bool
    # The matrix is current but the figures are behind it: measuring them again is due (while the
    # matrix itself is behind, its recompute comes first and makes the refresh due).
    refresh_due: bool


def round_agreement(review_round: ReviewRound, *, state: MatrixState | None = None) -> RoundAgreement:
    """The round's stored agreement figures, the round's first, then its principles in order, and
    whether they are being updated (from the round's matrix_state). One query, and matrix_state's
    two unless the caller has its state already."""
    if state is None:
        state = matrix_state(review_round)
    rows = list(
        MatrixAgreement.objects.filter(matrix__round=review_round)
        .select_related("principle")
        .order_by("principle__order", "principle__name")
    )
    figures = {
        row.principle_id: AgreementFigure(
            principle=row.principle, alpha=row.alpha, reviewers=row.reviewers, use_cases=row.use_cases
        )
        for row in rows
    }
    return RoundAgreement(
        computed_at=min((row.computed_at for row in rows), default=None),
        round=figures.pop(None, None),
        principles=tuple(figures.values()),
        is_updating=state.computed_at is not None and (state.is_updating or state.agreement_behind),
        refresh_due=state.computed_at is not None and state.agreement_behind and not state.is_updating,
    )


# --- API tokens ------------------------------------------------------------------------------------


def api_token_hash(key: str) -> str:
    """What is stored of a token: the SHA-256 of the whole key, in hex."""
    return hashlib.sha256(key.encode()).hexdigest()


def api_token_for_key(key: str):
    """The token this key belongs to, if it may be used now: not revoked, not expired, and its
    owner still signed up and still an analyst or admin; otherwise None. One query, plus the
    permission's group lookup."""
    token = (
        ApiToken.objects.select_related("owner")
        .filter(key_hash=api_token_hash(key), revoked_at__isnull=True, expires_at__gt=timezone.now())
        .first()
    )
    if token is None or not token.owner.is_active or not is_analyst(token.owner):
        return None
    return token


def api_tokens_of(user) -> list:
    """A person's tokens, newest first, revoked and expired ones included (the page says which)."""
    return list(ApiToken.objects.filter(owner=user))


def api_token_of(*, user, token_id: int):
    """One of the person's own tokens, or None (anyone else's token is as good as missing)."""
    return ApiToken.objects.filter(owner=user, pk=token_id).first()


# --- The charts page: verdicts per principle and use case, and progress per organisation ----------

CHART_USE_CASES_PER_PAGE = 20


@dataclass(frozen=True)
class ChartUseCase:
    title: str
    number: int
    cells: tuple[Cell, ...]  # one per principle, in the round's order


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
    counts on each principle, and the round's progress. Seven queries whatever the number of use
    cases, organisations or reviews."""
    principles = tuple(round_principles(review_round))
    page = Paginator(round_version_rows(review_round), CHART_USE_CASES_PER_PAGE).get_page(page_number)
    rows = list(page.object_list)
    cells = {
        (row["version_id"], row["principle_id"]): _cell(row)
        for row in MatrixCell.objects.filter(
            round=review_round, version_id__in=[row["version_id"] for row in rows]
        ).values("version_id", "principle_id", "outcome", *COUNT_KEYS)
    }
    (progress,) = round_summaries([review_round])
    return RoundChartsData(
        principles=principles,
        use_cases=tuple(
            ChartUseCase(
                title=row["version__title"],
                number=row["version__number"],
                cells=tuple(cells.get((row["version_id"], p.pk), EMPTY_CELL) for p in principles),
            )
            for row in rows
        ),
        page=page,
        progress=progress,
    )


# --- By reviewing audience --------------------------------------------------------------------
# Audiences overlap: an organisation can serve several, and its reviews count under each one. What
# may be shown for an audience is decided by matrix.disclosure: its organisations' reviews of a
# version are shown only as a whole number of the version's blocks, once the round has closed.

AUDIENCE_VIEW_ROWS_PER_PAGE = 50


def reviewing_audience_choices() -> list[tuple[str, str]]:
    """Every audience an organisation serves, as (slug, name) choices in display order. One query."""
    return list(
        Audience.objects.filter(organisations__isnull=False)
        .distinct()
        .order_by("display_order", "name")
        .values_list("slug", "name")
    )


@dataclass(frozen=True)
class AudienceViewCell:
    principle: Principle
    # None when matrix.disclosure does not let the audience's reviews of this use case be shown:
    # then neither the counts nor an outcome are.
    counts: disclosure.GroupCounts | None
    outcome: str | None
    flag: disclosure.CellFlag | None


@dataclass(frozen=True)
class AudienceViewRow:
    audience_name: str  # the use case's own audience
    use_case_slug: str
    number: int
    title: str
    cells: tuple[AudienceViewCell, ...]


@dataclass(frozen=True)
class AudienceView:
    audience: Audience
    principles: tuple[Principle, ...]
    rows: tuple[AudienceViewRow, ...]
    page: Page
    min_group: int
    # Whether figures about groups of reviewers are published yet (the round has closed).
    published: bool


def audience_view(review_round: ReviewRound, *, audience: Audience, page_number) -> AudienceView:
    """A page of the round's use cases (in matrix order) with, per principle, the verdicts from
    reviews whose organisation serves the audience and the outcome the round's rule gives them, as
    far as matrix.disclosure lets them be shown, and each cell's flag for discussion. Three queries
    while the round is open (principles, the page's count and rows), six once it has closed (the
    groups of reviewers, the audience's organisations, the flag audiences' organisations), whatever
    the number of use cases or reviews."""
    principles = tuple(round_principles(review_round))
    page = Paginator(round_version_rows(review_round), AUDIENCE_VIEW_ROWS_PER_PAGE).get_page(page_number)
    rows = list(page.object_list)
    groups = disclosure.round_groups(review_round, [row["version_id"] for row in rows])
    serving = (
        disclosure.serving_organisations(Audience.objects.filter(pk=audience.pk)).get(audience.name, frozenset())
        if groups.published
        else frozenset()
    )
    flags = disclosure.round_flags(review_round, groups, [p.pk for p in principles])

    def view_cell(version_id: int, principle: Principle) -> AudienceViewCell:
        counts = groups.of(version_id).union_counts(serving, principle.pk)
        flag = flags.get((version_id, principle.pk))
        if counts is None:
            return AudienceViewCell(principle=principle, counts=None, outcome=None, flag=flag)
        outcome = cell_outcome(
            meets=counts.meets,
            does_not_meet=counts.does_not_meet,
            not_sure=counts.not_sure,
            threshold=review_round.threshold,
            min_reviews=review_round.min_reviews,
        )
        return AudienceViewCell(principle=principle, counts=counts, outcome=outcome, flag=flag)

    return AudienceView(
        audience=audience,
        principles=principles,
        rows=tuple(
            AudienceViewRow(
                audience_name=row["version__use_case__audience__name"],
                use_case_slug=row["version__use_case__slug"],
                number=row["version__number"],
                title=row["version__title"],
                cells=tuple(view_cell(row["version_id"], p) for p in principles),
            )
            for row in rows
        ),
        page=page,
        min_group=settings.ANONYMITY_MIN_GROUP,
        published=groups.published,
    )
