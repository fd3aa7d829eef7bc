"""The matrix page's rows, read a page at a time audience by audience (on PostgreSQL; SQLite sorts
the whole selection), come in the report's order: the same order as the matrix export's rows,
whatever the ties between audiences and use cases, on every page and with an audience filter."""

import pytest
from django.urls import reverse

from matrix.selectors.cells import round_version_rows
from matrix.selectors.matrix_page import (
    MATRIX_ROWS_PER_PAGE,
    WALKED_ROWS_AT_MOST,
    MatrixFilters,
    matrix_filter_options,
    matrix_page,
)
from reviews.models import RoundVersion
from tests.factories import make_analyst, make_audience, make_round, make_version
from tests.matrix.analyst_support import make_large_round
from usecases.models import UseCase

pytestmark = pytest.mark.django_db


@pytest.fixture
def mixed_round():
    """Three audiences, two tied on their display order (their names decide), use cases tied on
    theirs (their slugs decide), and a use case with two versions in the round: more than two
    pages of rows."""
    audiences = [
        make_audience(name="Zebra", display_order=1),
        make_audience(name="Apple", display_order=1),
        make_audience(name="Last", display_order=0),
    ]
    versions = []
    for i in range(MATRIX_ROWS_PER_PAGE * 2 + 10):
        use_case = UseCase.objects.create(audience=audiences[i % 3], slug=f"order-{i:03d}", display_order=i % 4)
        versions.append(make_version(use_case=use_case))
    versions.append(make_version(use_case=versions[7].use_case, number=2))
    return make_round(versions=versions)


def _shown(review_round, filters: MatrixFilters) -> list[tuple[str, int]]:
    options = matrix_filter_options(review_round)
    first = matrix_page(review_round, options=options, filters=filters, page_number=1)
    shown = []
    for number in first.page.paginator.page_range:
        page = matrix_page(review_round, options=options, filters=filters, page_number=number)
        shown += [(row.use_case_slug, row.number) for group in page.groups for row in group.rows]
    return shown


def _exported(review_round, audiences=()) -> list[tuple[str, int]]:
    return [
        (row["version__use_case__slug"], row["version__number"])
        for row in round_version_rows(review_round)
        if not audiences or row["version__use_case__audience__slug"] in audiences
    ]


def test_every_page_shows_the_rows_in_the_exports_order(mixed_round):
    shown = _shown(mixed_round, MatrixFilters())

    assert len(shown) == RoundVersion.objects.filter(round=mixed_round).count()
    assert shown == _exported(mixed_round)


def test_an_audience_filter_keeps_the_order_of_the_audiences_chosen(mixed_round):
    options = matrix_filter_options(mixed_round)
    chosen = (options.audiences[0].slug, options.audiences[2].slug)

    shown = _shown(mixed_round, MatrixFilters(audiences=chosen))

    assert shown == _exported(mixed_round, chosen)
    assert shown


def test_a_page_beyond_the_walked_rows_is_in_the_same_order(mixed_round, monkeypatch):
    """Deeper pages sort the whole selection instead: the same rows either way."""
    walked = _shown(mixed_round, MatrixFilters())
    monkeypatch.setattr("matrix.selectors.matrix_page.WALKED_ROWS_AT_MOST", 0)

    assert _shown(mixed_round, MatrixFilters()) == walked
    assert WALKED_ROWS_AT_MOST >= MATRIX_ROWS_PER_PAGE


def test_the_audiences_to_choose_from_are_those_with_a_use_case_in_the_round_in_the_reports_order(mixed_round):
    make_version(audience=make_audience(name="Elsewhere", display_order=0))

    options = matrix_filter_options(mixed_round)

    assert [a.name for a in options.audiences] == ["Last", "Apple", "Zebra"]


def test_a_search_that_matches_nothing_shows_an_empty_page(mixed_round):
    options = matrix_filter_options(mixed_round)

    page = matrix_page(mixed_round, options=options, filters=MatrixFilters(search="nowhere"), page_number=1)

    assert page.groups == ()
    assert page.page.paginator.count == 0


# Session, user and two-factor device (3), the analyst's groups, the round, its audiences and
# principles, the matrix state's two, the page's count, rows and cells: no totals, which the
# API does not show.
API_MATRIX_QUERIES = 12


@pytest.fixture
def analyst_client(client):
    client.force_login(make_analyst())
    return client


@pytest.mark.parametrize("size", [3, 2 * MATRIX_ROWS_PER_PAGE])
def test_the_apis_round_matrix_makes_the_same_queries_whatever_the_rounds_size(
    analyst_client, django_assert_num_queries, size
):
    review_round, _audiences, _principles = make_large_round(size)

    with django_assert_num_queries(API_MATRIX_QUERIES):
        response = analyst_client.get(reverse("api:matrix", args=[review_round.slug]), HTTP_ACCEPT="application/json")

    assert response.status_code == 200
    assert len(response.json()["results"]) == min(size, MATRIX_ROWS_PER_PAGE)
    assert response.json()["count"] == size
