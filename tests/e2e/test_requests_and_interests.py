"""Declining, asking for more time and declaring an interest, in a real browser: a reviewer asks
for more time on one use case and declines another; their organisation's lead gives the time,
hands the declined one to a colleague and declares an interest; the programme admin sees the
requests on the dashboard and overrides the declaration. axe-core runs on every page; the journey
runs again at 320 pixels, where no page may scroll sideways, and again without JavaScript."""

import datetime
import re

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone
from playwright.sync_api import Page, expect

from audiences.models import Membership
from bold_portal.roles import ADMINS
from tests.e2e.support import E2E_DB, axe_check, page_width, sign_in
from tests.factories import (
    make_assignment,
    make_audience,
    make_organisation,
    make_principle,
    make_reviewer,
    make_round,
    make_user,
    make_version,
)

pytestmark = [pytest.mark.e2e, E2E_DB]

PASSWORD = "correct-horse-battery"
TODAY = timezone.localdate()
DUE = TODAY + datetime.timedelta(days=10)
LATER = TODAY + datetime.timedelta(days=20)


@pytest.fixture
def world(live_server):
    audience = make_audience(name="Reducing reoffending")
    nacro = make_organisation(name="Nacro", slug="nacro", audiences=[audience])
    make_reviewer(organisation=nacro, role=Membership.Role.LEAD, email="lead@nacro.example", full_name="Lee Lead")
    reviewer = make_reviewer(organisation=nacro, email="sam@nacro.example", full_name="Sam Reviewer")
    make_reviewer(organisation=nacro, email="kim@nacro.example", full_name="Kim Colleague")
    review_round = make_round(
        principles=[make_principle(name="Relevant")],
        name="Winter round",
        slug="winter",
        closes_on=TODAY + datetime.timedelta(days=30),
    )
    for title in ("Prison leavers and housing", "Support after release"):
        version = make_version(audience=audience, title=title)
        make_assignment(review_round=review_round, version=version, reviewer=reviewer, due_on=DUE)
    make_version(audience=audience, title="Families of people in prison")
    admin = make_user(email="admin@bold.example", full_name="Ada Admin")
    admin.groups.add(Group.objects.get(name=ADMINS))


def fill_date(page: Page, name: str, date: datetime.date) -> None:
    page.locator(f"#id_{name}_0").fill(str(date.day))
    page.locator(f"#id_{name}_1").fill(str(date.month))
    page.locator(f"#id_{name}_2").fill(str(date.year))


def journey(new_page, *, narrow: bool = False, javascript: bool = True) -> None:
    options = {"viewport": {"width": 320, "height": 640} if narrow else {"width": 1280, "height": 900}}
    if not javascript:
        options["java_script_enabled"] = False

    def check(page: Page) -> None:
        if javascript:  # axe itself needs JavaScript
            axe_check(page)
        if narrow:
            assert page_width(page) <= page.evaluate("window.innerWidth"), f"{page.url} scrolls sideways"

    # The reviewer asks for more time on one use case and declines the other.
    page = new_page(**options)
    sign_in(page, "sam@nacro.example", PASSWORD)
    page.goto("/reviews/")
    page.get_by_role("link", name="Prison leavers and housing", exact=True).click()
    check(page)
    page.get_by_role("link", name="Ask for more time").click()
    check(page)
    page.get_by_role("button", name="Ask for more time").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the new due date")
    check(page)
    fill_date(page, "due_on", LATER)
    page.get_by_label("Why do you need more time?").fill("Two of us are on leave.")
    page.get_by_role("button", name="Ask for more time").click()
    expect(page.locator("#your-request")).to_contain_text("More time was asked for")
    check(page)

    page.goto("/reviews/")
    page.get_by_role("link", name="Support after release", exact=True).click()
    page.get_by_role("link", name="Decline this use case").click()
    check(page)
    page.get_by_role("button", name="Decline this use case").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Say why you are declining")
    check(page)
    page.get_by_label("Why are you declining this use case?").fill("I worked on this project before.")
    page.get_by_role("button", name="Decline this use case").click()
    expect(page.locator("#your-request")).to_contain_text("This use case was declined")

    # The lead gives the time, hands the declined use case to a colleague, declares an interest.
    page = new_page(**options)
    sign_in(page, "lead@nacro.example", PASSWORD)
    page.goto("/reviews/organisation/nacro/")
    expect(page.locator("#requests")).to_be_visible()
    check(page)
    page.get_by_role("link", name="Answer the request about Prison leavers and housing").click()
    check(page)
    page.get_by_role("button", name="Save decision").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Choose whether to give the time asked for")
    check(page)
    page.get_by_label("Give the time asked for").check()
    page.get_by_role("button", name="Save decision").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("More time given")
    page.get_by_role("link", name="Answer the request about Support after release").click()
    check(page)
    page.get_by_label("Give it to").select_option(label="Kim Colleague")
    page.get_by_role("button", name="Give it to this member").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("given to someone else")

    page.goto("/reviews/organisation/nacro/interests/")
    check(page)
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Choose a use case")
    check(page)
    page.get_by_label("Use case").select_option(label="Families of people in prison (Reducing reoffending)")
    page.get_by_label("What is the interest?").fill("A contract with the Ministry of Justice.")
    page.get_by_role("button", name="Continue").click()
    # Declaring first shows what it takes away, and asks to confirm.
    expect(page.get_by_role("heading", name="Check what declaring the interest takes away")).to_be_visible()
    expect(page.locator("#removals")).to_be_visible()
    check(page)
    page.get_by_role("button", name=re.compile(r"^Declare the interest")).click()
    expect(page.locator(".govuk-summary-card")).to_contain_text("A contract with the Ministry of Justice.")
    check(page)

    # The programme admin sees the answered requests and overrides the declaration.
    page = new_page(**options)
    sign_in(page, "admin@bold.example", PASSWORD)
    page.goto("/manage/rounds/winter/progress/")
    expect(page.locator("#requests")).to_be_visible()
    expect(page.get_by_text("0 waiting for an answer")).to_be_visible()
    check(page)
    page.get_by_role("link", name="View the request about Prison leavers and housing").click()
    expect(page.locator("main")).to_contain_text("More time given")
    check(page)
    page.goto("/manage/interests/")
    check(page)
    page.get_by_role("link", name="View or override the interest of Nacro in Families of people in prison").click()
    check(page)
    page.get_by_role("button", name="Override the declaration").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Say why the organisation may review")
    check(page)
    page.get_by_label("Why may the organisation review this use case all the same?").fill("Agreed by the board.")
    page.get_by_role("button", name="Override the declaration").click()
    expect(page.locator("main")).to_contain_text("Agreed by the board.")
    check(page)


def test_decline_more_time_and_a_declared_interest(new_page, world):
    journey(new_page)


def test_the_pages_fit_a_320_pixel_screen(new_page, world):
    journey(new_page, narrow=True)


def test_it_all_works_without_javascript(new_page, world):
    journey(new_page, javascript=False)
