"""Reading a round's stored progress counts (reviews.models.progress_counts), and whether a refresh
of them is queued. The pages sum the stored rows: one row per version and due date, per
organisation or person and due date, so a statement's cost does not grow with the number of
people each version expects. Overdue is counted when read, from the stored due dates, so the
counts need no refresh when a day passes; but for the dashboard's order of versions
(VersionProgressOrder), counted again each day."""

import contextlib
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import Case, Count, Exists, OuterRef, Q, Subquery, Sum, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from reviews.models import (
    GroupProgressCount,
    ProgressHeader,
    ProgressScope,
    Review,
    ReviewRound,
    RoundProgressCount,
)

# How many refreshes of the round's counts are queued and not yet run. A lost message leaves it
# above nought until it expires: the page then says "being updated" for that long, and the
# nightly repair puts the counts right.
QUEUED_KEY = "progress-refreshes-queued:{round_id}"
QUEUED_TIMEOUT_SECONDS = 600


def progress_refresh_queued(round_id: int) -> None:
    key = QUEUED_KEY.format(round_id=round_id)
    cache.add(key, 0, timeout=QUEUED_TIMEOUT_SECONDS)
    try:
        cache.incr(key)
    except ValueError:  # expired between the two calls
        cache.set(key, 1, timeout=QUEUED_TIMEOUT_SECONDS)


def progress_refresh_done(round_id: int) -> None:
    # A message delivered twice counts down twice: never below nought for long, and read as "current".
    with contextlib.suppress(Exception):
        cache.decr(QUEUED_KEY.format(round_id=round_id))


def progress_being_updated(round_id: int) -> bool:
    """Whether a refresh of the round's counts is queued and has not run: the figures shown may
    lag behind the latest changes. Never with Celery eager, where refreshes run at commit."""
    try:
        return (cache.get(QUEUED_KEY.format(round_id=round_id)) or 0) > 0
    except Exception:
        return False


def progress_refreshable_round_ids() -> list[int]:
    """Every round but those whose figures were frozen when they closed."""
    return _refreshable(Q())


def _header(review_round: ReviewRound) -> tuple | None:
    """The round's ProgressHeader's (ordered_on,), or None when its counts were never computed. Read
    once per round object: the pages of one request ask several times."""
    if not hasattr(review_round, "_progress_header"):
        header = ProgressHeader.objects.filter(round_id=review_round.pk).values_list("ordered_on")
        review_round._progress_header = header.first()
    return review_round._progress_header


def progress_stored(review_round: ReviewRound) -> bool:
    """Whether the round's counts have been computed (else its pages count live)."""
    if not hasattr(review_round, "_progress_stored"):
        review_round._progress_stored = _header(review_round) is not None
    return review_round._progress_stored


def progress_ordered_today(review_round: ReviewRound) -> bool:
    """Whether the round's stored counts are in the progress dashboard's order as at today
    (VersionProgressOrder): else, the day has changed since they were counted, and the dashboard
    orders the stored counts itself."""
    header = _header(review_round)
    return progress_stored(review_round) and header is not None and header[0] == timezone.localdate()


@dataclass(frozen=True)
class RoundCount:
    """A round's figures for the rounds page: expected None when its counts are not stored (the
    caller counts them live)."""

    expected: int | None
    submitted: int


def round_counts(round_ids: list[int]) -> dict[int, RoundCount]:
    """Per round: for one whose counts are stored, its expected and submitted reviews as the
    rounds page counts them, read from its round summary row (the sum of its versions'); for the
    others, its submitted reviews counted live. One query."""
    summary = RoundProgressCount.objects.filter(round=OuterRef("pk"), scope=ProgressScope.SUMMARY).order_by()
    summed = summary.values("round").annotate(n=Sum("expected")).values("n")
    summed_submitted = summary.values("round").annotate(n=Sum("submitted")).values("n")
    live_submitted = (
        Review.objects.filter(round=OuterRef("pk"), status=Review.Status.SUBMITTED)
        .order_by()
        .values("round")
        .annotate(n=Count("pk"))
        .values("n")
    )
    rows = (
        ReviewRound.objects.filter(pk__in=round_ids)
        .order_by()
        .annotate(stored=Exists(ProgressHeader.objects.filter(round=OuterRef("pk"))))
        .annotate(
            expected_stored=Case(When(stored=True, then=Coalesce(Subquery(summed), 0))),
            submitted_count=Coalesce(
                Case(When(stored=True, then=Subquery(summed_submitted)), default=Subquery(live_submitted)), 0
            ),
        )
        .values_list("pk", "expected_stored", "submitted_count")
    )
    return {pk: RoundCount(expected=expected, submitted=submitted) for pk, expected, submitted in rows}


def stored_group_count(review_round: ReviewRound) -> int:
    """How many organisations and people the round gives use cases to. One query."""
    return (
        GroupProgressCount.objects.filter(
            round=review_round, scope__in=[ProgressScope.ORGANISATION, ProgressScope.PERSON]
        ).aggregate(n=Count("organisation", distinct=True) + Count("reviewer", distinct=True))["n"]
        or 0
    )


# The stored counterparts of reviews.selectors.progress's CTE chains, ending in "progress" with the
# same columns. Parameters: the day overdue is counted on, the round.
STORED_VERSION_PROGRESS = """
    WITH progress AS (
        SELECT version_id, MIN(due_on) AS due_on, SUM(expected) AS expected, SUM(submitted) AS submitted,
               SUM(CASE WHEN due_on < %s THEN expected - submitted ELSE 0 END) AS overdue
        FROM {stored_version}
        WHERE round_id = %s AND scope = 'version'
        GROUP BY version_id
    )
"""
STORED_GROUP_PROGRESS = """
    WITH progress AS (
        SELECT scope AS kind, COALESCE(organisation_id, reviewer_id) AS group_id, SUM(versions) AS versions,
               SUM(expected) AS expected, SUM(submitted) AS submitted,
               SUM(CASE WHEN due_on < %s THEN expected - submitted ELSE 0 END) AS overdue
        FROM {stored_group}
        WHERE round_id = %s AND scope IN ('organisation', 'person')
        GROUP BY scope, COALESCE(organisation_id, reviewer_id)
    )
"""


def progress_round_ids_of_organisation(organisation_id: int) -> list[int]:
    """The rounds whose counts an organisation's change of members moves: those giving use cases
    to it or in person to its members, and those whose stored counts still count someone as its
    member (who has just left)."""
    counted = GroupProgressCount.objects.filter(scope=ProgressScope.MEMBER, organisation_id=organisation_id)
    return _refreshable(
        Q(assignments__organisation_id=organisation_id)
        | Q(assignments__reviewer__memberships__organisation_id=organisation_id)
        | Q(pk__in=counted.values("round_id"))
    )


def progress_round_ids_of_person(user_id: int) -> list[int]:
    """The rounds whose counts a person's account being switched on or off moves: those giving
    them use cases in person or through an organisation of theirs."""
    return _refreshable(
        Q(assignments__reviewer_id=user_id) | Q(assignments__organisation__memberships__user_id=user_id)
    )


def _refreshable(given: Q) -> list[int]:
    frozen = Q(status=ReviewRound.Status.CLOSED, figures_frozen=True)
    return list(
        ReviewRound.objects.filter(given).exclude(frozen).order_by("pk").values_list("pk", flat=True).distinct()
    )
