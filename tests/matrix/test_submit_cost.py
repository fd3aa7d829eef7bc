"""A reviewer's submit never waits for work whose cost grows with the round: on the embedded
default (Celery eager) the version's recompute runs after the commit, inside the request, but the
round's agreement is not measured there (it is measured when next read). So a submit through the
review form makes exactly the same queries in a round of 2 use cases as in one of 60, each with
its reviews. `make bench` measures the time (docs/performance.md)."""

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from matrix.models import Matrix, MatrixAgreement
from matrix.selectors.cells import matrix_state
from matrix.services.agreement import matrix_agreement_refresh
from matrix.services.recompute import matrix_recompute
from reviews.models import Review, RoundVersion, Verdict
from reviews.services.progress_counts import progress_counts_refresh
from tests.factories import (
    make_assignment,
    make_audience,
    make_organisation,
    make_principle,
    make_reviewer,
    make_round,
    make_version,
)

pytestmark = pytest.mark.django_db

# The POST, as it runs with a worker (the full stack): session, user and groups; the round and
# version in one statement, the reviewer's assignments, own review, declared interests, the
# round's principles and membership; review_save's transaction (the round read FOR SHARE with
# whether the version is in it and whether an interest blocks the reviewer, the reviewer's
# assignments of the version with their declines, the review locked, the review, its verdicts, the
# audit row, the version's change counter; the check constraints of the review and its verdicts are
# worked out in Python, bold_portal.validation). In tests the transaction is a savepoint: two statements more. No
# statement reads the whole round, and none is repeated per principle. On PostgreSQL the
# reviewer's assignments are also locked FOR SHARE before their declines are read, so that a
# decline and the save take turns: one statement more.
SUBMIT_QUERIES = 18
# After the commit, the version's recompute (the round's rule, header, claim, changed cells, their
# upsert, the header; a savepoint in tests): in the worker, or with Celery eager (the embedded
# default) in the request, after the response's queries above.
RECOMPUTE_QUERIES = 9
# Also after the commit, the refresh of the version's stored progress counts (reviews.services.
# progress_counts: the round shared, the round's header upserted, the version's rows read, its
# expected reviewers and its submitted reviews counted, the active memberships of the people its
# assignments name (for the organisation leads' rows), its rows deleted and inserted, the changed
# groups' sums deleted and inserted, the round's sums deleted and inserted, so that its pages read
# its totals in a few rows, its My reviews items deleted and inserted, its row of the dashboard's
# order deleted and inserted; a savepoint in tests).
PROGRESS_QUERIES = 18


def submit_queries() -> int:
    return SUBMIT_QUERIES + (1 if connection.vendor == "postgresql" else 0)


def round_with_reviews(*, use_cases: int, reviews_each: int, principle_count: int = 2):
    """An open round whose every use case version has reviews_each submitted reviews, its matrix
    and agreement up to date, and a reviewer assigned to its first version who has not reviewed it."""
    audience = make_audience()
    organisation = make_organisation(audiences=[audience])
    principles = [make_principle() for _ in range(principle_count)]
    versions = [make_version(audience=audience) for _ in range(use_cases)]
    review_round = make_round(principles=principles, versions=versions)
    reviewers = [make_reviewer(organisation=organisation) for _ in range(reviews_each)]
    now = timezone.now()
    reviews = Review.objects.bulk_create(
        Review(round=review_round, version=version, reviewer=reviewer, status=Review.Status.SUBMITTED, submitted_at=now)
        for version in versions
        for reviewer in reviewers
    )
    Verdict.objects.bulk_create(
        Verdict(review=review, principle=principle, verdict=Verdict.Choice.DOES_NOT_MEET, reason="Unclear.")
        for review in reviews
        for principle in principles
    )
    matrix_recompute(round_id=review_round.pk)
    matrix_agreement_refresh(round_id=review_round.pk)
    progress_counts_refresh(round_id=review_round.pk)
    submitter = make_reviewer(organisation=organisation)
    make_assignment(review_round=review_round, version=versions[0], reviewer=submitter)
    return review_round, versions[0], principles, submitter


@pytest.mark.parametrize(("use_cases", "reviews_each", "principle_count"), [(2, 2, 2), (60, 6, 2), (2, 2, 4)])
def test_a_submit_through_the_review_form_makes_the_same_queries_whatever_the_rounds_size(
    client, django_assert_num_queries, django_capture_on_commit_callbacks, use_cases, reviews_each, principle_count
):
    review_round, version, principles, submitter = round_with_reviews(
        use_cases=use_cases, reviews_each=reviews_each, principle_count=principle_count
    )
    client.force_login(submitter)
    url = reverse("reviews:review", args=[review_round.slug, version.use_case.slug, version.number])
    answers = {"overall_comment": "", "lock_version": "0", "action": "submit"}
    for principle in principles:
        answers |= {f"{principle.slug}-verdict": "meets", f"{principle.slug}-reason": ""}
    measured = list(MatrixAgreement.objects.values_list("pk", flat=True))

    with django_capture_on_commit_callbacks() as after_commit, django_assert_num_queries(submit_queries()):
        response = client.post(url, answers)
    # What runs after the commit: the version's recompute (in the worker; with Celery eager, as with
    # `make run`, inside the request).
    with django_assert_num_queries(RECOMPUTE_QUERIES + PROGRESS_QUERIES):
        for callback in after_commit:
            callback()

    assert response.status_code == 302
    assert Review.objects.get(round=review_round, version=version, reviewer=submitter).status == "submitted"
    assert Verdict.objects.filter(review__reviewer=submitter, verdict="meets").count() == principle_count
    # The version's cells are current; the round's agreement was not measured, and says so.
    state = matrix_state(review_round)
    assert not state.is_updating and state.agreement_behind
    assert list(MatrixAgreement.objects.values_list("pk", flat=True)) == measured
    row_count = RoundVersion.objects.get(round=review_round, version=version).change_count
    assert row_count == 1 and Matrix.objects.get(round=review_round).version_recomputes == 1
