"""The matrix stored as rows: one cell per (round, version, principle) from the round's submitted
reviews, recomputed per version after a review changes and per round after a rule change, never
overwritten by an older result, and read back by the export document and the summary page."""

import datetime
from decimal import Decimal
from unittest import mock

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.urls import reverse

from bold_portal.models import AuditEvent
from matrix.models import Matrix, MatrixCell, MatrixRow
from matrix.selectors.cells import EMPTY_CELL, matrix_state, stale_round_ids, version_cells
from matrix.selectors.exports import matrix_document
from matrix.selectors.summary import version_summary
from matrix.services import recompute as recompute_services
from matrix.services.recompute import matrix_recompute
from principles.rule import CROSS, INSUFFICIENT, TICK, cell_outcome
from reviews.models import ReviewRound, RoundVersion, Verdict
from reviews.services.reviews import VerdictInput, review_save, review_withdraw
from reviews.services.rounds import round_rule_change
from tests.concurrency import require_postgresql
from tests.factories import (
    close_round,
    make_assignment,
    make_audience,
    make_principle,
    make_reviewer,
    make_round,
    make_version,
)

pytestmark = pytest.mark.django_db

MEETS, CROSSED, UNSURE = Verdict.Choice.MEETS, Verdict.Choice.DOES_NOT_MEET, Verdict.Choice.NOT_SURE


def review(review_round, version, answers: dict, *, submit=True, reviewer=None, lock=0):
    """One reviewer's review, answers being {principle: verdict}."""
    return review_save(
        reviewer=reviewer or make_reviewer(),
        review_round=review_round,
        version=version,
        verdicts=[VerdictInput(principle_id=p.pk, verdict=v, reason="Because") for p, v in answers.items()],
        overall_comment="",
        expected_lock_version=lock,
        submit=submit,
    )


def cells(review_round) -> dict[tuple[int, int], tuple]:
    """The round's stored cells: (version id, principle id) -> (outcome, meets, does not meet, not sure)."""
    return {
        (c.version_id, c.principle_id): (c.outcome, c.meets, c.does_not_meet, c.not_sure)
        for c in MatrixCell.objects.filter(round=review_round)
    }


def rows(review_round) -> dict[int, tuple]:
    """The round's matrix rows: version id -> (change count, batch, computed at)."""
    return {
        r.version_id: (r.change_count, r.batch, r.computed_at) for r in MatrixRow.objects.filter(round=review_round)
    }


def counter(review_round, version) -> int:
    return RoundVersion.objects.get(round=review_round, version=version).change_count


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


# Cells and the export document ------------------------------------------------------------------


def test_cells_count_submitted_reviews_of_the_round_only(built):
    r, relevant, clear, housing = built["round"], built["relevant"], built["clear"], built["housing"]
    review(r, housing, {relevant: MEETS, clear: CROSSED})
    review(r, housing, {relevant: MEETS, clear: UNSURE})
    review(r, housing, {relevant: CROSSED, clear: CROSSED})
    review(r, housing, {relevant: CROSSED, clear: MEETS}, submit=False)  # a draft
    withdrawn = review(r, housing, {relevant: CROSSED, clear: MEETS})
    review_withdraw(review=withdrawn, actor=withdrawn.reviewer, expected_lock_version=1)
    review(built["other_round"], housing, {relevant: CROSSED, clear: CROSSED, built["realism"]: MEETS})
    review(r, built["victims"], {relevant: MEETS, clear: MEETS})

    result = matrix_recompute(round_id=r.pk)

    v1, v2, victims = housing.pk, built["housing_v2"].pk, built["victims"].pk
    assert (result.rows_claimed, result.cells_written) == (3, 6)
    assert cells(r) == {
        (v1, relevant.pk): (TICK, 2, 1, 0),
        (v1, clear.pk): (CROSS, 0, 2, 1),
        # A version nobody reviewed has cells too: zeros, not enough reviews.
        (v2, relevant.pk): (INSUFFICIENT, 0, 0, 0),
        (v2, clear.pk): (INSUFFICIENT, 0, 0, 0),
        # One review is fewer than the round's minimum of two.
        (victims, relevant.pk): (INSUFFICIENT, 1, 0, 0),
        (victims, clear.pk): (INSUFFICIENT, 1, 0, 0),
    }
    # The other round is a matrix of its own, untouched by this round's recompute.
    assert not MatrixCell.objects.filter(round=built["other_round"]).exists()
    assert set(rows(r)) == {v1, v2, victims}


