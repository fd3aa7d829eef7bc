"""Signing in and out, resetting a password and joining by invitation, in a real browser."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from audiences.models import Invitation, Membership
from audiences.services.invitations import invitation_create
from tests.e2e.support import E2E_DB, axe_check, page_width, screenshot, sign_in
from tests.factories import make_organisation, make_reviewer, make_user

pytestmark = [pytest.mark.e2e, E2E_DB]

PASSWORD = "correct-horse-battery"
NEW_PASSWORD = "violet-harbour-lantern-42"


@pytest.fixture
def reviewer():
    return make_reviewer(email="sam@example.org", password=PASSWORD)


def test_sign_in_page_is_accessible_and_shows_the_error_summary(page, reviewer):
    page.goto("/sign-in/")
    expect(page).to_have_title("Sign in \N{EN DASH} BOLD use case review")
    axe_check(page)
    screenshot(page, "sign-in")

    sign_in(page, "sam@example.org", "not-the-password")

    expect(page).to_have_title("Error: Sign in \N{EN DASH} BOLD use case review")
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("The email address or password is not right")
    expect(summary).to_be_focused()  # GOV.UK Frontend moves focus to the summary
    axe_check(page)
    screenshot(page, "sign-in-error")

    summary.get_by_role("link").click()
    expect(page.get_by_label("Email address")).to_be_focused()


def test_sign_in_and_out(page, reviewer):
    sign_in(page, "sam@example.org", PASSWORD)
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    axe_check(page)
    screenshot(page, "home")

    page.get_by_role("button", name="Sign out").click()

    expect(page).to_have_url(re.compile(r"/sign-in/$"))
    expect(page.locator(".govuk-notification-banner")).to_contain_text("You have signed out.")
    axe_check(page)


def test_sign_in_and_out_without_javascript(page_without_js, reviewer):
    page = page_without_js
    sign_in(page, "sam@example.org", "wrong")
    expect(page.locator(".govuk-error-summary")).to_contain_text("The email address or password is not right")

    sign_in(page, "sam@example.org", PASSWORD)
    page.get_by_role("button", name="Sign out").click()

    expect(page.locator(".govuk-notification-banner")).to_contain_text("You have signed out.")


@pytest.mark.parametrize("page_fixture", ["narrow_page", "zoomed_page"])
def test_sign_in_page_reflows_without_horizontal_scrolling(request, page_fixture):
    page = request.getfixturevalue(page_fixture)
    page.goto("/sign-in/")

    assert page_width(page) <= page.viewport_size["width"]
    axe_check(page)


@pytest.mark.parametrize("javascript", [True, False], ids=["with-js", "without-js"])
def test_password_reset_request(new_page, mailoutbox, reviewer, javascript):
    page = new_page(java_script_enabled=javascript)
    page.goto("/sign-in/")
    page.get_by_role("link", name="I have forgotten my password").click()
    if javascript:
        axe_check(page)
        screenshot(page, "password-reset")

    page.get_by_label("Email address").fill("sam@example.org")
    page.get_by_role("button", name="Send me a reset link").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    if javascript:
        axe_check(page)
    [email] = mailoutbox
    assert email.to == ["sam@example.org"]


@pytest.fixture
def invitation_link(live_server):
    organisation = make_organisation(name="The Survivors Trust")
    admin = make_user(is_superuser=True)
    _invitation, raw_token = invitation_create(
        organisation=organisation, email="alex@example.org", role=Membership.Role.REVIEWER, invited_by=admin
    )
    return f"/invitations/accept/{raw_token}/"


def test_expired_invitation_link_says_what_to_do(page, invitation_link):
    Invitation.objects.update(expires_at=timezone.now() - timedelta(days=1))

    page.goto(invitation_link)

    expect(page.get_by_role("heading", level=1)).to_have_text("You cannot use this invitation link")
    expect(page.locator("main")).to_contain_text("This invitation link has expired")
    axe_check(page)


@pytest.mark.parametrize("javascript", [True, False], ids=["with-js", "without-js"])
def test_joining_by_invitation_signs_the_person_in(new_page, invitation_link, javascript):
    page = new_page(java_script_enabled=javascript)
    page.goto(invitation_link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Join The Survivors Trust")
    if javascript:
        axe_check(page)
        screenshot(page, "invitation-accept")

    page.get_by_label("Full name").fill("Alex Morgan")
    page.get_by_label("Create a password").fill(NEW_PASSWORD)
    page.get_by_label("Confirm your password").fill("something else")
    page.get_by_role("button", name="Create account").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("The passwords do not match")
    if javascript:
        axe_check(page)

    page.get_by_label("Create a password").fill(NEW_PASSWORD)
    page.get_by_label("Confirm your password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Create account").click()

    expect(page.locator(".govuk-notification-banner")).to_contain_text("You have joined The Survivors Trust.")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    assert Membership.objects.filter(user__email="alex@example.org", organisation__name="The Survivors Trust").exists()
