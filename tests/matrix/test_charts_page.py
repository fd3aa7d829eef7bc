"""The charts page: per principle a stacked bar of verdicts for each use case, and the round's
progress as a whole (never by organisation: docs/analysts.md, "Charts"); server-drawn SVG with a
text alternative and the same numbers in a table, no script and no inline styles; the same queries
whatever the round's size."""

import re

import pytest
from django.urls import reverse

from matrix.charts import (
    FONT_SIZE,
    LINE_CHARACTERS,
    WIDTH,
    bar_label,
    label_lines,
    progress_in_words,
    stacked_bar_chart,
)
from matrix.selectors.charts import CHART_USE_CASES_PER_PAGE
from matrix.services.recompute import matrix_recompute
from tests.factories import make_admin, make_analyst, make_assignment, make_organisation, make_reviewer, make_version
from tests.matrix.analyst_support import make_large_round, small_world, submit
from tests.pages import main_content

pytestmark = pytest.mark.django_db


@pytest.fixture
def analyst_client(client, db):
    client.force_login(make_analyst())
    return client


@pytest.fixture
def world(db):
    audience, organisation, relevant, clear, review_round = small_world()
    repeat = make_version(audience=audience, title="Repeat homelessness")
    housing = make_version(audience=audience, title="Housing after prison")
    for version in (repeat, housing):
        make_assignment(review_round=review_round, version=version, organisation=organisation)
    reviewers = [make_reviewer(organisation=organisation) for _ in range(3)]
    submit(reviewers[0], review_round, repeat, {relevant: "meets", clear: "does_not_meet"})
    submit(reviewers[1], review_round, repeat, {relevant: "meets", clear: "not_sure"})
    submit(reviewers[2], review_round, repeat, {relevant: "does_not_meet", clear: "meets"})
    submit(reviewers[0], review_round, housing, {relevant: "not_sure", clear: "meets"})
    # In person: one of two assigned reviews submitted.
    solo = make_reviewer(organisation=make_organisation(name="Shelter"))
    make_assignment(review_round=review_round, version=repeat, reviewer=solo)
    make_assignment(review_round=review_round, version=housing, reviewer=solo)
    submit(solo, review_round, repeat, {relevant: "meets", clear: "meets"})
    matrix_recompute(round_id=review_round.pk)
    return review_round


def charts_page(client, review_round, **query) -> str:
    response = client.get(reverse("matrix:round_charts", args=[review_round.slug]), query)
    assert response.status_code == 200
    return main_content(response)


def svg(page: str, chart_id: str) -> str:
    match = re.search(rf'<svg class="portal-chart"[^>]*data-chart="{chart_id}".*?</svg>', page, re.S)
    assert match, chart_id
    return match.group(0)


def table_rows(page: str, marker: str) -> list[list[str]]:
    table = page[page.index(marker) :]
    table = table[: table.index("</table>")]
    return [
        [
            re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", cell)).strip()
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        ]
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.S)
    ]


def test_the_matrix_page_links_to_the_charts(analyst_client, world):
    response = analyst_client.get(reverse("matrix:round_matrix", args=[world.slug]))
    assert f'href="{reverse("matrix:round_charts", args=[world.slug])}"' in main_content(response)


def test_each_principle_has_a_stacked_bar_per_use_case_with_its_numbers_in_a_table(analyst_client, world):
    page = charts_page(analyst_client, world)

    relevant = svg(page, "chart-relevant")
    assert 'role="img"' in relevant
    assert 'aria-labelledby="chart-relevant-title chart-relevant-desc"' in relevant
    assert '<title id="chart-relevant-title">Relevant: verdicts by use case</title>' in relevant
    assert "A stacked bar for each of 2 use cases" in relevant
    # Each bar's label says its numbers; each kind has its own pattern.
    labels = re.findall(r'<text data-bar-label="([^"]*)">', relevant)
    # (Labels are whole, on as many lines as they need: test_a_bar_label_is_whole_on_lines_that_fit.)
    assert bar_label("Repeat homelessness (v1)", "3 meet, 1 does not meet, 0 not sure") in labels
    assert bar_label("Housing after prison (v1)", "0 meet, 0 do not meet, 1 not sure") in labels
    assert re.findall(r'data-segment="(\w+)"', relevant).count("meets") == 1
    assert 'fill="url(#portal-chart-does_not_meet)"' in relevant
    # The same numbers as a table after the chart.
    rows = table_rows(page, 'data-principle-table="relevant"')
    assert rows[0] == ["Use case", "Meets", "Does not meet", "Not sure"]
    assert ["Repeat homelessness (version 1)", "3", "1", "0"] in rows
    assert ["Housing after prison (version 1)", "0", "0", "1"] in rows
    clear_rows = table_rows(page, 'data-principle-table="clear"')
    assert ["Repeat homelessness (version 1)", "2", "1", "1"] in clear_rows


