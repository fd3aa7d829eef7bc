"""The audit trail and the erasure confirmation in a real browser: axe-core, a 320 pixel screen,
and the whole journey without JavaScript."""

import pathlib

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import Page, expect

from bold_portal import roles
from bold_portal.models import AuditEvent
from reviews.services.assignments import assignments_by_audience_create
from reviews.services.rounds import round_rule_change
from tests.e2e.support import E2E_DB, axe_check, page_width, sign_in
from tests.factories import (
    make_audience,
    make_organisation,
    make_principle,
    make_reviewer,
    make_round,
    make_user,
    make_version,
)

pytestmark = [pytest.mark.e2e, E2E_DB]

PASSWORD = "correct-horse-battery"


@pytest.fixture
def people(live_server):
    admin = make_user(email="admin@example.org", full_name="Ada Admin", password=PASSWORD)
    admin.groups.add(Group.objects.get(name=roles.ADMINS))
    reviewer = make_reviewer(
        organisation=make_organisation(name="Crisis"), email="sam.jones@example.org", full_name="Sam Jones"
    )
    review_round = make_round(principles=[make_principle()], name="Spring 2027", min_reviews=2)
    round_rule_change(review_round=review_round, threshold=review_round.threshold, min_reviews=3, actor=admin)
    return admin, reviewer


def fits(page: Page) -> None:
    assert page_width(page) <= page.evaluate("window.innerWidth"), f"{page.url} scrolls sideways"


def test_the_audit_trail_and_erasure_pass_axe_and_fit_320_pixels(narrow_page, people):
    admin, reviewer = people
    page = narrow_page
    sign_in(page, admin.email, PASSWORD)

    page.goto("/manage/audit/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Audit trail")
    expect(page.get_by_role("heading", level=3, name="Round rule changed")).to_be_visible()
    axe_check(page)
    fits(page)

    page.get_by_text("Filter the trail", exact=True).first.click()
    page.get_by_label("Action", exact=True).select_option(label="Round rule changed")
    page.get_by_role("group", name="From date").get_by_label("Day").fill("31")
    page.get_by_role("group", name="From date").get_by_label("Month").fill("2")
    page.get_by_role("group", name="From date").get_by_label("Year").fill("2027")
    page.get_by_role("button", name="Filter the trail").click()
    expect(page.get_by_role("link", name="The from date must be a real date")).to_be_visible()
    axe_check(page)
    fits(page)

    page.goto(f"/manage/people/{reviewer.pk}/erase/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Erase personal data")
    axe_check(page)
    fits(page)
    page.get_by_role("button", name="Erase personal data").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Former reviewer")
    axe_check(page)
    fits(page)


def test_filtering_downloading_and_erasing_work_without_javascript(page_without_js, people):
    admin, reviewer = people
    page = page_without_js
    sign_in(page, admin.email, PASSWORD)

    page.goto("/manage/audit/")
    page.get_by_text("Filter the trail", exact=True).first.click()
    page.get_by_label("Person's email address").fill(admin.email)
    page.get_by_label("Action", exact=True).select_option(label="Round rule changed")
    page.get_by_role("button", name="Filter the trail").click()
    expect(page.get_by_role("heading", level=2, name="1 change")).to_be_visible()
    expect(page.get_by_text("Before: 2")).to_be_visible()

    with page.expect_download() as download:
        page.get_by_role("link", name="Download these rows as a spreadsheet (CSV)").click()
    text = pathlib.Path(download.value.path()).read_text(encoding="utf-8")
    assert "Round rule changed" in text and "round_rule_changed" in text
    assert AuditEvent.objects.filter(action="audit_downloaded", actor=admin).count() == 1

    page.goto(f"/manage/people/{reviewer.pk}/")
    page.get_by_role("link", name="Erase their personal data").click()
    page.get_by_role("button", name="Erase personal data").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Former reviewer")
    reviewer.refresh_from_db()
    assert reviewer.erased_at is not None and reviewer.email.endswith("@erased.invalid")


@pytest.fixture
def bulk_row(people):
    """A bulk assignment by audience: its row lists the use cases given to organisations."""
    admin, _reviewer = people
    audience = make_audience(name="Homelessness")
    make_organisation(name="St Basils", audiences=[audience])
    make_organisation(name="Nacro", audiences=[audience])
    draft = make_round(status="draft", principles=[make_principle()], name="Autumn 2027")
    draft.versions.add(make_version(audience=audience, title="Housing first"))
    assignments_by_audience_create(review_round=draft, due_on=None, actor=admin)
    return AuditEvent.objects.get(action="assignments_made_by_audience")


@pytest.mark.parametrize("width", [1280, 320])
def test_a_rows_own_page_lists_a_bulk_actions_pairs_and_passes_axe(page, people, bulk_row, width):
    admin, _reviewer = people
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, admin.email, PASSWORD)

    page.goto("/manage/audit/")
    page.get_by_role("link", name="View this change (Assignments made by audience").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Assignments made by audience")
    expect(page.get_by_role("table")).to_contain_text("Housing first")
    expect(page.get_by_role("table")).to_contain_text("St Basils")
    axe_check(page)
    fits(page)


def test_filtering_by_round_and_opening_a_row_work_without_javascript(page_without_js, people, bulk_row):
    admin, _reviewer = people
    page = page_without_js
    sign_in(page, admin.email, PASSWORD)

    page.goto("/manage/audit/")
    page.get_by_text("Filter the trail", exact=True).first.click()
    page.get_by_label("Round", exact=True).select_option(label="Autumn 2027")
    page.get_by_role("button", name="Filter the trail").click()
    expect(page.get_by_role("heading", level=3, name="Round rule changed")).to_have_count(0)
    page.get_by_role("link", name="View this change (Assignments made by audience").click()
    expect(page.get_by_role("table")).to_contain_text("Nacro")
