"""The rounds compared keep their summary until either round changes: a verdict submitted, the
recompute that counts it, a change of a round's rule. At every step the summary is what the cells
the page shows give, never the summary of the cells before."""

import re
from decimal import Decimal

import pytest

from matrix.services.recompute import matrix_recompute
from reviews.services.rounds import round_rule_change
from tests.factories import make_analyst, make_assignment, make_reviewer, make_round, make_version
from tests.matrix.analyst_support import small_world, submit
from tests.matrix.test_round_comparison import cells, compare, squash, warnings
from tests.pages import main_content

pytestmark = pytest.mark.django_db

BOTH_MEET = "Across 2 cells: 0 improved, 0 worsened, 2 unchanged and 0 not comparable."
NONE_COMPARED = "Across 2 cells: 0 improved, 0 worsened, 0 unchanged and 2 not comparable."


@pytest.fixture
def analyst_client(client):
    client.force_login(make_analyst())
    return client


@pytest.fixture
def two_rounds():
    """Spring and autumn, each with the same use case version reviewed by two reviewers who say it
    meets both principles, both matrices computed."""
    audience, organisation, relevant, clear, spring = small_world()
    autumn = make_round(principles=[relevant, clear], slug="autumn", threshold=Decimal("0.50"))
    version = make_version(audience=audience)
    for review_round in (spring, autumn):
        make_assignment(review_round=review_round, version=version, organisation=organisation)
        for _ in range(2):
            submit(make_reviewer(organisation=organisation), review_round, version, {relevant: "meets", clear: "meets"})
        matrix_recompute(round_id=review_round.pk)
    return {"spring": spring, "autumn": autumn, "version": version, "organisation": organisation}


def summary(page: str) -> str:
    return squash(re.search(r"data-comparison-summary>(.*?)</p>", page, flags=re.S)[1]).strip()


def changed_count(page: str) -> str:
    return squash(re.search(r"data-comparison-count>(.*?)\.", page, flags=re.S)[1]).strip()


def kinds(page: str) -> list[str]:
    return [change for _a, _b, change in cells(page).values()]


def test_a_changed_verdict_is_not_compared_until_recomputed_then_changes_the_summary(analyst_client, two_rounds):
    autumn = two_rounds["autumn"]
    relevant, clear = autumn.principles.order_by("order")
    version = two_rounds["version"]
    slug = version.use_case.slug
    page = main_content(compare(analyst_client, a="spring", b="autumn", use_case=slug))
    assert summary(page) == BOTH_MEET
    assert kinds(page) == ["unchanged", "unchanged"]

    for _ in range(3):
        answers = {relevant: "does_not_meet", clear: "does_not_meet"}
        submit(make_reviewer(organisation=two_rounds["organisation"]), autumn, version, answers)
    # The reviews are in, their recompute has not run: the cells are being updated, not compared.
    page = main_content(compare(analyst_client, a="spring", b="autumn", use_case=slug))
    assert summary(page) == NONE_COMPARED
    assert kinds(page) == ["not-comparable", "not-comparable"]
    assert page.count("Not comparable: being updated in the second round") == 2

    matrix_recompute(round_id=autumn.pk)
    page = main_content(compare(analyst_client, a="spring", b="autumn"))
    assert summary(page) == "Across 2 cells: 0 improved, 2 worsened, 0 unchanged and 0 not comparable."
    assert changed_count(page) == "1 of 1 use case improved or worsened on at least one principle"
    assert kinds(page) == ["worsened", "worsened"]
    # The same two rounds the other way round are a summary of their own.
    backwards = main_content(compare(analyst_client, a="autumn", b="spring"))
    assert summary(backwards) == "Across 2 cells: 2 improved, 0 worsened, 0 unchanged and 0 not comparable."


def test_a_changed_rule_is_not_compared_until_recomputed(analyst_client, two_rounds):
    spring = two_rounds["spring"]
    assert summary(main_content(compare(analyst_client, a="spring", b="autumn"))) == BOTH_MEET

    round_rule_change(review_round=spring, threshold=Decimal("0.50"), min_reviews=3, actor=None)
    page = main_content(compare(analyst_client, a="spring", b="autumn"))

    assert summary(page) == NONE_COMPARED
    assert kinds(page) == ["not-comparable", "not-comparable"]
    below = "1 of 1 use case has fewer reviews than the round's minimum of 3: its cells are not compared."
    assert below in warnings(page)[spring.slug]
    matrix_recompute(round_id=spring.pk)
    page = main_content(compare(analyst_client, a="spring", b="autumn"))
    assert summary(page) == NONE_COMPARED
    assert below in warnings(page)[spring.slug]
