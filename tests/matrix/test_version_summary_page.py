"""What reviewers said (matrix:version_summary): blind until one's own submission, pseudonymised,
read from the stored matrix cells, which are recomputed after commit (in these tests only inside
django_capture_on_commit_callbacks(execute=True), or by calling matrix_recompute)."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from matrix.models import MatrixCell
from matrix.services.recompute import matrix_recompute
from reviews.models import Review, ReviewRound
from reviews.services.reviews import VerdictInput, review_save, review_withdraw
from reviews.services.rounds import round_rule_change
from tests.factories import make_reviewer
from tests.pages import NAVIGATION_QUERIES, main_content
from tests.reviews.conftest import COMPLETE_ANSWERS, ReviewWorld

pytestmark = pytest.mark.django_db

SECRET_REASON = "Assumes everyone in the group has offended."


SUMMARY = "matrix:version_summary"


@pytest.fixture
def world(db):
    return ReviewWorld()


@pytest.fixture
def answers():
    """Form data for a complete review, as a browser would post it; keyword overrides change fields."""

    def build(**overrides):
        return {**COMPLETE_ANSWERS, **overrides}

    return build


def html(response) -> str:
    return response.content.decode()


def recompute(world):
    """What the task queued after commit does: bring the round's stored cells up to date."""
    matrix_recompute(round_id=world.round.pk)


def submit(world, reviewer, *, verdict, reason=""):
    return review_save(
        reviewer=reviewer,
        review_round=world.round,
        version=world.version,
        verdicts=[
            VerdictInput(principle_id=world.relevant.pk, verdict=verdict, reason=reason),
            VerdictInput(principle_id=world.clear.pk, verdict="meets"),
        ],
        overall_comment="",
        expected_lock_version=0,
        submit=True,
        organisation=world.organisation,
    )


@pytest.fixture
def others(world):
    """Two colleagues who submitted before the reviewer: one cross with a reason, one tick."""
    first = make_reviewer(organisation=world.organisation, email="first@crisis.example", full_name="Fatima")
    second = make_reviewer(organisation=world.organisation, email="second@crisis.example")
    submit(world, first, verdict="does_not_meet", reason=SECRET_REASON)
    submit(world, second, verdict="meets", reason="It speaks to what people told us.")
    return first, second


def test_blind_round_shows_nothing_of_others_before_submitting(client, world, others, answers):
    recompute(world)
    client.force_login(world.reviewer)

    for page in ("use_case", "review"):
        content = html(client.get(world.url(page)))
        assert world.url(SUMMARY) not in content
        assert SECRET_REASON not in content
    client.post(world.url("review"), answers(action="save"))
    response = client.get(world.url(SUMMARY))

    assert response.status_code == 403
    content = html(response)
    assert "once you have submitted your own review" in content
    assert SECRET_REASON not in content and "govuk-summary-list" not in content


def test_after_submitting_the_reviewer_sees_outcomes_counts_and_pseudonymised_reasons(client, world, others, answers):
    client.force_login(world.reviewer)
    client.post(world.url("review"), answers(**{"relevant-verdict": "meets"}))
    recompute(world)

    confirmation = html(client.get(world.url("review_submitted")))
    assert world.url(SUMMARY) in confirmation
    response = client.get(world.url(SUMMARY))

    assert response.status_code == 200
    page = html(response)
    relevant = page[page.index(">Relevant<") : page.index(">Clear and informative<")]
    # meets 2 (second, reviewer), does not meet 1: a tick, with the symbol hidden from screen readers.
    assert '<span aria-hidden="true">✓</span> Meets' in relevant
    counts = re.findall(r'govuk-summary-list__value">(\d+)<', relevant)
    assert counts == ["2", "1", "0"]
    assert "Reviewer 1: Does not meet the principle" in relevant and SECRET_REASON in relevant
    assert "Reviewer 2: Meets the principle" in relevant
    clear = page[page.index(">Clear and informative<") :]
    # The reviewer's own cross on "clear" is outvoted by two ticks; their own words are shown as theirs,
    # not echoed as another's.
    assert '<span aria-hidden="true">✓</span> Meets' in clear
    assert page.count("It does not say who receives the data.") == 1
    own = clear[clear.index("What you said") :]
    assert "You:" in own and "It does not say who receives the data." in own
    # The others ticked "clear" without a word: bare verdicts are counted, not listed as things said.
    assert "What other reviewers said" not in clear
    for identifying in ("@", "crisis.example", "Fatima", "Crisis", "Nacro"):
        assert identifying not in main_content(response)


def test_outcome_cross_and_not_enough_reviews_are_shown_in_words(client, world, answers):
    client.force_login(world.reviewer)
    cross = {"relevant-verdict": "does_not_meet", "relevant-reason": "Not for them"}
    client.post(world.url("review"), answers(**cross))
    other = make_reviewer(organisation=world.organisation)
    submit(world, other, verdict="does_not_meet", reason="Agreed")
    round_rule_change(review_round=world.round, threshold=Decimal("0.50"), min_reviews=3, actor=None)
    recompute(world)

    page = html(client.get(world.url(SUMMARY)))

    assert "Not enough reviews" in page
    round_rule_change(review_round=world.round, threshold=Decimal("0.50"), min_reviews=2, actor=None)
    recompute(world)
    page = html(client.get(world.url(SUMMARY)))
    assert '<span aria-hidden="true">✗</span> Does not meet' in page


