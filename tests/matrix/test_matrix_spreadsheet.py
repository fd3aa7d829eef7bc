"""The matrix page worked like a spreadsheet, without JavaScript: sorts (by a principle, principles
met, "does not meet" verdicts, margin), filters by marks (fragile, flagged, declared interest),
keyword search, every combination a shareable URL that the cell page's "Back to the matrix" keeps;
and the margin of a cell (principles.rule.flip_margin)."""

import html
import itertools
import re
from decimal import Decimal
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.urls import resolve, reverse

from matrix.selectors.matrix_page import MATRIX_ROWS_PER_PAGE
from principles.rule import flip_margin, one_change_outcomes
from tests.factories import close_round, make_analyst
from tests.matrix.analyst_support import make_large_round
from tests.matrix.test_analyst_pages import (
    MATRIX_PAGE_QUERIES,
    PUBLISHED_GROUPS_QUERIES,
    REPORT_TABLE,
    VIEW_QUERIES,
    X,
)
from tests.matrix.test_declared_interest_marks import World
from tests.pages import main_content
from usecases.models import UseCaseVersion

pytestmark = pytest.mark.django_db


@pytest.fixture
def analyst_client(client, db):
    client.force_login(make_analyst(email="analyst@bold.example"))
    return client


def rows_of(page: str) -> list[str]:
    """The table's use case rows, in order."""
    if "<tbody" not in page:
        return []
    table = page[page.index("<tbody") : page.index("<tfoot")]
    return [
        row.split("</tr>")[0] for row in table.split('<tr class="govuk-table__row">') if "data-principles-met" in row
    ]


def title_of(row: str) -> str:
    return re.search(r'portal-matrix__use-case">([^<]+) <', row).group(1)


def met_of(row: str) -> int:
    return int(re.search(r"data-principles-met>\s*(\d+) of", row).group(1))


def outcome_of(row: str, principle: str) -> str:
    return re.search(rf'data-principle="{principle}" data-outcome="(\w+)"', row).group(1)


def matrix(client, review_round, query) -> str:
    response = client.get(reverse("matrix:round_matrix", args=[review_round.slug]), query)
    assert response.status_code == 200
    return main_content(response)


# --- Keyword search ------------------------------------------------------------------------------------


def test_prison_finds_the_demos_prison_use_cases_under_three_audiences(demo, analyst_client):
    page = matrix(analyst_client, demo, {"search": "prison"})

    titles = [title_of(row) for row in rows_of(page)]
    prison_titles = [title for title in REPORT_TABLE if re.search(r"\bprison\b", title)]
    assert len(prison_titles) == 3 and set(prison_titles) <= set(titles)
    assert "Repeat homelessness" not in titles
    headings = re.findall(r'scope="rowgroup"[^>]*>([^<]+)<', page)
    assert len(headings) == 3
    # Every use case found says "prison" in a text that is searched (parts of words count: "imprisoned").
    for title in titles:
        version = UseCaseVersion.objects.get(title=title)
        searched = [
            version.title,
            version.impact_statement,
            version.research_questions,
            version.will_do,
            version.wont_do,
        ]
        assert any("prison" in text.lower() for text in searched), title


def test_search_needs_every_word_and_ignores_letter_case(demo, analyst_client):
    one = {title_of(row) for row in rows_of(matrix(analyst_client, demo, {"search": "PRISON"}))}
    both = {title_of(row) for row in rows_of(matrix(analyst_client, demo, {"search": "prison  homelessness"}))}
    assert both and both < one
    assert "No use cases match these filters." in matrix(analyst_client, demo, {"search": "zzzqqq"})


# --- Sorts ---------------------------------------------------------------------------------------------


def test_sorting_by_a_principle_puts_does_not_meet_first_and_the_other_way_round(demo, analyst_client):
    page = matrix(analyst_client, demo, {"sort": "principle-relevant"})
    rows = rows_of(page)
    order = [outcome_of(row, "relevant") for row in rows]
    assert order == sorted(order, key=["cross", "insufficient", "tick"].index)
    assert order[0] == X and len(rows) == 12
    # Sorted, rows leave their audience groups and name their audience themselves.
    assert 'scope="rowgroup"' not in page
    assert page.count("data-row-audience") == 12
    assert 'aria-sort="ascending"' in page

    reverse_order = [
        outcome_of(row, "relevant")
        for row in rows_of(matrix(analyst_client, demo, {"sort": "principle-relevant", "direction": "desc"}))
    ]
    assert reverse_order == sorted(order, key=["tick", "insufficient", "cross"].index)


@pytest.mark.parametrize("direction", ["asc", "desc"])
def test_sorting_by_principles_met(demo, analyst_client, direction):
    met = [met_of(row) for row in rows_of(matrix(analyst_client, demo, {"sort": "met", "direction": direction}))]
    assert met == sorted(met, reverse=direction == "desc") and len(met) == 12


