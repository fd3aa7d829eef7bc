"""Agreement between reviewers: Krippendorff's alpha (nominal; "not sure" is no answer) per
principle and for the round, computed by the `krippendorff` library, stored, shown on the matrix
page and in the JSON export; "not enough data" when it is undefined. It is measured when it is
read (after that page's response) or, with a worker, after recomputes; never in a submit."""

import copy
import json
import math
from datetime import timedelta
from unittest import mock

import krippendorff
import numpy as np
import pytest
from django.core.cache import cache
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as npst

from bold_portal.celery import app as celery_app
from matrix.agreement import nominal_alpha
from matrix.exporters.registry import EXPORTERS
from matrix.models import Matrix, MatrixAgreement
from matrix.selectors.agreement import round_agreement
from matrix.selectors.cells import agreement_behind_round_ids
from matrix.services import agreement as agreement_services
from matrix.services import recompute as recompute_services
from matrix.services.agreement import matrix_agreement_refresh
from matrix.services.recompute import matrix_bring_up_to_date, matrix_recompute
from matrix.tasks import AGREEMENT_PENDING_KEY, recompute_matrix, refresh_matrix_agreement, sweep_stale_matrices
from matrix.wording import agreement_in_words
from reviews.models import RoundVersion, Verdict
from tests.database import shared_by_module
from tests.factories import make_analyst, make_assignment, make_organisation, make_reviewer, make_version
from tests.matrix.analyst_support import small_world, submit
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


@pytest.mark.slow  # a property test (hypothesis)
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


@pytest.fixture(scope="module")
def shared_world(django_db_setup, django_db_blocker):
    """Built once for the module's tests that ask for it (tests/database.py)."""
    with shared_by_module(django_db_blocker):
        audience, organisation, relevant, clear, review_round = small_world()
        versions = [make_version(audience=audience, title=f"Use case {i}") for i in range(4)]
        for version in versions:
            make_assignment(review_round=review_round, version=version, organisation=organisation)
        reviewers = [make_reviewer(organisation=organisation) for _ in range(4)]
        for r, reviewer in enumerate(reviewers):
            for v, version in enumerate(versions):
                submit(reviewer, review_round, version, {relevant: RELEVANT[r][v], clear: CLEAR[r][v]})
        yield review_round, relevant, clear


@pytest.fixture
def world(shared_world, db):
    return copy.deepcopy(shared_world)


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


def test_in_eager_mode_the_recompute_task_leaves_agreement_to_be_measured_when_read(world):
    review_round, *_ = world

    recompute_matrix(review_round.pk)  # as after a submit, in the submitting request

    agreement = round_agreement(review_round)
    assert agreement.computed_at is None
    assert agreement.is_updating and agreement.refresh_due


def change_a_verdict(review_round) -> None:
    """What a submit changes, without queuing anything: one verdict, and its version's counter."""
    verdict = Verdict.objects.filter(review__round=review_round, verdict=MEETS).first()
    Verdict.objects.filter(pk=verdict.pk).update(verdict=NOT)
    RoundVersion.objects.filter(round=review_round, version_id=verdict.review.version_id).update(
        change_count=F("change_count") + 1
    )


@pytest.fixture
def with_a_worker():
    """Tasks go to a worker (here: apply_async is recorded) instead of running in-process."""
    celery_app.conf.task_always_eager = False  # conftest's autouse fixture turns it back on
    with mock.patch.object(refresh_matrix_agreement, "apply_async") as apply_async:
        yield apply_async


def test_with_a_worker_a_recompute_queues_agreement_a_minute_ahead_only_when_something_changed(
    world, with_a_worker, settings
):
    review_round, *_ = world
    settings.MATRIX_AGREEMENT_DELAY_SECONDS = 60

    recompute_matrix(review_round.pk)
    change_a_verdict(review_round)
    recompute_matrix(review_round.pk)  # a change while the refresh waits queues nothing more
    with_a_worker.assert_called_once_with((review_round.pk,), countdown=60)
    refresh_matrix_agreement(review_round.pk)  # the queued one runs, and clears the flag
    assert not round_agreement(review_round).is_updating

    recompute_matrix(review_round.pk)  # nothing new: no refresh
    assert with_a_worker.call_count == 1


