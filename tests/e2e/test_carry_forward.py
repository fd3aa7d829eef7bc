"""Re-reviewing only what changed, in a real browser: a reviewer of version 1 opens version 2's review
form, follows the link to what changed, is told what to fix when they choose nothing, carries the
verdict whose section did not change, and finds it marked as carried on the form. axe-core on each
page state; at 1280 and 320 pixels (no sideways scroll), and without JavaScript."""

import pytest
from playwright.sync_api import expect

from tests.e2e.support import E2E_DB, EVERY_SCREEN, WIDE, Screen, build_world, sign_in
from tests.factories import PASSWORD, close_round, make_assignment, make_principle, make_round, make_version
from tests.matrix.analyst_support import submit

pytestmark = [pytest.mark.e2e, E2E_DB]


@pytest.fixture
def world(live_server):
    impact = make_principle(name="Impact first", slug="impact-first", reads_sections=["impact_statement"])
    flows = make_principle(name="Flows clear", slug="flows-clear", reads_sections=["data_flows"])
    world = build_world(
        audience="Prison leavers",
        title="Housing after release",
        organisation="Nacro",
        reviewers={"sam@nacro.example": "Sam Reviewer"},
        principles=[impact, flows],
        round_fields={"name": "Autumn", "slug": "autumn"},
    )
    first, autumn, (reviewer,) = world.version, world.review_round, world.reviewers
    second = make_version(
        use_case=first.use_case,
        number=2,
        title=first.title,
        impact_statement=first.impact_statement,
        data_flows=[{"information": "Tenancy status", "from": "Councils", "to": "BOLD analysts"}],
    )
    submit(reviewer, autumn, first, {impact: ("not_sure", "Who benefits?", "", ""), flows: "meets"})
    close_round(autumn)
    spring = make_round(principles=[impact, flows], name="Spring", slug="spring")
    make_assignment(review_round=spring, version=second, organisation=world.organisation)
    return f"/reviews/spring/{first.use_case.slug}/v2/review/"


def journey(new_page, review_url, screen: Screen = WIDE) -> None:
    check = screen.check
    page = screen.open(new_page)
    sign_in(page, "sam@nacro.example", PASSWORD)
    page.goto(review_url)
    page.get_by_role("link", name="What changed since you reviewed version 1").click()
    expect(page.locator("h1")).to_have_text("What changed since you reviewed version 1")
    expect(page.locator("[data-change-summary]")).to_contain_text("Data flows: changed")
    expect(page.locator("ins").first).to_contain_text("Added:")
    expect(page.locator("[data-cannot-carry='flows-clear']")).to_contain_text("changed: Data flows")
    check(page)
    page.get_by_role("button", name="Carry forward the verdicts chosen").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Choose at least one principle")
    assert page.title().startswith("Error: ")
    check(page)
    page.get_by_label("Impact first").check()
    page.get_by_role("button", name="Carry forward the verdicts chosen").click()
    expect(page.locator("body")).to_contain_text("Your verdicts on Impact first were carried forward from version 1")
    expect(page.locator("[data-carried-note]")).to_contain_text("This is your verdict on version 1 in Autumn")
    expect(page.get_by_label("Your reason").first).to_have_value("Who benefits?")
    check(page)


@EVERY_SCREEN
def test_a_reviewer_carries_an_unchanged_verdict_forward(new_page, world, screen):
    journey(new_page, world, screen)