def test_the_document_reads_the_cells_in_matrix_order(built):
    r, relevant, clear, housing = built["round"], built["relevant"], built["clear"], built["housing"]
    review(r, housing, {relevant: MEETS, clear: CROSSED})
    review(r, housing, {relevant: MEETS, clear: UNSURE})
    matrix_recompute(round_id=r.pk)

    document = matrix_document(r)

    assert list(document)[:8] == [
        "round",
        "name",
        "computed_at",
        "threshold",
        "min_reviews",
        "principles",
        "rows",
        "agreement",
    ]
    assert document["round"] == r.slug
    assert document["computed_at"] == Matrix.objects.get(round=r).computed_at.isoformat()
    assert (document["threshold"], document["min_reviews"]) == (0.5, 2)
    assert document["principles"] == ["relevant", "clear"]
    assert [(row["audience"], row["title"], row["version"]) for row in document["rows"]] == [
        ("homelessness", "Routes into housing", 1),
        ("homelessness", "Routes into housing, revised", 2),
        ("victims", "Support after abuse", 1),
    ]
    # Later keys only ever go at the end: the declared-interest mark, the flagged principles, then the
    # programme's decision.
    keys = ["audience", "use_case", "title", "version", "cells", "declared_interest", "flagged", "decision"]
    assert [list(row) for row in document["rows"]] == [keys] * 3
    housing_row, revised_row, _ = document["rows"]

    def outcomes_and_counts(cells: dict) -> dict:
        # (Each cell's fragility follows its counts: tests/matrix/test_export_matrix.py.)
        return {
            slug: {key: cell[key] for key in ("outcome", "meets", "does_not_meet", "not_sure")}
            for slug, cell in cells.items()
        }

    assert outcomes_and_counts(housing_row["cells"]) == {
        "relevant": {"outcome": TICK, "meets": 2, "does_not_meet": 0, "not_sure": 0},
        # Two verdicts, one of them decided: enough for an outcome.
        "clear": {"outcome": CROSS, "meets": 0, "does_not_meet": 1, "not_sure": 1},
    }
    empty = {"outcome": INSUFFICIENT, "meets": 0, "does_not_meet": 0, "not_sure": 0}
    assert outcomes_and_counts(revised_row["cells"]) == {"relevant": empty, "clear": empty}


def test_a_document_of_a_round_never_computed_shows_empty_cells(built):
    document = matrix_document(built["round"])

    assert document["computed_at"] is None
    assert {slug for row in document["rows"] for slug in row["cells"]} == {"relevant", "clear"}
    assert all(
        cell["outcome"] == INSUFFICIENT and cell["meets"] == 0
        for row in document["rows"]
        for cell in row["cells"].values()
    )


@pytest.mark.parametrize(("threshold", "min_reviews"), [("0.50", 2), ("0.66", 3), ("0.00", 1), ("0.99", 4)])
def test_every_cell_follows_the_rounds_rule(threshold, min_reviews):
    principles = [make_principle() for _ in range(3)]
    version = make_version()
    r = make_round(principles=principles, versions=[version], threshold=Decimal(threshold), min_reviews=min_reviews)
    patterns = [(MEETS, MEETS, UNSURE), (MEETS, CROSSED, UNSURE), (CROSSED, CROSSED, MEETS), (MEETS, UNSURE, UNSURE)]
    for pattern in patterns:
        review(r, version, dict(zip(principles, pattern, strict=True)))

    matrix_recompute(round_id=r.pk)

    stored = cells(r)
    assert len(stored) == len(principles)
    for index, principle in enumerate(principles):
        column = [pattern[index] for pattern in patterns]
        counts = (column.count(MEETS), column.count(CROSSED), column.count(UNSURE))
        expected = cell_outcome(
            meets=counts[0],
            does_not_meet=counts[1],
            not_sure=counts[2],
            threshold=Decimal(threshold),
            min_reviews=min_reviews,
        )
        assert stored[(version.pk, principle.pk)] == (expected, *counts)


def test_a_tie_is_a_cross_and_a_majority_a_tick():
    relevant, clear = make_principle(), make_principle()
    version = make_version()
    r = make_round(principles=[relevant, clear], versions=[version])
    review(r, version, {relevant: MEETS, clear: MEETS})
    review(r, version, {relevant: CROSSED, clear: MEETS})
    review(r, version, {relevant: UNSURE, clear: CROSSED})

    matrix_recompute(round_id=r.pk)

    assert cells(r) == {(version.pk, relevant.pk): (CROSS, 1, 1, 1), (version.pk, clear.pk): (TICK, 2, 1, 0)}


