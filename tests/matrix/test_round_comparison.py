"""Rounds side by side: use cases matched across rounds whatever version each reviewed, cells by
principle slug, each cell improved, worsened, unchanged or not comparable ("not in this round" and
"not enough reviews yet" are never a change), the summary line, the warnings about open rounds and
rounds below their minimum, the "only what changed" filter, one use case across the two rounds with
its counts, pages, form errors and a query count that does not grow with the rounds."""

import random
import re
from collections import Counter

import pytest
from django.urls import reverse

from matrix.models import MatrixCell, MatrixRow
from matrix.selectors.comparison.kinds import (
    IMPROVED,
    NOT_COMPARABLE,
    UNCHANGED,
    WORSENED,
    ChangeSummary,
    ComparedCell,
)
from matrix.selectors.comparison.page import COMPARISON_ROWS_PER_PAGE, round_comparison
from principles.rule import CROSS, INSUFFICIENT, TICK
from reviews.models import ReviewRound, RoundVersion
from tests.factories import make_analyst, make_audience, make_principle, make_round, make_version
from tests.matrix.analyst_support import make_large_round, mark_computed
from tests.pages import NAVIGATION_QUERIES, main_content
from usecases.models import UseCase

pytestmark = pytest.mark.django_db


def store(review_round, version, outcomes: dict, *, reviews: int = 3):
    """The round's stored cells for a version: principle -> outcome, each from `reviews` verdicts,
    computed from the version's newest change (not being updated)."""
    review_round.versions.add(version)
    mark_computed(review_round, [version.pk])
    for principle, outcome in outcomes.items():
        meets = reviews if outcome == TICK else 0
        MatrixCell.objects.create(
            round=review_round,
            version=version,
            principle=principle,
            meets=meets,
            does_not_meet=reviews if outcome == CROSS else 0,
            not_sure=reviews if outcome == INSUFFICIENT else 0,
            outcome=outcome,
        )


@pytest.fixture
def world(db):
    """Spring (closed) reviewed version 1 of "Repeat homelessness" and "Hospital discharge"; autumn
    (open) reviewed version 2 of "Repeat homelessness" and "Prison leavers", with one more principle."""
    audience = make_audience(name="Homelessness")
    relevant = make_principle(name="Relevant", slug="relevant", order=1)
    clear = make_principle(name="Clear", slug="clear", order=2)
    fair = make_principle(name="Fair", slug="fair", order=3)
    spring = make_round(name="Spring", slug="spring", principles=[relevant, clear], status=ReviewRound.Status.CLOSED)
    autumn = make_round(name="Autumn", slug="autumn", principles=[relevant, clear, fair])
    repeat_1 = make_version(audience=audience, title="Repeat homelessness")
    repeat_2 = make_version(use_case=repeat_1.use_case, number=2, title="Repeat homelessness (shorter)")
    discharge = make_version(audience=audience, title="Hospital discharge")
    prison = make_version(audience=audience, title="Prison leavers")
    store(spring, repeat_1, {relevant: CROSS, clear: TICK})
    store(autumn, repeat_2, {relevant: TICK, clear: TICK, fair: INSUFFICIENT})
    store(spring, discharge, {relevant: TICK, clear: TICK})
    autumn.versions.add(prison)  # not computed yet: counts as not enough reviews
    return {"spring": spring, "autumn": autumn, "repeat": repeat_1.use_case, "discharge": discharge.use_case}


@pytest.fixture
def analyst_client(client, db):
    client.force_login(make_analyst())
    return client


def compare(client, **query):
    return client.get(reverse("matrix:round_comparison"), query)


def squash(html: str) -> str:
    return re.sub(r"\s+", " ", html)


def row(page: str, slug: str) -> str:
    """The use case's row of the table (or its card, comparing one use case), spaces collapsed."""
    part = page.split(f'data-use-case="{slug}"')[1]
    return squash(part.split("</tr>")[0].split('<div class="govuk-summary-card"')[0])


def cells(html: str) -> dict[str, tuple[str, str, str]]:
    return {
        slug: (a, b, change)
        for slug, a, b, change in re.findall(
            r'data-principle="([\w-]+)" data-outcome-a="(\w+)" data-outcome-b="(\w+)" data-change="([\w-]+)"', html
        )
    }


