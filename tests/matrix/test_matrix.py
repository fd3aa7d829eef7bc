"""round_matrix: the cells come from submitted reviews of the round only, in a fixed number of queries."""

import datetime

import pytest
from django.utils import timezone

from matrix.selectors import CROSS, INSUFFICIENT, TICK, round_matrix
from matrix.services import matrix_snapshot_refresh
from reviews.models import Verdict
from reviews.services import VerdictInput, review_save, review_withdraw
from tests.factories import make_audience, make_principle, make_reviewer, make_round, make_version

pytestmark = pytest.mark.django_db

MEETS, CROSSED, UNSURE = Verdict.Choice.MEETS, Verdict.Choice.DOES_NOT_MEET, Verdict.Choice.NOT_SURE
COMPUTED_AT = datetime.datetime(2026, 11, 25, 9, 0, tzinfo=datetime.UTC)


def review(review_round, version, answers: dict, *, submit=True, reviewer=None):
    """One reviewer's review, answers being {principle: verdict}."""
    return review_save(
        reviewer=reviewer or make_reviewer(),
        review_round=review_round,
        version=version,
        verdicts=[VerdictInput(principle_id=p.pk, verdict=v, reason="Because") for p, v in answers.items()],
        overall_comment="",
        expected_lock_version=0,
        submit=submit,
    )


@pytest.fixture
def built():
    """Two audiences, three versions in the round, one outside it, one principle outside it."""
    relevant = make_principle(name="Relevant", slug="relevant", order=1)
    clear = make_principle(name="Clear", slug="clear", order=2)
    realism = make_principle(name="Realism", slug="realism", order=3)
    homelessness = make_audience(name="Homelessness", slug="homelessness", display_order=1)
    victims = make_audience(name="Victims", slug="victims", display_order=2)
    victims_case = make_version(audience=victims, title="Support after abuse")
    housing_case = make_version(audience=homelessness, title="Routes into housing")
    housing_case_v2 = make_version(use_case=housing_case.use_case, number=2, title="Routes into housing, revised")
    outside = make_version(audience=homelessness, title="Not in this round")
    review_round = make_round(principles=[clear, relevant], versions=[victims_case, housing_case, housing_case_v2])
    other_round = make_round(principles=[relevant, clear, realism], versions=[housing_case, outside])
    return {
        "round": review_round,
        "other_round": other_round,
        "relevant": relevant,
        "clear": clear,
        "realism": realism,
        "housing": housing_case,
        "housing_v2": housing_case_v2,
        "victims": victims_case,
        "outside": outside,
    }


def test_the_matrix_counts_submitted_reviews_of_the_round_only(built):
    r, relevant, clear, housing = built["round"], built["relevant"], built["clear"], built["housing"]
    review(r, housing, {relevant: MEETS, clear: CROSSED})
    review(r, housing, {relevant: MEETS, clear: UNSURE})
    review(r, housing, {relevant: CROSSED, clear: CROSSED})
    review(r, housing, {relevant: CROSSED, clear: MEETS}, submit=False)  # a draft
    withdrawn = review(r, housing, {relevant: CROSSED, clear: MEETS})
    review_withdraw(review=withdrawn, actor=withdrawn.reviewer, expected_lock_version=1)
    review(built["other_round"], housing, {relevant: CROSSED, clear: CROSSED, built["realism"]: MEETS})
    review(r, built["victims"], {relevant: MEETS, clear: MEETS})

    matrix = round_matrix(r, computed_at=COMPUTED_AT)

    assert matrix["round"] == r.slug
    assert matrix["computed_at"] == COMPUTED_AT.isoformat()
    assert (matrix["threshold"], matrix["min_reviews"]) == (0.5, 2)
    assert matrix["principles"] == ["relevant", "clear"]
    assert [(row["audience"], row["title"], row["version"]) for row in matrix["rows"]] == [
        ("homelessness", "Routes into housing", 1),
        ("homelessness", "Routes into housing, revised", 2),
        ("victims", "Support after abuse", 1),
    ]
    housing_row, revised_row, victims_row = matrix["rows"]
    assert housing_row["cells"] == {
        "relevant": {"outcome": TICK, "meets": 2, "does_not_meet": 1, "not_sure": 0},
        "clear": {"outcome": CROSS, "meets": 0, "does_not_meet": 2, "not_sure": 1},
    }
    empty = {"outcome": INSUFFICIENT, "meets": 0, "does_not_meet": 0, "not_sure": 0}
    assert revised_row["cells"] == {"relevant": empty, "clear": empty}
    # One review is fewer than the round's minimum of two.
    assert victims_row["cells"]["relevant"] == {"outcome": INSUFFICIENT, "meets": 1, "does_not_meet": 0, "not_sure": 0}


def test_the_snapshot_stores_the_matrix_and_what_it_was_computed_from(built):
    r = built["round"]
    review(r, built["housing"], {built["relevant"]: MEETS, built["clear"]: MEETS})
    review(r, built["housing"], {built["relevant"]: MEETS, built["clear"]: CROSSED}, submit=False)
    r.refresh_from_db()

    snapshot = matrix_snapshot_refresh(round_id=r.pk)

    assert snapshot.submitted_reviews == 1
    assert snapshot.source_changed_at == r.last_changed_at
    assert not snapshot.is_stale
    assert snapshot.data["rows"][0]["cells"]["relevant"]["meets"] == 1
    assert snapshot.computed_at <= timezone.now()

    refreshed = matrix_snapshot_refresh(round_id=r.pk)

    assert refreshed.pk == snapshot.pk  # one snapshot per round, replaced in place


@pytest.mark.parametrize("use_cases", [3, 30])
def test_the_matrix_query_count_does_not_grow_with_use_cases(use_cases, django_assert_num_queries):
    principles = [make_principle() for _ in range(4)]
    versions = [make_version() for _ in range(use_cases)]
    r = make_round(principles=principles, versions=versions)
    reviewer = make_reviewer()
    for version in versions:
        review(r, version, dict.fromkeys(principles, MEETS), reviewer=reviewer)

    # Principles, grouped counts, versions with their use cases and audiences.
    with django_assert_num_queries(3):
        matrix = round_matrix(r, computed_at=COMPUTED_AT)

    assert len(matrix["rows"]) == use_cases
    assert all(cell["meets"] == 1 for row in matrix["rows"] for cell in row["cells"].values())


@pytest.mark.parametrize("use_cases", [3, 30])
def test_the_snapshot_refresh_query_count_does_not_grow_with_use_cases(use_cases, django_assert_num_queries):
    principles = [make_principle() for _ in range(2)]
    versions = [make_version() for _ in range(use_cases)]
    r = make_round(principles=principles, versions=versions)
    reviewer = make_reviewer()
    for version in versions:
        review(r, version, dict.fromkeys(principles, MEETS), reviewer=reviewer)
    matrix_snapshot_refresh(round_id=r.pk)  # the second refresh replaces a snapshot, as most do

    # Lock, matrix (3), review count, existing snapshot, round check, update, audit, savepoint pair.
    with django_assert_num_queries(11):
        snapshot = matrix_snapshot_refresh(round_id=r.pk)

    assert snapshot.submitted_reviews == use_cases