@pytest.mark.parametrize("use_cases", [3, 30])
@pytest.mark.parametrize("closed", [False, True])
def test_the_document_query_count_does_not_grow_with_use_cases(use_cases, closed, django_assert_num_queries):
    principles = [make_principle() for _ in range(4)]
    versions = [make_version() for _ in range(use_cases)]
    r = make_round(principles=principles, versions=versions)
    reviewer = make_reviewer()
    for version in versions:
        review(r, version, dict.fromkeys(principles, MEETS), reviewer=reviewer)
    matrix_recompute(round_id=r.pk)
    if closed:
        r = close_round(r)

    # Principles, cells, the matrix state (header, and whether a version is behind: two), versions
    # with their use cases and audiences, the agreement figures (one query each for the whole
    # round); once the round has closed, the groups of reviewers, the
    # flag audiences' organisations and the declared-interest marks (matrix.disclosure).
    with django_assert_num_queries(10 if closed else 7):
        document = matrix_document(r)

    assert len(document["rows"]) == use_cases
    assert all(cell["meets"] == 1 for row in document["rows"] for cell in row["cells"].values())


@pytest.mark.parametrize("use_cases", [3, 30])
def test_the_recompute_query_count_does_not_grow_with_use_cases(use_cases, django_assert_num_queries):
    principles = [make_principle() for _ in range(2)]
    make_principle()  # a principle of other rounds, whose cells this round's run looks for
    versions = [make_version() for _ in range(use_cases)]
    r = make_round(principles=principles, versions=versions)
    reviewer = make_reviewer()
    for version in versions:
        review(r, version, dict.fromkeys(principles, MEETS), reviewer=reviewer)
    matrix_recompute(round_id=r.pk)  # the header exists from now on, as it does for most recomputes
    RoundVersion.objects.filter(round=r).update(change_count=99)
    review(r, versions[0], dict.fromkeys(principles, CROSSED), reviewer=reviewer, lock=1)

    # Round's rule, savepoint, header, header lock with the rule, the versions that left the
    # round, the principles it does not have, the delete of their cells, claim, changed cells,
    # their write, header update, release.
    with django_assert_num_queries(12):
        result = matrix_recompute(round_id=r.pk)
    assert result.rows_claimed == use_cases
    assert result.cells_written == len(principles)  # only the changed version's cells are rewritten

    review(r, versions[1], dict.fromkeys(principles, CROSSED), reviewer=reviewer, lock=1)
    # Round's rule, savepoint, header, header lock with the rule, claim, changed cells, their
    # write, header update, release.
    with django_assert_num_queries(9):
        result = matrix_recompute(round_id=r.pk, version_ids=[versions[1].pk])
    assert (result.rows_claimed, result.cells_written) == (1, len(principles))


# Per-version recompute -----------------------------------------------------------------------------


@pytest.fixture
def three_versions():
    relevant = make_principle(name="Relevant", slug="relevant", order=1)
    clear = make_principle(name="Clear and informative", slug="clear", order=2)
    versions = [make_version() for _ in range(3)]
    r = make_round(principles=[relevant, clear], versions=versions)
    return r, versions, relevant, clear


def test_a_submit_recomputes_only_that_versions_cells(three_versions, django_capture_on_commit_callbacks):
    r, (first, second, third), relevant, clear = three_versions
    matrix_recompute(round_id=r.pk)
    before = rows(r)
    matrix = Matrix.objects.get(round=r)

    with django_capture_on_commit_callbacks(execute=True):
        review(r, second, {relevant: MEETS, clear: CROSSED})
        review(r, second, {relevant: MEETS, clear: UNSURE})

    after = rows(r)
    assert after[first.pk] == before[first.pk]
    assert after[third.pk] == before[third.pk]
    assert after[second.pk][0] == counter(r, second) == 2
    assert after[second.pk][1] != before[second.pk][1]  # claimed by a new batch
    assert after[second.pk][2] > before[second.pk][2]
    assert cells(r)[(second.pk, relevant.pk)] == (TICK, 2, 0, 0)
    assert cells(r)[(second.pk, clear.pk)] == (CROSS, 0, 1, 1)
    assert cells(r)[(first.pk, relevant.pk)] == (INSUFFICIENT, 0, 0, 0)
    refreshed = Matrix.objects.get(round=r)
    assert refreshed.version_recomputes == matrix.version_recomputes + 2
    assert refreshed.round_recomputes == matrix.round_recomputes == 1
    assert refreshed.computed_at > matrix.computed_at


