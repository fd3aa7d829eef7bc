"""Exports in a real browser, on the report's demo data: the demo analyst starts an XLSX export of
the 2023 fieldwork round, sees the status page and downloads the workbook, with and without
JavaScript; the page that waits for a large export passes axe once its refresh is switched off."""

import io
import re
from pathlib import Path

import openpyxl
import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from accounts.models import User
from bold_portal.models import AuditEvent
from matrix.models import MatrixExport
from reviews.demo import bold_report as report
from reviews.models import ReviewRound
from tests.e2e.support import E2E_DB, axe_check, axe_results, page_width, screenshot, sign_in

pytestmark = [pytest.mark.e2e, E2E_DB]

ANALYST = "analyst@demo.bold.example"


@pytest.fixture
def demo_round(live_server):
    call_command("load_bold_report", demo_accounts=True, stdout=io.StringIO())
    return ReviewRound.objects.get(slug="fieldwork-2023")


def export_the_workbook(page: Page, *, check_accessibility: bool = True) -> None:
    sign_in(page, ANALYST, report.DEMO_PASSWORD)
    page.goto("/rounds/fieldwork-2023/matrix/export/xlsx/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Export the matrix: Excel workbook (XLSX)")
    if check_accessibility:  # axe-core is JavaScript: it cannot run in a page that has none
        axe_check(page)
    page.get_by_role("button", name="Create the file").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your file is ready")


def download_and_check(page: Page) -> None:
    with page.expect_download() as download_info:
        page.get_by_role("button", name=re.compile(r"Download the Excel workbook \(XLSX\) file")).click()
    download = download_info.value
    assert re.fullmatch(r"bold-matrix-fieldwork-2023-\d{8}-\d{4}\.xlsx", download.suggested_filename)
    book = openpyxl.load_workbook(io.BytesIO(Path(download.path()).read_bytes()))
    assert book.sheetnames == ["Matrix", "Matrix data", "Verdicts", "About"]
    titles = [row[0] for row in book["Matrix"].iter_rows(min_row=2, values_only=True)]
    assert "Homelessness" in titles and "Repeat homelessness" in titles
    assert AuditEvent.objects.filter(action="export_downloaded", actor__email=ANALYST).count() == 1


def test_the_demo_analyst_exports_and_downloads_the_workbook(page, demo_round):
    export_the_workbook(page)

    axe_check(page)
    screenshot(page, "export-ready")
    download_and_check(page)


def test_the_export_works_without_javascript(page_without_js, demo_round):
    export_the_workbook(page_without_js, check_accessibility=False)

    download_and_check(page_without_js)


def test_the_status_page_fits_a_320_pixel_screen(narrow_page, demo_round):
    export_the_workbook(narrow_page)

    assert page_width(narrow_page) <= narrow_page.evaluate("window.innerWidth"), "the page scrolls sideways"
    axe_check(narrow_page)


def test_the_page_that_waits_for_an_export(page, demo_round):
    """A large round's export is still being made: the page reloads itself every 3 seconds, which
    axe reports (meta-refresh, WCAG 2.2.1) because it cannot see the link that switches it off;
    with the refresh switched off, the page passes axe in full."""
    analyst = User.objects.get(email=ANALYST)
    export = MatrixExport.objects.create(round=demo_round, requested_by=analyst, exporter="pdf")
    sign_in(page, ANALYST, report.DEMO_PASSWORD)
    page.goto(f"/rounds/fieldwork-2023/exports/{export.pk}/")

    expect(page.get_by_role("heading", level=1)).to_have_text("Your file is being made")
    violations = axe_results(page)["violations"]
    assert [violation["id"] for violation in violations] == ["meta-refresh"]
    screenshot(page, "export-waiting")

    page.get_by_role("link", name="Stop this page checking by itself").click()
    expect(page.get_by_text("This page no longer checks by itself.")).to_be_visible()
    axe_check(page)


