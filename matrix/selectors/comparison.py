"""Rounds side by side.

Two rounds compared use case by use case (whatever version each reviewed) and principle by
principle (matched by the principle's slug, its code). Both rounds' rows and cells are read in a
fixed number of queries and compared in Python, so the "only what changed" filter, the summary and
the pages count exactly the rows shown; a round's cells are a few thousand small tuples at most.

Each cell of the comparison is one of four kinds: improved (a cross became a tick), worsened (a
tick became a cross), unchanged (the same tick or cross in both), or not comparable (a round did
not review the use case or does not have the principle, or has not enough reviews yet). Only the
first two are changes."""

from dataclasses import dataclass

from django.core.paginator import Page, Paginator

from matrix.models import MatrixCell
from matrix.selectors.cells import matrix_state
from matrix.wording import being_updated_change_in_words, outcome_change_in_words
from principles.rule import CROSS, INSUFFICIENT, TICK
from reviews.models import ReviewRound, RoundVersion

COMPARISON_ROWS_PER_PAGE = 50

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


def _caveat(review_round: ReviewRound, versions: list[dict], reviews: dict[tuple[int, int], int]) -> RoundCaveat:
    """A version is below the round's minimum when none of its cells has as many verdicts as the
    minimum (or it has no cells yet): the number of reviews, as the cells count them."""
    below = sum(
        1 for version in versions if reviews.get((review_round.pk, version["version_id"]), 0) < review_round.min_reviews
    )
    return RoundCaveat(
        round=review_round,
        still_open=review_round.status != ReviewRound.Status.CLOSED,
        below_minimum=below,
        use_cases=len(versions),
    )


def round_comparison(
    *,
    round_a: ReviewRound,
    round_b: ReviewRound,
    only_changed: bool = False,
    use_case_slug: str = "",
    page_number=None,
) -> RoundComparison | None:
    """The two rounds side by side: one entry per use case in either round, in matrix order
    (audience, then use case), with the title of the newest version reviewed; one cell per principle
    of either round, in round A's principle order then round B's. With use_case_slug, only that use
    case (None if neither round has it). The summary and the caveats are over every use case of
    both rounds. Seven queries (the rounds' principles, versions and cells, and each round's matrix
    state's two), whatever the number of use cases."""
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
    stored: dict[tuple[int, int, int], tuple[str, CellCounts]] = {}
    # Per (round id, version id), the most verdicts on any of its cells: its reviews, as counted.
    reviews: dict[tuple[int, int], int] = {}
    for row in (
        MatrixCell.objects.filter(round_id__in=round_ids, version_id__in=version_ids)
        .values_list("round_id", "version_id", "principle_id", "outcome", "meets", "does_not_meet", "not_sure")
        .iterator(chunk_size=5000)
    ):
        round_id, version_id, principle_id, outcome, meets, does_not_meet, not_sure = row
        stored[(round_id, version_id, principle_id)] = (outcome, CellCounts(meets, does_not_meet, not_sure))
        key = (round_id, version_id)
        reviews[key] = max(reviews.get(key, 0), meets + does_not_meet + not_sure)

    states = {review_round.pk: matrix_state(review_round) for review_round in (round_a, round_b)}

    def updating(review_round: ReviewRound, version: dict | None) -> bool:
        return version is not None and states[review_round.pk].is_behind(version["version_id"])

    def side(review_round: ReviewRound, version: dict | None, slug: str) -> tuple[str | None, CellCounts | None]:
        principle_id = principle_slugs.get((review_round.pk, slug))
        if version is None or principle_id is None:
            return None, None
        # A version not computed yet counts as not enough reviews, as on the matrix page.
        return stored.get((review_round.pk, version["version_id"], principle_id), (INSUFFICIENT, None))

    entries = []
    for use_case_id in {use_case_id for _, use_case_id in versions}:
        a, b = versions.get((round_a.pk, use_case_id)), versions.get((round_b.pk, use_case_id))
        newest = max((v for v in (a, b) if v), key=lambda v: v["version__number"])
        cells = []
        for slug, name in principles.items():
            (outcome_a, counts_a), (outcome_b, counts_b) = side(round_a, a, slug), side(round_b, b, slug)
            cells.append(
                ComparedCell(
                    slug,
                    name,
                    outcome_a,
                    outcome_b,
                    counts_a,
                    counts_b,
                    updating_a=outcome_a is not None and updating(round_a, a),
                    updating_b=outcome_b is not None and updating(round_b, b),
                )
            )
        entry = ComparedUseCase(
            audience_name=newest["version__use_case__audience__name"],
            use_case_slug=newest["version__use_case__slug"],
            title=newest["version__title"],
            number_a=a["version__number"] if a else None,
            number_b=b["version__number"] if b else None,
            cells=tuple(cells),
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
    kinds = dict.fromkeys(CHANGE_KINDS, 0)
    for entry in ordered:
        for cell in entry.cells:
            kinds[cell.kind] += 1
    if use_case_slug:
        shown = [entry for entry in ordered if entry.use_case_slug == use_case_slug]
        if not shown:
            return None
    else:
        shown = changed if only_changed else ordered
    page = Paginator(shown, COMPARISON_ROWS_PER_PAGE).get_page(page_number)
    caveats = tuple(
        _caveat(review_round, [v for (round_id, _), v in versions.items() if round_id == review_round.pk], reviews)
        for review_round in (round_a, round_b)
    )
    return RoundComparison(
        round_a=round_a,
        round_b=round_b,
        principles=tuple(principles.items()),
        use_cases=tuple(page.object_list),
        page=page,
        total_use_cases=len(ordered),
        changed_use_cases=len(changed),
        summary=ChangeSummary(
            improved=kinds[IMPROVED],
            worsened=kinds[WORSENED],
            unchanged=kinds[UNCHANGED],
            not_comparable=kinds[NOT_COMPARABLE],
        ),
        caveats=tuple(caveat for caveat in caveats if caveat.any),
        use_case_slug=use_case_slug,
    )


def comparison_round_choices() -> list[tuple[str, str]]:
    """Every round, newest first, as (slug, name) choices for the comparison form. One query."""
    return list(ReviewRound.objects.order_by("-created_at", "-pk").values_list("slug", "name"))