def test_one_run_recomputes_the_versions_it_is_given_and_no_other(three_versions, django_assert_num_queries):
    """What a worker does with the versions waiting together: their cells in one run, in as many
    queries as one version's, and the rows of versions not given left behind."""
    r, (first, second, third), relevant, clear = three_versions
    matrix_recompute(round_id=r.pk)
    before = rows(r)
    for version in (first, second, third):
        review(r, version, {relevant: MEETS, clear: CROSSED})

    with django_assert_num_queries(9):
        result = matrix_recompute(round_id=r.pk, version_ids=[third.pk, first.pk, first.pk])

    assert (result.version_ids, result.rows_claimed, result.cells_written) == ((first.pk, third.pk), 2, 4)
    after = rows(r)
    assert after[first.pk][0] == after[third.pk][0] == 1
    assert after[first.pk][1] == after[third.pk][1] != before[first.pk][1]  # one batch
    assert after[second.pk] == before[second.pk]
    assert cells(r)[(first.pk, relevant.pk)] == cells(r)[(third.pk, relevant.pk)] == (INSUFFICIENT, 1, 0, 0)
    assert cells(r)[(second.pk, relevant.pk)] == (INSUFFICIENT, 0, 0, 0)
    assert stale_round_ids() == [r.pk]  # the second version is still behind
    assert Matrix.objects.get(round=r).version_recomputes == 1

    nothing = matrix_recompute(round_id=r.pk, version_ids=[])
    assert (nothing.rows_claimed, nothing.cells_written) == (0, 0)
    assert rows(r)[second.pk] == before[second.pk]


def test_a_rounds_first_recompute_computes_every_version_even_when_one_version_asked(
    three_versions, django_capture_on_commit_callbacks
):
    r, (first, second, third), relevant, clear = three_versions

    with django_capture_on_commit_callbacks(execute=True):
        review(r, first, {relevant: CROSSED, clear: CROSSED})

    assert set(rows(r)) == {first.pk, second.pk, third.pk}
    assert cells(r)[(first.pk, relevant.pk)] == (INSUFFICIENT, 0, 1, 0)
    assert version_cells(round_id=r.pk, version_id=second.pk) == {
        relevant.pk: EMPTY_CELL,
        clear.pk: EMPTY_CELL,
    }
    assert Matrix.objects.get(round=r).rule_version == r.rule_version
    assert stale_round_ids() == []


def test_editing_and_withdrawing_recompute_the_version(three_versions, django_capture_on_commit_callbacks):
    r, (first, *_), relevant, clear = three_versions
    reviewer = make_reviewer()
    with django_capture_on_commit_callbacks(execute=True):
        review(r, first, {relevant: MEETS, clear: MEETS}, reviewer=make_reviewer())
        mine = review(r, first, {relevant: MEETS, clear: MEETS}, reviewer=reviewer)
    assert cells(r)[(first.pk, relevant.pk)] == (TICK, 2, 0, 0)

    with django_capture_on_commit_callbacks(execute=True):
        mine = review(r, first, {relevant: CROSSED, clear: UNSURE}, reviewer=reviewer, lock=mine.lock_version)
    assert cells(r)[(first.pk, relevant.pk)] == (CROSS, 1, 1, 0)
    assert cells(r)[(first.pk, clear.pk)] == (TICK, 1, 0, 1)

    with django_capture_on_commit_callbacks(execute=True):
        review_withdraw(review=mine, actor=reviewer, expected_lock_version=mine.lock_version)
    assert cells(r)[(first.pk, relevant.pk)] == (INSUFFICIENT, 1, 0, 0)
    assert rows(r)[first.pk][0] == counter(r, first) == 4


def test_a_repeated_recompute_claims_and_writes_nothing(three_versions):
    r, (first, *_), relevant, clear = three_versions
    review(r, first, {relevant: MEETS, clear: MEETS})
    matrix_recompute(round_id=r.pk)
    before_rows, before_cells = rows(r), cells(r)

    version_result = matrix_recompute(round_id=r.pk, version_ids=[first.pk])
    round_result = matrix_recompute(round_id=r.pk)

    assert (version_result.rows_claimed, version_result.cells_written) == (0, 0)
    assert (round_result.rows_claimed, round_result.cells_written) == (0, 0)
    assert (rows(r), cells(r)) == (before_rows, before_cells)


