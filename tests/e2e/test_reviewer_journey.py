"""The reviewer journey in a real browser, on the report's demo data: My reviews, the use case,
the review form (draft, errors, submission, changes), the summary, withdrawing, two tabs, a closed
round, without JavaScript, and at 320 pixels and 200% zoom."""

import io
import re

import pytest
from django.core.management import call_command
from django.utils import dateformat, timezone
from playwright.sync_api import Page, expect

from reviews.demo import bold_report as report
from reviews.models import Review, ReviewRound, Verdict
from reviews.services.rounds import round_set_status
from tests.e2e.support import E2E_DB, axe_check, page_width, screenshot, sign_in, submit_review

pytestmark = [pytest.mark.e2e, E2E_DB]

REVIEWER = "reviewer@demo.bold.example"
COLLEAGUE = "lead@demo.bold.example"  # the organisation lead at Crisis, which is assigned the use case
ROUND = report.DEMO_ROUND.slug
# Assigned to Crisis, so both the demo reviewer and their colleague review it.
USE_CASE, TITLE = "repeat-homelessness", "Repeat homelessness"
REVIEW_URL = f"/reviews/{ROUND}/{USE_CASE}/v1/review/"
PRINCIPLES = ("Relevant", "Impactful", "Clear and informative", "Non-stigmatising")
REASON = "It says 'repeat' without saying who decides that someone has become homeless again."


@pytest.fixture
def demo_round(live_server):
    """The report's demo data with its sign-ins: the open round `winter-2026`, whose use cases
    are assigned to the demo reviewer and to Crisis, their organisation."""
    call_command("load_bold_report", demo_accounts=True, stdout=io.StringIO())
    return ReviewRound.objects.get(slug=ROUND)


@pytest.fixture
def colleague_review(demo_round, django_user_model):
    """A colleague at Crisis has already submitted a review of the use case: every principle met."""
    colleague = django_user_model.objects.get(email=COLLEAGUE)
    submit_review(colleague, demo_round, USE_CASE, reason="Written the way our clients talk about it.")


def principle(page: Page, name: str):
    """The fieldset of one principle on the review form (its legend is the principle's name)."""
    return page.get_by_role("group", name=name, exact=True)


def answer(page: Page, name: str, verdict: str, *, reason: str | None = None, evidence: str | None = None) -> None:
    fieldset = principle(page, name)
    fieldset.get_by_label(verdict, exact=True).check()
    if reason is not None:
        fieldset.get_by_label("Your reason").fill(reason)
    if evidence is not None:
        fieldset.get_by_label("Evidence (optional)").fill(evidence)


def meets_all_but_relevant(page: Page) -> None:
    for name in PRINCIPLES[1:]:
        answer(page, name, "Meets the principle")


def open_my_reviews(page: Page) -> None:
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="My reviews").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My reviews")


def status_on_my_reviews(page: Page, title: str):
    return page.locator(".govuk-task-list__item", has_text=title).locator(".govuk-task-list__status")


SUMMARY_ROW = """principle => {
  const heading = [...document.querySelectorAll("main h2")].find(h => h.textContent.trim() === principle);
  const outcome = heading.nextElementSibling;
  const counts = [...outcome.nextElementSibling.querySelectorAll("dd")].slice(0, 3);
  return [outcome.innerText.trim(), ...counts.map(dd => dd.textContent.trim())];
}"""


def summary_row(page: Page, name: str) -> list[str]:
    """A principle's outcome and its counts (meets, does not meet, not sure) as the summary shows them."""
    return page.evaluate(SUMMARY_ROW, name)


