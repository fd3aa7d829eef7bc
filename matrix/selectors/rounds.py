"""The analysts' rounds page: every round with its progress, reviews submitted out of expected.
Each read returns small frozen dataclasses; the counts come from grouped queries, so the page makes
the same number of queries whatever the number of rounds, assignments or reviews."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.core.paginator import Page, Paginator
from django.db.models import CharField, Count, F, Q, Value
from django.db.models.functions import Cast, Coalesce, Concat

from reviews.models import Assignment, Review, ReviewRound, RoundVersion
from reviews.selectors.requests import declined

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


def round_version_count(review_round: ReviewRound) -> int:
    """How many use case versions the round has (the rows of its whole matrix). One query."""
    return RoundVersion.objects.filter(round=review_round).count()
