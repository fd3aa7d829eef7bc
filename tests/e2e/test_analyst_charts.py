"""Fragility, agreement and charts in a real browser, on the report's demo data: the analyst reads
the matrix page's agreement summary and fragile marks, opens the charts, and each page passes
axe-core, fits a 320-pixel screen and works without JavaScript."""

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.support import E2E_DB, axe_check, page_width, screenshot
from tests.e2e.test_analyst_pages import demo, open_fieldwork_matrix  # noqa: F401 (a fixture)

pytestmark = [pytest.mark.e2e, E2E_DB]


def open_charts(page: Page) -> None:
    open_fieldwork_matrix(page)
    page.get_by_role("link", name="See the round as charts").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Charts")


def reload_until_agreement_is_shown(page: Page) -> None:
    """The demo's agreement is measured once the first page that needs it has been sent (the
    portal runs tasks in-process here): reloading shows it, after a moment at most."""
    for _ in range(20):
        if page.locator("[data-agreement-summary]").count():
            return
        page.wait_for_timeout(250)
        page.reload()
    pytest.fail("The matrix page still says agreement is being measured after 20 reloads.")


def test_the_analyst_reads_agreement_fragility_and_charts(page, demo):  # noqa: F811
    open_fieldwork_matrix(page)
    # Nothing had read the demo's agreement: the first page says it is being measured.
    expect(page.locator("[data-agreement-updating]")).to_contain_text("Agreement is being measured for the first time")
    axe_check(page)
    reload_until_agreement_is_shown(page)
    summary = page.locator("[data-agreement-summary]")
    expect(summary.locator("[data-agreement='round']")).to_contain_text("Based on")
    expect(page.locator("[data-fragile-key]")).to_contain_text("Fragile")
    axe_check(page)

    page.get_by_role("link", name="See the round as charts").click()
    relevant = page.get_by_role("img", name="Relevant: verdicts by use case")
    expect(relevant).to_be_visible()
    expect(page.get_by_role("img", name="Reviews submitted in the round")).to_be_visible()
    # The round's progress as a whole: never one bar per organisation (the anonymity rule).
    expect(page.locator("[data-progress-table]")).to_contain_text("The whole round")
    expect(page.locator("[data-progress-table]")).not_to_contain_text("Crisis")
    expect(page.get_by_role("region", name="Relevant: verdicts by use case, as a table")).to_be_visible()
    axe_check(page)
    screenshot(page, "analyst-charts", full_page=False)

    # A fragile cell's page says what one change would do.
    page.go_back()
    page.locator("td[data-fragile] a").first.click()
    expect(page.locator("[data-fragility='fragile']")).to_contain_text("if one reviewer changed their mind")
    axe_check(page)


def test_the_charts_and_agreement_fit_a_320_pixel_screen(narrow_page, demo):  # noqa: F811
    page = narrow_page
    open_charts(page)

    assert page_width(page) <= page.evaluate("window.innerWidth"), "the charts page scrolls sideways"
    chart = page.get_by_role("img", name="Relevant: verdicts by use case")
    assert chart.bounding_box()["width"] <= page.evaluate("window.innerWidth")
    axe_check(page)

    page.get_by_role("link", name="Back to the matrix").click()
    page.get_by_role("heading", name="Agreement between reviewers").scroll_into_view_if_needed()
    assert page_width(page) <= page.evaluate("window.innerWidth"), "the matrix page scrolls sideways"
    axe_check(page)


def test_the_charts_work_without_javascript(page_without_js, demo):  # noqa: F811
    page = page_without_js
    open_charts(page)

    expect(page.get_by_role("img", name="Relevant: verdicts by use case")).to_be_visible()
    expect(page.locator("[data-progress-table]")).to_contain_text("Submitted")
    # (axe-core needs JavaScript: the same page is checked in the other tests.)