def test_with_a_worker_a_round_is_measured_at_most_once_a_minute_whoever_asks(world, with_a_worker, settings):
    review_round, *_ = world
    settings.MATRIX_AGREEMENT_DELAY_SECONDS = 60
    recompute_matrix(review_round.pk)
    cache.delete(AGREEMENT_PENDING_KEY.format(round_id=review_round.pk))
    refresh_matrix_agreement(review_round.pk)  # measured now
    measured = list(MatrixAgreement.objects.values_list("pk", flat=True))
    with_a_worker.reset_mock()

    # A change, then a page that finds the figures behind asks at once (countdown 0): the task
    # does not measure again, but puts itself off until a minute after the last measurement.
    change_a_verdict(review_round)
    recompute_matrix(review_round.pk)
    cache.delete(AGREEMENT_PENDING_KEY.format(round_id=review_round.pk))
    refresh_matrix_agreement(review_round.pk)
    assert list(MatrixAgreement.objects.values_list("pk", flat=True)) == measured
    (args, kwargs) = with_a_worker.call_args
    assert args == ((review_round.pk,),) and 55 <= kwargs["countdown"] <= 60
    assert cache.get(AGREEMENT_PENDING_KEY.format(round_id=review_round.pk))  # nothing else is queued meanwhile
    assert round_agreement(review_round).is_updating

    # A minute later the put-off task measures.
    Matrix.objects.filter(round=review_round).update(
        agreement_measured_at=F("agreement_measured_at") - timedelta(seconds=61)
    )
    refresh_matrix_agreement(review_round.pk)
    assert not round_agreement(review_round).is_updating
    assert cache.get(AGREEMENT_PENDING_KEY.format(round_id=review_round.pk)) is None


def test_in_eager_mode_the_refresh_after_a_page_measures_at_once(world):
    review_round, *_ = world
    recompute_matrix(review_round.pk)
    refresh_matrix_agreement(review_round.pk)
    change_a_verdict(review_round)
    recompute_matrix(review_round.pk)
    assert round_agreement(review_round).is_updating

    refresh_matrix_agreement(review_round.pk)  # well within the minute, but there is no worker to come back

    assert not round_agreement(review_round).is_updating


def test_the_plain_words_follow_krippendorffs_guide():
    assert agreement_in_words(0.85).startswith("Reviewers agree well")
    assert agreement_in_words(0.7).startswith("Reviewers agree moderately")
    assert agreement_in_words(0.3).startswith("Reviewers agree only a little")
    assert agreement_in_words(-0.2).startswith("Reviewers agree no more than chance")


def test_the_matrix_page_shows_each_figure_with_what_it_rests_on_and_means(client, world):
    review_round, *_ = world
    recompute_matrix(review_round.pk)
    matrix_agreement_refresh(round_id=review_round.pk)
    client.force_login(make_analyst())

    page = main_content(client.get(reverse("matrix:round_matrix", args=[review_round.slug])))

    section = page[page.index("Agreement between reviewers") :]
    assert "data-agreement-updating" not in section
    assert "Measured at" in section
    relevant = round_agreement(review_round).principles[0]
    assert "Krippendorff's alpha measures how far reviewers agree" in section
    assert 'data-agreement="round"' in section and 'data-agreement="clear"' in section
    assert f"Alpha {relevant.alpha:.2f}" in section
    assert "Based on 4 reviewers and 4 use cases." in section
    assert relevant.in_words in section


def test_the_matrix_page_says_when_agreement_was_never_measured(client, world):
    review_round, *_ = world
    client.force_login(make_analyst())

    page = main_content(client.get(reverse("matrix:round_matrix", args=[review_round.slug])))

    assert "data-agreement-missing" in page  # the matrix has not been computed either
    assert "data-agreement-summary" not in page


def test_the_json_export_ends_with_the_agreement(world):
    review_round, *_ = world
    recompute_matrix(review_round.pk)
    matrix_bring_up_to_date(review_round=review_round)  # as the export task does before rendering

    document = json.loads(EXPORTERS["json"].render(review_round))

    agreement = document["agreement"]
    assert list(document)[list(document).index("rows") + 1] == "agreement"
    assert list(agreement) == ["computed_at", "round", "principles", "is_updating"]
    assert agreement["is_updating"] is False
    assert list(agreement["round"]) == ["principle", "alpha", "reviewers", "use_cases"]
    assert agreement["round"]["principle"] is None
    assert [figure["principle"] for figure in agreement["principles"]] == ["relevant", "clear"]
    assert agreement["principles"][0]["alpha"] == pytest.approx(library_alpha(table(RELEVANT)), abs=1e-4)


