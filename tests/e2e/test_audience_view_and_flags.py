"""The flag rule and the matrix by reviewing audience in a real browser, on the report's demo data:
the demo admin chooses Victims as an audience whose "does not meet" flags a cell, then reads the
flagged cells on the matrix, a flagged cell's page and the matrix by reviewing audience. axe-core
checks every page; again at 320 pixels, where no page may scroll sideways; and again without
JavaScript (without axe, which needs it)."""

import pytest
from playwright.sync_api import Page, expect

from reviews.demo import bold_report as report
from tests.e2e.support import E2E_DB, axe_check, page_width, screenshot, sign_in
from tests.e2e.test_analyst_pages import demo  # noqa: F401 (a fixture)

pytestmark = [pytest.mark.e2e, E2E_DB]

ADMIN = "admin@demo.bold.example"
ROUND = "fieldwork-2023"
NAMED = "flagged for discussion: an organisation serving Victims said does not meet"


def flag_and_read(page: Page, *, narrow: bool = False, axe: bool = True) -> None:
    def check(page: Page) -> None:
        if narrow:
            assert page_width(page) <= page.evaluate("window.innerWidth"), f"{page.url} scrolls sideways"
        if axe:  # axe itself needs JavaScript
            axe_check(page)

    sign_in(page, ADMIN, report.DEMO_PASSWORD)
    page.goto(f"/manage/rounds/{ROUND}/")
    page.get_by_role("link", name="Choose which audiences' concerns flag a cell for discussion").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Flag cells for discussion")
    check(page)
    page.get_by_label("Victims").check()
    page.get_by_role("button", name="Save the flag rule").click()
    expect(page.locator("dl")).to_contain_text("When an organisation serving Victims says does not meet")
    check(page)

    page.goto(f"/rounds/{ROUND}/matrix/")
    expect(page.locator("[data-flag-key]")).to_contain_text("organisation serving Victims")
    flagged = page.locator("td:has([data-flagged])")
    expect(flagged.first).to_contain_text("Flagged for discussion")
    # Screen readers hear the reason in the cell's link text.
    expect(flagged.first.get_by_role("link")).to_contain_text(NAMED)
    check(page)
    if not narrow and axe:
        screenshot(page, "analyst-matrix-flags", full_page=False)

    flagged.first.get_by_role("link").click()
    expect(page.locator("[data-flag='flagged']")).to_contain_text("Flagged for discussion: an organisation serving")
    check(page)

    page.get_by_role("link", name="See the matrix by reviewing audience").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("The matrix by reviewing audience")
    expect(page.locator("[data-overlap-note]")).to_contain_text("add up to more than the whole")
    check(page)
    page.get_by_role("button", name="Show").click()  # nothing chosen: an error
    expect(page.locator(".govuk-error-summary")).to_contain_text("Choose a reviewing audience")
    check(page)
    page.get_by_label("Reviewing audience").select_option(label="Victims")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("heading", name="Reviews from organisations serving Victims")).to_be_visible()
    expect(page.locator("[data-counts]").first).to_be_visible()
    expect(page.locator("[data-flagged]").first).to_contain_text("Flagged for discussion")
    check(page)
    page.get_by_label("Reviewing audience").select_option(label="Homelessness")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("heading", name="Reviews from organisations serving Homelessness")).to_be_visible()
    check(page)


def test_the_admin_flags_cells_and_reads_them_by_audience(page, demo):  # noqa: F811
    flag_and_read(page)


def test_the_flag_pages_fit_a_320_pixel_screen(narrow_page, demo):  # noqa: F811
    flag_and_read(narrow_page, narrow=True)


def test_the_flag_pages_work_without_javascript(page_without_js, demo):  # noqa: F811
    flag_and_read(page_without_js, axe=False)
