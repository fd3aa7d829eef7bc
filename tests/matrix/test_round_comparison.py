"""Rounds side by side: use cases matched across rounds whatever version each reviewed, cells by
principle slug, what changed by symbol and words, the "only what changed" filter, pages, form
errors and a query count that does not grow with the rounds."""

import re

import pytest
from django.urls import reverse

from matrix.models import MatrixCell
from matrix.selectors.comparison import COMPARISON_ROWS_PER_PAGE, round_comparison
from principles.rule import CROSS, INSUFFICIENT, TICK
from reviews.models import RoundVersion
from tests.factories import make_audience, make_principle, make_round, make_version
from tests.matrix.analyst_support import make_analyst, make_large_round
from tests.pages import NAVIGATION_QUERIES, main_content

pytestmark = pytest.mark.django_db


def store(review_round, version, outcomes: dict):
    """The round's stored cells for a version: principle -> outcome."""
    review_round.versions.add(version)
    for principle, outcome in outcomes.items():
        MatrixCell.objects.create(
            round=review_round,
            version=version,
            principle=principle,
            meets=0,
            does_not_meet=0,
            not_sure=0,
            outcome=outcome,
        )


@pytest.fixture
def world(db):
    """Spring reviewed version 1 of "Repeat homelessness" and "Hospital discharge"; autumn reviewed
    version 2 of "Repeat homelessness" and "Prison leavers", with one more principle."""
    audience = make_audience(name="Homelessness")
    relevant = make_principle(name="Relevant", slug="relevant", order=1)
    clear = make_principle(name="Clear", slug="clear", order=2)
    fair = make_principle(name="Fair", slug="fair", order=3)
    spring = make_round(name="Spring", slug="spring", principles=[relevant, clear])
    autumn = make_round(name="Autumn", slug="autumn", principles=[relevant, clear, fair])
    repeat_1 = make_version(audience=audience, title="Repeat homelessness")
    repeat_2 = make_version(use_case=repeat_1.use_case, number=2, title="Repeat homelessness (shorter)")
    discharge = make_version(audience=audience, title="Hospital discharge")
    prison = make_version(audience=audience, title="Prison leavers")
    store(spring, repeat_1, {relevant: CROSS, clear: TICK})
    store(autumn, repeat_2, {relevant: TICK, clear: TICK, fair: INSUFFICIENT})
    store(spring, discharge, {relevant: TICK, clear: TICK})
    autumn.versions.add(prison)  # not computed yet: counts as not enough reviews
    return {"spring": spring, "autumn": autumn, "repeat": repeat_1.use_case}


@pytest.fixture
def analyst_client(client, db):
    client.force_login(make_analyst())
    return client


def compare(client, **query):
    return client.get(reverse("matrix:round_comparison"), query)


def use_case_card(page: str, slug: str) -> str:
    """The use case's summary card, spaces collapsed."""
    card = page.split(f'data-use-case="{slug}"')[1].split('<div class="govuk-summary-card"')[0]
    return re.sub(r"\s+", " ", card)


def cells(card: str) -> dict[str, tuple[str, str, str]]:
    return {
        slug: (a, b, changed)
        for slug, a, b, changed in re.findall(
            r'data-principle="([\w-]+)" data-outcome-a="(\w+)" data-outcome-b="(\w+)" data-changed="(\w+)"', card
        )
    }


def test_versions_of_one_use_case_are_one_row_and_cells_match_by_principle(analyst_client, world):
    response = compare(analyst_client, a="spring", b="autumn")

    assert response.status_code == 200
    page = main_content(response)
    card = use_case_card(page, world["repeat"].slug)
    assert "Spring: version 1" in card and "Autumn: version 2" in card
    assert "Repeat homelessness (shorter)" in card  # the newest version's title
    assert cells(card) == {
        "relevant": ("cross", "tick", "yes"),
        "clear": ("tick", "tick", "no"),
        "fair": ("none", "insufficient", "yes"),
    }
    # What changed, by symbol and in words (the symbol is hidden from screen readers).
    assert '<span class="portal-matrix__symbol" aria-hidden="true">✗ → ✓</span> Changed: does not meet to meets' in card
    assert "No change" in card
    assert "Changed: not in the round to not enough reviews" in card
    assert page.count("data-use-case=") == 3
    assert "Something changed for 3 of 3 use cases." in page


def test_a_use_case_in_one_round_only_says_so(analyst_client, world):
    page = main_content(compare(analyst_client, a="spring", b="autumn"))
    prison = next(card for card in page.split('<div class="govuk-summary-card"') if "Prison leavers" in card)
    assert "Spring: not in this round" in prison
    assert set(cells(prison).values()) == {("none", "insufficient", "yes")}