def test_an_agreement_refresh_already_queued_is_not_queued_again(world, with_a_worker):
    review_round, *_ = world
    key = AGREEMENT_PENDING_KEY.format(round_id=review_round.pk)
    cache.add(key, "1")  # a refresh is waiting in the queue

    recompute_matrix(review_round.pk)

    with_a_worker.assert_not_called()
    assert round_agreement(review_round).computed_at is None
    refresh_matrix_agreement(review_round.pk)  # the queued one runs, and clears the flag
    assert round_agreement(review_round).computed_at is not None
    assert cache.get(key) is None


# --- Never stale as current: measured when read, after the response ---------------------------------


def agreement_section(client, review_round) -> str:
    page = main_content(client.get(reverse("matrix:round_matrix", args=[review_round.slug])))
    return page[page.index("Agreement between reviewers") : page.index("Download the matrix")]


def test_after_a_submit_the_page_says_agreement_is_being_updated_then_shows_the_new_figures(
    client, world, django_capture_on_commit_callbacks
):
    review_round, relevant, clear = world
    recompute_matrix(review_round.pk)
    matrix_agreement_refresh(round_id=review_round.pk)
    measured = list(MatrixAgreement.objects.values_list("pk", flat=True))
    first_version = RoundVersion.objects.filter(round=review_round).order_by("pk").first().version
    newcomer = make_reviewer(organisation=make_organisation())

    # As in `make run`: the version's recompute runs after the commit, inside the submit.
    with django_capture_on_commit_callbacks(execute=True):
        submit(newcomer, review_round, first_version, {relevant: NOT, clear: NOT})

    assert list(MatrixAgreement.objects.values_list("pk", flat=True)) == measured  # the submit measured nothing
    client.force_login(make_analyst())
    updating = agreement_section(client, review_round)
    assert "data-agreement-updating" in updating
    assert "Agreement is being updated: reviews have changed since it was last measured, at" in updating
    assert "Reload the page in a minute or two to see it." in updating
    assert "data-agreement-summary" not in updating and "data-alpha" not in updating

    measured_again = agreement_section(client, review_round)  # the first page's response ran the refresh

    assert "data-agreement-updating" not in measured_again
    relevant_now = [[*RELEVANT[r]] for r in range(4)] + [[NOT, None, None, None]]
    expected = library_alpha(np.array([[VALUE.get(a, np.nan) for a in row] for row in relevant_now]))
    assert f"Alpha {expected:.2f}" in measured_again
    assert "Based on 5 reviewers and 4 use cases." in measured_again


def test_a_round_measured_for_the_first_time_says_so(client, world):
    review_round, *_ = world
    matrix_recompute(round_id=review_round.pk)
    client.force_login(make_analyst())

    first = agreement_section(client, review_round)

    assert "Agreement is being measured for the first time." in first
    assert "data-agreement-summary" in agreement_section(client, review_round)


def test_the_api_withholds_figures_being_updated_and_has_them_measured(client, world):
    review_round, *_ = world
    recompute_matrix(review_round.pk)
    client.force_login(make_analyst())
    url = reverse("api:agreement", args=[review_round.slug])

    updating = client.get(url).json()
    current = client.get(url).json()

    assert updating == {"computed_at": None, "round": None, "principles": [], "is_updating": True}
    assert current["is_updating"] is False
    whole_round = library_alpha(np.hstack([table(RELEVANT), table(CLEAR)]))
    assert current["round"]["alpha"] == pytest.approx(whole_round, abs=1e-4)
    assert [figure["principle"] for figure in current["principles"]] == ["relevant", "clear"]


