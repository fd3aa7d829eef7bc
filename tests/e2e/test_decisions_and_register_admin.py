"""An admin records a decision on a closed round's use case, checks off its condition, previews and
publishes it on the register and withdraws it, in a real browser: axe on every page at 1280 and
320 pixels, and the same journey without JavaScript (docs/admin-rounds.md, docs/register.md)."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.support import E2E_DB, axe_check, page_width, sign_in
from tests.factories import make_version
from tests.register.support import ADMIN_PASSWORD, RegisterWorld

pytestmark = [pytest.mark.e2e, E2E_DB]


@pytest.fixture
def world(live_server):
    world = RegisterWorld(decide=False)
    make_version(use_case=world.version.use_case, number=3, title="Housing after prison, third version")
    return world


def _check(page, *, axe, narrow):
    if axe:
        axe_check(page)
    if narrow:
        assert page_width(page) <= 320


def _decide_and_publish(page, world, *, axe=True, narrow=False):
    sign_in(page, world.admin.email, ADMIN_PASSWORD)
    page.goto(f"/manage/rounds/{world.round.slug}/")
    page.get_by_role("link", name="Record the programme's decision on each use case").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("The programme's decisions")
    _check(page, axe=axe, narrow=narrow)
    page.get_by_role("link", name="Housing after prison decision").click()
    page.get_by_role("button", name="Record the decision").click()
    expect(page).to_have_title(re.compile("^Error: "))
    expect(page.locator(".govuk-error-summary")).to_contain_text("Choose the programme's decision")
    _check(page, axe=axe, narrow=narrow)
    page.get_by_label("Go ahead with conditions").check()
    page.get_by_label("Why").fill("Relevant to prison leavers; one part must be clearer.")
    page.get_by_label("Principle of condition 1").select_option(label="Clear and informative")
    page.get_by_label("Condition 1", exact=True).fill("Say who receives the data.")
    page.get_by_role("button", name="Record the decision").click()
    expect(page.locator(".decision-outcome")).to_have_text("Go ahead with conditions")
    _check(page, axe=axe, narrow=narrow)
    page.get_by_role("link", name="Check off").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check off a condition")
    _check(page, axe=axe, narrow=narrow)
    page.get_by_label("Version 3: Housing after prison, third version").check()
    page.get_by_role("button", name="Check off the condition").click()
    expect(page.locator(".decision-conditions")).to_contain_text("Met in version 3")

    page.goto("/manage/register/")
    _check(page, axe=axe, narrow=narrow)
    page.get_by_role("link", name="Preview and publish Housing after prison").click()
    expect(page.get_by_text("It is not published yet")).to_be_visible()
    _check(page, axe=axe, narrow=narrow)
    page.get_by_role("button", name="Publish on the public register").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Housing after prison")
    expect(page.get_by_role("listitem").filter(has_text="Say who receives the data.")).to_contain_text(
        "Met in version 3"
    )

    page.goto("/manage/register/")
    page.get_by_role("link", name="Withdraw Housing after prison").click()
    page.get_by_role("button", name="Withdraw from the register").click()
    expect(page).to_have_title(re.compile("^Error: "))
    _check(page, axe=axe, narrow=narrow)
    page.get_by_label("Why is it withdrawn?").fill("The pilot has paused.")
    page.get_by_role("button", name="Withdraw from the register").click()
    expect(page.locator("body")).to_contain_text("withdrawn from the public register")


def test_an_admin_decides_and_publishes(page, world):
    _decide_and_publish(page, world)


def test_the_admin_pages_fit_a_320_pixel_screen(narrow_page, world):
    _decide_and_publish(narrow_page, world, narrow=True)


def test_the_admin_journey_works_without_javascript(page_without_js, world):
    _decide_and_publish(page_without_js, world, axe=False)
