"""A matrix row behind its reviews in a real browser, at 1280 and 320 pixels: each of its cells says
"Being updated" in words where the outcome was, the row beside it keeps its outcome, and axe-core
finds nothing to fix (docs/analysts.md, "Rows being updated")."""

import io

import pytest
from django.core.management import call_command
from django.db.models import F
from playwright.sync_api import Page, expect

from reviews.demo import bold_report as report
from reviews.models import RoundVersion
from tests.e2e.support import E2E_DB, axe_check, page_width, sign_in

pytestmark = [pytest.mark.e2e, E2E_DB]

ANALYST = "analyst@demo.bold.example"
FIELDWORK = "Fieldwork 2023 (from the report)"
BEHIND = "Repeat homelessness (version 1)"
CURRENT = "Accessing support (version 1)"


@pytest.fixture
def row_behind(live_server, django_capture_on_commit_callbacks):
    """The demo data, computed; then one use case's reviews count a change its recompute has not
    written yet, as when the broker is down after a submit."""
    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_bold_report", demo_accounts=True, stdout=io.StringIO())
    RoundVersion.objects.filter(round__name=FIELDWORK, version__use_case__slug="repeat-homelessness").update(
        change_count=F("change_count") + 1
    )
    return live_server.url


def open_fieldwork_matrix(page: Page, site: str) -> None:
    sign_in(page, ANALYST, report.DEMO_PASSWORD)
    page.goto(f"{site}/rounds/")
    page.get_by_role("link", name=f"View the matrix of {FIELDWORK}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Principle matrix")


def matrix_row(page: Page, title: str):
    return page.locator("tr", has=page.get_by_role("rowheader", name=title))


def check_the_row_behind(page: Page) -> None:
    expect(page.locator("[data-matrix-updating]")).to_contain_text("the matrix is being updated")
    behind = matrix_row(page, BEHIND)
    expect(behind.locator("td[data-updating]")).to_have_count(4)
    expect(behind.locator("td[data-outcome]")).to_have_count(0)
    for cell in behind.locator("td[data-updating]").all():
        expect(cell).to_contain_text("Being updated")
    expect(behind.get_by_role("link", name="Relevant: being updated, the outcome is shown once")).to_be_visible()
    current = matrix_row(page, CURRENT)
    expect(current.locator("td[data-outcome]")).to_have_count(4)
    expect(current).not_to_contain_text("Being updated")
    axe_check(page)


def test_a_row_behind_says_it_is_being_updated_at_1280_pixels(page, row_behind):
    open_fieldwork_matrix(page, row_behind)
    check_the_row_behind(page)


def test_a_row_behind_says_it_is_being_updated_at_320_pixels(narrow_page, row_behind):
    open_fieldwork_matrix(narrow_page, row_behind)
    check_the_row_behind(narrow_page)
    assert page_width(narrow_page) <= narrow_page.evaluate("window.innerWidth"), "the page scrolls sideways"