def test_a_change_of_rule_leaves_the_rows_already_up_to_date_unlocked(three_versions):
    """An upsert locks every row it conflicts with, even one its WHERE leaves alone: the whole-round
    run after a change of rule claims no row that is up to date, so none gets a lock (xmax)."""
    require_postgresql("A row's lock (xmax)")
    r, versions, relevant, clear = three_versions
    for version in versions:
        review(r, version, {relevant: MEETS, clear: MEETS})
    matrix_recompute(round_id=r.pk)
    ReviewRound.objects.filter(pk=r.pk).update(rule_version=F("rule_version") + 1)

    result = matrix_recompute(round_id=r.pk)

    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*) FROM {MatrixRow._meta.db_table} WHERE round_id = %s AND xmax::text <> '0'",  # nosec
            [r.pk],
        )
        locked = cursor.fetchone()[0]
    assert (result.version_ids, result.rows_claimed, locked) == (None, 0, 0)


def test_an_older_change_never_overwrites_a_newer_result(three_versions):
    """A slow task that read the version's counter at N and its verdicts as they were then
    reaches the write after a task at N+1 has stored the newer cells: it must write nothing."""
    r, (first, *_), relevant, clear = three_versions
    reviewer = make_reviewer()
    mine = review(r, first, {relevant: MEETS, clear: MEETS}, reviewer=reviewer)
    review(r, first, {relevant: MEETS, clear: MEETS})
    matrix_recompute(round_id=r.pk)  # every version has its row
    older_count = counter(r, first)
    older_cells = cells(r)
    assert older_cells[(first.pk, relevant.pk)] == (TICK, 2, 0, 0)

    review(r, first, {relevant: CROSSED, clear: UNSURE}, reviewer=reviewer, lock=mine.lock_version)
    newer_count = counter(r, first)
    assert newer_count == older_count + 1
    matrix_recompute(round_id=r.pk, version_ids=[first.pk])
    newer_rows, newer_cells = rows(r), cells(r)
    assert newer_cells[(first.pk, relevant.pk)] == (CROSS, 1, 1, 0)

    # The older task's view: the counter at N and the verdicts before the change.
    RoundVersion.objects.filter(round=r, version=first).update(change_count=older_count)
    Verdict.objects.filter(review=mine).update(verdict=MEETS)
    for version_ids in ([first.pk], None):
        result = matrix_recompute(round_id=r.pk, version_ids=version_ids)
        assert result.rows_claimed == 0
        assert result.cells_written == 0

    assert rows(r)[first.pk] == newer_rows[first.pk]
    assert cells(r) == newer_cells != older_cells


def test_a_version_recompute_after_a_rule_change_brings_the_whole_round_to_the_new_rule(three_versions):
    """A version's task that runs after a rule change but before the change's own whole-round
    task recomputes every cell under the new rule: no cell is ever left under an older rule."""
    r, (first, second, _third), relevant, clear = three_versions
    review(r, first, {relevant: MEETS, clear: CROSSED})
    review(r, first, {relevant: MEETS, clear: MEETS})
    review(r, second, {relevant: MEETS, clear: CROSSED})
    review(r, second, {relevant: MEETS, clear: MEETS})
    matrix_recompute(round_id=r.pk)
    assert cells(r)[(second.pk, clear.pk)] == (CROSS, 1, 1, 0)
    round_rule_change(review_round=r, threshold=Decimal("0.40"), min_reviews=2, actor=None)  # task not run
    assert stale_round_ids() == [r.pk]

    result = matrix_recompute(round_id=r.pk, version_ids=[first.pk])

    assert result.version_ids is None and result.rows_claimed == 0
    assert cells(r)[(first.pk, clear.pk)] == (TICK, 1, 1, 0)  # 1 > 0.4 x 2
    assert cells(r)[(second.pk, clear.pk)] == (TICK, 1, 1, 0)  # another version's cell too
    assert Matrix.objects.get(round=r).rule_version == ReviewRound.objects.get(pk=r.pk).rule_version == 2
    assert stale_round_ids() == []
    assert matrix_recompute(round_id=r.pk).cells_written == 0  # the change's own task finds nothing to do


