"""The admins' lexicon pages (docs/language-checker.md#the-lexicon) in a real browser, on the
report's demo data with the lexicon loaded as make run loads it: axe-core on every page at 1280
and 320 pixels, an error linked to its field, and a change saved without JavaScript."""

import io

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from bold_portal.models import AuditEvent
from language.models import LexiconEntry
from reviews.demo import bold_report as report
from tests.e2e.support import E2E_DB, axe_check, page_width, sign_in

pytestmark = [pytest.mark.e2e, E2E_DB]

ADMIN = "admin@demo.bold.example"


@pytest.fixture
def demo(live_server):
    call_command("load_bold_report", demo_accounts=True, stdout=io.StringIO())
    call_command("load_lexicon", stdout=io.StringIO())


@pytest.mark.parametrize("width", [1280, 320])
def test_the_lexicon_pages_pass_axe_and_fit_the_screen(new_page, demo, width):
    page = new_page(viewport={"width": width, "height": 900})
    sign_in(page, ADMIN, report.DEMO_PASSWORD)
    entry = LexiconEntry.objects.get(term="probation")
    for path in [
        "/manage/language/",
        "/manage/language/?page=2",
        "/manage/language/add/",
        f"/manage/language/{entry.pk}/",
    ]:
        page.goto(path)
        expect(page.locator("h1")).to_be_visible()
        assert page_width(page) <= page.evaluate("window.innerWidth"), f"{path} scrolls sideways at {width}"
        axe_check(page)


def test_an_admin_adds_an_audience_term_after_fixing_a_mistake(page, demo):
    sign_in(page, ADMIN, report.DEMO_PASSWORD)
    page.goto("/manage/")
    page.get_by_role("link", name="Language checker").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Language checker")
    page.get_by_role("button", name="Add an entry").click()
    page.get_by_label("Term", exact=True).fill("custody")
    page.get_by_role("radio", name="Another audience's term").check()
    page.get_by_label("Suggestion (optional for a name)").fill("Say why this use case needs to talk of custody.")
    page.get_by_label("Source").select_option("bold-report")
    page.get_by_role("button", name="Add entry").click()

    expect(page).to_have_title("Error: Add a lexicon entry \N{EN DASH} BOLD use case review")
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Choose the audience whose term it is")
    axe_check(page)
    summary.get_by_role("link").click()
    expect(page.locator("#id_audience")).to_be_focused()

    page.locator("#id_audience").select_option("reducing-reoffending")
    page.get_by_role("button", name="Add entry").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("custody added to the lexicon.")
    assert LexiconEntry.objects.get(term="custody").audience.slug == "reducing-reoffending"


def test_without_javascript_an_admin_stops_checking_an_entry(page_without_js, demo):
    page = page_without_js
    sign_in(page, ADMIN, report.DEMO_PASSWORD)
    entry = LexiconEntry.objects.get(term="cohort")
    page.goto(f"/manage/language/{entry.pk}/")
    page.get_by_label("Check texts for this term").uncheck()
    page.get_by_role("button", name="Save changes").click()

    expect(page.locator(".govuk-notification-banner")).to_contain_text("cohort saved.")
    entry.refresh_from_db()
    assert not entry.is_active
    assert AuditEvent.objects.filter(action="lexicon_entry_updated", object_id=str(entry.pk)).exists()