@pytest.mark.parametrize(
    "a, b, kind, words",
    [
        (CROSS, TICK, IMPROVED, "improved: does not meet to meets"),
        (TICK, CROSS, WORSENED, "worsened: meets to does not meet"),
        (TICK, TICK, UNCHANGED, "no change"),
        (CROSS, CROSS, UNCHANGED, "no change"),
        (None, TICK, NOT_COMPARABLE, "not comparable: not in the first round"),
        (CROSS, None, NOT_COMPARABLE, "not comparable: not in the second round"),
        (INSUFFICIENT, TICK, NOT_COMPARABLE, "not comparable: not enough reviews yet in the first round"),
        (TICK, INSUFFICIENT, NOT_COMPARABLE, "not comparable: not enough reviews yet in the second round"),
        (INSUFFICIENT, INSUFFICIENT, NOT_COMPARABLE, "not comparable: not enough reviews yet in either round"),
        (None, INSUFFICIENT, NOT_COMPARABLE, "not comparable: not in the first round"),
    ],
)
def test_only_a_tick_and_a_cross_compare(a, b, kind, words):
    cell = ComparedCell("relevant", "Relevant", a, b)
    assert cell.kind == kind
    assert cell.changed == (kind in (IMPROVED, WORSENED))
    assert cell.change_in_words == words


def test_versions_of_one_use_case_are_one_row_and_cells_match_by_principle(analyst_client, world):
    response = compare(analyst_client, a="spring", b="autumn")

    assert response.status_code == 200
    page = main_content(response)
    repeat = row(page, world["repeat"].slug)
    assert "version 1 → version 2" in repeat
    assert "Repeat homelessness (shorter)" in repeat  # the newest version's title
    assert cells(repeat) == {
        "relevant": ("cross", "tick", IMPROVED),
        "clear": ("tick", "tick", UNCHANGED),
        "fair": ("none", "insufficient", NOT_COMPARABLE),
    }
    # Round A, an arrow, round B, by symbol (hidden from screen readers) and in words.
    assert '<span class="portal-matrix__symbol" aria-hidden="true">✗ → ✓</span>' in repeat
    assert "Spring: <span" in repeat and "Does not meet; Autumn:" in repeat
    assert "Improved" in repeat and "No change" in repeat and "Not comparable" in repeat
    # One table: a row per use case, a column per principle of either round.
    assert page.count('<tr class="govuk-table__row" data-use-case=') == 3
    headers = re.findall(r'scope="col" class="govuk-table__header">([^<]+)<', page)
    assert headers == ["Use case", "Relevant", "Clear", "Fair"]


def test_a_use_case_in_one_round_only_is_not_comparable(analyst_client, world):
    page = main_content(compare(analyst_client, a="spring", b="autumn"))
    prison = next(part for part in page.split("<tr ") if "Prison leavers" in part)
    assert "not in the round → version 1" in squash(prison)
    assert set(cells(prison).values()) == {("none", "insufficient", NOT_COMPARABLE)}


def test_not_in_the_round_and_not_enough_reviews_are_no_change(analyst_client, world):
    """The issue's case: a round that holds a few of the use cases, with no reviews yet, changes
    nothing; the summary line counts each kind over every cell."""
    comparison = round_comparison(round_a=world["spring"], round_b=world["autumn"])

    # Repeat: improved, unchanged, not comparable; discharge and prison: three not comparable each.
    assert comparison.summary == ChangeSummary(improved=1, worsened=0, unchanged=1, not_comparable=7)
    assert comparison.changed_use_cases == 1
    page = squash(main_content(compare(analyst_client, a="spring", b="autumn")))
    assert "Across 9 cells: 1 improved, 0 worsened, 1 unchanged and 7 not comparable." in page
    assert "1 of 3 use cases improved or worsened on at least one principle." in page

    changed = main_content(compare(analyst_client, a="spring", b="autumn", changed="on"))
    assert changed.count("data-use-case=") == 1
    assert "Prison leavers" not in changed and "Hospital discharge" not in changed