def export_the_view(page: Page, *, check_accessibility: bool = True) -> None:
    """From the matrix page searched for "prison" and sorted, download "these use cases" as CSV."""
    sign_in(page, ANALYST, report.DEMO_PASSWORD)
    page.goto("/rounds/fieldwork-2023/matrix/?search=prison&sort=met&direction=desc")
    expected = page.locator("[data-principles-met]").count()
    link = page.get_by_role("link", name=re.compile(rf"^Download these {expected} use cases \(CSV"))
    if check_accessibility:
        axe_check(page)
    link.click()
    expect(page.get_by_text("Filtered: search “prison”.")).to_be_visible()
    if check_accessibility:
        axe_check(page)
    page.get_by_role("button", name="Create the file").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your file is ready")
    with page.expect_download() as download_info:
        page.get_by_role("button", name=re.compile(r"Download the CSV")).click()
    rows = Path(download_info.value.path()).read_text(encoding="utf-8-sig").splitlines()
    assert len(rows) == 1 + expected and rows[0].endswith(",view,decision,decision_reasons,decision_conditions")


def test_the_analyst_exports_the_view_on_the_page(page, demo_round):
    export_the_view(page)


def test_the_view_exports_on_a_320_pixel_screen(narrow_page, demo_round):
    export_the_view(narrow_page)


def test_the_view_exports_without_javascript(page_without_js, demo_round):
    export_the_view(page_without_js, check_accessibility=False)


@pytest.mark.parametrize("width", ["page", "narrow_page"])
def test_a_bad_view_says_what_to_change_and_passes_axe(request, demo_round, width):
    page = request.getfixturevalue(width)
    sign_in(page, ANALYST, report.DEMO_PASSWORD)
    page.goto("/rounds/fieldwork-2023/matrix/export/pdf/?sort=colour")

    expect(page.get_by_role("link", name="Choose a sort from the list")).to_be_visible()
    expect(page.get_by_role("button", name="Create the file")).to_have_count(0)
    assert page_width(page) <= page.evaluate("window.innerWidth"), "the page scrolls sideways"
    axe_check(page)
    assert not MatrixExport.objects.exists()


@pytest.mark.parametrize("width", ["page", "narrow_page"])
def test_the_verdicts_csv_downloads_as_it_is_written_and_its_page_passes_axe(request, demo_round, width):
    page = request.getfixturevalue(width)
    sign_in(page, ANALYST, report.DEMO_PASSWORD)
    page.goto("/rounds/fieldwork-2023/matrix/export/verdicts-csv/")
    expect(page.get_by_text("Nothing of it is kept in the portal")).to_be_visible()
    assert page_width(page) <= page.evaluate("window.innerWidth"), "the page scrolls sideways"
    axe_check(page)

    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download the file").click()

    download = download_info.value
    assert re.fullmatch(r"bold-verdicts-fieldwork-2023-\d{8}-\d{4}\.csv", download.suggested_filename)
    header = Path(download.path()).read_bytes().decode("utf-8-sig").splitlines()[0]
    assert header == (
        "round,audience,use_case,title,version,principle,reviewer,verdict,reason,evidence,suggested_rewording,"
        "carried_from_version,carried_from_round"
    )
    assert not MatrixExport.objects.exists()


@pytest.mark.parametrize("width", ["page", "narrow_page"])
def test_a_pdf_above_its_limit_says_so_and_passes_axe(request, demo_round, width, settings):
    settings.EXPORT_PDF_MAX_USE_CASES = 3
    page = request.getfixturevalue(width)
    sign_in(page, ANALYST, report.DEMO_PASSWORD)
    page.goto("/rounds/fieldwork-2023/matrix/export/pdf/")

    expect(page.get_by_text("A PDF holds at most 3 use cases").first).to_be_visible()
    expect(page.get_by_role("button", name="Create the file")).to_have_count(0)
    assert page_width(page) <= page.evaluate("window.innerWidth"), "the page scrolls sideways"
    axe_check(page)
    assert not MatrixExport.objects.exists()
