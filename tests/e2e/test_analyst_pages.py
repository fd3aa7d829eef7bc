"""The analysts' pages in a real browser, on the report's demo data: the demo analyst signs in,
opens the review rounds, the fieldwork-2023 matrix (the report's table) and a cell's reasons;
axe-core checks each page, the filters work without JavaScript, and the matrix fits 320 pixels."""

import io

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from reviews.demo import bold_report as report
from tests.e2e.support import E2E_DB, axe_check, page_width, screenshot, sign_in

pytestmark = [pytest.mark.e2e, E2E_DB]

ANALYST = "analyst@demo.bold.example"
FIELDWORK = "Fieldwork 2023 (from the report)"
# What a screen reader hears for one of the report's crosses.
JUSTICE_RELEVANT = "Relevant: does not meet; 0 meet, 3 do not meet, 0 not sure"


@pytest.fixture
def demo(live_server, django_capture_on_commit_callbacks):
    """The demo data with its sign-ins; the matrices its load queues are computed on commit."""
    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_bold_report", demo_accounts=True, stdout=io.StringIO())


def open_rounds(page: Page) -> None:
    sign_in(page, ANALYST, report.DEMO_PASSWORD)
    menu = page.get_by_role("navigation", name="Menu")
    toggle = menu.get_by_role("button", name="Menu")
    if toggle.is_visible():  # narrow screens fold the links behind a Menu button
        toggle.click()
    menu.get_by_role("link", name="Review rounds").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Review rounds")


def open_fieldwork_matrix(page: Page) -> None:
    open_rounds(page)
    page.get_by_role("link", name=f"View the matrix of {FIELDWORK}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Principle matrix")


def matrix_row(page: Page, title: str):
    return page.locator("tr", has=page.get_by_role("rowheader", name=title))


def test_the_analyst_reads_rounds_the_matrix_and_the_reasons_behind_a_cell(page, demo):
    open_rounds(page)
    fieldwork = page.locator(".govuk-summary-card", has=page.get_by_role("heading", name=FIELDWORK))
    expect(fieldwork).to_contain_text("Closed")
    expect(fieldwork).to_contain_text("36 of 36 expected reviews submitted")
    axe_check(page)
    screenshot(page, "analyst-rounds")

    page.get_by_role("link", name=f"View the matrix of {FIELDWORK}").click()
    expect(page.get_by_role("rowheader", name="Substance Misuse")).to_be_visible()
    repeat = matrix_row(page, "Repeat homelessness (version 1)")
    expect(repeat.locator("td[data-outcome]")).to_have_count(4)
    for cell in repeat.locator("td[data-outcome]").all():
        expect(cell).to_have_attribute("data-outcome", "tick")
    justice = matrix_row(page, "Engagement with the Criminal Justice System (version 1)")
    expect(justice.get_by_role("link", name=JUSTICE_RELEVANT)).to_be_visible()
    axe_check(page)
    screenshot(page, "analyst-matrix", full_page=False)

    # A filter value that is not allowed: the GOV.UK error summary, which takes focus.
    matrix_url = page.url
    page.goto(matrix_url + "?outcome=maybe")
    expect(page.locator(".govuk-error-summary")).to_contain_text("Choose an outcome from the list")
    expect(page.locator(".govuk-error-summary")).to_be_focused()
    axe_check(page)
    page.goto(matrix_url)
    justice = matrix_row(page, "Engagement with the Criminal Justice System (version 1)")

    justice.get_by_role("link", name=JUSTICE_RELEVANT).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Why this cell: Relevant")
    expect(page.locator("[data-rule]")).to_contain_text("reviewers who decided said it meets; more than half is needed")
    expect(page.locator("[data-verdict]").first).to_contain_text("Reviewer ")
    expect(page.locator("main")).not_to_contain_text("@")
    axe_check(page)
    screenshot(page, "analyst-cell", full_page=False)


def test_the_matrix_filters_work_without_javascript(page_without_js, demo):
    page = page_without_js
    open_fieldwork_matrix(page)

    # The filters fold away above the table (a <details>, which opens without JavaScript).
    page.get_by_text("Sort, filter and search").click()
    page.get_by_label("Homelessness").check()
    page.get_by_label("Outcome").select_option(label="All ticks (meets)")
    page.get_by_role("button", name="Apply filters").click()

    expect(page.locator("[data-matrix-count]")).to_have_text("Showing 1 to 1 of 1 use case.")
    expect(page.get_by_role("rowheader", name="Repeat homelessness (version 1)")).to_be_visible()
    expect(page.get_by_label("Homelessness")).to_be_checked()
    # (axe-core needs JavaScript: the same page is checked in the other tests.)


def test_the_matrix_fits_a_320_pixel_screen_and_its_table_scrolls_in_its_own_box(narrow_page, demo):
    page = narrow_page
    open_fieldwork_matrix(page)

    assert page_width(page) <= page.evaluate("window.innerWidth"), "the page scrolls sideways"
    box = page.get_by_role("region", name="Use cases and principles")
    box.focus()
    expect(box).to_be_focused()
    assert box.evaluate("element => element.scrollWidth > element.clientWidth"), "the table scrolls inside its box"
    page.get_by_role("heading", level=1).scroll_into_view_if_needed()
    axe_check(page)

    page.locator("a[href$='/relevant/']").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Why this cell")
    assert page_width(page) <= page.evaluate("window.innerWidth")
    axe_check(page)
