""" "You said, we did" in a real browser: after a round closes, the author answers a reviewer's
"does not meet" reason (an empty answer first, which is refused); the reviewer follows the link on
their summary to the next version's diff and reads the answer; an analyst sees nothing left to
answer. axe-core runs on every page; the journey runs again at 320 pixels, where no page may
scroll sideways, and again without JavaScript."""

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from bold_portal.roles import ANALYSTS
from matrix.services.recompute import matrix_recompute
from tests.e2e.support import E2E_DB, EVERY_SCREEN, WIDE, Screen, build_world, sign_in
from tests.factories import PASSWORD, close_round, make_principle, make_user, make_version
from tests.matrix.analyst_support import submit

pytestmark = [pytest.mark.e2e, E2E_DB]


@pytest.fixture
def world(live_server):
    relevant = make_principle(name="Relevant", slug="relevant", order=1)
    clear = make_principle(name="Clear and informative", slug="clear", order=2)
    world = build_world(
        audience="People experiencing homelessness",
        title="Health after temporary housing",
        author="pat@bold.example",
        organisation="Crisis",
        reviewers={"sam@crisis.example": "Sam Reviewer"},
        principles=[relevant, clear],
        round_fields={"slug": "spring", "name": "Spring"},
    )
    first, review_round, (sam,) = world.version, world.review_round, world.reviewers
    make_version(use_case=first.use_case, number=2, title="Health after temporary housing")
    submit(
        sam,
        review_round,
        first,
        {relevant: "meets", clear: ("does_not_meet", "It does not say who receives the data.", "", "")},
    )
    close_round(review_round)
    matrix_recompute(round_id=review_round.pk)
    make_user(email="ana@bold.example").groups.add(Group.objects.get(name=ANALYSTS))
    return {"slug": first.use_case.slug}


def journey(new_page, world, screen: Screen = WIDE) -> None:
    check = screen.check
    # The analyst sees one reason not answered yet.
    analyst = screen.open(new_page)
    sign_in(analyst, "ana@bold.example", PASSWORD)
    analyst.goto("/rounds/")
    analyst.get_by_role("link", name="You said, we did: the reasons authors have still to answer").click()
    expect(analyst.locator("#unanswered")).to_be_visible()
    expect(analyst.locator("main")).to_contain_text("It does not say who receives the data.")
    check(analyst)

    # The author answers it.
    author = screen.open(new_page)
    sign_in(author, "pat@bold.example", PASSWORD)
    author.goto(f"/use-cases/{world['slug']}/v1/")
    expect(author.locator("main")).to_contain_text("It does not say who receives the data.")
    check(author)
    author.get_by_role("link", name="Answer this reason of Reviewer 1 about Clear and informative").click()
    check(author)
    author.get_by_role("button", name="Save the answer").click()
    expect(author.locator(".govuk-error-summary")).to_contain_text("Choose whether you changed the use case")
    assert author.title().startswith("Error: ")
    check(author)
    author.get_by_label("We changed the use case").check()
    author.get_by_label("What changed, or why not").fill("Section 3 now names the council's research team.")
    author.get_by_role("button", name="Save the answer").click()
    expect(author.locator("#you-said-we-did")).to_be_visible()
    expect(author.locator("main")).to_contain_text("Section 3 now names the council's research team.")
    check(author)

    # The reviewer follows their summary to the next version's diff and reads the answer.
    page = screen.open(new_page)
    sign_in(page, "sam@crisis.example", PASSWORD)
    page.goto(f"/reviews/spring/{world['slug']}/v1/summary/")
    check(page)
    page.get_by_role("link", name="You said, we did: what changed in version 2").click()
    expect(page.locator("main")).to_contain_text("We changed the use case.")
    expect(page.locator("main")).to_contain_text("Section 3 now names the council's research team.")
    check(page)

    analyst.reload()
    expect(analyst.locator("main")).to_contain_text("Every reason has an answer.")
    check(analyst)


@EVERY_SCREEN
def test_an_author_answers_a_reason_and_the_reviewer_reads_it(new_page, world, screen):
    journey(new_page, world, screen)
