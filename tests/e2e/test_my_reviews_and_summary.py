"""My reviews by round and the reviewer's summary, in a real browser at 375 and 1280 pixels and at
200% zoom: a round longer than a page is paged, its links working without JavaScript; a reviewer
declines a use case and asks for more time on another from My reviews, sees the declined one set
apart and each round's progress, cancels the request, reads the summary with their own reason
beside the others', and the character count under a reason counts a line break as one character,
as the server does. axe-core runs on every page; no page scrolls sideways."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from audiences.models import Membership
from matrix.services.recompute import matrix_recompute
from reviews.services.progress_counts import progress_counts_refresh
from tests.e2e.support import E2E_DB, axe_check, page_width, sign_in, submit_review
from tests.factories import (
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
TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)
DUE = TODAY + DAY * 10
LATER = TODAY + DAY * 20
OWN_REASON = "It never says who decides that someone is homeless again."


@pytest.fixture
def world(live_server):
    audience = make_audience(name="Homelessness")
    crisis = make_organisation(name="Crisis", slug="crisis", audiences=[audience])
    reviewer = make_reviewer(organisation=crisis, email="sam@crisis.example", full_name="Sam Reviewer")
    colleague = make_reviewer(organisation=crisis, role=Membership.Role.LEAD, email="lee@crisis.example")
    relevant = make_principle(name="Relevant", slug="relevant")
    soon = make_round(principles=[relevant], name="Winter round", slug="winter", closes_on=TODAY + DAY * 30)
    later = make_round(principles=[relevant], name="Spring round", slug="spring", closes_on=TODAY + DAY * 90)
    versions = {}
    for title in ("Repeat homelessness", "Leaving hospital", "Rough sleeping counts"):
        versions[title] = make_version(audience=audience, title=title)
        make_assignment(review_round=soon, version=versions[title], reviewer=reviewer, due_on=DUE)
        make_assignment(review_round=soon, version=versions[title], reviewer=colleague, due_on=DUE)
    night_shelters = make_version(audience=audience, title="Night shelters")
    make_assignment(review_round=later, version=night_shelters, reviewer=reviewer)
    reviewed = versions["Repeat homelessness"]
    submit_review(colleague, soon, reviewed.use_case.slug, verdict="does_not_meet", reason="Too vague about data.")
    return soon, reviewed


def version_url(review_round, version, name: str) -> str:
    return reverse(name, args=[review_round.slug, version.use_case.slug, version.number])


def check(page: Page) -> None:
    assert page_width(page) <= page.evaluate("window.innerWidth"), f"{page.url} scrolls sideways"
    axe_check(page)


@pytest.mark.parametrize(
    "screen",
    [
        {"viewport": {"width": 375, "height": 812}},
        {"viewport": {"width": 1280, "height": 900}},
        {"viewport": {"width": 640, "height": 450}, "device_scale_factor": 2},  # 1280 pixels at 200% zoom
    ],
    ids=["375px", "1280px", "200%-zoom"],
)
def test_my_reviews_by_round_declining_more_time_and_the_summary(new_page, world, screen):
    page = new_page(**screen)
    sign_in(page, "sam@crisis.example", PASSWORD)
    page.goto("/reviews/")
    expect(page.get_by_role("heading", level=2, name="Winter round")).to_be_visible()
    expect(page.locator("main")).to_contain_text("0 of 3 submitted")
    check(page)

    page.get_by_role("link", name="Decline Leaving hospital").click()
    page.get_by_label("Why are you declining").fill("We do not work with hospitals.")
    with page.expect_navigation():
        page.get_by_role("button", name="Decline this use case").click()
    page.goto("/reviews/")
    declined = page.locator("#declined + p + ul")
    expect(declined).to_contain_text("Leaving hospital")
    expect(declined).to_contain_text("waiting to be given to someone else")
    expect(page.locator("main")).to_contain_text("0 of 2 submitted")
    check(page)

    page.get_by_role("link", name="Ask for more time for Rough sleeping counts").click()
    page.locator("#id_due_on_0").fill(str(LATER.day))
    page.locator("#id_due_on_1").fill(str(LATER.month))
    page.locator("#id_due_on_2").fill(str(LATER.year))
    page.get_by_label("Why do you need more time").fill("Our team is away.")
    with page.expect_navigation():
        page.get_by_role("button", name="Ask for more time").click()
    page.goto("/reviews/")
    expect(page.locator("main")).to_contain_text("More time asked for")
    page.get_by_role("link", name="Cancel your request for more time for Rough sleeping counts").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Cancel your request for more time?")
    check(page)
    page.get_by_role("button", name="Cancel the request").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("cancelled")

    review_round, reviewed = world
    page.goto(version_url(review_round, reviewed, "reviews:review"))
    reason = page.get_by_label("Your reason")
    reason.fill("a\nb")  # three characters in the browser; the server keeps the line break as one
    expect(page.locator("#id_relevant-reason-info ~ .govuk-character-count__status")).to_have_text(
        "You have 4,997 characters remaining"
    )
    page.get_by_label("Does not meet the principle").check()
    reason.fill(OWN_REASON)
    page.get_by_role("button", name="Continue to check your answers").click()
    page.get_by_role("button", name="Submit review").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("submitted")
    matrix_recompute(round_id=review_round.pk)
    page.goto(version_url(review_round, reviewed, "matrix:version_summary"))
    expect(page.get_by_role("heading", level=1)).to_have_text("What reviewers said")
    main = page.locator("main")
    expect(main).to_contain_text("What you said")
    expect(main).to_contain_text(OWN_REASON)
    expect(main).to_contain_text("Too vague about data.")
    expect(main).to_contain_text("2 reviews are submitted, yours included.")
    expect(main).to_contain_text("An outcome needs at least 2 reviews")
    check(page)


@pytest.mark.parametrize(
    "screen",
    [{"viewport": {"width": 375, "height": 812}}, {"viewport": {"width": 1280, "height": 900}}],
    ids=["375px", "1280px"],
)
def test_a_round_longer_than_a_page_is_paged_with_links_that_work_without_javascript(new_page, world, screen):
    review_round, _reviewed = world
    reviewer = Membership.objects.get(user__email="sam@crisis.example").user
    for n in range(22):
        version = make_version(audience=review_round.versions.first().use_case.audience, title=f"Hostel stay {n:02}")
        make_assignment(review_round=review_round, version=version, reviewer=reviewer, due_on=LATER)
    # Made directly, not by a service: the refresh a service queues (My reviews' stored rows) runs here.
    progress_counts_refresh(round_id=review_round.pk)
    page = new_page(**screen)
    sign_in(page, "sam@crisis.example", PASSWORD)
    page.goto("/reviews/")
    winter = page.locator("#round-winter ~ .govuk-body-s").first
    expect(winter).to_have_text(
        "Showing use cases 1 to 20 of 25 in this round: what is left to do first, then what is submitted."
    )
    check(page)

    nojs = new_page(**screen, java_script_enabled=False)
    nojs.context.add_cookies(page.context.cookies())
    nojs.goto("/reviews/")
    nojs.get_by_role("navigation", name="Pages of Winter round").get_by_role("link", name="Next page").click()
    expect(nojs).to_have_url(re.compile(r"/reviews/\?round=winter&page=2#round-winter$"))
    main = nojs.locator("main")
    expect(main).to_contain_text("Showing use cases 21 to 25 of 25 in this round")
    expect(main).to_contain_text("Hostel stay 21")
    expect(main).not_to_contain_text("Hostel stay 00")
    expect(main).to_contain_text("Night shelters")  # the other round, at its first page

    page.goto("/reviews/?round=winter&page=2#round-winter")
    check(page)