def test_a_rule_change_recomputes_every_cell_with_the_new_rule(three_versions, django_capture_on_commit_callbacks):
    r, (first, second, third), relevant, clear = three_versions
    for answers in (
        {relevant: MEETS, clear: MEETS},
        {relevant: MEETS, clear: CROSSED},
        {relevant: UNSURE, clear: MEETS},
    ):
        review(r, first, answers)
    review(r, second, {relevant: MEETS, clear: CROSSED})
    matrix_recompute(round_id=r.pk)
    assert cells(r)[(first.pk, relevant.pk)] == (TICK, 2, 0, 1)
    assert cells(r)[(first.pk, clear.pk)] == (TICK, 2, 1, 0)
    assert cells(r)[(second.pk, relevant.pk)] == (INSUFFICIENT, 1, 0, 0)
    before = Matrix.objects.get(round=r)

    with django_capture_on_commit_callbacks(execute=True):
        round_rule_change(review_round=r, threshold=Decimal("0.70"), min_reviews=1, actor=None)

    stored = cells(r)
    assert stored[(first.pk, relevant.pk)] == (TICK, 2, 0, 1)
    assert stored[(first.pk, clear.pk)] == (CROSS, 2, 1, 0)  # 2 > 0.7 x 3 no longer holds
    assert stored[(second.pk, relevant.pk)] == (TICK, 1, 0, 0)  # one review is now enough
    assert stored[(second.pk, clear.pk)] == (CROSS, 0, 1, 0)
    assert stored[(third.pk, relevant.pk)] == (INSUFFICIENT, 0, 0, 0)
    for (version_id, principle_id), (outcome, *counts) in stored.items():
        assert outcome == cell_outcome(
            meets=counts[0], does_not_meet=counts[1], not_sure=counts[2], threshold=Decimal("0.70"), min_reviews=1
        ), (version_id, principle_id)
    after = Matrix.objects.get(round=r)
    assert after.rule_version == 2
    assert after.round_recomputes == before.round_recomputes + 1
    assert after.version_recomputes == before.version_recomputes
    assert stale_round_ids() == []


@pytest.mark.parametrize("version_leaves", [True, False])
@pytest.mark.parametrize("principle_leaves", [True, False])
def test_a_full_recompute_drops_versions_and_principles_that_left_the_round(
    three_versions, version_leaves, principle_leaves
):
    r, (first, second, third), relevant, clear = three_versions
    other = make_round(principles=[relevant, clear], versions=[first, second])
    for each in (r, other):
        review(each, first, {relevant: MEETS, clear: MEETS})
        review(each, second, {relevant: MEETS, clear: MEETS})
        matrix_recompute(round_id=each.pk)
    assert len(cells(r)) == 6
    other_cells = cells(other)

    if version_leaves:
        RoundVersion.objects.filter(round=r, version=second).delete()
    if principle_leaves:
        r.principles.remove(clear)
    result = matrix_recompute(round_id=r.pk)

    versions = {first.pk, third.pk} if version_leaves else {first.pk, second.pk, third.pk}
    principles = {relevant.pk} if principle_leaves else {relevant.pk, clear.pk}
    assert set(cells(r)) == {(version, principle) for version in versions for principle in principles}
    assert set(rows(r)) == versions
    assert cells(r)[(first.pk, relevant.pk)] == (INSUFFICIENT, 1, 0, 0)
    assert result.agreement_inputs_changed == (version_leaves or principle_leaves)
    assert cells(other) == other_cells  # the same versions and principles in another round keep their cells


def test_a_version_added_to_the_round_gets_cells_on_the_next_full_recompute(three_versions):
    r, _versions, relevant, _clear = three_versions
    matrix_recompute(round_id=r.pk)
    added = make_version()
    r.versions.add(added)
    assert stale_round_ids() == [r.pk]

    result = matrix_recompute(round_id=r.pk)

    assert result.rows_claimed == 1  # only the new version's row: the others are current
    assert cells(r)[(added.pk, relevant.pk)] == (INSUFFICIENT, 0, 0, 0)
    assert stale_round_ids() == []


