"""Data parties in a real browser (docs/authors.md, "Data parties"), on the report's demo data: the
admins' pages and the publish page's list of what publishing takes away pass axe-core at 1280 and
320 pixels; an admin fixes a mistake, renames a party and merges two without JavaScript."""

import io

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from audiences.models import Organisation
from bold_portal.models import AuditEvent
from reviews.demo import bold_report as report
from tests.e2e.support import E2E_DB, axe_check, page_width, sign_in
from usecases.models import DataParty, UseCase
from usecases.services import data_party_add, use_case_draft_save, use_case_draft_start

pytestmark = [pytest.mark.e2e, E2E_DB]

ADMIN = "admin@demo.bold.example"
AUTHOR = "author@demo.bold.example"


@pytest.fixture
def demo(live_server):
    call_command("load_bold_report", demo_accounts=True, stdout=io.StringIO())


@pytest.fixture
def draft_naming_crisis(demo):
    """A draft of a use case in the open demo round whose data flows name Crisis, linked to its
    organisation: publishing it takes away the demo reviewer's assignment."""
    data_party_add(name="Crisis", kind="charity", organisation=Organisation.objects.get(slug="crisis"), actor=None)
    use_case = UseCase.objects.get(slug="rough-sleeping-substance-use")
    draft = use_case_draft_start(use_case=use_case, actor=None)
    flow = {"information": "Outreach contacts", "from": "Crisis", "to": report.DATA_PARTIES[0].name}
    flows = [*draft.data_flows, {**flow, "purpose": "Link contacts", "legal_basis": "Digital Economy Act 2017"}]
    return use_case_draft_save(draft=draft, revision=draft.revision, changes={"data_flows": flows}, actor=None)


@pytest.mark.parametrize("width", [1280, 320])
def test_the_party_pages_pass_axe_and_fit_the_screen(new_page, draft_naming_crisis, width):
    page = new_page(viewport={"width": width, "height": 900})
    party = DataParty.objects.get(name="Ministry of Justice")

    def check(path=None):
        if path:
            page.goto(path)
        expect(page.locator("h1")).to_be_visible()
        assert page_width(page) <= page.evaluate("window.innerWidth"), f"{page.url} scrolls sideways at {width}"
        axe_check(page)

    sign_in(page, ADMIN, report.DEMO_PASSWORD)
    for path in ["/manage/parties/", f"/manage/parties/{party.pk}/", f"/manage/parties/{party.pk}/merge/"]:
        check(path)
    page.get_by_label("Which party should it be merged into?").select_option(label="HM Revenue and Customs")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("h1")).to_have_text("Check the merge")
    check()
    page.goto(f"/manage/parties/{party.pk}/")
    page.get_by_label("Name").fill("")
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the data party's name")
    check()

    page.context.clear_cookies()
    sign_in(page, AUTHOR, report.DEMO_PASSWORD)
    check("/use-cases/rough-sleeping-substance-use/draft/publish/")
    expect(page.locator("#consequences")).to_contain_text("Demo Reviewer (in person)")


def test_without_javascript_an_admin_renames_and_merges_parties(page_without_js, demo):
    page = page_without_js
    sign_in(page, ADMIN, report.DEMO_PASSWORD)
    page.goto("/manage/")
    page.get_by_role("link", name="Data parties").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Data parties")

    page.get_by_role("link", name="Change Local councils").click()
    page.get_by_label("Name").fill("Ministry of Justice")
    page.get_by_role("button", name="Save changes").click()
    expect(page).to_have_title("Error: Change Local councils \N{EN DASH} BOLD use case review")
    expect(page.locator(".govuk-error-summary")).to_contain_text("Data party with this Name already exists")

    page.get_by_label("Name").fill("Local authorities")
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Local authorities saved.")

    page.get_by_role("link", name="Merge Street outreach teams").click()
    page.get_by_label("Which party should it be merged into?").select_option(label="Local authorities")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("h1")).to_have_text("Check the merge")
    page.get_by_role("button", name="Merge Street outreach teams into Local authorities").click()

    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "Street outreach teams merged into Local authorities."
    )
    assert not DataParty.objects.filter(name="Street outreach teams").exists()
    assert AuditEvent.objects.filter(action="data_party_merged").count() == 1
