"""The language checker on a draft and the readiness checklist in a real browser: an author sees a
point beside the section's text, dismisses it (first without a reason, which is refused), and reads
the checklist; an admin choosing a round's use cases is asked before adding one that is not ready.
axe-core runs on every page state; at 1280 and 320 pixels (no sideways scroll), and without JavaScript."""

import pytest
from playwright.sync_api import expect

from reviews.models import ReviewRound
from tests.e2e.support import E2E_DB, EVERY_SCREEN, WIDE, Screen, build_world, sign_in
from tests.factories import PASSWORD, make_admin
from usecases.services import use_case_draft_save, use_case_draft_start

pytestmark = [pytest.mark.e2e, E2E_DB]


@pytest.fixture
def world(live_server):
    # The round is still a draft, without the version: the admin adds it on the page.
    world = build_world(
        audience="Reducing Reoffending",
        title="Support after release",
        author="pat@bold.example",
        round_fields={"status": ReviewRound.Status.DRAFT, "name": "Spring round", "slug": "spring"},
    )
    make_admin(email="ada@bold.example")
    draft = use_case_draft_start(use_case=world.version.use_case, actor=world.author)
    use_case_draft_save(
        draft=draft,
        revision=draft.revision,
        changes={"impact_statement": "Fewer ex-offenders sleeping rough."},
        actor=world.author,
    )
    return world.version


def journey(new_page, version, screen: Screen = WIDE) -> None:
    check = screen.check
    page = screen.open(new_page)
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

    admin = screen.open(new_page)
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


@EVERY_SCREEN
def test_language_points_and_readiness(new_page, world, screen):
    journey(new_page, world, screen)