def test_a_full_recompute_claims_the_rows_behind_and_the_missing_ones_together(three_versions):
    """A whole round's claim (on PostgreSQL an update by id and a plain insert in one statement)
    brings each row to its version's counter and counts both kinds."""
    r, (first, second, third), relevant, clear = three_versions
    matrix_recompute(round_id=r.pk)
    review(r, first, {relevant: MEETS, clear: CROSSED})  # its version's task never ran: behind
    added = make_version()
    r.versions.add(added)  # no row yet

    result = matrix_recompute(round_id=r.pk)

    assert result.rows_claimed == 2
    assert {version: row[0] for version, row in rows(r).items()} == {
        version.pk: counter(r, version) for version in (first, second, third, added)
    }
    assert counter(r, first) > 0
    assert cells(r)[(first.pk, clear.pk)] == (INSUFFICIENT, 0, 1, 0)
    assert cells(r)[(added.pk, relevant.pk)] == (INSUFFICIENT, 0, 0, 0)


def test_recomputes_are_counted_on_the_header_and_write_no_audit_rows(three_versions):
    r, (first, *_), relevant, clear = three_versions
    review(r, first, {relevant: MEETS, clear: MEETS})
    audited = AuditEvent.objects.count()

    matrix_recompute(round_id=r.pk, version_ids=[first.pk])  # the first run computes the whole round
    matrix_recompute(round_id=r.pk)
    matrix_recompute(round_id=r.pk, version_ids=[first.pk])
    matrix_recompute(round_id=r.pk, version_ids=[first.pk])

    assert AuditEvent.objects.count() == audited
    matrix = Matrix.objects.get(round=r)
    assert (matrix.version_recomputes, matrix.round_recomputes) == (2, 2)
    assert Matrix.objects.count() == 1  # one header per round


def test_a_recompute_of_a_deleted_round_does_nothing():
    r = make_round(versions=[make_version()])
    round_id = r.pk
    r.delete()

    assert matrix_recompute(round_id=round_id) is None
    assert matrix_recompute(round_id=round_id, version_ids=[1]) is None
    assert not Matrix.objects.exists() and not MatrixRow.objects.exists()


def test_a_cell_is_deleted_with_its_version_its_principle_and_its_round(three_versions):
    """Deleting what a cell names deletes the cell: its keys cascade."""
    r, (first, second, third), relevant, clear = three_versions
    other = make_round(principles=[relevant], versions=[first])
    matrix_recompute(round_id=r.pk)
    matrix_recompute(round_id=other.pk)
    assert len(cells(r)) == 6

    RoundVersion.objects.filter(version=second).delete()  # a version in a round is protected
    second.delete()
    assert set(cells(r)) == {(v.pk, p.pk) for v in (first, third) for p in (relevant, clear)}
    clear.delete()
    assert set(cells(r)) == {(first.pk, relevant.pk), (third.pk, relevant.pk)}
    r.delete()
    assert set(MatrixCell.objects.values_list("round_id", "version_id", "principle_id")) == {
        (other.pk, first.pk, relevant.pk)
    }


def test_the_database_refuses_a_cell_without_its_row_and_deletes_a_rows_cells_with_it(three_versions):
    """On PostgreSQL a cell's round and version are one foreign key to its row (migration 0015)."""
    require_postgresql("The composite foreign key of a cell to its row")
    r, (first, second, third), relevant, clear = three_versions
    matrix_recompute(round_id=r.pk)
    MatrixRow.objects.filter(round=r, version=second).delete()
    assert set(cells(r)) == {(v.pk, p.pk) for v in (first, third) for p in (relevant, clear)}

    with pytest.raises(IntegrityError, match="matrixcell_row_fk"), transaction.atomic():
        MatrixCell.objects.create(
            round=r, version=second, principle=relevant, meets=1, does_not_meet=0, not_sure=0, outcome=INSUFFICIENT
        )
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS matrixcell_row_fk IMMEDIATE")


def test_only_a_rounds_first_computation_skips_looking_up_stored_cells(three_versions):
    """On PostgreSQL the whole round's claim says when every version got its first row: with no row,
    no cell can be stored (matrixcell_row_fk), and the cells are not compared with any."""
    require_postgresql("The whole round's claim in one statement")
    r, (first, second, _third), relevant, clear = three_versions
    review(r, first, {relevant: MEETS, clear: CROSSED})
    with mock.patch.object(recompute_services, "_changed_cells", wraps=recompute_services._changed_cells) as changed:
        matrix_recompute(round_id=r.pk)
        computed = cells(r)
        ReviewRound.objects.filter(pk=r.pk).update(rule_version=F("rule_version") + 1)
        matrix_recompute(round_id=r.pk)
        MatrixRow.objects.filter(round=r, version=second).delete()
        matrix_recompute(round_id=r.pk)  # one row claimed anew beside two stored ones

    assert [call.kwargs["cells_stored"] for call in changed.call_args_list] == [False, True, True]
    assert len(computed) == 6 and cells(r) == computed


