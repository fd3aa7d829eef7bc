"""The pages anyone can open, and the error pages, in a real browser."""

import pytest
from playwright.sync_api import expect

from tests.e2e.support import E2E_DB, axe_check, screenshot

pytestmark = [pytest.mark.e2e, E2E_DB]


@pytest.mark.parametrize(
    ("path", "heading", "name"),
    [
        ("/accessibility/", "Accessibility statement for BOLD use case review", "accessibility"),
        ("/privacy/", "Privacy notice", "privacy"),
        ("/no-such-page/", "Page not found", "not-found"),
    ],
)
def test_public_page_is_accessible(page, path, heading, name):
    page.goto(path)

    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    axe_check(page)
    screenshot(page, name)


def test_footer_links_reach_the_statements_without_signing_in(page_without_js):
    page_without_js.goto("/sign-in/")

    page_without_js.get_by_role("link", name="Accessibility statement").click()

    expect(page_without_js.get_by_role("heading", level=1)).to_contain_text("Accessibility statement")
