"""The matrix first, and like a spreadsheet, in a real browser on the report's demo data: at 1280
pixels the table starts on the first screen and fits its column (no column cut); its header row
stays in view while it scrolls; sorting, filtering by marks and searching work without JavaScript,
land on the table and give a URL to share, which "Back to the matrix" keeps; axe-core finds nothing
at 1280 and 320 pixels in the sorted, filtered and searched states."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.support import E2E_DB, axe_check, page_width
from tests.e2e.test_analyst_pages import demo, open_fieldwork_matrix  # noqa: F401 (the fixture)

pytestmark = [pytest.mark.e2e, E2E_DB]


def test_at_1280_pixels_the_table_is_on_the_first_screen_and_no_column_is_cut(page, demo):  # noqa: F811
    open_fieldwork_matrix(page)

    table = page.locator("table.portal-matrix")
    top = table.evaluate("element => element.getBoundingClientRect().top + window.scrollY")
    assert top < page.viewport_size["height"], f"the table starts {top} pixels down"
    box = page.get_by_role("region", name="Use cases and principles")
    met = page.get_by_role("columnheader", name=re.compile("Principles met"))
    right = box.evaluate("element => element.getBoundingClientRect().right")
    assert met.evaluate("element => element.getBoundingClientRect().right") <= right, "a column is cut off"
    expect(met).to_be_in_viewport()
    # The header row stays in view while the table scrolls in its box.
    box.evaluate("element => element.scrollTop = 400")
    header = page.get_by_role("columnheader", name=re.compile("^Relevant"))
    assert (
        header.evaluate("e => e.getBoundingClientRect().top") >= box.evaluate("e => e.getBoundingClientRect().top") - 1
    )
    axe_check(page)


def test_sort_filter_and_search_without_javascript_land_on_the_table_and_are_kept(page_without_js, demo):  # noqa: F811
    page: Page = page_without_js
    open_fieldwork_matrix(page)

    page.get_by_text("Sort, filter and search").click()
    page.get_by_label("Search the use cases").fill("prison")
    page.get_by_label("Sort by").select_option(label="Principles met")
    page.get_by_label("Order").select_option(label="Highest first")
    page.get_by_role("button", name="Apply filters").click()

    expect(page).to_have_url(re.compile("#matrix-heading$"))
    assert "search=prison" in page.url and "sort=met" in page.url
    expect(page.locator("[data-matrix-count]")).to_contain_text("of 5 use cases")
    # A column header sorts too.
    page.locator("[data-sort-link]", has_text="Relevant").click()
    expect(page).to_have_url(re.compile("sort=principle-relevant"))
    assert "search=prison" in page.url
    expect(page.get_by_role("columnheader", name=re.compile("^Relevant"))).to_have_attribute("aria-sort", "ascending")
    shared = page.url.split("#")[0]

    page.locator("td[data-principle='clear'] a").first.click()
    page.get_by_role("link", name="Back to the matrix").click()
    expect(page).to_have_url(re.compile("^" + re.escape(shared) + "(#.*)?$"))


@pytest.mark.parametrize("fixture", ["page", "narrow_page"])
def test_the_sorted_filtered_and_searched_matrix_passes_axe(request, demo, fixture):  # noqa: F811
    page = request.getfixturevalue(fixture)
    open_fieldwork_matrix(page)
    page.goto(page.url + "?search=prison&mark=fragile&sort=margin#matrix-heading")
    expect(page.locator("[data-matrix-count]")).to_be_visible()
    assert page_width(page) <= page.evaluate("window.innerWidth")
    axe_check(page)
    page.goto(page.url.split("?")[0] + "?sort=nowhere&search=" + "x" * 201)
    expect(page.locator(".govuk-error-summary")).to_contain_text("Choose a sort from the list")
    axe_check(page)


@pytest.mark.parametrize("fixture", ["page", "narrow_page"])
def test_chart_text_is_at_least_16_pixels_and_labels_are_whole(request, demo, fixture):  # noqa: F811
    page = request.getfixturevalue(fixture)
    open_fieldwork_matrix(page)
    page.get_by_role("link", name="See the round as charts").click()

    chart = page.locator("svg[data-chart='chart-relevant']")
    sizes = chart.evaluate("svg => [...svg.querySelectorAll('text')].map(t => t.getBoundingClientRect().height)")
    # A line box of 16-pixel Arial is over 17 pixels high.
    assert min(sizes) >= 17, sizes
    labels = chart.evaluate("svg => [...svg.querySelectorAll('text[data-bar-label]')].map(t => t.textContent)")
    assert not any("…" in label for label in labels)
    assert sum(label.startswith("Substance use issues") for label in labels) == 2
    assert page_width(page) <= page.evaluate("window.innerWidth")
    axe_check(page)