def test_reviewer_journey_from_my_reviews_to_withdrawing(page, demo_round, colleague_review):
    sign_in(page, REVIEWER, report.DEMO_PASSWORD)
    open_my_reviews(page)
    expect(status_on_my_reviews(page, TITLE)).to_have_text("Not started")
    axe_check(page)
    screenshot(page, "my-reviews")

    # The use case, in the order the report recommends.
    page.get_by_role("link", name=TITLE, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    sections = page.locator("main h2").all_inner_texts()
    expected_order = [
        "Why this matters",
        "What the research will ask",
        "Which information goes from whom to whom",
        "What BOLD will and will not do",
    ]
    assert [title for title in sections if title in expected_order] == expected_order
    axe_check(page)
    screenshot(page, "use-case", full_page=False)

    page.get_by_role("button", name="Review this use case").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Review this use case")
    axe_check(page)
    screenshot(page, "review-form", full_page=False)

    # Half an answer, kept as a draft.
    answer(page, "Relevant", "Does not meet the principle", evidence="The second paragraph.")
    page.get_by_role("button", name="Save as draft", exact=True).click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Your draft has been saved")
    page.reload()
    expect(principle(page, "Relevant").get_by_label("Does not meet the principle", exact=True)).to_be_checked()
    expect(principle(page, "Relevant").get_by_label("Evidence (optional)")).to_have_value("The second paragraph.")
    expect(principle(page, "Relevant").get_by_label("Your reason")).to_have_value("")

    # Submitting without the reason a "does not meet" needs: the GOV.UK error summary.
    meets_all_but_relevant(page)
    page.get_by_role("button", name="Continue to check your answers").click()
    expect(page).to_have_title(re.compile(r"^Error: "))
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("link")).to_have_text(["Give a reason why the use case does not meet Relevant"])
    expect(principle(page, "Relevant").locator(".govuk-error-message")).to_contain_text(
        "Give a reason why the use case does not meet Relevant"
    )
    axe_check(page)
    screenshot(page, "review-form-error", full_page=False)
    summary.get_by_role("link").click()
    reason = principle(page, "Relevant").get_by_label("Your reason")
    expect(reason).to_be_focused()
    assert not Review.objects.filter(status=Review.Status.SUBMITTED, reviewer__email=REVIEWER).exists()

    reason.fill(REASON)
    page.get_by_role("button", name="Continue to check your answers").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your answers before submitting your review")
    expect(page.locator("main")).to_contain_text(REASON)
    axe_check(page)
    screenshot(page, "review-check")
    page.get_by_role("button", name="Submit review").click()
    expect(page.locator(".govuk-panel")).to_contain_text("Review submitted")
    axe_check(page)
    screenshot(page, "review-submitted")

    # The recompute queued on commit has rewritten the version's matrix cells, which the summary reads.
    page.get_by_role("link", name="See what reviewers said").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("What reviewers said")
    expect(page.locator("main")).not_to_contain_text("The summary is being prepared")
    expect(page.locator("main")).not_to_contain_text("may not include the latest changes")
    assert summary_row(page, "Relevant") == ["✗ Does not meet", "1", "1", "0"]
    assert summary_row(page, "Impactful") == ["✓ Meets", "2", "0", "0"]
    expect(page.locator("main")).to_contain_text("Written the way our clients talk about it.")
    axe_check(page)
    screenshot(page, "summary", full_page=False)

    # Changing the submitted review.
    page.get_by_role("link", name="Back to the use case").click()
    page.get_by_role("button", name="Change your review").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your review")
    expect(page.get_by_role("button", name="Save as draft", exact=True)).to_have_count(0)
    answer(page, "Relevant", "Meets the principle")
    page.get_by_role("button", name="Update review").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Your review has been updated")
    today = dateformat.format(timezone.localdate(), "j F Y")
    expect(page.locator("main")).to_contain_text(f"Last changed on {today} at ")
    page.get_by_role("link", name="See what reviewers said").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("What reviewers said")
    assert summary_row(page, "Relevant") == ["✓ Meets", "2", "0", "0"]

    # Withdrawing.
    page.go_back()
    page.get_by_role("link", name="Withdraw your review").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Are you sure you want to withdraw your review?")
    axe_check(page)
    screenshot(page, "review-withdraw")
    page.get_by_role("button", name="Withdraw review").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Your review has been withdrawn.")
    open_my_reviews(page)
    expect(status_on_my_reviews(page, TITLE)).to_have_text("Withdrawn")
    axe_check(page)


def test_second_tab_saving_an_out_of_date_form_overwrites_nothing(new_page, demo_round):
    first_tab = new_page(viewport={"width": 1280, "height": 900})
    sign_in(first_tab, REVIEWER, report.DEMO_PASSWORD)
    second_tab = first_tab.context.new_page()  # same context: same signed-in session
    first_tab.goto(REVIEW_URL)
    second_tab.goto(REVIEW_URL)

    answer(first_tab, "Relevant", "Meets the principle")
    first_tab.get_by_role("button", name="Save as draft", exact=True).click()
    expect(first_tab.locator(".govuk-notification-banner")).to_contain_text("Your draft has been saved")

    answer(second_tab, "Relevant", "Not sure", reason="Typed in the second tab.")
    second_tab.get_by_role("button", name="Save as draft", exact=True).click()

    # Nothing overwritten: the page shows both versions, what was typed included, to choose from.
    expect(second_tab.get_by_role("heading", level=1)).to_have_text("Your review was changed in another tab or window")
    expect(second_tab.locator("main")).to_contain_text("Typed in the second tab.")
    axe_check(second_tab)
    saved = Verdict.objects.get(review__reviewer__email=REVIEWER, principle__slug="relevant")
    assert (saved.verdict, saved.reason, saved.review.lock_version) == (Verdict.Choice.MEETS, "", 1)

    second_tab.get_by_role("button", name="Keep the saved version").click()
    expect(principle(second_tab, "Relevant").get_by_label("Meets the principle", exact=True)).to_be_checked()


