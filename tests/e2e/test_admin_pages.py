"""The portal's admin pages and the organisation lead's pages in a real browser, on the report's
demo data: axe-core on every new page, a form without JavaScript, and a 320 pixel screen."""

import io

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from audiences.models import Audience, Invitation
from principles.models import Principle
from reviews.demo import bold_report as report
from tests.e2e.support import E2E_DB, axe_check, page_width, sign_in

pytestmark = [pytest.mark.e2e, E2E_DB]

ADMIN = "admin@demo.bold.example"
LEAD = "lead@demo.bold.example"


@pytest.fixture
def demo(live_server):
    call_command("load_bold_report", demo_accounts=True, stdout=io.StringIO())


def open_manage_home(page: Page) -> None:
    menu = page.get_by_role("navigation", name="Menu")
    toggle = menu.get_by_role("button", name="Menu")
    if toggle.is_visible():
        toggle.click()
    menu.get_by_role("link", name="Manage the portal").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Manage the portal")


def fits(page: Page) -> None:
    assert page_width(page) <= page.evaluate("window.innerWidth"), f"{page.url} scrolls sideways"


def test_every_admin_page_passes_axe(page, demo):
    sign_in(page, ADMIN, report.DEMO_PASSWORD)
    open_manage_home(page)
    axe_check(page)

    for link, heading in [("Audiences", "Audiences"), ("Organisations", "Organisations"), ("People", "People")]:
        page.goto("/manage/")
        page.get_by_role("link", name=link, exact=True).click()
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        axe_check(page)

    audience = Audience.objects.order_by("display_order").first()
    organisation_slug = "crisis"
    for path in [
        "/manage/audiences/add/",
        f"/manage/audiences/{audience.slug}/",
        f"/manage/audiences/{audience.slug}/archive/",
        "/manage/organisations/add/",
        f"/manage/organisations/{organisation_slug}/",
        "/manage/people/invite/",
        "/manage/people/?q=demo",
        "/manage/principles/",
        "/manage/principles/add/",
        f"/manage/principles/{Principle.objects.first().slug}/",
        f"/organisations/{organisation_slug}/members/",
        f"/organisations/{organisation_slug}/invitations/",
    ]:
        page.goto(path)
        expect(page.locator("h1")).to_be_visible()
        axe_check(page)

    page.goto("/manage/people/?q=lead%40demo")
    page.get_by_role("link", name="Manage lead@demo.bold.example").click()
    expect(page.get_by_role("heading", level=2, name="Roles")).to_be_visible()
    axe_check(page)


def test_an_admin_adds_the_realism_principle_after_fixing_a_mistake(page, demo):
    sign_in(page, ADMIN, report.DEMO_PASSWORD)
    page.goto("/manage/principles/add/")
    page.get_by_label("Name").fill("Realistic")
    page.get_by_role("button", name="Add principle").click()

    expect(page).to_have_title("Error: Add a principle \N{EN DASH} BOLD use case review")
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Enter the question reviewers answer")
    axe_check(page)
    summary.get_by_role("link").click()
    expect(page.get_by_label("Question for reviewers")).to_be_focused()

    page.get_by_label("Question for reviewers").fill("Can BOLD really do this with the data it will have?")
    page.get_by_role("button", name="Add principle").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Realistic added.")
    assert Principle.objects.get(slug="realistic").is_active


def test_an_organisation_form_error_links_to_the_audience_checkboxes(page, demo):
    sign_in(page, ADMIN, report.DEMO_PASSWORD)
    page.goto("/manage/organisations/add/")
    page.get_by_label("Name", exact=True).fill("Shelter")
    page.get_by_role("button", name="Add organisation").click()

    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Choose at least one audience the organisation serves")
    axe_check(page)
    summary.get_by_role("link").click()
    expect(page.locator("#id_audiences")).to_be_focused()