def test_only_what_improved_or_worsened(analyst_client, world):
    spring, autumn = world["spring"], world["autumn"]
    relevant = spring.principles.get(slug="relevant")
    worse = make_version(title="Worse use case")
    same = make_version(title="Unchanged use case")
    store(spring, worse, {relevant: TICK})
    store(autumn, worse, {relevant: CROSS})
    store(spring, same, {relevant: TICK})
    store(autumn, same, {relevant: TICK})

    everything = main_content(compare(analyst_client, a="spring", b="autumn"))
    changed = main_content(compare(analyst_client, a="spring", b="autumn", changed="on"))

    assert "Unchanged use case" in everything
    assert "Unchanged use case" not in changed
    assert changed.count("data-use-case=") == 2
    assert cells(row(changed, worse.use_case.slug))["relevant"] == ("tick", "cross", WORSENED)
    assert "2 of 5 use cases improved or worsened" in squash(changed)


def test_nothing_changed_says_so(analyst_client, world):
    MatrixCell.objects.filter(round=world["spring"], outcome=CROSS).update(outcome=TICK, meets=3, does_not_meet=0)
    page = main_content(compare(analyst_client, a="spring", b="autumn", changed="on"))
    assert "No use case improved or worsened between these rounds." in page
    assert "data-use-case=" not in page


def warnings(page: str) -> dict[str, str]:
    return {slug: squash(text) for slug, text in re.findall(r'data-caveat="([\w-]+)">(.*?)</div>', page, flags=re.S)}


def test_a_round_still_open_or_below_its_minimum_is_a_warning(analyst_client, world):
    page = main_content(compare(analyst_client, a="spring", b="autumn"))

    found = warnings(page)
    # Spring is closed and every use case has 3 reviews of the 2 needed: no warning.
    assert set(found) == {"autumn"}
    assert "Autumn is not closed yet: its outcomes may still change as reviews come in." in found["autumn"]
    # Prison leavers has no reviews yet.
    assert (
        "In Autumn, 1 of 2 use cases have fewer reviews than the round's minimum of 2: their cells are not compared."
        in found["autumn"]
    )
    assert 'class="govuk-warning-text__icon" aria-hidden="true">!</span>' in page


def test_a_closed_round_below_its_minimum_is_a_warning(analyst_client, world):
    spring = world["spring"]
    ReviewRound.objects.filter(pk=spring.pk).update(min_reviews=4)

    found = warnings(main_content(compare(analyst_client, a="spring", b="autumn")))

    assert "Spring is not closed" not in found["spring"]
    assert "In Spring, 2 of 2 use cases have fewer reviews than the round's minimum of 4" in found["spring"]


def test_one_use_case_across_the_rounds_with_its_counts(analyst_client, world):
    repeat = world["repeat"]
    response = compare(analyst_client, a="spring", b="autumn", use_case=repeat.slug)

    assert response.status_code == 200
    page = main_content(response)
    card = row(page, repeat.slug)
    assert page.count("data-use-case=") == 1
    assert "Spring: version 1" in card and "Autumn: version 2" in card
    assert cells(card)["relevant"] == ("cross", "tick", IMPROVED)
    # The counts behind each side, and the round's cell page that says why.
    assert "0 meet, 3 do not meet, 0 not sure" in card
    assert "3 meet, 0 do not meet, 0 not sure" in card
    cell_a = reverse("matrix:cell", args=["spring", repeat.slug, 1, "relevant"])
    cell_b = reverse("matrix:cell", args=["autumn", repeat.slug, 2, "relevant"])
    assert f'href="{cell_a}"' in card and f'href="{cell_b}"' in card
    assert "Improved: does not meet to meets" in card
    # "fair" is only in autumn: no link to a spring cell page that does not exist.
    assert "Not comparable: not in the first round" in card
    assert reverse("matrix:cell", args=["spring", repeat.slug, 1, "fair"]) not in card
    # The table links here, and here links back to every use case.
    table = main_content(compare(analyst_client, a="spring", b="autumn"))
    assert f"use_case={repeat.slug}" in table
    assert 'href="?a=spring&amp;b=autumn">Compare every use case</a>' in page
    # Changing the rounds keeps the use case.
    assert f'<input type="hidden" name="use_case" value="{repeat.slug}">' in page


