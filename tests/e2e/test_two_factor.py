"""Two-factor sign-in in a real browser: an analyst sets up an app, saves recovery codes, signs in
again with a recovery code, and sees their sign-in security page; every page passes axe, fits a
320-pixel screen and works without JavaScript."""

import re
from base64 import b32decode

import pytest
from django.contrib.auth.models import Group
from django_otp.oath import TOTP
from playwright.sync_api import expect

from audiences.models import Membership
from audiences.services.invitations import invitation_create
from bold_portal import roles
from tests.e2e.support import E2E_DB, axe_check, enter_code, page_width, screenshot
from tests.factories import make_organisation, make_reviewer, make_user

pytestmark = [pytest.mark.e2e, E2E_DB]

PASSWORD = "correct-horse-battery"


@pytest.fixture
def analyst():
    user = make_user(email="ana@bold.example", password=PASSWORD)
    user.groups.add(Group.objects.get(name=roles.ANALYSTS))
    return user


def _check(page, heading: str, *, axe: bool = True) -> None:
    """The page's heading, no sideways scrolling, and axe (which needs JavaScript to run: the pass
    without it checks that the pages work, the 320-pixel pass runs axe)."""
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    assert page_width(page) <= page.viewport_size["width"], f"sideways scrolling on {page.url}"
    if axe:
        axe_check(page)


def _password_step(page) -> None:
    page.goto("/sign-in/")
    page.get_by_label("Email address").fill("ana@bold.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


@pytest.mark.parametrize("page_fixture", ["narrow_page", "page_without_js"])
def test_setting_up_two_factor_then_signing_in_with_a_recovery_code(request, analyst, page_fixture):
    page = request.getfixturevalue(page_fixture)
    axe = page_fixture != "page_without_js"
    _password_step(page)

    expect(page).to_have_url(re.compile(r"/account/two-factor/set-up/\?next="))
    _check(page, "Set up two-factor sign-in", axe=axe)
    expect(page.get_by_role("img", name="QR code to scan with your authenticator app")).to_be_visible()
    screenshot(page, "two-factor-set-up")
    key = page.locator("#two-factor-key").inner_text().replace(" ", "")
    page.get_by_label("Code from your authenticator app").fill("000000")
    page.get_by_role("button", name="Turn on two-factor sign-in").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("The code is not right")
    _check(page, "Set up two-factor sign-in", axe=axe)
    page.get_by_label("Code from your authenticator app").fill(f"{TOTP(b32decode(key)).token():06d}")
    page.get_by_role("button", name="Turn on two-factor sign-in").click()

    _check(page, "Save your recovery codes", axe=axe)
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Two-factor sign-in is on.")
    codes = page.locator("#recovery-codes li").all_inner_texts()
    assert len(codes) == 10
    page.get_by_role("button", name="I have saved my recovery codes").click()
    expect(page).to_have_url(re.compile(r"/$"))
    page.goto("/account/two-factor/")
    _check(page, "Sign-in security", axe=axe)
    expect(page.locator(".govuk-summary-list")).to_contain_text("10 codes left")
    menu = page.get_by_role("button", name="Menu")
    if menu.is_visible():  # a narrow screen with JavaScript folds the navigation away
        menu.click()
    page.get_by_role("button", name="Sign out").click()

    _password_step(page)
    _check(page, "Enter the code from your authenticator app", axe=axe)
    enter_code(page, "000000")
    expect(page.locator(".govuk-error-summary")).to_contain_text("The code is not right")
    page.get_by_role("link", name="Use a recovery code instead").click()
    _check(page, "Use a recovery code", axe=axe)
    page.get_by_label("Recovery code").fill(codes[0])
    page.get_by_role("button", name="Continue").click()

    expect(page.locator(".govuk-notification-banner")).to_contain_text("You have 9 recovery codes left")
    assert "/account/two-factor/" not in page.url


def test_invitation_for_someone_else_and_the_status_page(narrow_page, analyst):
    page = narrow_page
    organisation = make_organisation(name="Crisis")
    lead = make_reviewer(organisation=organisation, role=Membership.Role.LEAD, password=PASSWORD)
    _invitation, token = invitation_create(
        organisation=organisation, email="sam@example.org", role=Membership.Role.REVIEWER, invited_by=lead
    )
    page.goto("/sign-in/")
    page.get_by_label("Email address").fill(lead.email)
    page.get_by_label("Password").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()

    page.goto(f"/invitations/accept/{token}/")
    _check(page, "Sign out to use this invitation")
    page.get_by_role("button", name="Sign out and use the invitation").click()
    _check(page, "Join Crisis")

    page.goto("/health/")
    _check(page, "Service status")
    expect(page.locator("main")).to_contain_text("The service is working.")