def test_only_what_changed(analyst_client, world):
    spring, autumn = world["spring"], world["autumn"]
    same = make_version(title="Unchanged use case")
    store(spring, same, dict.fromkeys(spring.principles.all(), TICK))
    store(autumn, same, dict.fromkeys(spring.principles.all(), TICK))
    autumn_fair = autumn.principles.get(slug="fair")
    MatrixCell.objects.create(
        round=autumn, version=same, principle=autumn_fair, meets=0, does_not_meet=0, not_sure=0, outcome=TICK
    )

    # "fair" is new in autumn, so even the unchanged use case has a change; drop it from autumn.
    autumn.principles.remove(autumn_fair)
    everything = main_content(compare(analyst_client, a="spring", b="autumn"))
    changed = main_content(compare(analyst_client, a="spring", b="autumn", changed="on"))

    assert "Unchanged use case" in everything
    assert "Unchanged use case" not in changed
    assert changed.count("data-use-case=") == 3
    assert "Something changed for 3 of 4 use cases." in changed


def test_the_comparison_is_paginated(world):
    spring, autumn = world["spring"], world["autumn"]
    for _ in range(COMPARISON_ROWS_PER_PAGE):
        version = make_version()
        spring.versions.add(version)
        autumn.versions.add(version)

    first = round_comparison(round_a=spring, round_b=autumn)
    last = round_comparison(round_a=spring, round_b=autumn, page_number="2")
    changed = round_comparison(round_a=spring, round_b=autumn, only_changed=True)

    assert len(first.use_cases) == COMPARISON_ROWS_PER_PAGE
    assert len(last.use_cases) == 3
    assert first.total_use_cases == COMPARISON_ROWS_PER_PAGE + 3
    # Every shared use case changed: "fair" is only in autumn.
    assert changed.page.paginator.count == COMPARISON_ROWS_PER_PAGE + 3


@pytest.mark.parametrize(
    "query, field, message",
    [
        ({"a": "spring"}, "b", "Choose the second round"),
        ({"a": "spring", "b": "spring"}, "b", "Choose a second round that is different from the first"),
        ({"a": "nowhere", "b": "spring"}, "a", "Choose a round from the list"),
    ],
)
def test_bad_choices_say_which_field_and_what_to_do(analyst_client, world, query, field, message):
    response = compare(analyst_client, **query)

    assert response.status_code == 200
    page = response.content.decode()
    assert "<title>Error:" in page
    assert f'<a href="#{field}">{message}</a>' in page
    assert f'id="{field}-error"' in page
    assert "data-use-case=" not in page


def test_the_empty_form_shows_no_errors(analyst_client, world):
    page = compare(analyst_client).content.decode()
    assert "govuk-error-summary" not in page
    assert '<option value="spring">Spring</option>' in page
    assert "data-use-case=" not in page


def test_the_rounds_page_links_to_the_comparison_and_the_api_tokens(analyst_client, world):
    page = main_content(analyst_client.get(reverse("matrix:rounds")))
    assert reverse("matrix:round_comparison") in page
    assert reverse("matrix:api_tokens") in page


def two_large_rounds(size: int):
    """Two rounds over the same `size` use case versions, every cell of the second one a tick."""
    first, _, principles = make_large_round(size)
    second = make_round(principles=principles)
    versions = list(RoundVersion.objects.filter(round=first).values_list("version_id", flat=True))
    RoundVersion.objects.bulk_create(RoundVersion(round=second, version_id=v) for v in versions)
    MatrixCell.objects.bulk_create(
        MatrixCell(round=second, version_id=v, principle=p, meets=1, does_not_meet=0, not_sure=0, outcome=TICK)
        for v in versions
        for p in principles
    )
    return first, second


# Session, user and two-factor device (3), the navigation, the round choices, the two rounds, the
# comparison (principles, versions, cells).
COMPARISON_QUERIES = 3 + NAVIGATION_QUERIES + 1 + 1 + 3


# The large size builds two rounds of 400: slow; the small one holds the same count everyday.
@pytest.mark.parametrize("size", [5, pytest.param(400, marks=pytest.mark.slow)])
@pytest.mark.parametrize("changed", ["", "on"])
def test_the_page_makes_the_same_queries_for_5_or_400_use_cases(
    analyst_client, django_assert_num_queries, size, changed
):
    first, second = two_large_rounds(size)

    with django_assert_num_queries(COMPARISON_QUERIES):
        response = compare(analyst_client, a=first.slug, b=second.slug, changed=changed)

    assert response.status_code == 200
    assert response.content.decode().count("data-use-case=") == min(size, COMPARISON_ROWS_PER_PAGE)