def test_while_the_matrix_itself_is_behind_agreement_is_updating_and_waits_for_its_recompute(client, world):
    review_round, *_ = world
    recompute_matrix(review_round.pk)
    matrix_agreement_refresh(round_id=review_round.pk)
    measured = list(MatrixAgreement.objects.values_list("pk", flat=True))
    change_a_verdict(review_round)  # committed, its recompute not run yet

    agreement = round_agreement(review_round)
    client.force_login(make_analyst())
    section = agreement_section(client, review_round)

    assert agreement.is_updating and not agreement.refresh_due
    assert "Agreement is being updated" in section and "data-alpha" not in section
    assert list(MatrixAgreement.objects.values_list("pk", flat=True)) == measured  # no refresh asked for


def test_a_refresh_that_measured_older_cells_never_replaces_newer_figures(world):
    """Refresh A reads the round, then (while it counts) a change is recomputed and refresh B
    measures and stores the newer cells; A then stores nothing."""
    review_round, *_ = world
    recompute_matrix(review_round.pk)
    real_counts = agreement_services.agreement_reviewer_counts
    b_rows = []

    def counts_while_the_round_moves_on(round_arg):
        if not b_rows:
            b_rows.append(None)
            change_a_verdict(review_round)
            matrix_recompute(round_id=review_round.pk)
            b_rows[:] = matrix_agreement_refresh(round_id=review_round.pk)
        return real_counts(round_arg)

    with mock.patch.object(
        agreement_services, "agreement_reviewer_counts", side_effect=counts_while_the_round_moves_on
    ):
        a_rows = matrix_agreement_refresh(round_id=review_round.pk)

    assert a_rows is None
    assert sorted(MatrixAgreement.objects.values_list("pk", flat=True)) == sorted(row.pk for row in b_rows)
    assert not round_agreement(review_round).is_updating


def test_the_sweep_measures_agreement_left_behind(world):
    review_round, *_ = world
    recompute_matrix(review_round.pk)  # eager: agreement left to be measured when read
    assert agreement_behind_round_ids() == [review_round.pk]

    sweep_stale_matrices.run()

    assert agreement_behind_round_ids() == []
    assert not round_agreement(review_round).is_updating


def test_a_failed_refresh_after_the_page_is_logged_and_tried_again_on_the_next_reading(client, world, caplog):
    review_round, *_ = world
    recompute_matrix(review_round.pk)
    client.force_login(make_analyst())
    url = reverse("matrix:round_matrix", args=[review_round.slug])

    with mock.patch("matrix.tasks.matrix_agreement_refresh", side_effect=RuntimeError("disk full")):
        response = client.get(url)

    assert response.status_code == 200
    assert "agreement refresh for round" in caplog.text and "disk full" in caplog.text
    client.get(url)
    assert "data-agreement-summary" in agreement_section(client, review_round)


def test_an_export_measures_agreement_left_behind_before_it_renders(world):
    review_round, *_ = world
    recompute_matrix(review_round.pk)

    matrix_bring_up_to_date(review_round=review_round)

    assert not round_agreement(review_round).is_updating


def statistics_target() -> str | None:
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SHOW default_statistics_target")
        return cursor.fetchone()[0]


def test_a_rounds_first_computation_analyses_the_cells_on_postgresql_and_a_versions_run_does_not(world, monkeypatch):
    review_round, *_ = world
    monkeypatch.setattr(recompute_services, "ANALYZE_AFTER_CELLS", 8)  # the world's 4 use cases x 2 principles
    version_id = RoundVersion.objects.filter(round=review_round).values_list("version_id", flat=True).first()

    target_before = statistics_target()
    with CaptureQueriesContext(connection) as first:
        matrix_recompute(round_id=review_round.pk)
    change_a_verdict(review_round)
    with CaptureQueriesContext(connection) as version_run:
        matrix_recompute(round_id=review_round.pk, version_ids=[version_id])

    analysed = [q["sql"] for q in first.captured_queries if q["sql"].startswith("ANALYZE")]
    assert analysed == (["ANALYZE matrix_matrixrow, matrix_matrixcell"] if connection.vendor == "postgresql" else [])
    if connection.vendor == "postgresql":
        # The smaller sample is set right before that ANALYZE, and the server's target is back after it.
        statements = [q["sql"] for q in first.captured_queries]
        at = statements.index(analysed[0])
        assert statements[at - 1] == "SELECT set_config('default_statistics_target', '10', true)"
        assert target_before != "10"
        assert statistics_target() == target_before
    assert not [q for q in version_run.captured_queries if q["sql"].startswith("ANALYZE")]
