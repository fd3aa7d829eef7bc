"""Read queries for the principle matrix, shared by pages, exports and the tasks. They read the
stored rows; none recomputes anything or decodes more than the page or export shows."""

import datetime
import hashlib
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import CharField, Count, Exists, F, Min, OuterRef, Q, Subquery, Value
from django.db.models.functions import Cast, Coalesce, Concat
from django.utils import timezone

from audiences.models import Audience, Organisation
from bold_portal.roles import is_analyst
from matrix.models import ApiToken, Matrix, MatrixAgreement, MatrixCell, MatrixRow
from matrix.wording import (
    agreement_in_words,
    cell_flag_in_words,
    cell_rule_in_words,
    fragility_in_words,
    outcome_change_in_words,
)
from principles.models import Principle
from principles.rule import CROSS, INSUFFICIENT, OUTCOMES, TICK, cell_outcome, one_change_outcomes
from reviews.models import Assignment, DeclaredInterest, Review, ReviewRound, RoundVersion, Verdict
from reviews.selectors import declined

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


@dataclass(frozen=True)
class MatrixState:
    computed_at: datetime.datetime | None
    is_updating: bool


def matrix_state(review_round: ReviewRound, *, version_id: int | None = None) -> MatrixState:
    """When the round's matrix was last written, and whether reviews (of one version, if given)
    changed since: then a recompute is on its way. Two queries."""
    header = Matrix.objects.filter(round=review_round).values("computed_at", "rule_version").first()
    if header is None or header["rule_version"] < review_round.rule_version:
        behind = RoundVersion.objects.filter(round=review_round)
    else:
        behind = RoundVersion.objects.filter(round=review_round).filter(~_current_row())
    if version_id is not None:
        behind = behind.filter(version_id=version_id)
    return MatrixState(computed_at=header and header["computed_at"], is_updating=behind.exists())


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


def declared_interest_marks(review_round: ReviewRound, version_ids=None) -> dict[int, tuple[str, ...]]:
    """Per version of the round, the organisations (names, sorted) that declared an interest in its
    use case (a standing declaration, overridden or not) and one of whose members' submitted review
    counts in its cells: pages and exports mark those cells (docs/declined-and-interests.md). Read
    at read time, in one query whatever the number of use cases; version_ids limits it to a page."""
    via_reviews = "organisation__memberships__user__reviews"
    interests = DeclaredInterest.objects.standing().filter(
        **{
            f"{via_reviews}__round": review_round,
            f"{via_reviews}__status": Review.Status.SUBMITTED,
            f"{via_reviews}__version__use_case": F("use_case"),
        }
    )
    if version_ids is not None:
        interests = interests.filter(**{f"{via_reviews}__version_id__in": list(version_ids)})
    marks: dict[int, set[str]] = {}
    for version_id, name in interests.values_list(f"{via_reviews}__version_id", "organisation__name").distinct():
        marks.setdefault(version_id, set()).add(name)
    return {version_id: tuple(sorted(names)) for version_id, names in marks.items()}


def _document_cell(cell: Cell, rule: dict) -> dict:
    return {**cell.as_dict(), **cell.fragility_dict(**rule)}


def matrix_document(review_round: ReviewRound) -> dict:
    """The round's matrix in the export shape (docs/commands.md), from the stored rows.
    Seven queries (principles, cells, header, declared interests, flags, versions, agreement),
    whatever the number of use cases."""
    principles = round_principles(review_round)
    cells = round_cells(review_round)
    computed_at = Matrix.objects.filter(round=review_round).values_list("computed_at", flat=True).first()
    rule = {"threshold": review_round.threshold, "min_reviews": review_round.min_reviews}
    marked = declared_interest_marks(review_round)
    flags = round_flags(review_round)
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
            "declared_interest": row["version_id"] in marked,
            # Added last: the principles (slugs) whose cell the round's flag rule flags for
            # discussion. Like declared interests, exports never name the audience.
            "flagged": [p.slug for p in principles if (row["version_id"], p.pk) in flags],
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
        "agreement": agreement_document(round_agreement(review_round)),
    }


