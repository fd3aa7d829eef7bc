"""Your organisation's reviews in a real browser, on the report's demo data: the demo lead at
Crisis opens the page from the navigation and sees each colleague's progress, never their answers."""

import io
import re

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from audiences.models import Membership
from reviews.demo import bold_report as report
from reviews.models import ReviewRound, Verdict
from tests.e2e.support import E2E_DB, axe_check, page_width, screenshot, sign_in, submit_review

pytestmark = [pytest.mark.e2e, E2E_DB]

LEAD = "lead@demo.bold.example"
REVIEWER = "reviewer@demo.bold.example"
REASON = "It does not say who decides that someone has become homeless again."
LINK = "Your organisation's reviews"


@pytest.fixture
def demo_round(live_server, django_user_model):
    """The demo data with its sign-ins; the demo reviewer at Crisis has submitted their review of
    Repeat homelessness (given to Crisis), with a reason the lead must not see."""
    call_command("load_bold_report", demo_accounts=True, stdout=io.StringIO())
    review_round = ReviewRound.objects.get(slug=report.DEMO_ROUND.slug)
    reviewer = django_user_model.objects.get(email=REVIEWER)
    submit_review(reviewer, review_round, "repeat-homelessness", verdict=Verdict.Choice.DOES_NOT_MEET, reason=REASON)
    return review_round


def open_from_the_navigation(page: Page) -> None:
    menu = page.get_by_role("navigation", name="Menu")
    toggle = menu.get_by_role("button", name="Menu")
    if toggle.is_visible():  # narrow screens fold the links behind a Menu button
        toggle.click()
    menu.get_by_role("link", name=LINK).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(LINK)


def card(page: Page, title: str):
    return page.locator(".govuk-summary-card", has=page.get_by_role("heading", name=title, exact=True))


def test_the_demo_lead_sees_crisis_progress_without_anyones_answers(page, demo_round):
    sign_in(page, LEAD, report.DEMO_PASSWORD)
    open_from_the_navigation(page)

    expect(page.locator(".govuk-caption-l")).to_have_text("Crisis")
    expect(page.get_by_role("heading", level=2, name=demo_round.name)).to_be_visible()
    repeat = card(page, "Repeat homelessness")
    expect(repeat).to_contain_text("Homelessness")
    # Given to Crisis, so every active member but its leads is expected to review it;
    # the 2023 fieldwork reviewers' accounts are switched off.
    members = (
        Membership.objects.filter(organisation__slug="crisis", user__is_active=True)
        .exclude(role=Membership.Role.LEAD)
        .count()
    )
    expect(repeat.locator(".govuk-summary-list__row", has_text="Submitted").first).to_contain_text(f"1 of {members}")
    expect(repeat.locator(".govuk-summary-list__row", has_text="Demo Reviewer")).to_contain_text("Submitted")
    expect(repeat).not_to_contain_text("Demo Organisation lead")
    # Given to the demo reviewer in person and due before the demo data was loaded.
    rough_sleeping = card(page, "Rough sleeping and substance use issues")
    expect(rough_sleeping).to_contain_text("Overdue")
    expect(rough_sleeping).not_to_contain_text("Demo Organisation lead")
    expect(page.locator("#members")).to_contain_text("Organisation lead")
    expect(page.get_by_role("link", name="Invite someone to join your organisation")).to_be_visible()
    expect(page.locator("main")).not_to_contain_text(REASON)
    expect(page.locator("main")).not_to_contain_text("Does not meet")
    axe_check(page)
    screenshot(page, "organisation-reviews")


def test_the_page_fits_a_320_pixel_screen(narrow_page, demo_round):
    sign_in(narrow_page, LEAD, report.DEMO_PASSWORD)
    open_from_the_navigation(narrow_page)

    assert page_width(narrow_page) <= narrow_page.evaluate("window.innerWidth"), "the page scrolls sideways"
    axe_check(narrow_page)


def choose_reviewers(page: Page) -> None:
    """From the lead's page, the chooser of Repeat homelessness: the lead ticks their own name too."""
    card(page, "Repeat homelessness").get_by_role("link", name="Choose who reviews it").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Choose who reviews Repeat homelessness")
    expect(page.get_by_role("checkbox", name="Demo Reviewer")).to_be_checked()
    expect(page.get_by_role("checkbox", name="Demo Organisation lead (organisation lead)")).not_to_be_checked()


def save_with_nothing_ticked(page: Page) -> None:
    for box in page.get_by_role("checkbox").all():
        box.uncheck()
    page.get_by_role("button", name="Save who reviews it").click()
    expect(page).to_have_title(re.compile("^Error: "))
    expect(page.locator(".govuk-error-summary")).to_contain_text("Choose at least one member to review this use case")


@pytest.mark.parametrize("width", [1280, 320])
def test_the_chooser_passes_axe_and_fits_the_screen(new_page, demo_round, width):
    page = new_page(viewport={"width": width, "height": 900})
    sign_in(page, LEAD, report.DEMO_PASSWORD)
    page.goto(f"/reviews/organisation/crisis/?round={demo_round.slug}")
    choose_reviewers(page)
    assert page_width(page) <= width, "the page scrolls sideways"
    axe_check(page)
    save_with_nothing_ticked(page)
    assert page_width(page) <= width, "the page scrolls sideways"
    axe_check(page)


def test_the_lead_chooses_who_reviews_without_javascript(page_without_js, demo_round):
    # (axe-core needs JavaScript in the page: the chooser is checked with it in the test above.)
    page = page_without_js
    sign_in(page, LEAD, report.DEMO_PASSWORD)
    page.goto(f"/reviews/organisation/crisis/?round={demo_round.slug}")
    choose_reviewers(page)
    save_with_nothing_ticked(page)

    page.get_by_role("checkbox", name="Demo Organisation lead (organisation lead)").check()
    page.get_by_role("button", name="Save who reviews it").click()
    repeat = card(page, "Repeat homelessness")
    expect(repeat.locator(".govuk-summary-list__row", has_text="Submitted").first).to_contain_text("0 of 1")
    expect(repeat.locator(".govuk-summary-list__row", has_text="Demo Organisation lead")).to_contain_text("Not started")
