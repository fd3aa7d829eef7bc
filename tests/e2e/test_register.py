"""The public register in a real browser, not signed in: the list, a published entry and a withdrawn
one pass axe at 1280 and 320 pixels, fit the narrow screen, and read the same without JavaScript
(docs/register.md)."""

import pytest
from playwright.sync_api import expect

from register.services import register_entry_publish, register_entry_withdraw
from tests.e2e.support import E2E_DB, axe_check, page_width
from tests.register.support import RegisterWorld

pytestmark = [pytest.mark.e2e, E2E_DB]


@pytest.fixture
def register(live_server):
    world = RegisterWorld()
    register_entry_publish(decision=world.decision, actor=world.admin)
    withdrawn = register_entry_publish(decision=world.plain_decision, actor=world.admin)
    register_entry_withdraw(entry=withdrawn, reason="The pilot has paused.", actor=world.admin)
    return world


def _read_the_register(page, world, *, axe=True, narrow=False):
    page.goto("/register/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Public register of BOLD use cases")
    expect(page.get_by_role("link", name="Support after release")).to_have_count(0)
    if axe:
        axe_check(page)
    page.get_by_role("link", name="Housing after prison").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Housing after prison")
    expect(page.get_by_role("heading", name="What data, from whom, to whom")).to_be_visible()
    expect(page.locator("#principle-outcomes")).to_contain_text("Does not meet")
    expect(page.get_by_role("listitem").filter(has_text="Say who receives the data.")).to_contain_text("Not met yet")
    if axe:
        axe_check(page)
    if narrow:
        assert page_width(page) <= 320
    response = page.goto(f"/register/{world.plain.use_case.slug}/")
    assert response.status == 410
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "This use case has been withdrawn from the public register"
    )
    expect(page.get_by_text("The pilot has paused.")).to_be_visible()
    if axe:
        axe_check(page)
    if narrow:
        assert page_width(page) <= 320


def test_the_register_is_accessible_at_desktop_width(page, register):
    _read_the_register(page, register)


def test_the_register_fits_a_320_pixel_screen(narrow_page, register):
    _read_the_register(narrow_page, register, narrow=True)


def test_the_register_works_without_javascript(page_without_js, register):
    _read_the_register(page_without_js, register, axe=False)