@pytest.fixture
def closed_round_review(demo_round, django_user_model):
    """The demo reviewer submitted a review of one of their use cases; then the round closed
    today, weeks before its planned closing date."""
    reviewer = django_user_model.objects.get(email=REVIEWER)
    submit_review(reviewer, demo_round, USE_CASE)
    assert demo_round.closes_on > timezone.localdate()
    return round_set_status(review_round=demo_round, status=ReviewRound.Status.CLOSED, actor=None)


def test_a_closed_rounds_review_is_read_only(page, closed_round_review):
    sign_in(page, REVIEWER, report.DEMO_PASSWORD)
    open_my_reviews(page)
    closed = page.locator("#closed-reviews")
    today = dateformat.format(timezone.localdate(), "j F Y")
    planned = dateformat.format(closed_round_review.closes_on, "j F Y")
    item = closed.locator(".govuk-task-list__item", has_text=TITLE)
    expect(item).to_contain_text("Submitted")
    expect(item).to_contain_text(f"Round closed on {today}")

    closed.get_by_role("link", name=TITLE, exact=True).click()
    expect(page.get_by_role("button", name=re.compile("review", re.IGNORECASE))).to_have_count(0)
    page.get_by_role("link", name="Read your review").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Your review")
    # The day it actually closed, not the day it was planned to.
    expect(page.locator("main")).to_contain_text(f"This round closed on {today}. You can no longer change your review.")
    expect(page.locator("main")).not_to_contain_text(planned)
    expect(page.locator("main form")).to_have_count(0)
    expect(page.get_by_role("textbox")).to_have_count(0)
    expect(page.get_by_role("radio")).to_have_count(0)
    axe_check(page)
    screenshot(page, "review-closed", full_page=False)


def test_every_reviewer_form_works_without_javascript(page_without_js, demo_round):
    page = page_without_js
    sign_in(page, REVIEWER, report.DEMO_PASSWORD)
    open_my_reviews(page)
    page.get_by_role("link", name=TITLE, exact=True).click()
    page.get_by_role("button", name="Review this use case").click()

    answer(page, "Relevant", "Does not meet the principle")
    page.get_by_role("button", name="Save as draft", exact=True).click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Your draft has been saved")
    expect(principle(page, "Relevant").get_by_label("Does not meet the principle", exact=True)).to_be_checked()

    meets_all_but_relevant(page)
    page.get_by_role("button", name="Continue to check your answers").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Give a reason why the use case does not meet Relevant"
    )
    expect(page).to_have_title(re.compile(r"^Error: "))

    principle(page, "Relevant").get_by_label("Your reason").fill(REASON)
    page.get_by_role("button", name="Continue to check your answers").click()
    page.get_by_role("button", name="Submit review").click()
    expect(page.locator(".govuk-panel")).to_contain_text("Review submitted")

    page.get_by_role("link", name="Read or change your review").click()
    page.get_by_role("link", name="Withdraw your review").click()
    page.get_by_role("button", name="Withdraw review").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Your review has been withdrawn.")
    review = Review.objects.get(reviewer__email=REVIEWER)
    assert review.status == Review.Status.WITHDRAWN
    assert review.verdicts.get(principle__slug="relevant").reason == REASON


@pytest.mark.parametrize("page_fixture", ["narrow_page", "zoomed_page"])
def test_reviewer_pages_reflow_without_horizontal_scrolling(request, page_fixture, demo_round):
    page = request.getfixturevalue(page_fixture)
    sign_in(page, REVIEWER, report.DEMO_PASSWORD)
    pages = [
        ("/reviews/", "My reviews", page.get_by_role("link", name=TITLE, exact=True)),
        (f"/reviews/{ROUND}/{USE_CASE}/v1/", TITLE, page.get_by_role("button", name="Review this use case")),
        (REVIEW_URL, "Review this use case", page.get_by_role("button", name="Continue to check your answers")),
    ]
    for path, heading, primary_action in pages:
        page.goto(path)
        assert page_width(page) <= page.evaluate("window.innerWidth"), f"{path} scrolls sideways"
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        expect(page.get_by_role("heading", level=1)).to_be_in_viewport(ratio=1)
        primary_action.scroll_into_view_if_needed()
        expect(primary_action).to_be_in_viewport(ratio=1)
        axe_check(page)

    # A data-flow table wider than the screen scrolls inside its own box, which keyboard users can reach.
    page.goto(f"/reviews/{ROUND}/{USE_CASE}/v1/")
    flows = page.get_by_role("region", name="Which information goes from whom to whom")
    flows.focus()
    expect(flows).to_be_focused()
    if flows.evaluate("box => box.scrollWidth > box.clientWidth"):
        page.keyboard.press("ArrowRight")
        page.wait_for_function("() => document.querySelector('.portal-table-container').scrollLeft > 0")
