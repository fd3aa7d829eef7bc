"""Authors in a real browser: an author starts a use case, writes each section (a text too long
is refused and kept), adds and removes data-flow rows, adds a data party to the list, previews the
draft and publishes it; once the round has closed they read what reviewers said. axe-core runs on
every page; the journey runs again at 320 pixels, where no page may scroll sideways, and again
without JavaScript."""

import pytest
from playwright.sync_api import expect

from matrix.services.recompute import matrix_recompute
from tests.e2e.support import E2E_DB, EVERY_SCREEN, WIDE, Screen, build_world, sign_in
from tests.factories import PASSWORD, close_round, make_principle
from tests.matrix.analyst_support import submit
from usecases.models import DataParty

pytestmark = [pytest.mark.e2e, E2E_DB]


@pytest.fixture
def world(live_server):
    principle = make_principle(name="Non-stigmatising")
    world = build_world(
        audience="Reducing reoffending",
        title="Support after release",
        author="pat@bold.example",
        organisation="Nacro",
        reviewers={"sam@nacro.example": "Sam Reviewer"},
        principles=[principle],
        round_fields={"name": "Winter round"},
    )
    review_round, version, (reviewer,) = world.review_round, world.version, world.reviewers
    submit(reviewer, review_round, version, {principle: ("does_not_meet", "Say prison leaver, not offender.", "", "")})
    matrix_recompute(round_id=review_round.pk)
    close_round(review_round)
    DataParty.objects.create(name="HM Prison and Probation Service", kind=DataParty.Kind.PUBLIC_BODY)


def journey(new_page, screen: Screen = WIDE) -> None:
    check = screen.check
    page = screen.open(new_page)
    sign_in(page, "pat@bold.example", PASSWORD)
    expect(page.get_by_role("heading", name="Use cases", exact=True)).to_be_visible()
    check(page)

    # Feedback on the published version, once the round has closed.
    page.get_by_role("link", name="Version 1").click()
    expect(page.locator("main")).to_contain_text("Say prison leaver, not offender.")
    expect(page.locator("main")).to_contain_text("Reviewer 1: Does not meet")
    check(page)

    # A new use case, section by section.
    page.goto("/use-cases/new/")
    page.get_by_role("button", name="Start writing").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter a title for the use case")
    check(page)
    page.get_by_label("Reducing reoffending").check()
    page.get_by_label("Title").fill("Housing after prison")
    page.get_by_role("button", name="Start writing").click()
    check(page)
    page.get_by_role("link", name="Impact for the audience").click()
    check(page)
    page.get_by_label("Why this matters to the audience").fill("x" * 10_001)
    page.get_by_role("button", name="Save and continue").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("10,000 characters or fewer")
    check(page)
    page.get_by_label("Why this matters to the audience").fill("Fewer prison leavers sleeping rough.")
    page.get_by_role("button", name="Save and continue").click()
    page.get_by_label("Research questions").fill("How many find a home?")
    page.get_by_role("button", name="Save and continue").click()

    # Data flows as rows, added and removed with buttons.
    check(page)
    for label, value in (
        ("Category of information", "Release dates"),
        ("From", "HM Prison and Probation Service"),
        ("To", "ONS"),
        ("Purpose", "Linking stays"),
        ("Legal basis", "Digital Economy Act 2017"),
    ):
        page.locator("#flow-1").get_by_label(label, exact=True).fill(value)
    # ONS is not in the list yet: add it, with the row saved first.
    page.get_by_role("button", name="Add a data party to the list").click()
    check(page)
    page.get_by_role("button", name="Add to the list").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the data party's name")
    check(page)
    page.get_by_label("Name").fill("ONS")
    page.get_by_label("Public body").check()
    page.get_by_role("button", name="Add to the list").click()
    expect(page.locator("#flow-1").get_by_label("To", exact=True)).to_have_value("ONS")
    page.get_by_role("button", name="Add another data flow").click()
    page.locator("#flow-2").get_by_label("Category of information").fill("To be removed")
    page.get_by_role("button", name="Remove data flow 2").click()
    expect(page.locator("#flow-2")).to_have_count(0)
    check(page)
    page.get_by_role("button", name="Save and continue").click()
    page.get_by_label("What BOLD will do").fill("Count groups of 10 or more")
    page.get_by_role("button", name="Save and continue").click()
    page.get_by_label("What BOLD will not do").fill("Decide anything about one person")
    page.get_by_role("button", name="Save and continue").click()
    check(page)
    for label in ("Consent", "Anonymity", "Impact on individuals", "Security and governance"):
        page.get_by_label(label, exact=True).fill(f"{label}: answered.")
    page.get_by_role("button", name="Save and continue").click()

    page.get_by_role("link", name="Preview as reviewers will see it").click()
    expect(page.locator("main")).to_contain_text("Digital Economy Act 2017")
    check(page)
    page.get_by_role("link", name="Back to the draft").click()
    page.get_by_role("link", name="Publish as a new version").click()
    check(page)
    page.get_by_role("button", name="Publish as a new version").click()
    expect(page.locator("main")).to_contain_text("This version is not in a review round yet.")
    check(page)


@EVERY_SCREEN
def test_an_author_writes_publishes_and_reads_feedback(new_page, world, screen):
    journey(new_page, screen)
