"""Rounds side by side.

Two rounds compared use case by use case (whatever version each reviewed) and principle by
principle (matched by the principle's slug, its code). Both rounds' rows and cells are read in a
fixed number of queries and compared in Python, so the "only what changed" filter and the pages
count exactly the rows shown; a round's cells are a few thousand small tuples at most."""

from dataclasses import dataclass

from django.core.paginator import Page, Paginator

from matrix.models import MatrixCell
from matrix.wording import outcome_change_in_words
from principles.rule import INSUFFICIENT
from reviews.models import ReviewRound, RoundVersion

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
