"""Personal review links in a real browser, at 1280 and 375 pixels, and without JavaScript: a lead
sends one from their organisation's page, the reviewer opens it and saves a draft with no password,
is asked to sign in for anything else, and a programme admin revokes it from the round's page. axe
checks every page on the way."""

import re

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from audiences.models import Membership
from bold_portal.models import AuditEvent
from reviews.models import ReviewLink
from tests.e2e.support import E2E_DB, axe_check, page_width, screenshot, sign_in
from tests.factories import (
    make_admin,
    make_assignment,
    make_audience,
    make_organisation,
    make_principle,
    make_reviewer,
    make_round,
    make_version,
)

pytestmark = [pytest.mark.e2e, E2E_DB]

PASSWORD = "correct-horse-battery"
SIZES = [
    pytest.param(1280, True, id="1280px"),
    pytest.param(375, True, id="375px"),
    pytest.param(375, False, id="375px-without-javascript"),
]


@pytest.fixture
def people():
    audience = make_audience(name="People experiencing homelessness")
    organisation = make_organisation(name="Crisis", slug="crisis", audiences=[audience])
    review_round = make_round(
        name="Spring round", slug="spring", principles=[make_principle(name="Relevant", slug="relevant")]
    )
    version = make_version(audience=audience, title="Repeat homelessness")
    reviewer = make_reviewer(organisation=organisation, email="reviewer@crisis.example", full_name="Sam Reviewer")
    make_assignment(review_round=review_round, version=version, reviewer=reviewer)
    lead = make_reviewer(
        organisation=organisation, role=Membership.Role.LEAD, email="lead@crisis.example", full_name="Lee Lead"
    )
    return {"reviewer": reviewer, "lead": lead, "admin": make_admin(email="admin@bold.example"), "round": review_round}


def fits(page: Page, javascript: bool) -> None:
    if javascript:  # axe, and measuring the page, need JavaScript
        assert page_width(page) <= page.evaluate("window.innerWidth"), f"{page.url} scrolls sideways"
        axe_check(page)


def reviewer_row(page: Page):
    return page.get_by_role("row").filter(has_text="reviewer@crisis.example")


@pytest.mark.parametrize(("width", "javascript"), SIZES)
def test_a_lead_sends_a_link_the_reviewer_uses_it_and_an_admin_revokes_it(new_page, people, width, javascript):
    options = {"viewport": {"width": width, "height": 900}, "java_script_enabled": javascript}

    lead = new_page(**options)
    sign_in(lead, "lead@crisis.example", PASSWORD)
    lead.goto("/reviews/organisation/crisis/")
    lead.get_by_role("link", name=re.compile("^Personal review links")).click()
    expect(lead.get_by_role("heading", level=1)).to_have_text("Personal review links")
    expect(reviewer_row(lead)).to_contain_text("No live link")
    fits(lead, javascript)
    reviewer_row(lead).get_by_role("link", name=re.compile("^Send a link")).click()
    expect(lead.get_by_role("heading", level=1)).to_have_text("Send a personal link")
    fits(lead, javascript)
    lead.get_by_role("button", name="Send the link").click()
    expect(lead.locator(".govuk-notification-banner")).to_contain_text("A personal link has been sent")
    expect(reviewer_row(lead)).to_contain_text("Live")
    expect(reviewer_row(lead)).to_contain_text("Not used yet")
    fits(lead, javascript)
    screenshot(lead, "review-links")
    link_path = re.search(r"https?://[^/\s]+(/reviews/link/[\w-]+/)", mail.outbox[-1].body).group(1)

    # The link opens a page with a button: a mail scanner following it starts nothing.
    reviewer = new_page(**options)
    reviewer.goto(link_path)
    expect(reviewer.get_by_role("heading", level=1)).to_have_text("Open your reviews")
    fits(reviewer, javascript)
    assert ReviewLink.objects.get().last_used_at is None
    reviewer.get_by_role("button", name="Open my reviews").click()
    reviewer.get_by_role("link", name="Repeat homelessness", exact=True).click()
    reviewer.get_by_role("button", name="Review this use case").click()
    expect(reviewer.get_by_role("heading", level=1)).to_have_text("Review this use case")
    fits(reviewer, javascript)
    reviewer.get_by_role("group", name="Relevant", exact=True).get_by_label("Meets the principle", exact=True).check()
    reviewer.get_by_role("button", name="Save as draft", exact=True).click()
    expect(reviewer.locator(".govuk-notification-banner")).to_contain_text("Your draft has been saved")
    assert AuditEvent.objects.get(action="review_draft_saved").data["signed_in_with"] == "personal_link"

    # Anything else asks for a normal sign-in.
    reviewer.goto("/reviews/organisation/crisis/")
    expect(reviewer.get_by_role("heading", level=1)).to_have_text(re.compile("Sign in"))
    expect(reviewer.locator("main")).to_contain_text("Your personal link opens only your reviews in Spring round")
    fits(reviewer, javascript)

    # Signed in as someone else, the link says whose it is and offers to sign out.
    lead.goto(link_path)
    expect(lead.get_by_role("heading", level=1)).to_have_text("Sign out to use this link")
    fits(lead, javascript)

    admin = new_page(**options)
    sign_in(admin, "admin@bold.example", PASSWORD)
    admin.goto("/manage/rounds/spring/")
    admin.get_by_role("link", name=re.compile("^Personal review links")).click()
    expect(reviewer_row(admin)).to_contain_text("Live")
    expect(reviewer_row(admin)).not_to_contain_text("Not used yet")
    fits(admin, javascript)
    reviewer_row(admin).get_by_role("link", name=re.compile("^Revoke")).click()
    expect(admin.get_by_role("heading", level=1)).to_have_text("Revoke a personal link")
    fits(admin, javascript)
    admin.get_by_role("button", name="Revoke the link").click()
    expect(reviewer_row(admin)).to_contain_text("No live link")

    # The revoked link's session has ended, and the link is refused.
    reviewer.goto("/reviews/")
    expect(reviewer.locator("main")).to_contain_text("Your personal link has ended")
    reviewer.goto(link_path)
    expect(reviewer.get_by_role("heading", level=1)).to_have_text("You cannot use this link")
    fits(reviewer, javascript)
