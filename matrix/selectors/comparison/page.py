"""Rounds side by side.

Two rounds compared use case by use case (whatever version each reviewed) and principle by
principle (matched by the principle's slug, its code). The summary, the caveats, the "only what
changed" filter, the order and the paging are SQL over both rounds' stored cells; only the use
cases on the page are built in Python. The summary and the caveats count every use case of both
rounds in one pass, and are kept until either round changes; on PostgreSQL a page of every use
case, or of one, reads only the use cases up to its last, in matrix order, by an index (the "only
what changed" page reads the shared ones).

Each cell of the comparison is one of four kinds: improved (a cross became a tick), worsened (a
tick became a cross), unchanged (the same tick or cross in both), or not comparable (a round did
not review the use case or does not have the principle, or has not enough reviews yet). Only the
first two are changes.

This module is the selector; kinds holds what a comparison is made of, statements its SQL, and
summary the summary and the caveats, kept while neither round changes."""

from django.core.paginator import Paginator
from django.db.models import Q

from matrix.models import MatrixCell
from matrix.selectors.comparison.kinds import (
    CellCounts,
    ChangeSummary,
    ComparedCell,
    ComparedUseCase,
    RoundCaveat,
    RoundComparison,
)
from matrix.selectors.comparison.statements import ONE_USE_CASE, ONLY_CHANGED, PAGE, comparison_sql, fetch_rows
from matrix.selectors.comparison.summary import comparison_summary
from principles.rule import INSUFFICIENT
from reviews.models import ReviewRound

COMPARISON_ROWS_PER_PAGE = 50


def _side(version_id: int | None, number: int | None, title: str | None, behind: int | None) -> dict | None:
    """One round's side of a use case, from the page's statement (None: not in the round)."""
    if version_id is None:
        return None
    return {"version_id": version_id, "number": number, "title": title, "behind": bool(behind)}


class _ComparedPages:
    """The use cases the comparison shows, as the paginator asks for them: the count known from the
    summary, and each page read in one statement, then its cells in one query."""

    def __init__(self, *, count: int, build, params: dict, filter_sql: str):
        self._count = count
        self._build = build
        self._params = params
        self._filter = filter_sql

    def count(self) -> int:
        return self._count

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, key: slice) -> list[ComparedUseCase]:
        offset = key.start or 0
        limit = (key.stop if key.stop is not None else self._count) - offset
        params = {**self._params, "limit": limit, "offset": offset, "reach": offset + limit}
        return self._build(fetch_rows(comparison_sql(PAGE, self._filter), params))


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
    both rounds, counted in SQL (comparison_summary: kept while neither round changes); only the
    page's use cases are built. Four queries (the rounds' principles, the summary with the caveats
    or the state it was kept for, the page and its cells), whatever the number of use cases, and
    one more when the summary has to be counted."""
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
    params = {"a": round_a.pk, "b": round_b.pk, "insufficient": INSUFFICIENT, "use_case_slug": use_case_slug}
    figures = comparison_summary(round_a=round_a, round_b=round_b)

    def build(rows: list[tuple]) -> list[ComparedUseCase]:
        """The page's use cases, from its statement's rows: each side's cells in one query."""
        sides = [(_side(*both[:4]), _side(*both[4:]), slug, audience_name) for slug, audience_name, *both in rows]
        wanted = Q(pk__in=[])
        for review_round, versions in (
            (round_a, [a for a, *_ in sides if a]),
            (round_b, [b for _, b, *_ in sides if b]),
        ):
            wanted |= Q(round_id=review_round.pk, version_id__in=[version["version_id"] for version in versions])
        cells_of = MatrixCell.objects.filter(wanted).values_list(
            "round_id", "version_id", "principle_id", "outcome", "meets", "does_not_meet", "not_sure"
        )
        stored = {
            (round_id, version_id, principle_id): (outcome, CellCounts(*counts))
            for round_id, version_id, principle_id, outcome, *counts in cells_of
        }

        def side(review_round: ReviewRound, version: dict | None, slug: str) -> tuple[str | None, CellCounts | None]:
            principle_id = principle_slugs.get((review_round.pk, slug))
            if version is None or principle_id is None:
                return None, None
            # A version not computed yet counts as not enough reviews, as on the matrix page.
            return stored.get((review_round.pk, version["version_id"], principle_id), (INSUFFICIENT, None))

        entries = []
        for a, b, case_slug, audience_name in sides:
            newest = max((v for v in (a, b) if v), key=lambda v: v["number"])
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
                        updating_a=outcome_a is not None and a["behind"],
                        updating_b=outcome_b is not None and b["behind"],
                    )
                )
            entries.append(
                ComparedUseCase(
                    audience_name=audience_name,
                    use_case_slug=case_slug,
                    title=newest["title"],
                    number_a=a["number"] if a else None,
                    number_b=b["number"] if b else None,
                    cells=tuple(cells),
                )
            )
        return entries

    if use_case_slug:
        shown, filter_sql = 1, ONE_USE_CASE
    elif only_changed:
        shown, filter_sql = figures.changed_use_cases, ONLY_CHANGED
    else:
        shown, filter_sql = figures.use_cases, ""
    pages = _ComparedPages(count=shown, build=build, params=params, filter_sql=filter_sql)
    page = Paginator(pages, COMPARISON_ROWS_PER_PAGE).get_page(page_number)
    if use_case_slug and not page.object_list:
        return None
    caveats = [
        RoundCaveat(
            round=review_round,
            still_open=review_round.status != ReviewRound.Status.CLOSED,
            below_minimum=below,
            use_cases=count,
        )
        for review_round, count, below in (
            (round_a, figures.use_cases_a, figures.below_minimum_a),
            (round_b, figures.use_cases_b, figures.below_minimum_b),
        )
    ]
    return RoundComparison(
        round_a=round_a,
        round_b=round_b,
        principles=tuple(principles.items()),
        use_cases=tuple(page.object_list),
        page=page,
        total_use_cases=figures.use_cases,
        changed_use_cases=figures.changed_use_cases,
        summary=ChangeSummary(
            improved=figures.improved,
            worsened=figures.worsened,
            unchanged=figures.unchanged,
            not_comparable=figures.use_cases * len(principles)
            - figures.improved
            - figures.worsened
            - figures.unchanged,
        ),
        caveats=tuple(caveat for caveat in caveats if caveat.any),
        use_case_slug=use_case_slug,
    )


def comparison_round_choices() -> list[tuple[str, str]]:
    """Every round, newest first, as (slug, name) choices for the comparison form. One query."""
    return list(ReviewRound.objects.order_by("-created_at", "-pk").values_list("slug", "name"))