@pytest.mark.parametrize("use_case", ["nowhere", "not a slug!"])
def test_a_use_case_in_neither_round_is_an_error_not_a_500(analyst_client, world, use_case):
    response = compare(analyst_client, a="spring", b="autumn", use_case=use_case)

    assert response.status_code == 200
    page = response.content.decode()
    assert "<title>Error:" in page
    assert '<a href="#use_case">' in page and 'id="use_case"' in page
    assert "data-use-case=" not in page
    assert 'href="?a=spring&amp;b=autumn">Compare every use case</a>' in page or use_case == "not a slug!"


def test_the_comparison_is_paginated(world):
    spring, autumn = world["spring"], world["autumn"]
    for _ in range(COMPARISON_ROWS_PER_PAGE):
        version = make_version()
        store(spring, version, dict.fromkeys(spring.principles.all(), TICK))
        store(autumn, version, dict.fromkeys(spring.principles.all(), CROSS))

    first = round_comparison(round_a=spring, round_b=autumn)
    last = round_comparison(round_a=spring, round_b=autumn, page_number="2")
    changed = round_comparison(round_a=spring, round_b=autumn, only_changed=True)

    assert len(first.use_cases) == COMPARISON_ROWS_PER_PAGE
    assert len(last.use_cases) == 3
    assert first.total_use_cases == COMPARISON_ROWS_PER_PAGE + 3
    # Every shared use case worsened, and "Repeat homelessness" improved.
    assert changed.page.paginator.count == COMPARISON_ROWS_PER_PAGE + 1
    assert first.summary.worsened == 2 * COMPARISON_ROWS_PER_PAGE


def test_every_page_is_in_matrix_order_across_audiences(world):
    """On PostgreSQL each audience's use cases are read in order only as far as the page asked for;
    page after page, whatever the audiences' order and ties in the use cases' own, the pages show
    every use case of either round once, in matrix order (audience, then use case)."""
    rng = random.Random(7)
    spring, autumn = world["spring"], world["autumn"]
    # Audiences ordered neither as made nor by name alone: two share a display order.
    audiences = [make_audience(name=name, display_order=order) for name, order in (("B", 2), ("A", 2), ("C", 1))]
    for _ in range(2 * COMPARISON_ROWS_PER_PAGE + 7):
        version = make_version(audience=rng.choice(audiences))
        UseCase.objects.filter(pk=version.use_case_id).update(display_order=rng.randint(0, 3))
        for review_round in rng.sample([spring, autumn], rng.randint(1, 2)):
            store(review_round, version, {})
    in_matrix_order = list(
        UseCase.objects.filter(versions__rounds__in=[spring, autumn])
        .distinct()
        .order_by("audience__display_order", "audience__name", "display_order", "slug")
        .values_list("slug", flat=True)
    )

    shown, number = [], 1
    while True:
        comparison = round_comparison(round_a=spring, round_b=autumn, page_number=number)
        shown += [use_case.use_case_slug for use_case in comparison.use_cases]
        if not comparison.page.has_next():
            break
        number += 1

    assert shown == in_matrix_order
    assert len(in_matrix_order) == 2 * COMPARISON_ROWS_PER_PAGE + 7 + 3


