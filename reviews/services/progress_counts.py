"""Keep a round's stored progress counts (reviews.models.progress_counts) equal to the live count
of reviews.selectors.progress: recomputed from scratch for some versions of a round, or the whole
round, never incremented (docs/architecture.md, "Progress counts"). Run by the
refresh_progress_counts task after whatever changes them commits; running twice, late or out of
order gives the same rows."""

from collections import Counter
from collections.abc import Iterable, Sequence

from django.db import connection, transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone

from reviews.models import (
    Assignment,
    GroupProgressCount,
    ProgressHeader,
    ProgressScope,
    Review,
    ReviewRound,
    VersionProgressCount,
)
from reviews.selectors.expected import expected_reviewers
from reviews.selectors.requests import declined
from reviews.services.rounds import round_read_shared

# Bandit's B608 (SQL built from strings) is silenced by a nosec comment where a statement below is
# built: only table names from the models and Django's own SQL for the expected reviewers are
# formatted into it; every value is a query parameter.

_SUBMITTED = "SUM(CASE WHEN r.status = 'submitted' THEN 1 ELSE 0 END)"


def _review_join(alias: str) -> str:
    table = connection.ops.quote_name(Review._meta.db_table)
    on = f"r.round_id = %s AND r.version_id = {alias}.version_id AND r.reviewer_id = {alias}.user_id"
    return f"LEFT JOIN {table} r ON {on}"


def _rows(sql: str, params: Sequence) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _version_rows(round_id: int, assignments) -> list[VersionProgressCount]:
    """The version scope: distinct (version, person) pairs by the earliest due date that asks them."""
    expected, params = expected_reviewers(assignments.exclude(declined())).query.sql_with_params()
    sql = f"""
        WITH pairs AS (
            SELECT version_id, user_id, MIN(due_on) AS due_on FROM ({expected}) e GROUP BY version_id, user_id
        )
        SELECT p.version_id, p.due_on, COUNT(*), {_SUBMITTED} FROM pairs p {_review_join("p")}
        GROUP BY p.version_id, p.due_on
    """  # nosec
    return [
        VersionProgressCount(
            round_id=round_id,
            version_id=version_id,
            scope=ProgressScope.VERSION,
            due_on=due_on,
            expected=expected,
            submitted=submitted or 0,
        )
        for version_id, due_on, expected, submitted in _rows(sql, [*params, round_id])
    ]


def _group_rows(round_id: int, assignments) -> list[VersionProgressCount]:
    """One row per assignment, declined or not: its expected reviewers and those submitted."""
    expected, params = expected_reviewers(assignments.exclude(declined())).query.sql_with_params()
    sql = f"""
        SELECT e.id, COUNT(*), {_SUBMITTED} FROM ({expected}) e {_review_join("e")} GROUP BY e.id
    """  # nosec
    counts = {pk: (n, submitted or 0) for pk, n, submitted in _rows(sql, [*params, round_id])}
    rows = []
    for pk, version_id, organisation_id, reviewer_id, due_on in assignments.order_by().values_list(
        "pk", "version_id", "organisation_id", "reviewer_id", "due_on"
    ):
        n, submitted = counts.get(pk, (0, 0))
        rows.append(
            VersionProgressCount(
                round_id=round_id,
                version_id=version_id,
                scope=ProgressScope.ORGANISATION if organisation_id else ProgressScope.PERSON,
                organisation_id=organisation_id,
                reviewer_id=reviewer_id,
                due_on=due_on,
                expected=n,
                submitted=submitted,
            )
        )
    return rows


def _summary_rows(round_id: int, assignments, version_ids: list[int] | None) -> list[VersionProgressCount]:
    """What the rounds page counts: pairs with people asked in person who have left since, and
    every submitted review."""
    pairs, params = expected_reviewers(
        assignments.exclude(declined()), with_people_who_left=True
    ).query.sql_with_params()
    sql = f"SELECT version_id, COUNT(DISTINCT user_id) FROM ({pairs}) e GROUP BY version_id"  # nosec
    expected = dict(_rows(sql, params))
    reviews = Review.objects.filter(round_id=round_id, status=Review.Status.SUBMITTED)
    if version_ids is not None:
        reviews = reviews.filter(version_id__in=version_ids)
    submitted = dict(
        reviews.order_by().values_list("version_id").annotate(n=Count("pk")).values_list("version_id", "n")
    )
    return [
        VersionProgressCount(
            round_id=round_id,
            version_id=version_id,
            scope=ProgressScope.SUMMARY,
            expected=expected.get(version_id, 0),
            submitted=submitted.get(version_id, 0),
        )
        for version_id in sorted(set(expected) | set(submitted))
    ]