def test_a_search_that_cannot_be_run_says_why_and_links_to_the_box(page, demo):
    sign_in(page, ADMIN, report.DEMO_PASSWORD)
    page.goto("/manage/people/")
    page.get_by_label("Search by email address or name").fill("x" * 300)
    page.get_by_role("button", name="Search").click()

    expect(page).to_have_title("Error: People \N{EN DASH} BOLD use case review")
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Search for 254 characters or fewer")
    expect(page.locator("#people")).to_be_visible()  # the whole list, as before the search
    axe_check(page)
    summary.get_by_role("link").click()
    expect(page.get_by_label("Search by email address or name")).to_be_focused()


def test_without_javascript_an_admin_reorders_audiences_and_invites_staff(page_without_js, demo, mailoutbox):
    page = page_without_js
    sign_in(page, ADMIN, report.DEMO_PASSWORD)
    first, second = Audience.objects.order_by("display_order", "name")[:2]
    page.goto("/manage/audiences/")
    with page.expect_navigation():
        page.get_by_role("button", name=f"Move up {second.name}").click()
    names = list(Audience.objects.order_by("display_order").values_list("name", flat=True))
    assert names[:2] == [second.name, first.name]

    page.goto("/manage/people/invite/")
    page.get_by_label("Email address").fill("new.analyst@bold.example")
    page.get_by_label("Analyst").check()
    page.get_by_role("button", name="Send invitation").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Invitation sent to new.analyst@bold.example")
    expect(page.locator("#main-content")).to_contain_text("new.analyst@bold.example")
    # (axe-core needs JavaScript in the page: these pages are checked with it in the tests above.)
    assert Invitation.objects.get(email="new.analyst@bold.example").organisation is None


def test_the_lead_pages_fit_a_320_pixel_screen(narrow_page, demo):
    page = narrow_page
    sign_in(page, LEAD, report.DEMO_PASSWORD)
    page.goto("/invitations/new/")
    page.get_by_label("Email address").fill("colleague@crisis.example")
    page.get_by_role("button", name="Send invitation").click()

    for path in [
        "/invitations/new/",
        "/organisations/crisis/members/",
        "/organisations/crisis/invitations/",
        "/reviews/organisation/crisis/",
    ]:
        page.goto(path)
        expect(page.locator("h1")).to_be_visible()
        fits(page)
        axe_check(page)
    expect(page.get_by_role("button", name="Send a reminder").first).to_be_visible()
    page.goto("/organisations/crisis/invitations/")
    expect(page.locator("#main-content")).to_contain_text("colleague@crisis.example")


def test_the_admin_pages_fit_a_320_pixel_screen(narrow_page, demo):
    page = narrow_page
    sign_in(page, ADMIN, report.DEMO_PASSWORD)
    for path in [
        "/manage/",
        "/manage/audiences/",
        "/manage/organisations/",
        "/manage/people/",
        "/manage/principles/",
        "/manage/people/invite/",
    ]:
        page.goto(path)
        fits(page)
        axe_check(page)


@pytest.mark.parametrize("width", [1280, 320])
def test_switching_off_the_last_active_lead_warns_first(new_page, demo, width):
    page = new_page(viewport={"width": width, "height": 900})
    sign_in(page, ADMIN, report.DEMO_PASSWORD)
    page.goto("/manage/people/?q=lead%40demo")
    page.get_by_role("link", name="Manage lead@demo.bold.example").click()
    page.get_by_role("button", name="Switch account off").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Switch account off")
    expect(page.locator(".govuk-warning-text")).to_contain_text("only active lead")
    expect(page.locator("#organisations-left-without-lead")).to_contain_text("Crisis")
    expect(page.get_by_role("button", name="Switch account off anyway")).to_be_visible()
    fits(page)
    axe_check(page)


def test_a_lead_of_another_organisation_cannot_open_crisis_pages(page, demo):
    sign_in(page, LEAD, report.DEMO_PASSWORD)
    other = "nacro"
    response = page.goto(f"/organisations/{other}/members/")
    assert response.status == 404
    assert page.goto("/manage/").status == 404