# State for pages ------------------------------------------------------------------------------------


def test_matrix_state_says_when_a_version_is_behind(three_versions):
    r, (first, second, third), relevant, clear = three_versions
    assert matrix_state(r).behind_version_ids == {first.pk, second.pk, third.pk}
    assert matrix_state(r, version_ids=[first.pk]).behind_version_ids == {first.pk}
    assert matrix_state(r).computed_at is None and matrix_state(r).is_updating
    matrix_recompute(round_id=r.pk)
    assert not matrix_state(r).is_updating

    review(r, first, {relevant: MEETS, clear: MEETS})  # no recompute yet

    assert matrix_state(r).is_updating and matrix_state(r).behind_version_ids == {first.pk}
    assert matrix_state(r).is_behind(first.pk) and not matrix_state(r).is_behind(second.pk)
    assert matrix_state(r, version_ids=[first.pk]).is_updating
    assert not matrix_state(r, version_ids=[second.pk]).is_updating
    matrix_recompute(round_id=r.pk, version_ids=[first.pk])
    assert not matrix_state(r).is_updating


def test_version_summary_is_none_until_computed_then_stale_after_a_change(three_versions):
    r, (first, *_), relevant, clear = three_versions
    assert version_summary(review_round=r, version_id=first.pk) is None

    review(r, first, {relevant: MEETS, clear: CROSSED})
    matrix_recompute(round_id=r.pk, version_ids=[first.pk])
    summary = version_summary(review_round=r, version_id=first.pk)
    assert not summary.is_stale
    assert summary.computed_at == Matrix.objects.get(round=r).computed_at
    assert {pk: (c.outcome, c.meets, c.does_not_meet, c.total) for pk, c in summary.cells.items()} == {
        relevant.pk: (INSUFFICIENT, 1, 0, 1),
        clear.pk: (INSUFFICIENT, 0, 1, 1),
    }

    review(r, first, {relevant: MEETS, clear: MEETS})
    assert version_summary(review_round=r, version_id=first.pk).is_stale


@pytest.fixture
def summary_page(three_versions):
    """A reviewer assigned the first version, who has submitted; the page's URL."""
    r, (first, *_), relevant, clear = three_versions
    reviewer = make_reviewer()
    make_assignment(review_round=r, version=first, reviewer=reviewer, due_on=datetime.date(2030, 5, 1))
    review(r, first, {relevant: MEETS, clear: CROSSED}, reviewer=reviewer)
    url = reverse("matrix:version_summary", args=[r.slug, first.use_case.slug, first.number])
    return r, first, reviewer, url


def test_the_summary_page_shows_the_stored_cells(client, summary_page, three_versions):
    r, first, reviewer, url = summary_page
    _, _, relevant, clear = three_versions
    matrix_recompute(round_id=r.pk, version_ids=[first.pk])
    # Tamper with a stored cell: the page must show what is stored, not recompute the counts.
    MatrixCell.objects.filter(round=r, version=first, principle=relevant).update(
        meets=7, does_not_meet=3, not_sure=0, outcome=TICK
    )
    client.force_login(reviewer)

    page = client.get(url).content.decode()

    relevant_part = page[page.index(relevant.name) : page.index(clear.name)]
    assert 'data-outcome="tick"' in relevant_part
    assert ">7<" in relevant_part and ">3<" in relevant_part
    assert 'data-outcome="insufficient"' in page[page.index(clear.name) :]
    assert "may not include the latest changes" not in page


def test_the_summary_page_says_when_it_is_being_prepared_or_behind(client, summary_page, three_versions):
    r, first, reviewer, url = summary_page
    _, _, relevant, clear = three_versions
    client.force_login(reviewer)

    assert "The summary is being prepared" in client.get(url).content.decode()

    matrix_recompute(round_id=r.pk, version_ids=[first.pk])
    review(r, first, {relevant: CROSSED, clear: CROSSED})  # a colleague's review; no recompute yet
    page = client.get(url).content.decode()

    assert "may not include the latest changes" in page
    assert "The summary is being prepared" not in page