def test_progress_is_one_bar_for_the_whole_round_never_one_per_organisation(client, analyst_client, world):
    page = charts_page(analyst_client, world)

    progress = svg(page, "chart-progress")
    assert '<title id="chart-progress-title">Reviews submitted in the round</title>' in progress
    labels = re.findall(r'<text data-bar-label="([^"]*)">', progress)
    # Crisis: 3 members x 2 use cases; in person: 2 use cases. Submitted: 4 for Crisis, 1 in person.
    assert labels == ["The whole round: 5 of 8 submitted"]
    assert table_rows(page, "data-progress-table")[1:] == [["The whole round", "5", "8"]]
    for name in ("Crisis", "Shelter", "Assigned in person"):
        assert name not in page
    progress_page = reverse("rounds:progress", args=[world.slug])
    assert progress_page not in page

    client.force_login(make_admin())  # programme admins are pointed to their own progress page
    assert f'href="{progress_page}"' in charts_page(client, world)


def test_the_page_needs_no_script_and_no_inline_styles(analyst_client, world):
    page = charts_page(analyst_client, world)

    assert "<script" not in page
    assert "style=" not in page
    # The patterns are defined once, hidden from assistive technology.
    assert page.count('id="portal-chart-meets"') == 1


def test_an_empty_round_says_so(analyst_client, db):
    *_, review_round = small_world()

    page = charts_page(analyst_client, review_round)

    assert "Nobody has been assigned a use case in this round yet." in page
    assert "This round has no use cases yet." in page
    assert '<svg class="portal-chart"' not in page


# Session and user (2), the layout's navigation and sign-in checks (3), the round, and
# round_charts' eight (see its docstring; nine before the page's use cases were counted with the
# round's progress).
CHARTS_PAGE_QUERIES = 14


@pytest.mark.parametrize("size", [40, 300])
def test_the_charts_page_makes_the_same_queries_for_40_or_300_use_cases(
    analyst_client, django_assert_num_queries, size
):
    review_round, _audiences, _principles = make_large_round(size)
    for number in range(size // 10):
        organisation = make_organisation(name=f"Organisation {number}")
        make_reviewer(organisation=organisation)
        make_assignment(review_round=review_round, version=make_version(), organisation=organisation)
        make_assignment(review_round=review_round, version=make_version(), reviewer=make_reviewer())

    with django_assert_num_queries(CHARTS_PAGE_QUERIES):
        response = analyst_client.get(reverse("matrix:round_charts", args=[review_round.slug]), {"page": 2})

    assert response.status_code == 200
    page = main_content(response)
    # Four principles of 20 use cases, and the round's progress.
    assert page.count("data-bar-label") == 4 * CHART_USE_CASES_PER_PAGE + 1
    assert f"Showing use cases 21 to 40 of {size + 2 * (size // 10)}" in page


def test_a_bar_label_is_whole_on_lines_that_fit():
    """The issue: two "Substance use issues..." use cases looked alike, cut at 25 characters."""
    first = bar_label("Substance use issues after leaving prison (v1)", "3 meet, 1 does not meet, 0 not sure")
    second = bar_label("Substance use issues and risk of multiple conditions (v1)", "0 meet, 3 do not meet, 0 not sure")
    assert "…" not in first + second
    for label in (first, second, bar_label("A" * 70, "1 of 2 submitted")):
        lines = label_lines(label)
        assert all(len(line) <= LINE_CHARACTERS for line in lines)
        assert "".join(lines).replace(" ", "") == label.replace(" ", "")
    assert label_lines(first)[0] != label_lines(second)[0] or label_lines(first)[1] != label_lines(second)[1]
    chart = stacked_bar_chart(
        chart_id="c",
        title="t",
        description="d",
        kinds=(("meets", "Meets"),),
        rows=[(first, (3,)), (second, (0,))],
        scale=3,
    )
    assert [bar.label for bar in chart.bars] == [first, second]
    # Each line below the one before, each bar below its label, the chart tall enough for all.
    ys = [line.y for bar in chart.bars for line in bar.lines]
    assert ys == sorted(set(ys))
    assert all(bar.bar_y > bar.lines[-1].y for bar in chart.bars)
    assert chart.height > chart.bars[-1].bar_y + chart.bar_height


def test_the_charts_text_is_at_least_16_pixels_on_a_320_pixel_screen():
    # At 320 pixels the drawing is 290 pixels wide (15-pixel page margins): its text scales with it.
    assert FONT_SIZE * 290 / (WIDTH + 2) >= 16


@pytest.mark.parametrize(
    "submitted, expected, words",
    [
        (3, 0, "3 submitted, none expected yet"),
        (3, 2, "3 submitted, more than the 2 expected"),
        (0, 4, "0 of 4 submitted"),
        (4, 4, "4 of 4 submitted"),
    ],
)
def test_progress_never_says_of_0(submitted, expected, words):
    assert progress_in_words(submitted, expected) == words
