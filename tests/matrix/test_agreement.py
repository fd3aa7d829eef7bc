"""Agreement between reviewers: Krippendorff's alpha (nominal; "not sure" is no answer) per
principle and for the round, computed by the `krippendorff` library after a recompute, stored,
shown on the matrix page and in the JSON export; "not enough data" when it is undefined."""

import json
import math

import krippendorff
import numpy as np
import pytest
from django.core.cache import cache
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as npst

from matrix.agreement import nominal_alpha
from matrix.exporters import EXPORTERS
from matrix.models import MatrixAgreement
from matrix.selectors import round_agreement
from matrix.services import matrix_agreement_refresh, matrix_recompute
from matrix.tasks import AGREEMENT_PENDING_KEY, recompute_matrix, refresh_matrix_agreement
from matrix.wording import agreement_in_words
from tests.factories import make_assignment, make_reviewer, make_version
from tests.matrix.analyst_support import make_analyst, small_world, submit
from tests.pages import main_content

MEETS, NOT, UNSURE = "meets", "does_not_meet", "not_sure"
VALUE = {MEETS: 1.0, NOT: 0.0, UNSURE: np.nan}


def library_alpha(reliability_data: np.ndarray) -> float | None:
    """The library on a reviewers x units table (nan: no answer), undefined cases as None."""
    try:
        with np.errstate(invalid="ignore", divide="ignore"):  # 0/0 when every answer is the same
            value = krippendorff.alpha(reliability_data=reliability_data, level_of_measurement="nominal")
    except ValueError:  # fewer than two values, or no unit with two answers
        return None
    return value if math.isfinite(value) else None


def value_counts(reliability_data: np.ndarray) -> np.ndarray:
    return np.stack([(reliability_data == 1).sum(axis=0), (reliability_data == 0).sum(axis=0)], axis=1)


@given(
    npst.arrays(
        np.float64, npst.array_shapes(min_dims=2, max_dims=2, max_side=8), elements=st.sampled_from([0.0, 1.0, np.nan])
    )
)
def test_alpha_from_value_counts_is_the_librarys_alpha_from_the_reviewers_table(reliability_data):
    expected = library_alpha(reliability_data)
    got = nominal_alpha(value_counts(reliability_data)).value
    if expected is None:
        assert got is None
    else:
        assert got == pytest.approx(expected)


def test_alpha_is_undefined_without_pairs_or_without_disagreement_possible():
    assert nominal_alpha(np.zeros((0, 2), dtype=np.int64)).value is None
    assert nominal_alpha(np.array([[1, 0], [0, 1]])).value is None  # nobody pairs with anybody
    assert nominal_alpha(np.array([[3, 0], [2, 0]])).value is None  # everyone said meets
    assert nominal_alpha(np.array([[3, 0], [0, 3]])).value == 1.0
    assert nominal_alpha(np.array([[3, 0], [0, 3], [1, 0]])).use_cases == 2


# Reviewers (rows) x use cases (columns): what each said on the first principle, then the second.
RELEVANT = [
    [MEETS, MEETS, NOT, MEETS],
    [MEETS, NOT, NOT, UNSURE],
    [MEETS, MEETS, NOT, NOT],
    [UNSURE, MEETS, MEETS, MEETS],
]
CLEAR = [
    [MEETS, NOT, MEETS, UNSURE],
    [NOT, MEETS, MEETS, UNSURE],
    [MEETS, UNSURE, NOT, UNSURE],
    [UNSURE, UNSURE, UNSURE, NOT],
]


@pytest.fixture
def world(db):
    audience, organisation, relevant, clear, review_round = small_world()
    versions = [make_version(audience=audience, title=f"Use case {i}") for i in range(4)]
    for version in versions:
        make_assignment(review_round=review_round, version=version, organisation=organisation)
    reviewers = [make_reviewer(organisation=organisation) for _ in range(4)]
    for r, reviewer in enumerate(reviewers):
        for v, version in enumerate(versions):
            submit(reviewer, review_round, version, {relevant: RELEVANT[r][v], clear: CLEAR[r][v]})
    return review_round, relevant, clear


def table(verdicts) -> np.ndarray:
    return np.array([[VALUE[answer] for answer in row] for row in verdicts])


def test_the_stored_figures_are_the_librarys_alpha_over_the_verdicts(world):
    review_round, *_ = world
    matrix_recompute(round_id=review_round.pk)

    matrix_agreement_refresh(round_id=review_round.pk)

    agreement = round_agreement(review_round)
    figures = {figure.principle.slug: figure for figure in agreement.principles}
    assert list(figures) == ["relevant", "clear"]
    assert figures["relevant"].alpha == pytest.approx(library_alpha(table(RELEVANT)))
    assert figures["clear"].alpha == pytest.approx(library_alpha(table(CLEAR)))
    # The round: every (use case, principle) a unit.
    assert agreement.round.alpha == pytest.approx(library_alpha(np.hstack([table(RELEVANT), table(CLEAR)])))
    # Clear's last use case has one answer (the others not sure), which pairs with nothing.
    assert (figures["relevant"].use_cases, figures["clear"].use_cases, agreement.round.use_cases) == (4, 3, 4)
    # Reviewer 4 decided on clear only on that last use case: nobody to agree or disagree with.
    assert (figures["relevant"].reviewers, figures["clear"].reviewers, agreement.round.reviewers) == (4, 3, 4)
    assert MatrixAgreement.objects.count() == 3