def agreement_document(agreement: "RoundAgreement") -> dict:
    """The round's agreement in the export shape: when it was measured, the whole round's figure,
    then each principle's (alpha null when there is not enough data)."""
    return {
        "computed_at": agreement.computed_at.isoformat() if agreement.computed_at else None,
        "round": agreement.round.as_dict() if agreement.round else None,
        "principles": [figure.as_dict() for figure in agreement.principles],
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
    flag: "CellFlag | None" = None

    @property
    def fragility_in_words(self) -> str:
        return fragility_in_words(self.would_become)


@dataclass(frozen=True)
class MatrixUseCaseRow:
    use_case_slug: str
    number: int
    title: str
    cells: tuple[MatrixCellView, ...]
    # Organisations that declared an interest in the use case and whose members' reviews count in
    # these cells (names for admins only; others are told that there is one).
    declared_interests: tuple[str, ...] = ()

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
    review_round: ReviewRound, *, options: MatrixFilterOptions, filters: MatrixFilters, page_number
) -> MatrixPage:
    """A page of at most MATRIX_ROWS_PER_PAGE use case versions of the round's matrix, grouped by
    audience, with per-principle totals over every selected row. Eight queries (count, rows, cells,
    totals, declared interests, flags and the matrix state's two), whatever the number of use cases."""
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

    marks = declared_interest_marks(review_round, [row["version_id"] for row in rows])
    flags = round_flags(review_round, [row["version_id"] for row in rows])
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
            declared_interests=marks.get(row["version_id"], ()),
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
class OrganisationGroup:
    """The verdicts of one organisation's reviewers of a cell; name is None for the group that
    merges organisations with fewer than the anonymity minimum."""

    name: str | None
    reviewers: int
    meets: int
    does_not_meet: int
    not_sure: int


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
    # None when no organisation has enough reviewers of this cell to be shown on its own.
    organisation_groups: tuple[OrganisationGroup, ...] | None
    anonymity_min_group: int
    state: MatrixState
    # Organisations that declared an interest in the use case and whose members' reviews count here.
    declared_interests: tuple[str, ...] = ()
    # Set when the round's flag rule flags the cell for discussion.
    flag: "CellFlag | None" = None


def organisation_groups(
    verdicts: list[tuple[str | None, str]], *, min_group: int
) -> tuple[OrganisationGroup, ...] | None:
    """A cell's verdicts by the reviewers' organisation: (organisation name or None, verdict) pairs,
    one per reviewer. An organisation is named only with at least min_group reviewers; the others
    (and reviews with no organisation recorded) are merged into one unnamed group, shown whatever
    its size, since it names nobody. None when no organisation is large enough to be named: then
    the breakdown would only repeat the cell's counts."""
    by_name: dict[str | None, list[str]] = {}
    for name, verdict in verdicts:
        by_name.setdefault(name, []).append(verdict)
    named = sorted((name, v) for name, v in by_name.items() if name is not None and len(v) >= min_group)
    if not named:
        return None
    merged = [verdict for name, v in by_name.items() if name is None or len(v) < min_group for verdict in v]

    def group(name, group_verdicts):
        return OrganisationGroup(
            name=name,
            reviewers=len(group_verdicts),
            meets=group_verdicts.count(Verdict.Choice.MEETS),
            does_not_meet=group_verdicts.count(Verdict.Choice.DOES_NOT_MEET),
            not_sure=group_verdicts.count(Verdict.Choice.NOT_SURE),
        )

    groups = [group(name, v) for name, v in named]
    if merged:
        groups.append(group(None, merged))
    return tuple(groups)