def _group_key(row) -> tuple[str, int]:
    return (row.scope, row.organisation_id or row.reviewer_id)


def _changed_groups(old: Iterable[VersionProgressCount], new: Iterable[VersionProgressCount]) -> set[tuple[str, int]]:
    """The organisations and people whose rows in these versions differ between old and new."""

    def tally(rows) -> Counter:
        return Counter(
            (_group_key(r), r.version_id, r.due_on, r.expected, r.submitted)
            for r in rows
            if r.scope in (ProgressScope.ORGANISATION, ProgressScope.PERSON)
        )

    before, after = tally(old), tally(new)
    return {key[0] for key in (before - after) + (after - before)}


def _groups_refresh(round_id: int, groups: set[tuple[str, int]] | None) -> None:
    """Sum each group's stored per-version rows into its round rows (every group's for None)."""
    stored = VersionProgressCount.objects.filter(
        round_id=round_id, scope__in=[ProgressScope.ORGANISATION, ProgressScope.PERSON]
    )
    totals = GroupProgressCount.objects.filter(round_id=round_id)
    if groups is not None:
        if not groups:
            return
        organisations = [pk for scope, pk in groups if scope == ProgressScope.ORGANISATION]
        people = [pk for scope, pk in groups if scope == ProgressScope.PERSON]
        chosen = Q(scope=ProgressScope.ORGANISATION, organisation_id__in=organisations) | Q(
            scope=ProgressScope.PERSON, reviewer_id__in=people
        )
        stored, totals = stored.filter(chosen), totals.filter(chosen)
    totals.delete()
    GroupProgressCount.objects.bulk_create(
        (
            GroupProgressCount(round_id=round_id, **row)
            for row in stored.order_by()
            .values("scope", "organisation_id", "reviewer_id", "due_on")
            .annotate(versions=Count("pk"), expected=Sum("expected"), submitted=Sum("submitted"))
        ),
        batch_size=5000,
    )


def _header_locked(round_id: int) -> ProgressHeader:
    # Created once, by whichever refresh comes first; the others find it. Then locked: refreshes of
    # one round take turns, so that each sums its groups' rows with the others' already committed.
    ProgressHeader.objects.bulk_create(
        [ProgressHeader(round_id=round_id, refreshed_at=timezone.now())], ignore_conflicts=True
    )
    return ProgressHeader.objects.select_for_update(of=("self",)).get(round_id=round_id)


def progress_counts_refresh(*, round_id: int, version_ids: Sequence[int] | None = None) -> bool:
    """Recompute the round's stored progress counts from scratch: of these versions (and of the
    organisations and people whose rows in them changed), or with version_ids None of the whole
    round. One transaction; locks, in the project's order, the round FOR SHARE (as every change in
    a round does; closing it waits), then the round's ProgressHeader. Returns False, changing
    nothing, for a round that no longer exists or whose figures were frozen when it closed."""
    with transaction.atomic():
        try:
            review_round = round_read_shared(round_id)
        except ReviewRound.DoesNotExist:
            return False
        if review_round.status == ReviewRound.Status.CLOSED and review_round.figures_frozen:
            return False
        header = _header_locked(round_id)
        ids = None if version_ids is None else sorted(set(version_ids))
        assignments = Assignment.objects.filter(round_id=round_id)
        stored = VersionProgressCount.objects.filter(round_id=round_id)
        if ids is not None:
            assignments, stored = assignments.filter(version_id__in=ids), stored.filter(version_id__in=ids)
        new = [
            *_version_rows(round_id, assignments),
            *_group_rows(round_id, assignments),
            *_summary_rows(round_id, assignments, ids),
        ]
        old = list(stored) if ids is not None else []
        stored.delete()
        VersionProgressCount.objects.bulk_create(new, batch_size=5000)
        _groups_refresh(round_id, None if ids is None else _changed_groups(old, new))
        if ids is None:
            header.refreshed_at = timezone.now()
        else:
            header.version_refreshes += 1
        header.save(update_fields=["refreshed_at", "version_refreshes"])
    return True
