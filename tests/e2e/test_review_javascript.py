"""The review form with JavaScript, and two devices, in a real browser on the report's demo data:
the draft that saves itself, the timeout warning, saving before leaving by a link, and the page
that compares two versions after a conflict (with and without JavaScript); axe on each state."""

import io

import pytest
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import Page, expect

from reviews.demo import bold_report as report
from reviews.models import Review
from tests.e2e.support import E2E_DB, axe_check, page_width, sign_in

pytestmark = [pytest.mark.e2e, E2E_DB]

REVIEWER = "reviewer@demo.bold.example"
REVIEW_URL = f"/reviews/{report.DEMO_ROUND.slug}/repeat-homelessness/v1/review/"


@pytest.fixture
def demo_round(live_server):
    call_command("load_bold_report", demo_accounts=True, stdout=io.StringIO())


def reason(page: Page, name: str):
    return page.get_by_role("group", name=name, exact=True).get_by_label("Your reason")


def saved_reason(slug: str) -> str:
    return Review.objects.get(reviewer__email=REVIEWER).verdicts.get(principle__slug=slug).reason


def test_the_draft_saves_itself_every_minute_and_never_conflicts_with_itself(page, demo_round):
    page.clock.install()
    sign_in(page, REVIEWER, report.DEMO_PASSWORD)
    page.goto(REVIEW_URL)
    status = page.locator("#autosave-status")
    expect(status).to_have_attribute("role", "status")

    reason(page, "Relevant").fill("First thoughts")
    page.clock.run_for("01:01")
    expect(status).to_contain_text("Your draft was saved automatically at")
    assert saved_reason("relevant") == "First thoughts"
    axe_check(page)

    reason(page, "Relevant").fill("Second thoughts")
    page.clock.run_for("01:01")
    expect(page.locator('input[name="lock_version"]')).to_have_value("2")
    assert saved_reason("relevant") == "Second thoughts"
    # And Save as draft after it, from the same tab, is no conflict either.
    page.get_by_role("button", name="Save as draft", exact=True).click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Your draft has been saved")


def test_leaving_by_a_link_saves_the_draft_first(page, demo_round):
    sign_in(page, REVIEWER, report.DEMO_PASSWORD)
    page.goto(REVIEW_URL)

    reason(page, "Impactful").fill("Typed just before leaving")
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="My reviews").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("My reviews")
    assert saved_reason("impactful") == "Typed just before leaving"


# 1280 and 375 pixels, and 1280 at 200% zoom (640 CSS pixels, each drawn as 2 by 2).
@pytest.mark.parametrize(
    "screen",
    [
        {"viewport": {"width": 1280, "height": 900}},
        {"viewport": {"width": 375, "height": 812}},
        {"viewport": {"width": 640, "height": 450}, "device_scale_factor": 2},
    ],
)
def test_a_warning_before_the_session_ends_and_stay_signed_in(new_page, demo_round, settings, screen):
    settings.SESSION_COOKIE_AGE = 6 * 60  # the warning comes 5 minutes before the end
    page = new_page(**screen)
    page.clock.install()
    sign_in(page, REVIEWER, report.DEMO_PASSWORD)
    # The script asks how long the session has left before the clock moves on.
    with page.expect_response(lambda response: response.url.endswith("/reviews/session/")):
        page.goto(REVIEW_URL)
    field = reason(page, "Relevant")
    field.focus()
    dialog = page.get_by_role("dialog", name="You are about to be signed out")
    expect(dialog).to_be_hidden()

    page.clock.run_for("01:05")

    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("You will be signed out in 5 minutes.")
    stay = dialog.get_by_role("button", name="Stay signed in")
    expect(stay).to_be_focused()
    axe_check(page)
    before = Session.objects.get().expire_date
    stay.click()
    expect(dialog).to_be_hidden()
    expect(field).to_be_focused()
    page.wait_for_function("() => true")
    assert Session.objects.get().expire_date > before
    assert Session.objects.get().expire_date > timezone.now()