def cell_detail(
    *, review_round: ReviewRound, use_case_slug: str, number: int, principle_slug: str
) -> CellDetail | None:
    """Everything behind one cell: the stored outcome and counts, the rule in words and every
    submitted verdict, pseudonymised round-wide. None if the round has no such version or
    principle. Ten queries, whatever the number of reviews."""
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
    pseudonyms = round_reviewer_pseudonyms(review_round)
    rows = (
        Verdict.objects.filter(
            review__round=review_round,
            review__version=version,
            review__status=Review.Status.SUBMITTED,
            principle=principle,
        )
        .exclude(verdict="")
        .values(
            "verdict",
            "reason",
            "evidence",
            "suggested_rewording",
            "review__reviewer_id",
            "review__organisation__name",
        )
    )
    rows = list(rows)
    labels = dict(Verdict.Choice.choices)
    verdicts = sorted(
        (
            CellVerdict(
                pseudonym=pseudonyms[row["review__reviewer_id"]],
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
    min_group = settings.ANONYMITY_MIN_GROUP
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
        organisation_groups=organisation_groups(
            [(row["review__organisation__name"], row["verdict"]) for row in rows], min_group=min_group
        ),
        anonymity_min_group=min_group,
        state=matrix_state(review_round, version_id=version.pk),
        declared_interests=declared_interest_marks(review_round, [version.pk]).get(version.pk, ()),
        flag=round_flags(review_round, [version.pk]).get((version.pk, principle.pk)),
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
    principle order, then review, as dicts with VERDICT_KEYS; reviewers pseudonymised with the
    round-wide numbers. Read from the database in chunks, so memory stays flat whatever the round's
    size: two queries (pseudonyms, then the verdicts, fetched chunk by chunk)."""
    pseudonyms = round_reviewer_pseudonyms(review_round)
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
            "review__reviewer_id",
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
        reviewer_id,
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
            "reviewer": f"Reviewer {pseudonyms[reviewer_id]}",
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


def agreement_reviewer_counts(review_round: ReviewRound) -> tuple[dict[int, int], int]:
    """How many reviewers the agreement rests on: per principle, and for the round, the people
    whose submitted "meets" or "does not meet" is on a use case that at least one other reviewer
    decided on too. One query: the distinct (reviewer, principle) pairs, a few hundred rows at
    most, counted here. A join to the stored cells, not a subquery per verdict, so 800,000
    verdicts are read in one pass."""
    tables = {
        "verdict": Verdict._meta.db_table,
        "review": Review._meta.db_table,
        "cell": MatrixCell._meta.db_table,
        "round_principle": ReviewRound.principles.through._meta.db_table,
    }
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT DISTINCT r.reviewer_id, v.principle_id
            FROM {tables["verdict"]} v
            JOIN {tables["review"]} r ON r.id = v.review_id
            JOIN {tables["round_principle"]} rp ON rp.reviewround_id = r.round_id AND rp.principle_id = v.principle_id
            JOIN {tables["cell"]} c
                ON c.round_id = r.round_id AND c.version_id = r.version_id AND c.principle_id = v.principle_id
            WHERE r.round_id = %s AND r.status = %s AND v.verdict IN (%s, %s)
                AND c.meets + c.does_not_meet >= 2
            """,
            [review_round.pk, Review.Status.SUBMITTED, Verdict.Choice.MEETS, Verdict.Choice.DOES_NOT_MEET],
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


def round_agreement(review_round: ReviewRound) -> RoundAgreement:
    """The round's stored agreement figures, the round's first, then its principles in order. One query."""
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
    )


def agreement_is_stored(round_id: int) -> bool:
    return MatrixAgreement.objects.filter(matrix__round_id=round_id).exists()


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
# The progress chart names at most this many organisations (by name); the page says so when a
# round has more.
CHART_ORGANISATIONS_SHOWN = 50


@dataclass(frozen=True)
class ChartUseCase:
    title: str
    number: int
    cells: tuple[Cell, ...]  # one per principle, in the round's order


@dataclass(frozen=True)
class OrganisationProgress:
    name: str | None  # None: reviewers assigned in person rather than through an organisation
    submitted: int
    expected: int


@dataclass(frozen=True)
class RoundChartsData:
    principles: tuple[Principle, ...]
    use_cases: tuple[ChartUseCase, ...]
    page: Page
    organisations: tuple[OrganisationProgress, ...]
    organisations_total: int


def _organisation_progress(review_round: ReviewRound) -> tuple[list[OrganisationProgress], int]:
    """Per organisation assigned in the round, reviews expected (one per active member and
    version assigned to it, as the rounds page counts them) and submitted (submitted reviews made
    for it); then the reviewers assigned in person. Five grouped queries, whatever the size."""
    expected = dict(
        Assignment.objects.filter(round=review_round, organisation__isnull=False)
        .filter(organisation__memberships__user__is_active=True)
        .values("organisation_id")
        .annotate(
            expected=Count(
                Concat(
                    Cast("version_id", CharField()),
                    Value(":"),
                    Cast("organisation__memberships__user_id", CharField()),
                ),
                distinct=True,
            )
        )
        .order_by()
        .values_list("organisation_id", "expected")
    )
    submitted_reviews = Review.objects.filter(round=review_round, status=Review.Status.SUBMITTED)
    submitted = dict(
        submitted_reviews.filter(organisation__isnull=False)
        .values("organisation_id")
        .annotate(count=Count("pk"))
        .order_by()
        .values_list("organisation_id", "count")
    )
    assigned = set(Assignment.objects.filter(round=review_round).values_list("organisation_id", flat=True))
    organisation_ids = (set(expected) | set(submitted) | assigned) - {None}
    names = (
        Organisation.objects.filter(pk__in=organisation_ids).order_by("name", "pk").values_list("pk", "name")
        if organisation_ids
        else []
    )
    rows = [
        OrganisationProgress(name=name, submitted=submitted.get(pk, 0), expected=expected.get(pk, 0))
        for pk, name in names[:CHART_ORGANISATIONS_SHOWN]
    ]
    personal = Assignment.objects.filter(round=review_round, reviewer__isnull=False)
    personal_expected = personal.count()
    if personal_expected:
        in_person = personal.filter(version_id=OuterRef("version_id"), reviewer_id=OuterRef("reviewer_id"))
        rows.append(
            OrganisationProgress(
                name=None,
                submitted=submitted_reviews.filter(Exists(in_person)).count(),
                expected=personal_expected,
            )
        )
    return rows, len(organisation_ids)


def round_charts(review_round: ReviewRound, *, page_number) -> RoundChartsData:
    """A page of at most CHART_USE_CASES_PER_PAGE use cases, in matrix order, with their stored
    counts on each principle, and the round's progress per organisation. Ten queries whatever
    the number of use cases, organisations or reviews."""
    principles = tuple(round_principles(review_round))
    page = Paginator(round_version_rows(review_round), CHART_USE_CASES_PER_PAGE).get_page(page_number)
    rows = list(page.object_list)
    cells = {
        (row["version_id"], row["principle_id"]): _cell(row)
        for row in MatrixCell.objects.filter(
            round=review_round, version_id__in=[row["version_id"] for row in rows]
        ).values("version_id", "principle_id", "outcome", *COUNT_KEYS)
    }
    organisations, organisations_total = _organisation_progress(review_round)
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
        organisations=tuple(organisations),
        organisations_total=organisations_total,
    )


# --- By reviewing audience, and cells flagged for discussion --------------------------------------
# Audiences overlap: an organisation can serve several, and its reviews count under each one. Both
# reads group the submitted verdicts by the audiences the review's organisation serves, at read
# time, in one query; a group with fewer reviewers than settings.ANONYMITY_MIN_GROUP on a cell
# never has its counts shown or its audience named (as the cell page's organisation breakdown).

AUDIENCE_VIEW_ROWS_PER_PAGE = 50


@dataclass(frozen=True)
class AudienceCount:
    """The verdicts on one cell from reviews whose organisation serves one audience."""

    reviewers: int
    meets: int
    does_not_meet: int
    not_sure: int


def _verdicts_by_serving_audience(review_round: ReviewRound, version_ids, **audience_filter):
    """The round's submitted verdicts (of these versions; None: every version), one row per
    audience the review's organisation serves (reviews with no organisation recorded count under
    none), grouped by (version, principle, audience) with each group's counts."""
    verdicts = Verdict.objects.filter(
        review__round=review_round,
        review__status=Review.Status.SUBMITTED,
        principle__in=review_round.principles.all(),
        **{f"review__organisation__audiences__{key}": value for key, value in audience_filter.items()},
    )
    if version_ids is not None:
        verdicts = verdicts.filter(review__version_id__in=list(version_ids))
    return (
        verdicts.exclude(verdict="")
        # The same join as the filter above: one row per (verdict, audience served).
        .values("review__version_id", "principle_id", "review__organisation__audiences__name")
        .annotate(
            # One review per reviewer and version, so this is also the number of reviews.
            reviewers=Count("review__reviewer_id", distinct=True),
            meets=Count("pk", filter=Q(verdict=Verdict.Choice.MEETS)),
            does_not_meet=Count("pk", filter=Q(verdict=Verdict.Choice.DOES_NOT_MEET)),
            not_sure=Count("pk", filter=Q(verdict=Verdict.Choice.NOT_SURE)),
        )
        .order_by()
    )


def audience_cell_counts(review_round: ReviewRound, *, audience: Audience, version_ids) -> dict:
    """Per (version id, principle id), the verdicts from reviews whose organisation serves the
    audience: AudienceCount. Cells nobody from the audience reviewed are missing. One query."""
    rows = _verdicts_by_serving_audience(review_round, version_ids, pk=audience.pk)
    return {
        (row["review__version_id"], row["principle_id"]): AudienceCount(
            reviewers=row["reviewers"],
            meets=row["meets"],
            does_not_meet=row["does_not_meet"],
            not_sure=row["not_sure"],
        )
        for row in rows
    }


@dataclass(frozen=True)
class CellFlag:
    """A cell flagged for discussion under the round's flag rule. named: the flag audiences (names,
    sorted) with a "does not meet" from at least the anonymity minimum of their reviewers on the
    cell; hidden: whether a flag audience below that minimum raised one too (then it is not named)."""

    named: tuple[str, ...]
    hidden: bool

    @property
    def in_words(self) -> str:
        return cell_flag_in_words(self.named)


def round_flags(review_round: ReviewRound, version_ids=None) -> dict[tuple[int, int], CellFlag]:
    """Per (version id, principle id), the flag of each cell (of these versions; None: every
    version) where a reviewer
    from an organisation serving one of the round's flag audiences said "does not meet"; other
    cells are missing. One query, whatever the number of use cases or reviews (none flags nothing)."""
    rows = _verdicts_by_serving_audience(review_round, version_ids, flagging_rounds=review_round).filter(
        does_not_meet__gt=0
    )
    min_group = settings.ANONYMITY_MIN_GROUP
    named: dict[tuple[int, int], set[str]] = {}
    hidden: set[tuple[int, int]] = set()
    for row in rows:
        key = (row["review__version_id"], row["principle_id"])
        named.setdefault(key, set())
        if row["reviewers"] >= min_group:
            named[key].add(row["review__organisation__audiences__name"])
        else:
            hidden.add(key)
    return {key: CellFlag(named=tuple(sorted(names)), hidden=key in hidden) for key, names in named.items()}


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
    # None when fewer than the anonymity minimum of the audience's reviewers reviewed the cell:
    # then neither the counts nor an outcome are shown.
    counts: AudienceCount | None
    outcome: str | None
    flag: CellFlag | None


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


def audience_view(review_round: ReviewRound, *, audience: Audience, page_number) -> AudienceView:
    """A page of the round's use cases (in matrix order) with, per principle, the verdicts from
    reviews whose organisation serves the audience and the outcome the round's rule gives them,
    at read time; a cell with fewer than the anonymity minimum of such reviewers shows neither.
    Each cell also carries its flag for discussion. Five queries (principles, the page's count and
    rows, the audience's counts, the flags), whatever the number of use cases or reviews."""
    principles = tuple(round_principles(review_round))
    page = Paginator(round_version_rows(review_round), AUDIENCE_VIEW_ROWS_PER_PAGE).get_page(page_number)
    rows = list(page.object_list)
    version_ids = [row["version_id"] for row in rows]
    counts = audience_cell_counts(review_round, audience=audience, version_ids=version_ids)
    flags = round_flags(review_round, version_ids)
    min_group = settings.ANONYMITY_MIN_GROUP

    def view_cell(version_id: int, principle: Principle) -> AudienceViewCell:
        count = counts.get((version_id, principle.pk))
        flag = flags.get((version_id, principle.pk))
        if count is None or count.reviewers < min_group:
            return AudienceViewCell(principle=principle, counts=None, outcome=None, flag=flag)
        outcome = cell_outcome(
            meets=count.meets,
            does_not_meet=count.does_not_meet,
            not_sure=count.not_sure,
            threshold=review_round.threshold,
            min_reviews=review_round.min_reviews,
        )
        return AudienceViewCell(principle=principle, counts=count, outcome=outcome, flag=flag)

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
        min_group=min_group,
    )