def test_the_counts_in_sql_agree_with_every_cell_built_page_by_page(world):
    """Many use cases of every kind: one version or two, in one round or both, cells of each
    outcome, missing or behind their reviews, a principle in one round only. Whatever the summary,
    the caveats and the "only what changed" filter count must be what the pages show."""
    rng = random.Random(33)
    spring, autumn = world["spring"], world["autumn"]
    principles = list(autumn.principles.all())
    for _ in range(3 * COMPARISON_ROWS_PER_PAGE):
        first = make_version()
        second = make_version(use_case=first.use_case, number=2) if rng.random() < 0.3 else first
        for review_round, version in ((spring, first), (autumn, second)):
            if rng.random() < 0.15:
                continue
            outcomes = {p: rng.choice([TICK, CROSS, INSUFFICIENT]) for p in principles if rng.random() < 0.9}
            store(review_round, version, outcomes, reviews=rng.choice([1, 3]))
            if rng.random() < 0.1:
                MatrixRow.objects.filter(round=review_round, version=version).delete()  # behind its reviews

    every = []
    for only_changed in (False, True):
        number = 1
        while True:
            comparison = round_comparison(round_a=spring, round_b=autumn, only_changed=only_changed, page_number=number)
            every.append((only_changed, comparison.use_cases))
            if not comparison.page.has_next():
                break
            number += 1
    shown = [use_case for only_changed, use_cases in every if not only_changed for use_case in use_cases]
    changed = [use_case for only_changed, use_cases in every if only_changed for use_case in use_cases]
    kinds = Counter(cell.kind for use_case in shown for cell in use_case.cells)

    assert comparison.total_use_cases == len(shown) == len({use_case.use_case_slug for use_case in shown})
    assert comparison.summary == ChangeSummary(
        improved=kinds[IMPROVED],
        worsened=kinds[WORSENED],
        unchanged=kinds[UNCHANGED],
        not_comparable=kinds[NOT_COMPARABLE],
    )
    assert kinds[IMPROVED] and kinds[WORSENED] and kinds[UNCHANGED]
    assert changed == [use_case for use_case in shown if use_case.changed]
    assert comparison.changed_use_cases == len(changed)
    [spring_caveat] = [caveat for caveat in comparison.caveats if caveat.round == spring]
    assert spring_caveat.use_cases == sum(1 for use_case in shown if use_case.number_a)


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
    """Two rounds over the same `size` use case versions, every cell of the second one a tick, both
    matrices current."""
    first, _, principles = make_large_round(size)
    second = make_round(principles=principles)
    versions = list(RoundVersion.objects.filter(round=first).values_list("version_id", flat=True))
    RoundVersion.objects.bulk_create(RoundVersion(round=second, version_id=v) for v in versions)
    MatrixCell.objects.bulk_create(
        MatrixCell(round=second, version_id=v, principle=p, meets=1, does_not_meet=0, not_sure=0, outcome=TICK)
        for v in versions
        for p in principles
    )
    for review_round in (first, second):
        mark_computed(review_round, versions)
    return first, second


# Session, user and two-factor device (3), the navigation, the round choices, the two rounds, the
# comparison (principles, the state of both rounds the summary was kept for, the page and its cells).
COMPARISON_QUERIES = 3 + NAVIGATION_QUERIES + 1 + 1 + 4
# The first time a pair of rounds is compared, or after either changed: the summary with the caveats.
SUMMARY_COUNTED_QUERIES = 1


# The large size builds two rounds of 400: slow; the small one holds the same count everyday.
@pytest.mark.parametrize("size", [5, pytest.param(400, marks=pytest.mark.slow)])
@pytest.mark.parametrize("changed", ["", "on"])
def test_the_page_makes_the_same_queries_for_5_or_400_use_cases(
    analyst_client, django_assert_num_queries, size, changed
):
    first, second = two_large_rounds(size)

    with django_assert_num_queries(COMPARISON_QUERIES + SUMMARY_COUNTED_QUERIES):
        counted = compare(analyst_client, a=first.slug, b=second.slug, changed=changed)
    with django_assert_num_queries(COMPARISON_QUERIES):
        kept = compare(analyst_client, a=first.slug, b=second.slug, changed=changed)

    for response in (counted, kept):
        assert response.status_code == 200
        assert response.content.decode().count("data-use-case=") == min(size, COMPARISON_ROWS_PER_PAGE)
    assert main_content(kept) == main_content(counted)


@pytest.mark.parametrize("size", [5, 400])
def test_one_use_case_makes_the_same_queries_for_5_or_400_use_cases(analyst_client, django_assert_num_queries, size):
    first, second = two_large_rounds(size)
    slug = RoundVersion.objects.filter(round=first).values_list("version__use_case__slug", flat=True).first()

    with django_assert_num_queries(COMPARISON_QUERIES + SUMMARY_COUNTED_QUERIES):
        response = compare(analyst_client, a=first.slug, b=second.slug, use_case=slug)

    assert response.status_code == 200
    assert response.content.decode().count("data-use-case=") == 1