def test_pseudonyms_stay_the_same_when_someone_withdraws(client, world, others, answers):
    first, _second = others
    client.force_login(world.reviewer)
    client.post(world.url("review"), answers())
    review_withdraw(review=Review.objects.get(reviewer=first), actor=first, expected_lock_version=1)
    recompute(world)

    page = html(client.get(world.url(SUMMARY)))

    assert SECRET_REASON not in page, "withdrawn reviews stop counting"
    assert "Reviewer 2: Meets the principle" in page and "Reviewer 1" not in page


def test_cells_not_yet_computed_say_the_summary_is_being_prepared(client, world, others, answers):
    client.force_login(world.reviewer)
    client.post(world.url("review"), answers())  # no recompute: its task runs after commit
    assert not MatrixCell.objects.filter(round=world.round).exists()

    page = html(client.get(world.url(SUMMARY)))

    assert "The summary is being prepared" in page
    assert "aria-hidden" not in page[page.index("<main") :]


def test_cells_behind_the_reviews_say_they_may_not_include_the_latest_changes(client, world, others, answers):
    recompute(world)
    client.force_login(world.reviewer)
    client.post(world.url("review"), answers())  # counts a change of the version; its recompute waits for commit

    page = html(client.get(world.url(SUMMARY)))

    assert "may not include the latest changes: it is being updated" in page
    # Each principle says so in words, in place of an outcome that may be wrong.
    assert page.count("data-being-updated>Being updated<") == 2
    assert "data-outcome=" not in page


def test_aggregate_is_hidden_when_the_round_does_not_share_it(client, world, others, answers):
    ReviewRound.objects.filter(pk=world.round.pk).update(show_aggregate_to_reviewers=False)
    recompute(world)
    client.force_login(world.reviewer)
    client.post(world.url("review"), answers())

    for page in ("use_case", "review", "review_submitted"):
        assert world.url(SUMMARY) not in html(client.get(world.url(page)))
    response = client.get(world.url(SUMMARY))
    assert response.status_code == 403
    assert "do not see a summary" in html(response) and SECRET_REASON not in html(response)


def test_non_blind_round_shows_the_aggregate_before_submitting(client, world, others):
    ReviewRound.objects.filter(pk=world.round.pk).update(is_blind=False)
    recompute(world)
    client.force_login(world.reviewer)

    assert world.url(SUMMARY) in html(client.get(world.url("use_case")))
    response = client.get(world.url(SUMMARY))
    assert response.status_code == 200 and SECRET_REASON in html(response)


def test_my_reviews_never_shows_aggregates(client, world, others):
    recompute(world)
    client.force_login(world.reviewer)
    page = html(client.get(reverse("reviews:my_reviews")))
    assert SECRET_REASON not in page and "summary/" not in page


@pytest.mark.parametrize("other_reviewers", [2, 12])
def test_aggregate_query_count_does_not_grow(client, world, answers, django_assert_num_queries, other_reviewers):
    for n in range(other_reviewers):
        submit(world, make_reviewer(organisation=world.organisation), verdict="not_sure", reason=f"Reason {n}")
    client.force_login(world.reviewer)
    client.post(world.url("review"), answers())
    recompute(world)

    # session, user, the round with the version (one statement), assignments, own review +
    # verdicts (which also tell whether the reviewer has submitted), groups, the version's cells,
    # the matrix's computed_at, whether its row is behind, pseudonyms, reasons, submitted reviews
    # counted, principles, navigation (its groups query is cached from the page's own checks). No
    # query for the programme's decision: the round is open, and decisions come after it closes.
    with django_assert_num_queries(14 + NAVIGATION_QUERIES - 1):
        response = client.get(world.url(SUMMARY))
    assert response.status_code == 200
    assert f"Reviewer {other_reviewers}: Not sure" in html(response)


def test_a_submission_recomputes_the_cells_after_commit(
    client, world, others, answers, django_capture_on_commit_callbacks
):
    client.force_login(world.reviewer)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        client.post(world.url("review"), answers(**{"relevant-verdict": "meets"}))

    assert [c.func.__name__ for c in callbacks if c.func.__name__ != "enqueue_progress_refresh"] == [
        "enqueue_matrix_recompute"
    ]
    page = html(client.get(world.url(SUMMARY)))
    assert "may not include the latest changes" not in page and "being prepared" not in page
    relevant = page[page.index(">Relevant<") : page.index(">Clear and informative<")]
    assert re.findall(r'govuk-summary-list__value">(\d+)<', relevant) == ["2", "1", "0"]


def test_withdrawing_hides_the_summary_again_until_resubmitted(client, world, others, answers):
    recompute(world)
    client.force_login(world.reviewer)
    client.post(world.url("review"), answers())
    assert client.get(world.url(SUMMARY)).status_code == 200

    client.post(world.url("review_withdraw"), {"lock_version": "1"})

    assert client.get(world.url(SUMMARY)).status_code == 403
    assert world.url(SUMMARY) not in html(client.get(world.url("review")))
