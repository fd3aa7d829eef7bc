"""A use case version whose reviews changed since its cells were computed is never shown as current:
every page and answer that shows its outcome says it is being updated (docs/analysts.md, "Rows being
updated"), and a version computed from its newest review does not."""

import re

import pytest
from django.urls import reverse

from matrix.selectors.cells import round_version_rows
from matrix.selectors.matrix_page import MATRIX_ROWS_PER_PAGE
from matrix.services.recompute import matrix_recompute
from reviews.models import RoundVersion
from tests.factories import make_analyst, make_assignment, make_reviewer, make_version
from tests.matrix.analyst_support import make_large_round, mark_computed, small_world, submit
from tests.matrix.test_analyst_pages import MATRIX_PAGE_QUERIES
from tests.matrix.test_charts_page import CHARTS_PAGE_QUERIES
from tests.matrix.test_round_comparison import compare, two_large_rounds
from tests.pages import main_content

pytestmark = pytest.mark.django_db

BEHIND = "Housing after hospital"
CURRENT = "Health after temporary housing"


@pytest.fixture
def analyst_client(client):
    client.force_login(make_analyst())
    return client


@pytest.fixture
def round_with_a_row_behind():
    """Two versions reviewed and computed; then one more review of the first, whose recompute has not
    run yet (it runs after commit)."""
    _audience, organisation, relevant, clear, review_round = small_world()
    behind, current = make_version(title=BEHIND), make_version(title=CURRENT)
    for version in (behind, current):
        make_assignment(review_round=review_round, version=version, organisation=organisation)
        for _ in range(2):
            submit(make_reviewer(organisation=organisation), review_round, version, {relevant: "meets", clear: "meets"})
    matrix_recompute(round_id=review_round.pk)
    answers = {relevant: "does_not_meet", clear: "does_not_meet"}
    submit(make_reviewer(organisation=organisation), review_round, behind, answers)
    return review_round


def table_row(page: str, title: str) -> str:
    for row in page.split('<tr class="govuk-table__row">'):
        if f">{title} <" in row:
            return row.split("</tr>")[0]
    raise AssertionError(f"no row for {title!r}")


def test_the_matrix_page_says_each_cell_of_a_row_behind_is_being_updated(analyst_client, round_with_a_row_behind):
    page = main_content(analyst_client.get(reverse("matrix:round_matrix", args=[round_with_a_row_behind.slug])))

    behind = table_row(page, BEHIND)
    cells = re.findall(r'<td class="govuk-table__cell portal-matrix__cell".*?</td>', behind, re.S)
    assert len(cells) == 2
    for cell, principle in zip(cells, ("Relevant", "Clear and informative"), strict=True):
        # In words, seen and heard; no outcome, symbol or count that may be wrong.
        assert "data-being-updated>Being updated</span>" in cell
        assert f'visually-hidden">{principle}: being updated, the outcome is shown once' in cell
        assert "data-outcome" not in cell and "portal-matrix__symbol" not in cell and "meet" not in cell
    assert re.search(r"data-principles-met>\s*Being updated\s*<", behind)

    current = table_row(page, CURRENT)
    assert "Being updated" not in current and "being updated" not in current
    assert re.findall(r'data-outcome="(\w+)"', current) == ["tick", "tick"]


def test_the_matrix_page_shows_no_mark_once_the_row_is_recomputed(analyst_client, round_with_a_row_behind):
    matrix_recompute(round_id=round_with_a_row_behind.pk)

    page = main_content(analyst_client.get(reverse("matrix:round_matrix", args=[round_with_a_row_behind.slug])))

    assert "Being updated" not in page and "being updated" not in page
    behind = table_row(page, BEHIND)
    assert re.findall(r'data-outcome="(\w+)"', behind) == ["tick", "tick"]
    assert "Relevant: meets; 2 meet, 1 does not meet, 0 not sure" in behind


def test_the_charts_say_a_use_case_behind_is_being_updated(analyst_client, round_with_a_row_behind):
    page = main_content(analyst_client.get(reverse("matrix:round_charts", args=[round_with_a_row_behind.slug])))

    # Once per principle's table, and in the bar's label: never the current one.
    assert page.count("Being updated: these counts are not current") == 2
    assert f"{BEHIND} (v1): being updated, not current: 2 meet" in page
    assert f"{CURRENT} (v1): being updated" not in page
    assert f"{CURRENT} (v1): 2 meet" in page


def test_the_api_says_which_rows_are_being_updated(analyst_client, round_with_a_row_behind):
    body = analyst_client.get(reverse("api:matrix", args=[round_with_a_row_behind.slug])).json()

    assert body["is_updating"] is True
    assert {row["title"]: row["is_updating"] for row in body["results"]} == {BEHIND: True, CURRENT: False}


def _half_behind(review_round) -> None:
    """Every other version of a bulk round, in the pages' order, computed from its newest change, so
    that each page has both: the rest are behind."""
    in_matrix_order = [row["version_id"] for row in round_version_rows(review_round)]
    mark_computed(review_round, in_matrix_order[::2])


@pytest.mark.parametrize("size", [12, 120])
def test_the_matrix_page_marks_rows_behind_in_the_same_queries_whatever_their_number(
    analyst_client, django_assert_num_queries, size
):
    review_round, _audiences, _principles = make_large_round(size)
    _half_behind(review_round)

    with django_assert_num_queries(MATRIX_PAGE_QUERIES):
        page = main_content(analyst_client.get(reverse("matrix:round_matrix", args=[review_round.slug])))

    shown = min(size, MATRIX_ROWS_PER_PAGE)
    assert page.count("data-updating") == 4 * shown // 2
    assert page.count("data-outcome=") == 4 * shown // 2


@pytest.mark.parametrize("size", [40, 120])
def test_the_charts_mark_use_cases_behind_in_the_same_queries_whatever_their_number(
    analyst_client, django_assert_num_queries, size
):
    review_round, _audiences, _principles = make_large_round(size)
    _half_behind(review_round)

    with django_assert_num_queries(CHARTS_PAGE_QUERIES):
        page = main_content(analyst_client.get(reverse("matrix:round_charts", args=[review_round.slug])))

    assert page.count("Being updated: these counts are not current") == 4 * 20 // 2


def test_rounds_side_by_side_say_a_cell_behind_is_being_updated_and_do_not_compare_it(analyst_client):
    first, second = two_large_rounds(3)
    behind = RoundVersion.objects.filter(round=second).order_by("version_id").first()
    RoundVersion.objects.filter(pk=behind.pk).update(change_count=1)  # a review its recompute has not counted
    title = behind.version.title

    with_one = compare(analyst_client, a=first.slug, b=second.slug, use_case=behind.version.use_case.slug)
    page = main_content(with_one)

    assert f"{second.name}: Being updated" in page
    assert page.count("Not comparable: being updated in the second round") == 4
    assert 'data-change="improved"' not in page and 'data-change="worsened"' not in page
    whole = main_content(compare(analyst_client, a=first.slug, b=second.slug))
    assert title in whole and whole.count(f"{second.name}: Being updated") == 4
