"""The analysts' rounds page: every round with its progress, reviews submitted out of expected.
Each read returns small frozen dataclasses; the counts come from grouped queries, so the page makes
the same number of queries whatever the number of rounds, assignments or reviews."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.core.paginator import Page, Paginator
from django.db.models import Count

from reviews.models import ClosedRoundFigure, ReviewRound, RoundVersion
from reviews.selectors.progress import expected_reviews_by_round
from reviews.selectors.progress_counts import progress_being_updated, round_counts

ROUNDS_PER_PAGE = 25


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
    # The figures were stored when the round closed: the page says they are as at closing.
    as_at_closing: bool = False
    # A refresh of the stored counts is queued: the figures may lag behind the latest changes.
    being_updated: bool = False


@dataclass(frozen=True)
class RoundsPage:
    rounds: tuple[RoundSummary, ...]
    page: Page


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
    """The rounds with their progress: for a round whose figures were frozen when it closed, those
    figures, as at closing; for one whose counts are stored (reviews.models.progress_counts), their
    sums; for the others, counted live. Three queries, and one more if any round is counted live
    (none for no rounds)."""
    round_ids = [r.pk for r in rounds]
    if round_ids:
        counts = round_counts(round_ids)
        stored = {pk for pk, count in counts.items() if count.expected is not None}
        expected = expected_reviews_by_round([pk for pk in round_ids if pk not in stored])
        expected |= {pk: counts[pk].expected for pk in stored}
        submitted = {pk: count.submitted for pk, count in counts.items()}
        use_cases = _count_by_round(RoundVersion.objects.all(), round_ids)
        frozen_ids = [r.pk for r in rounds if r.status == ReviewRound.Status.CLOSED and r.figures_frozen]
        for figure in ClosedRoundFigure.objects.filter(round_id__in=frozen_ids, scope=ClosedRoundFigure.Scope.SUMMARY):
            expected[figure.round_id], submitted[figure.round_id] = figure.expected, figure.submitted
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
            as_at_closing=r.status == ReviewRound.Status.CLOSED and r.figures_frozen,
            being_updated=r.pk in stored and progress_being_updated(r.pk),
        )
        for r in rounds
    )


def round_version_count(review_round: ReviewRound) -> int:
    """How many use case versions the round has (the rows of its whole matrix). One query."""
    return RoundVersion.objects.filter(round=review_round).count()
