"""Questions to the authors in a real browser: a reviewer asks about a principle from the review
form (an empty question first, which is refused); the author reads it on their pages and answers;
the reviewer sees the answer beside the principle; a second reviewer, in this blind round, sees the
question only after submitting and answers it too; once the round has closed, the read-only review
pages show the questions by the same rule. axe-core runs on every page; the journey runs again at 320
pixels, where no page may scroll sideways, and again without JavaScript."""

import pytest
from playwright.sync_api import expect

from tests.e2e.support import E2E_DB, EVERY_SCREEN, WIDE, Screen, build_world, sign_in
from tests.factories import PASSWORD, close_round, make_assignment, make_principle
from tests.matrix.analyst_support import submit

pytestmark = [pytest.mark.e2e, E2E_DB]

REVIEW = "/reviews/spring/{slug}/v1/review/"


@pytest.fixture
def world(live_server):
    relevant = make_principle(name="Relevant", slug="relevant", order=1)
    clear = make_principle(name="Clear and informative", slug="clear", order=2)
    world = build_world(
        audience="People experiencing homelessness",
        title="Health after temporary housing",
        author="pat@bold.example",
        organisation="Crisis",
        reviewers={"sam@crisis.example": "Sam Reviewer", "kim@crisis.example": "Kim Reviewer"},
        principles=[relevant, clear],
        round_fields={"slug": "spring", "is_blind": True},
        assign_organisation=False,
    )
    for reviewer in world.reviewers:
        make_assignment(review_round=world.review_round, version=world.version, reviewer=reviewer)
    return {
        "version": world.version,
        "kim": world.reviewers[1],
        "round": world.review_round,
        "principles": (relevant, clear),
    }


def journey(new_page, world, screen: Screen = WIDE) -> None:
    check = screen.check
    version = world["version"]
    review_url = REVIEW.format(slug=version.use_case.slug)

    # Sam asks about "Clear and informative" from the review form.
    page = screen.open(new_page)
    sign_in(page, "sam@crisis.example", PASSWORD)
    page.goto(review_url)
    expect(page.locator("#questions-clear")).to_contain_text("No questions yet.")
    check(page)
    page.get_by_role("button", name="Save as draft and ask the authors a question about Clear and informative").click()
    expect(page.get_by_role("heading", name="Ask the authors about Clear and informative")).to_be_visible()
    check(page)
    page.get_by_role("button", name="Send the question").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter your question")
    assert page.title().startswith("Error: ")
    check(page)
    page.get_by_label("Your question to the authors").fill("Which team receives the housing records?")
    page.get_by_role("button", name="Send the question").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Your question has been sent to the authors")
    expect(page.locator("#questions-clear")).to_contain_text("Which team receives the housing records?")
    expect(page.locator("#questions-clear")).to_contain_text("Not answered yet.")
    check(page)

    # The author answers on their pages.
    author = screen.open(new_page)
    sign_in(author, "pat@bold.example", PASSWORD)
    author.goto(f"/use-cases/{version.use_case.slug}/v1/")
    expect(author.locator("main")).to_contain_text("1 question waiting for your answer")
    author.get_by_role("link", name="Read and answer reviewers' questions").click()
    expect(author.locator("main")).to_contain_text("Which team receives the housing records?")
    expect(author.locator("main")).not_to_contain_text("Sam")
    check(author)
    author.get_by_role("link", name="Answer this question").click()
    check(author)
    author.get_by_role("button", name="Send the answer").click()
    expect(author.locator(".govuk-error-summary")).to_contain_text("Enter your answer")
    check(author)
    author.get_by_label("Your answer").fill("The council's research team, monthly.")
    author.get_by_role("button", name="Send the answer").click()
    expect(author.locator("main")).to_contain_text("0 questions waiting for your answer")
    check(author)

    # Sam sees the answer beside the principle at once.
    page.goto(review_url)
    expect(page.locator("#questions-clear")).to_contain_text("The use case's authors answered")
    expect(page.locator("#questions-clear")).to_contain_text("The council's research team, monthly.")

    # Kim, in this blind round, sees the question only after submitting, then answers it.
    relevant, clear = world["principles"]
    kim = screen.open(new_page)
    sign_in(kim, "kim@crisis.example", PASSWORD)
    kim.goto(review_url)
    expect(kim.locator("#questions-clear")).not_to_contain_text("Which team receives")
    expect(kim.locator("#questions-clear")).to_contain_text("once you have submitted your review")
    submit(world["kim"], world["round"], version, {relevant: "meets", clear: "meets"})
    kim.goto(review_url)
    expect(kim.locator("#questions-clear")).to_contain_text("Which team receives the housing records?")
    check(kim)
    kim.locator("#questions-clear").get_by_role("link", name="Answer this question").click()
    check(kim)
    kim.get_by_label("Your answer").fill("Section 3 names the team too.")
    kim.get_by_role("button", name="Send the answer").click()
    expect(kim.locator("#questions-clear")).to_contain_text("You answered")
    check(kim)

    # Once the round has closed, the read-only review page shows the questions, with no way to answer.
    close_round(world["round"])
    kim.goto(review_url)
    expect(kim.get_by_role("heading", level=1)).to_have_text("Your review")
    expect(kim.locator("main form")).to_have_count(0)
    closed = kim.locator("#questions-clear")
    expect(closed).to_contain_text("Which team receives the housing records?")
    expect(closed).to_contain_text("The council's research team, monthly.")
    expect(closed).to_contain_text("You answered")
    expect(closed.get_by_role("link", name="Answer this question")).to_have_count(0)
    check(kim)
    # Sam never submitted in this blind round: their own question only.
    page.goto(review_url)
    expect(page.locator("#questions-clear")).to_contain_text("You asked")
    expect(page.locator("#questions-clear")).to_contain_text("questions are shown only to reviewers who submitted")
    check(page)


@EVERY_SCREEN
def test_a_question_asked_answered_and_seen(new_page, world, screen):
    journey(new_page, world, screen)
