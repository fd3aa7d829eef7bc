"""Running a round in a real browser, on the report's demo data: the demo admin creates a round,
adds use cases, gives them to organisations by rule, checks and opens it and sees the dashboard,
with axe-core on every page; again at 320 pixels, where no page may scroll sideways; and again
without JavaScript (without axe, which needs it)."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import Page, expect

from reviews.demo import bold_report as report
from tests.e2e.support import E2E_DB, axe_check, page_width, sign_in

pytestmark = [pytest.mark.e2e, E2E_DB]

ADMIN = "admin@demo.bold.example"
DUE = timezone.localdate() + datetime.timedelta(days=14)
CLOSES = timezone.localdate() + datetime.timedelta(days=30)


@pytest.fixture
def demo(live_server):
    call_command("load_bold_report", demo_accounts=True, stdout=io.StringIO())


def fill_date(page: Page, name: str, date: datetime.date) -> None:
    page.locator(f"#id_{name}_0").fill(str(date.day))
    page.locator(f"#id_{name}_1").fill(str(date.month))
    page.locator(f"#id_{name}_2").fill(str(date.year))


def fits(page: Page) -> None:
    assert page_width(page) <= page.evaluate("window.innerWidth"), f"{page.url} scrolls sideways"


def run_a_round(page: Page, *, narrow: bool = False, axe: bool = True) -> None:
    check = axe_check if axe else (lambda page: None)  # axe itself needs JavaScript
    sign_in(page, ADMIN, report.DEMO_PASSWORD)
    page.goto("/manage/rounds/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Review rounds")
    check(page)
    page.get_by_role("button", name="Create a round").click()
    check(page)
    page.get_by_role("button", name="Create round").click()  # nothing filled in: errors
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter a name for the round")
    check(page)
    page.get_by_label("Name", exact=True).fill("Winter round 2026")
    fill_date(page, "closes_on", CLOSES)
    page.get_by_label("Relevant").check()
    page.get_by_label("Non-stigmatising").check()
    page.get_by_role("button", name="Create round").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Winter round 2026")
    check(page)
    if narrow:
        fits(page)

    page.get_by_role("link", name="Choose the use cases to review").click()
    check(page)
    page.get_by_role("button", name="use case versions matching this filter").click()
    # Versions whose readiness checklist is not done are named first, and added once confirmed.
    expect(page.locator("[data-matching]")).to_contain_text("matching the filter and not yet in the round")
    check(page)
    if narrow:
        fits(page)
    page.get_by_role("button", name="matching versions anyway").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("added to the round")
    page.get_by_role("link", name="Next: give the use cases to organisations").click()
    fill_date(page, "due_on", DUE)
    check(page)
    page.get_by_role("button", name="Give the use cases to these organisations").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("assignments made")
    expect(page.locator("#by-organisation")).to_contain_text("Crisis")
    check(page)
    if narrow:
        fits(page)

    page.get_by_role("link", name="Repeat homelessness").first.click()
    expect(page.get_by_role("heading", level=2, name="Who is asked to review it")).to_be_visible()
    check(page)

    page.goto("/manage/rounds/winter-round-2026/open/")
    # Most of the demo's organisations have nobody to review: the check names them, and opening
    # anyway needs the box ticked.
    expect(page.locator("#warning-list")).to_contain_text("nobody to review")
    check(page)
    page.get_by_role("button", name="Open the round").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Confirm that you want to open the round")
    check(page)
    if narrow:
        fits(page)
    page.get_by_label("I have read the points above and want to open the round now").check()
    page.get_by_role("button", name="Open the round").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Progress")
    expect(page.locator("#totals")).to_contain_text("expected reviews submitted")
    check(page)
    if narrow:
        fits(page)


def test_the_demo_admin_runs_a_round(page, demo):
    run_a_round(page)


def test_the_round_pages_fit_a_320_pixel_screen(narrow_page, demo):
    run_a_round(narrow_page, narrow=True)


def test_a_round_can_be_run_without_javascript(page_without_js, demo):
    run_a_round(page_without_js, axe=False)