def test_a_refresh_replaces_the_figures(world):
    review_round, *_ = world
    matrix_recompute(round_id=review_round.pk)
    matrix_agreement_refresh(round_id=review_round.pk)
    first = list(MatrixAgreement.objects.values_list("pk", flat=True))

    matrix_agreement_refresh(round_id=review_round.pk)

    assert MatrixAgreement.objects.count() == 3
    assert not MatrixAgreement.objects.filter(pk__in=first).exists()


def test_one_reviewer_is_not_enough_data(db):
    audience, organisation, relevant, clear, review_round = small_world()
    version = make_version(audience=audience)
    make_assignment(review_round=review_round, version=version, organisation=organisation)
    submit(make_reviewer(organisation=organisation), review_round, version, {relevant: MEETS, clear: NOT})
    matrix_recompute(round_id=review_round.pk)

    matrix_agreement_refresh(round_id=review_round.pk)

    agreement = round_agreement(review_round)
    assert agreement.round.alpha is None
    assert [figure.alpha for figure in agreement.principles] == [None, None]
    assert (agreement.round.reviewers, agreement.round.use_cases) == (0, 0)
    assert agreement.round.in_words.startswith("Not enough data")


def test_a_round_never_computed_has_no_figures(db):
    *_, review_round = small_world()
    assert matrix_agreement_refresh(round_id=review_round.pk) is None
    assert round_agreement(review_round).computed_at is None


def test_the_recompute_task_refreshes_agreement_only_when_something_changed(world):
    review_round, *_ = world

    recompute_matrix(review_round.pk)
    computed_at = round_agreement(review_round).computed_at
    assert computed_at is not None
    recompute_matrix(review_round.pk)  # nothing new: the figures stay

    assert round_agreement(review_round).computed_at == computed_at


def test_the_plain_words_follow_krippendorffs_guide():
    assert agreement_in_words(0.85).startswith("Reviewers agree well")
    assert agreement_in_words(0.7).startswith("Reviewers agree moderately")
    assert agreement_in_words(0.3).startswith("Reviewers agree only a little")
    assert agreement_in_words(-0.2).startswith("Reviewers agree no more than chance")


def test_the_matrix_page_shows_each_figure_with_what_it_rests_on_and_means(client, world):
    review_round, *_ = world
    recompute_matrix(review_round.pk)
    client.force_login(make_analyst())

    page = main_content(client.get(reverse("matrix:round_matrix", args=[review_round.slug])))

    section = page[page.index("Agreement between reviewers") :]
    relevant = round_agreement(review_round).principles[0]
    assert "Krippendorff's alpha measures how far reviewers agree" in section
    assert 'data-agreement="round"' in section and 'data-agreement="clear"' in section
    assert f"Alpha {relevant.alpha:.2f}" in section
    assert "Based on 4 reviewers and 4 use cases." in section
    assert relevant.in_words in section


def test_the_matrix_page_says_when_agreement_was_never_measured(client, world):
    review_round, *_ = world
    matrix_recompute(round_id=review_round.pk)
    client.force_login(make_analyst())

    page = main_content(client.get(reverse("matrix:round_matrix", args=[review_round.slug])))

    assert "data-agreement-missing" in page


def test_the_json_export_ends_with_the_agreement(world):
    review_round, *_ = world
    recompute_matrix(review_round.pk)

    document = json.loads(EXPORTERS["json"].render(review_round))

    agreement = document["agreement"]
    assert list(document)[list(document).index("rows") + 1] == "agreement"
    assert list(agreement) == ["computed_at", "round", "principles"]
    assert list(agreement["round"]) == ["principle", "alpha", "reviewers", "use_cases"]
    assert agreement["round"]["principle"] is None
    assert [figure["principle"] for figure in agreement["principles"]] == ["relevant", "clear"]
    assert agreement["principles"][0]["alpha"] == pytest.approx(library_alpha(table(RELEVANT)), abs=1e-4)


def test_an_agreement_refresh_already_queued_is_not_queued_again(world):
    review_round, *_ = world
    key = AGREEMENT_PENDING_KEY.format(round_id=review_round.pk)
    cache.add(key, "1")  # a refresh is waiting in the queue

    recompute_matrix(review_round.pk)

    assert round_agreement(review_round).computed_at is None
    refresh_matrix_agreement(review_round.pk)  # the queued one runs, and clears the flag
    assert round_agreement(review_round).computed_at is not None
    assert cache.get(key) is None
