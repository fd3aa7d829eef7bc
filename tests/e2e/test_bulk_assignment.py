"""Assignment in bulk and copying a round in a real browser, on the report's demo data: giving 12 use cases
to all 15 organisations through the grid takes at most 10 page loads, counted; the grid, the file
upload (with its errors and its preview) and the due-date page pass axe at 1280 and 320 pixels,
where no page scrolls sideways, and work without JavaScript."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import Page, expect

from audiences.models import Organisation
from principles.models import Principle
from reviews.demo import bold_report as report
from reviews.models import Assignment, ReviewRound
from tests.e2e.support import E2E_DB, axe_check, page_width, sign_in
from usecases.models import UseCaseVersion

pytestmark = [pytest.mark.e2e, E2E_DB]

ADMIN = "admin@demo.bold.example"
CLOSES = timezone.localdate() + datetime.timedelta(days=30)


@pytest.fixture
def demo(live_server):
    call_command("load_bold_report", demo_accounts=True, stdout=io.StringIO())
    review_round = ReviewRound.objects.create(
        name="Bulk round", slug="bulk-round", status=ReviewRound.Status.DRAFT, closes_on=CLOSES
    )
    latest = {}
    for version in UseCaseVersion.objects.order_by("use_case_id", "number"):
        latest[version.use_case_id] = version
    review_round.versions.set(list(latest.values())[:12])
    review_round.principles.set(Principle.objects.order_by("order")[:2])
    return review_round


def fits(page: Page) -> None:
    assert page_width(page) <= page.evaluate("window.innerWidth"), f"{page.url} scrolls sideways"


def give_everything(page: Page, *, narrow: bool = False, axe: bool = True) -> None:
    check = axe_check if axe else (lambda page: None)  # axe itself needs JavaScript
    sign_in(page, ADMIN, report.DEMO_PASSWORD)
    loads = []
    page.on("load", lambda loaded: loads.append(loaded.url))

    page.goto("/manage/rounds/bulk-round/assign/")
    page.get_by_role("link", name="Use cases by organisation").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Use cases by organisation")
    boxes = page.locator("#grid input[type=checkbox]")
    assert boxes.count() == 12 * Organisation.objects.count()
    for index in range(boxes.count()):
        boxes.nth(index).check()
    page.get_by_role("button", name="Save this page").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        f"Saved: {12 * Organisation.objects.count()} given"
    )
    assert len(loads) <= 10, loads
    assert Assignment.objects.filter(round__slug="bulk-round").count() == 12 * Organisation.objects.count()
    check(page)
    if narrow:
        fits(page)

    page.goto("/manage/rounds/bulk-round/assign/due-dates/")
    check(page)
    page.locator("#id_due_on_0").fill("")
    page.get_by_role("button", name="Change the due dates").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("The new due date must include a day")
    check(page)
    if narrow:
        fits(page)

    page.goto("/manage/rounds/bulk-round/assign/upload/")
    check(page)
    page.get_by_label("Upload a CSV file").set_input_files(
        files=[{"name": "a.csv", "mimeType": "text/csv", "buffer": b"use_case,version,organisation\nnope,1,Crisis\n"}]
    )
    page.get_by_role("button", name="Check the file").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Line 2:")
    check(page)
    if narrow:
        fits(page)
    Assignment.objects.filter(round__slug="bulk-round", organisation__name="Crisis").delete()
    version = ReviewRound.objects.get(slug="bulk-round").versions.select_related("use_case").first()
    csv_text = f"use_case,version,organisation\n{version.use_case.slug},{version.number},Crisis\n"
    page.get_by_label("Upload a CSV file").set_input_files(
        files=[{"name": "a.csv", "mimeType": "text/csv", "buffer": csv_text.encode()}]
    )
    page.get_by_role("button", name="Check the file").click()
    expect(page.locator("#upload-summary")).to_contain_text("1 assignment will be added")
    check(page)
    if narrow:
        fits(page)
    page.get_by_role("button", name="Add 1 assignment").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("1 assignment added")


def test_giving_12_use_cases_to_every_organisation_takes_few_page_loads(page, demo):
    give_everything(page)


def test_the_bulk_pages_fit_a_320_pixel_screen(narrow_page, demo):
    give_everything(narrow_page, narrow=True)


def test_the_bulk_pages_work_without_javascript(page_without_js, demo):
    give_everything(page_without_js, axe=False)


def copy_a_round(page: Page, *, narrow: bool = False, axe: bool = True) -> None:
    check = axe_check if axe else (lambda page: None)
    sign_in(page, ADMIN, report.DEMO_PASSWORD)
    page.goto("/manage/rounds/bulk-round/")
    page.get_by_role("link", name="Start a new round from this one").click()
    check(page)
    page.get_by_label("Name", exact=True).fill("")
    page.get_by_role("button", name="Copy the round").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter a name for the round")
    check(page)
    if narrow:
        fits(page)
    page.get_by_label("Name", exact=True).fill("Bulk round again")
    page.get_by_role("button", name="Copy the round").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Bulk round again")
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Round copied as a draft")
    check(page)


def test_copying_a_round(page, demo):
    copy_a_round(page)


def test_copying_a_round_at_320_pixels(narrow_page, demo):
    copy_a_round(narrow_page, narrow=True)


def test_copying_a_round_without_javascript(page_without_js, demo):
    copy_a_round(page_without_js, axe=False)
