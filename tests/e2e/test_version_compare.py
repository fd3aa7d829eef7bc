"""Comparing two versions in a real browser: an author follows the link from version 2's page, reads
the changes marked by symbol and words, and asks for a version that does not exist (an error, named).
axe-core on each page state; at 1280 and 320 pixels (no sideways scroll), and without JavaScript."""

import pytest
from playwright.sync_api import Page, expect

from audiences.services.audiences import audience_authors_add
from tests.e2e.support import E2E_DB, axe_check, page_width, sign_in
from tests.factories import make_audience, make_author, make_version

pytestmark = [pytest.mark.e2e, E2E_DB]

PASSWORD = "correct-horse-battery"


@pytest.fixture
def world(live_server):
    audience = make_audience(name="People who use drugs")
    author = make_author(email="pat@bold.example")
    audience_authors_add(audience=audience, users=[author], actor=None)
    first = make_version(audience=audience, title="Treatment outcomes", impact_statement="Fewer addicts in prison.")
    make_version(
        use_case=first.use_case,
        number=2,
        title="Treatment outcomes",
        impact_statement="Fewer people who use drugs in prison.",
    )
    return first.use_case


def journey(new_page, use_case, *, narrow: bool = False, javascript: bool = True) -> None:
    options = {"viewport": {"width": 320, "height": 640} if narrow else {"width": 1280, "height": 900}}
    if not javascript:
        options["java_script_enabled"] = False

    def check(page: Page) -> None:
        if javascript:  # axe itself needs JavaScript
            axe_check(page)
        if narrow:
            assert page_width(page) <= page.evaluate("window.innerWidth"), f"{page.url} scrolls sideways"

    page = new_page(**options)
    sign_in(page, "pat@bold.example", PASSWORD)
    page.goto(f"/use-cases/{use_case.slug}/v2/")
    page.get_by_role("link", name="Compare with version 1").click()
    expect(page.locator("del").first).to_contain_text("Removed: [\N{MINUS SIGN}addicts]")
    expect(page.locator("ins").first).to_contain_text("Added: [+people who use drugs]")
    check(page)
    page.goto(f"/use-cases/{use_case.slug}/compare/?earlier=7&later=2")
    expect(page.locator(".govuk-error-summary")).to_contain_text("Choose a version from the list")
    check(page)
    page.get_by_label("Compare version").select_option("1")
    page.get_by_role("button", name="Compare").click()
    expect(page.locator("ins").first).to_be_visible()
    check(page)


def test_an_author_compares_two_versions(new_page, world):
    journey(new_page, world)


def test_the_page_fits_a_320_pixel_screen(new_page, world):
    journey(new_page, world, narrow=True)


def test_it_works_without_javascript(new_page, world):
    journey(new_page, world, javascript=False)
