"""The language checker on a draft and the readiness checklist in a real browser: an author sees a
point beside the section's text, dismisses it (first without a reason, which is refused), and reads
the checklist; an admin choosing a round's use cases is asked before adding one that is not ready.
axe-core runs on every page state; at 1280 and 320 pixels (no sideways scroll), and without JavaScript."""

import pytest
from playwright.sync_api import Page, expect

from audiences.services.audiences import audience_authors_add
from reviews.models import ReviewRound
from tests.e2e.support import E2E_DB, axe_check, page_width, sign_in
from tests.factories import make_audience, make_round, make_version
from tests.matrix.analyst_support import make_admin, make_author
from usecases.services import use_case_draft_save, use_case_draft_start

pytestmark = [pytest.mark.e2e, E2E_DB]

PASSWORD = "correct-horse-battery"


@pytest.fixture
def world(live_server):
    audience = make_audience(name="Reducing Reoffending", slug="reducing-reoffending")
    author = make_author(email="pat@bold.example")
    make_admin(email="ada@bold.example")
    audience_authors_add(audience=audience, users=[author], actor=None)
    version = make_version(audience=audience, title="Support after release")
    draft = use_case_draft_start(use_case=version.use_case, actor=author)
    use_case_draft_save(
        draft=draft,
        revision=draft.revision,
        changes={"impact_statement": "Fewer ex-offenders sleeping rough."},
        actor=author,
    )
    make_round(status=ReviewRound.Status.DRAFT, name="Spring round", slug="spring")
    return version


def journey(new_page, version, *, narrow: bool = False, javascript: bool = True) -> None:
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
    page.goto(f"/use-cases/{version.use_case.slug}/draft/")
    expect(page.locator("#readiness-checklist")).to_contain_text("To do")
    expect(page.locator("main")).to_contain_text("The language checker has 1 point to fix or dismiss")
    check(page)
    page.get_by_role("link", name="Impact for the audience").click()
    aside = page.locator("aside")
    expect(aside).to_contain_text("“ex-offenders”")
    expect(aside).to_contain_text("prison leaver")
    check(page)
    aside.get_by_text("Dismiss “ex-offenders”").click()
    check(page)
    aside.get_by_role("button", name="Dismiss").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter why this is not a problem here")
    assert page.title().startswith("Error:")
    check(page)
    page.get_by_label("Why is this not a problem here?").fill("Quoted from the pilot's own survey.")
    page.get_by_role("button", name="Dismiss").click()
    expect(page.locator("aside")).to_contain_text("Nothing to fix in this section")
    check(page)

    admin = new_page(**options)
    sign_in(admin, "ada@bold.example", PASSWORD)
    admin.goto("/manage/rounds/spring/use-cases/")
    expect(admin.locator("main")).to_contain_text("Not ready:")
    check(admin)
    admin.get_by_label("Support after release (version 1)").check()
    admin.get_by_role("button", name="Save this page").click()
    expect(admin.get_by_role("heading", level=1)).to_have_text("1 use case version is not ready for review")
    check(admin)
    admin.get_by_role("button", name="Save the page, adding them anyway").click()
    expect(admin.locator(".govuk-notification-banner")).to_contain_text("1 added to the round")
    check(admin)


def test_language_points_and_readiness(new_page, world):
    journey(new_page, world)


def test_the_pages_fit_a_320_pixel_screen(new_page, world):
    journey(new_page, world, narrow=True)


def test_it_all_works_without_javascript(new_page, world):
    journey(new_page, world, javascript=False)