def test_sorting_by_does_not_meet_verdicts_and_by_margin(demo, analyst_client):
    rows = rows_of(matrix(analyst_client, demo, {"sort": "does-not-meet"}))
    counts = [sum(int(n) for n in re.findall(r"; \d+ meets?, (\d+) (?:does|do) not meet", row)) for row in rows]
    assert counts == sorted(counts) and len(counts) == 12

    rows = rows_of(matrix(analyst_client, demo, {"sort": "margin"}))
    assert len(rows) == 12
    # The most fragile first: a row with a fragile cell (margin 1) before any row without one.
    fragile = ["data-fragile" in row for row in rows]
    assert fragile == sorted(fragile, reverse=True)


def test_column_headers_sort_and_keep_the_filters(demo, analyst_client):
    page = matrix(analyst_client, demo, {"audience": "homelessness", "search": "housing"})
    links = re.findall(r'<a class="govuk-link" href="([^"]+)" data-sort-link>', page)
    assert len(links) == 5
    query = parse_qsl(urlsplit(links[0].replace("&amp;", "&")).query)
    assert ("audience", "homelessness") in query and ("search", "housing") in query
    assert ("sort", "principle-relevant") in query
    assert links[0].endswith("#matrix-heading")
    # Sorted by it already: the link sorts the other way.
    page = matrix(analyst_client, demo, {"sort": "met"})
    assert "direction=desc" in re.findall(r'href="([^"]+)" data-sort-link>Principles met', page)[0]


# --- Marks ---------------------------------------------------------------------------------------------


def test_the_fragile_filter_keeps_rows_with_a_fragile_cell_on_the_chosen_principle(demo, analyst_client):
    everything = rows_of(matrix(analyst_client, demo, {}))
    fragile = rows_of(matrix(analyst_client, demo, {"mark": "fragile"}))
    assert [title_of(row) for row in fragile] == [title_of(row) for row in everything if "data-fragile" in row]
    assert fragile and len(fragile) < len(everything)

    on_relevant = rows_of(matrix(analyst_client, demo, {"mark": "fragile", "principle": "relevant"}))
    expected = [
        title_of(r) for r in everything if re.search(r'data-principle="relevant" data-outcome="\w+" data-fragile', r)
    ]
    assert [title_of(row) for row in on_relevant] == expected


def test_the_flagged_filter_keeps_rows_with_a_flag(demo, analyst_client):
    everything = rows_of(matrix(analyst_client, demo, {}))
    flagged = rows_of(matrix(analyst_client, demo, {"mark": "flagged"}))
    assert [title_of(row) for row in flagged] == [title_of(row) for row in everything if "data-flagged" in row]


def test_the_declared_interest_filter_keeps_the_marked_use_case_only(analyst_client):
    world = World()
    world.close()
    page = matrix(analyst_client, world.round, {"mark": "declared-interest"})
    assert [title_of(row) for row in rows_of(page)] == ["Prison leavers and housing"]
    # Any of the marks chosen: declared interest or fragile.
    page = matrix(analyst_client, world.round, {"mark": ["declared-interest", "flagged"]})
    assert "Prison leavers and housing" in page


def test_while_the_round_is_open_no_row_has_a_declared_interest_for_analysts(analyst_client):
    world = World()
    page = matrix(analyst_client, world.round, {"mark": "declared-interest"})
    assert "No use cases match these filters." in page


# --- Bad input -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query, field, message",
    [
        ({"sort": "title"}, "sort", "Choose a sort from the list"),
        ({"sort": "principle-nowhere"}, "sort", "Choose a sort from the list"),
        ({"direction": "sideways"}, "direction", "Choose lowest first or highest first"),
        ({"mark": "suspicious"}, "mark", "Choose marks from the list"),
        ({"search": "x" * 201}, "search", "Enter 200 characters or fewer to search for (you entered 201)"),
    ],
)
def test_a_bad_sort_mark_or_search_is_named_and_changes_nothing(demo, analyst_client, query, field, message):
    response = analyst_client.get(reverse("matrix:round_matrix", args=[demo.slug]), query)

    assert response.status_code == 200
    page = response.content.decode()
    summary = page[page.index("govuk-error-summary") :]
    assert f'<a href="#{field}">{message}</a>' in summary
    assert "Showing 1 to 12 of 12 use cases." in page
    # The form is open to show the field with its message.
    assert "data-matrix-controls open" in page


# --- Shareable, and kept by the cell page ------------------------------------------------------------