@pytest.mark.parametrize("java_script_enabled", [True, False])
def test_a_conflict_between_two_devices_shows_both_versions_to_choose_from(new_page, demo_round, java_script_enabled):
    phone = new_page(viewport={"width": 375, "height": 812})
    laptop = new_page(viewport={"width": 1280, "height": 900}, java_script_enabled=java_script_enabled)
    for device in (phone, laptop):
        sign_in(device, REVIEWER, report.DEMO_PASSWORD)
        device.goto(REVIEW_URL)

    reason(phone, "Relevant").fill("Written on the phone")
    reason(phone, "Impactful").fill("Also on the phone")
    phone.get_by_role("button", name="Save as draft", exact=True).click()
    expect(phone.locator(".govuk-notification-banner")).to_contain_text("Your draft has been saved")

    reason(laptop, "Relevant").fill("Written on the laptop")
    laptop.get_by_role("button", name="Save as draft", exact=True).click()

    expect(laptop.get_by_role("heading", level=1)).to_have_text("Your review was changed in another tab or window")
    assert saved_reason("relevant") == "Written on the phone", "nothing overwritten"
    relevant = laptop.locator("#part-relevant ~ .govuk-summary-card").first
    expect(relevant).to_contain_text("Written on the laptop")
    # axe runs as a script in the page: it checks the page with JavaScript on (the same markup).
    for size in ({"width": 1280, "height": 900}, {"width": 375, "height": 812}, {"width": 640, "height": 450}):
        laptop.set_viewport_size(size)
        assert page_width(laptop) <= size["width"]
        if java_script_enabled:
            axe_check(laptop)

    laptop.get_by_role("group", name="Which version of Relevant do you want to keep?").get_by_label(
        "Keep yours"
    ).check()
    laptop.get_by_role("group", name="Which version of Impactful do you want to keep?").get_by_label(
        "Keep the saved one"
    ).check()
    laptop.get_by_role("button", name="Continue with these choices").click()

    expect(reason(laptop, "Relevant")).to_have_value("Written on the laptop")
    expect(reason(laptop, "Impactful")).to_have_value("Also on the phone")
    assert saved_reason("relevant") == "Written on the phone", "nothing saved until the reviewer saves"
    if java_script_enabled:
        axe_check(laptop)
    laptop.get_by_role("button", name="Save as draft", exact=True).click()
    expect(laptop.locator(".govuk-notification-banner").first).to_contain_text("Your draft has been saved")
    assert saved_reason("relevant") == "Written on the laptop"
    assert saved_reason("impactful") == "Also on the phone"


def end_the_session() -> None:
    """The session ends on the server (it expired, or the reviewer signed out in another tab)."""
    Session.objects.all().delete()


def sign_in_here(page: Page) -> None:
    """Sign in on the sign-in page the portal sent the reviewer to, so it returns them to the form."""
    page.get_by_label("Email address").fill(REVIEWER)
    page.get_by_label("Password").fill(report.DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()


@pytest.mark.parametrize("page_fixture", ["page", "page_without_js"])
def test_a_save_after_the_session_ended_is_kept_and_put_back_after_signing_in(request, page_fixture, demo_round):
    page = request.getfixturevalue(page_fixture)
    sign_in(page, REVIEWER, report.DEMO_PASSWORD)
    if page_fixture == "page":
        # The script asks how long the session has left before the session ends here: asked after,
        # it is told no time at all, and the warning it then shows covers the form.
        with page.expect_response(lambda response: response.url.endswith("/reviews/session/")):
            page.goto(REVIEW_URL)
    else:
        page.goto(REVIEW_URL)
    reason(page, "Relevant").fill("Typed while the session was ending")
    end_the_session()

    page.get_by_role("button", name="Save as draft", exact=True).click()

    expect(page.locator("main")).to_contain_text("Your session had ended, so your review was not saved.")
    sign_in_here(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Review this use case")
    expect(reason(page, "Relevant")).to_have_value("Typed while the session was ending")
    expect(page.locator("main")).to_contain_text("has been put back into the form. It has not been saved yet.")
    if page_fixture == "page":
        axe_check(page)
    assert not Review.objects.filter(reviewer__email=REVIEWER, version__use_case__slug="repeat-homelessness").exists()


def test_an_automatic_save_after_the_session_ended_says_so_and_its_text_comes_back(page, demo_round):
    page.clock.install()
    sign_in(page, REVIEWER, report.DEMO_PASSWORD)
    page.goto(REVIEW_URL)
    reason(page, "Relevant").fill("Typed after the session ended")
    end_the_session()

    page.clock.run_for("01:01")

    expect(page.locator("#autosave-status")).to_contain_text("Your session has ended, so your draft was not saved")
    page.goto(REVIEW_URL)  # sent to sign in, and back to the form after
    sign_in_here(page)
    expect(reason(page, "Relevant")).to_have_value("Typed after the session ended")
