"""Read and judge on one page, in a real browser on the report's demo data: each principle with the
use case's text it asks about (beside it at 1280 pixels, in a details element at 375 pixels and at
200% zoom), Save as draft under a principle coming back to it, and check your answers; axe on every
state, with and without JavaScript."""

import io

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from reviews.demo import bold_report as report
from reviews.models import Review
from tests.e2e.support import E2E_DB, axe_check, page_width, sign_in

pytestmark = [pytest.mark.e2e, E2E_DB]

REVIEWER = "reviewer@demo.bold.example"
REVIEW_URL = f"/reviews/{report.DEMO_ROUND.slug}/repeat-homelessness/v1/review/"
CHECK_URL = REVIEW_URL + "check/"


@pytest.fixture
def demo_round(live_server):
    call_command("load_bold_report", demo_accounts=True, stdout=io.StringIO())


def impactful(page: Page):
    return page.locator("#principle-impactful")


def axe_check_with_scripts(page: Page, page_fixture: str) -> None:
    """axe runs as a script in the page, so it checks the pages with JavaScript on (the same markup)."""
    if page_fixture != "page_without_js":
        axe_check(page)


def no_sideways_scroll(page: Page) -> None:
    assert page_width(page) <= page.evaluate("window.innerWidth"), f"{page.url} scrolls sideways"


@pytest.mark.parametrize("page_fixture", ["page", "page_without_js"])
def test_wide_screen_shows_the_use_case_text_beside_each_principle(request, page_fixture, demo_round, live_server):
    page = request.getfixturevalue(page_fixture)
    sign_in(page, REVIEWER, report.DEMO_PASSWORD)
    page.goto(REVIEW_URL)

    beside = impactful(page).locator(".portal-review-principle__use-case")
    expect(beside).to_be_visible()
    expect(beside).to_contain_text("Why this matters")
    expect(impactful(page).locator(".portal-review-principle__details")).to_be_hidden()
    question = impactful(page).get_by_role("group", name="Impactful", exact=True)
    # Side by side: the text starts level with the question, to its right.
    assert beside.bounding_box()["x"] > question.bounding_box()["x"] + question.bounding_box()["width"]
    assert abs(beside.bounding_box()["y"] - question.bounding_box()["y"]) < 50
    no_sideways_scroll(page)
    axe_check_with_scripts(page, page_fixture)

    # Save as draft under a principle saves the whole form and comes back to that principle.
    impactful(page).get_by_label("Meets the principle", exact=True).check()
    page.get_by_role("group", name="Relevant", exact=True).get_by_label("Evidence (optional)").fill("Paragraph two.")
    impactful(page).get_by_role("button", name="Save as draft (Impactful)").click()
    expect(page).to_have_url(f"{live_server.url}{REVIEW_URL}?saved=impactful#save-impactful")
    expect(impactful(page).get_by_text("Your draft has been saved")).to_be_in_viewport()
    review = Review.objects.get(reviewer__email=REVIEWER)
    assert review.verdicts.get(principle__slug="relevant").evidence == "Paragraph two."
    axe_check_with_scripts(page, page_fixture)


@pytest.mark.parametrize("page_fixture", ["narrow_phone", "zoomed_page"])
def test_narrow_screens_show_the_use_case_text_in_a_details_element(request, page_fixture, demo_round):
    page = request.getfixturevalue(page_fixture)
    sign_in(page, REVIEWER, report.DEMO_PASSWORD)
    page.goto(REVIEW_URL)

    details = impactful(page).locator(".portal-review-principle__details")
    expect(impactful(page).locator(".portal-review-principle__use-case")).to_be_hidden()
    text = details.locator(".govuk-details__text")
    expect(text).to_be_hidden()
    details.get_by_text("What the use case says for Impactful").click()
    expect(text).to_be_visible()
    expect(text).to_contain_text("Why this matters")
    no_sideways_scroll(page)
    axe_check(page)


@pytest.fixture
def narrow_phone(new_page):
    """A phone 375 CSS pixels wide."""
    return new_page(viewport={"width": 375, "height": 812})


@pytest.mark.parametrize("page_fixture", ["page", "narrow_phone", "zoomed_page", "page_without_js"])
def test_check_your_answers_then_submit(request, page_fixture, demo_round):
    page = request.getfixturevalue(page_fixture)
    sign_in(page, REVIEWER, report.DEMO_PASSWORD)
    page.goto(REVIEW_URL)
    for group in page.get_by_role("group").filter(has=page.get_by_label("Meets the principle", exact=True)).all():
        group.get_by_label("Meets the principle", exact=True).check()

    page.get_by_role("button", name="Continue to check your answers").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Check your answers before submitting your review")
    no_sideways_scroll(page)
    axe_check_with_scripts(page, page_fixture)
    # A change link goes back to the answer's field on the form.
    page.get_by_role("link", name="Change Impactful: Evidence").click()
    expect(page.locator("#id_impactful-evidence")).to_be_in_viewport()
    page.get_by_role("button", name="Continue to check your answers").click()
    page.get_by_role("button", name="Submit review").click()
    expect(page.locator(".govuk-panel")).to_contain_text("Review submitted")
    assert Review.objects.get(reviewer__email=REVIEWER).status == Review.Status.SUBMITTED