def test_the_form_shows_the_view_in_the_url_and_cells_carry_it_back(demo, analyst_client):
    query = {"audience": "homelessness", "mark": "fragile", "search": "housing", "sort": "met", "direction": "desc"}
    page = matrix(analyst_client, demo, query)
    assert 'value="housing"' in page
    assert '<option value="met" selected>' in page and '<option value="desc" selected>' in page
    assert re.search(r'id="mark" name="mark" type="checkbox" value="fragile" checked', page)

    cell_link = re.search(r'href="(/analysts?[^"]*?/relevant/\?[^"]+)"', page) or re.search(
        r'href="([^"]+/relevant/\?[^"]+)"', page
    )
    assert cell_link, "no cell link with the view"
    link = cell_link.group(1).replace("&amp;", "&")
    assert sorted(parse_qsl(urlsplit(link).query)) == sorted(
        [
            ("audience", "homelessness"),
            ("mark", "fragile"),
            ("search", "housing"),
            ("sort", "met"),
            ("direction", "desc"),
        ]
    )
    cell_page = analyst_client.get(link + "&other=ignored").content.decode()
    back = re.search(r'<a href="([^"]+)" class="govuk-back-link">Back to the matrix</a>', cell_page).group(1)
    back_query = parse_qsl(urlsplit(back.replace("&amp;", "&")).query)
    assert ("sort", "met") in back_query and ("mark", "fragile") in back_query
    assert "other" not in dict(back_query)


def test_each_cell_links_to_its_own_cell_page_whatever_the_rounds_slug(demo, analyst_client):
    """A cell's address is formed once a page and filled in a cell at a time: a round whose slug
    holds the words that stand for a use case, a version and a principle still links each cell to
    its own page."""
    type(demo).objects.filter(pk=demo.pk).update(slug="use-case-slot-918273645-principle-slot")
    demo.refresh_from_db()
    page = matrix(analyst_client, demo, {"sort": "met"})

    cells = re.findall(
        r'<td class="[^"]*portal-matrix__cell" data-principle="([^"]+)"[^>]*><a class="govuk-link" href="([^"]+)"', page
    )
    assert len(cells) == len(rows_of(page)) * demo.principles.count() > 0
    for principle_slug, href in cells:
        address, _sep, query = href.replace("&amp;", "&").partition("?")
        cell_page = resolve(address)
        assert cell_page.url_name == "cell" and query == "sort=met"
        assert cell_page.kwargs["round_slug"] == demo.slug and cell_page.kwargs["principle_slug"] == principle_slug
        (row,) = [row for row in rows_of(page) if href in row]
        version = UseCaseVersion.objects.get(
            use_case__slug=cell_page.kwargs["use_case_slug"], number=cell_page.kwargs["number"]
        )
        assert html.unescape(title_of(row)) == version.title
        assert f"(version {version.number})" in row


def test_the_filters_land_on_the_table(demo, analyst_client):
    page = matrix(analyst_client, demo, {})
    assert '<form method="get" action="#matrix-heading" novalidate>' in page
    assert 'id="matrix-heading"' in page
    # The table comes before agreement, downloads and the keys.
    assert page.index("<table") < page.index('id="agreement"') and page.index("<table") < page.index("data-fragile-key")


# --- Query counts --------------------------------------------------------------------------------------

# Sorted or filtered by marks: no count or totals query (the page is cut in Python from the selection);
# and, as for every view, the whole round's size for its download link.
RANKED_MATRIX_PAGE_QUERIES = MATRIX_PAGE_QUERIES - 2 + VIEW_QUERIES


# As on the plain matrix page: the large size is slow, the small one holds the same count everyday.
@pytest.mark.parametrize("size", [12, pytest.param(2000, marks=pytest.mark.slow)])
@pytest.mark.parametrize(
    "query", [{"sort": "margin"}, {"mark": ["fragile", "flagged", "declared-interest"], "sort": "met"}]
)
@pytest.mark.parametrize("closed", [False, True])
def test_sorted_and_marked_pages_make_the_same_queries_for_12_or_2000_use_cases(
    analyst_client, django_assert_num_queries, size, query, closed
):
    review_round, _audiences, _principles = make_large_round(size)
    if closed:
        close_round(review_round)
    url = reverse("matrix:round_matrix", args=[review_round.slug])

    with django_assert_num_queries(RANKED_MATRIX_PAGE_QUERIES + (PUBLISHED_GROUPS_QUERIES if closed else 0)):
        response = analyst_client.get(url, query)

    assert response.status_code == 200
    assert "govuk-error-summary" not in response.content.decode()
    assert response.content.decode().count("data-principles-met") <= MATRIX_ROWS_PER_PAGE


# --- The margin ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("threshold, min_reviews", [(Decimal("0.5"), 3), (Decimal("0.75"), 1), (Decimal("0.6"), 5)])
def test_a_margin_of_one_is_a_fragile_cell_and_the_margin_flips_the_cell(threshold, min_reviews):
    rule = {"threshold": threshold, "min_reviews": min_reviews}
    for meets, does_not_meet, not_sure in itertools.product(range(7), repeat=3):
        counts = {"meets": meets, "does_not_meet": does_not_meet, "not_sure": not_sure}
        margin = flip_margin(**counts, **rule)
        assert (margin == 1) == bool(one_change_outcomes(**counts, **rule)), counts
        total = meets + does_not_meet + not_sure
        if total < min_reviews:
            assert margin is None
        if margin is not None:
            assert 1 <= margin <= total
