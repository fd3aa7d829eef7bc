"""How many reviewers the agreement rests on (matrix.selectors.agreement_reviewer_counts): one
grouped statement over the round's verdicts, equal to a plain count on random rounds, and read
in one pass on SQLite and PostgreSQL (no probe of other rounds' verdicts per cell)."""

import random

import pytest
from django.db import connection
from django.utils import timezone

from matrix.models import MatrixCell
from matrix.selectors.agreement import REVIEWER_COUNTS_MARK, agreement_reviewer_counts
from matrix.services.recompute import matrix_recompute
from reviews.models import Review, Verdict
from tests.factories import make_principle, make_round, make_user, make_version

pytestmark = pytest.mark.django_db

CHOICES = [Verdict.Choice.MEETS, Verdict.Choice.DOES_NOT_MEET, Verdict.Choice.NOT_SURE]
STATUSES = [*[Review.Status.SUBMITTED] * 4, Review.Status.DRAFT, Review.Status.WITHDRAWN]


def random_rounds(rng: random.Random):
    """A round and, sharing its versions, reviewers and a further principle, another round: random
    reviews (submitted, draft or withdrawn) with random verdicts, some on a principle outside the
    measured round. Written in bulk, then each round's matrix computed."""
    principles = [make_principle() for _ in range(3)]
    versions = [make_version() for _ in range(rng.randint(1, 5))]
    measured = make_round(principles=principles[:2], versions=versions)
    other = make_round(principles=principles, versions=versions)
    reviewers = [make_user() for _ in range(rng.randint(1, 7))]
    now = timezone.now()
    for review_round in (measured, other):
        for version in versions:
            for reviewer in reviewers:
                if rng.random() < 0.2:
                    continue
                status = rng.choice(STATUSES)
                review = Review.objects.create(
                    round=review_round,
                    version=version,
                    reviewer=reviewer,
                    status=status,
                    submitted_at=now if status != Review.Status.DRAFT else None,
                )
                Verdict.objects.bulk_create(
                    Verdict(review=review, principle=principle, verdict=rng.choice(CHOICES), reason="Why.")
                    for principle in principles
                    if rng.random() < 0.9
                )
        matrix_recompute(round_id=review_round.pk)
    return measured


def plain_count(review_round) -> tuple[dict[int, int], int]:
    """The definition, as the earlier statement read it: people with a submitted meets or does not
    meet on a stored cell of the round with at least two such verdicts."""
    pairable = {
        (cell.version_id, cell.principle_id)
        for cell in MatrixCell.objects.filter(round=review_round)
        if cell.meets + cell.does_not_meet >= 2
    }
    pairs = {
        (verdict.review.reviewer_id, verdict.principle_id)
        for verdict in Verdict.objects.filter(
            review__round=review_round,
            review__status=Review.Status.SUBMITTED,
            verdict__in=[Verdict.Choice.MEETS, Verdict.Choice.DOES_NOT_MEET],
        ).select_related("review")
        if (verdict.review.version_id, verdict.principle_id) in pairable
    }
    per_principle: dict[int, int] = {}
    for _reviewer, principle_id in pairs:
        per_principle[principle_id] = per_principle.get(principle_id, 0) + 1
    return per_principle, len({reviewer for reviewer, _principle in pairs})


@pytest.mark.parametrize("seed", range(12))
def test_the_counts_equal_a_plain_count_over_the_stored_cells_on_random_rounds(seed):
    review_round = random_rounds(random.Random(seed))

    assert agreement_reviewer_counts(review_round) == plain_count(review_round)


def reviewer_counts_plan(review_round) -> str:
    statements = []

    def capture(execute, sql, params, many, context):
        if REVIEWER_COUNTS_MARK in sql:
            statements.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(capture):
        agreement_reviewer_counts(review_round)
    ((sql, params),) = statements
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            return "\n".join(row[-1] for row in cursor.fetchall())
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


def test_the_statement_reads_the_rounds_verdicts_through_their_reviews_once(db):
    """The earlier statement joined the stored cells, and SQLite then read, for every cell, every
    verdict of its principle in any round: quadratic in the round (1 s at 200 use cases, 16 s at
    600). This one starts from the round's reviews and reads each one's verdicts by its index."""
    review_round = random_rounds(random.Random(0))

    plan = reviewer_counts_plan(review_round)

    assert MatrixCell._meta.db_table not in plan
    # PostgreSQL: no statement run once per row (a hashed one runs once).
    assert all("hashed SubPlan" in line for line in plan.splitlines() if "SubPlan" in line)
    assert "reviews_verdict_principle_id" not in plan  # no reading of verdicts by principle
    if connection.vendor == "sqlite":
        assert "USING COVERING INDEX verdict_aggregate_idx (review_id=?)" in plan
