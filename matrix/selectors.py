"""Read queries for the principle matrix, shared by pages, exports and the tasks. They read the
stored rows; none recomputes anything or decodes more than the page or export shows."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import CharField, Count, Exists, F, Min, OuterRef, Q, Subquery, Value
from django.db.models.functions import Cast, Coalesce, Concat

from audiences.models import Audience
from matrix.models import Matrix, MatrixCell, MatrixRow
from matrix.wording import cell_rule_in_words
from principles.models import Principle
from principles.rule import CROSS, INSUFFICIENT, TICK
from reviews.models import Assignment, Review, ReviewRound, RoundVersion, Verdict

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
    rounds = list(page.object_list)
    round_ids = [r.pk for r in rounds]
    if round_ids:
        expected = _expected_reviews(round_ids)
        submitted = _count_by_round(Review.objects.filter(status=Review.Status.SUBMITTED), round_ids)
        use_cases = _count_by_round(RoundVersion.objects.all(), round_ids)
    else:
        expected = submitted = use_cases = {}
    return RoundsPage(
        rounds=tuple(
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
        ),
        page=page,
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


@dataclass(frozen=True)
class MatrixUseCaseRow:
    use_case_slug: str
    number: int
    title: str
    cells: tuple[MatrixCellView, ...]

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


def matrix_page(
    review_round: ReviewRound, *, options: MatrixFilterOptions, filters: MatrixFilters, page_number
) -> MatrixPage:
    """A page of at most MATRIX_ROWS_PER_PAGE use case versions of the round's matrix, grouped by
    audience, with per-principle totals over every selected row. Six queries (count, rows, cells,
    totals and the matrix state), whatever the number of use cases."""
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

    groups: list[MatrixAudienceGroup] = []
    for row in rows:
        use_case_row = MatrixUseCaseRow(
            use_case_slug=row["version__use_case__slug"],
            number=row["version__number"],
            title=row["version__title"],
            cells=tuple(
                MatrixCellView(principle=p, cell=cells.get((row["version_id"], p.pk), EMPTY_CELL)) for p in principles
            ),
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
    verdicts: tuple[CellVerdict, ...]
    # None when no organisation has enough reviewers of this cell to be shown on its own.
    organisation_groups: tuple[OrganisationGroup, ...] | None
    anonymity_min_group: int
    state: MatrixState


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
    principle. Seven queries, whatever the number of reviews."""
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
        verdicts=tuple(verdicts),
        organisation_groups=organisation_groups(
            [(row["review__organisation__name"], row["verdict"]) for row in rows], min_group=min_group
        ),
        anonymity_min_group=min_group,
        state=matrix_state(review_round, version_id=version.pk),
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
