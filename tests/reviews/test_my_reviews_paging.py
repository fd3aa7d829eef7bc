"""My reviews paged per round: each open round shows 20 of its use cases at a time, in its order
(overdue first, then by due date, no due date last, what is submitted at the end), with a summary of
what is shown and GOV.UK pagination links to the rest; turning one round's pages leaves the others
at their first; the declined list is paged on its own; each round's figures count all its use
cases, not only those shown. The page makes the same queries at any size."""

import html
import re

import pytest
from django.db import connection
from django.urls import reverse

from reviews.models import ReviewRound
from reviews.selectors import my_reviews as my_reviews_selectors
from reviews.services.requests import assignment_decline
from tests.factories import close_round, make_assignment, make_round, make_version
from tests.pages import NAVIGATION_QUERIES, main_content
from tests.reviews.conftest import days

pytestmark = pytest.mark.django_db


def long_round(world, *, slug="long", name="Long round", closes_in=20, versions=None):
    """A round closing before the world's, its use cases given to the reviewer in person: 5
    submitted (due in the past), 5 overdue, 30 due later, 5 with no due date. Returns the round and
    its titles in the order My reviews must list them."""
    review_round = make_round(principles=[world.relevant], name=name, slug=slug, closes_on=days(closes_in))
    versions = versions or [make_version(audience=world.audience, title=f"Paged use case {n:02}") for n in range(45)]
    due = {}
    for n, version in enumerate(versions):
        if n < 5:
            due[n] = days(-10 - n)  # submitted late: never overdue
        elif n < 10:
            due[n] = days(-n)  # overdue: 9 days late first
        elif n < 40:
            due[n] = days(100 - n)  # later: 39 (due soonest) first
        else:
            due[n] = None
        make_assignment(review_round=review_round, version=version, reviewer=world.reviewer, due_on=due[n])
    for version in versions[:5]:
        world.submit(review_round, version)
    order = [*range(9, 4, -1), *range(39, 9, -1), *range(40, 45), *range(4, -1, -1)]
    return review_round, versions, [versions[n].title for n in order]


def section(page: str, start: str, end: str) -> str:
    begin = page.index(start)
    return page[begin : page.index(end, begin)]


def titles_in(text: str) -> list[str]:
    """The titles of the use cases listed, in order (each title's own link, not the links beside it)."""
    return re.findall(r'aria-describedby="[^"]+">([^<]+)</a>', text)


def next_link(text: str) -> str | None:
    found = re.search(r'href="([^"]+)" rel="next"', text)
    return html.unescape(found.group(1)) if found else None


def test_a_long_round_is_paged_in_its_order_with_a_summary_and_links_to_the_rest(client, world):
    _round, _versions, expected = long_round(world)
    client.force_login(world.reviewer)

    shown, address, pages = [], reverse("reviews:my_reviews"), []
    while address:
        page = main_content(client.get(address))
        pages.append(page)
        rounds_list = section(page, 'id="round-long"', 'id="round-spring"')
        shown += titles_in(rounds_list)
        link = next_link(rounds_list)
        address = reverse("reviews:my_reviews") + link if link else None
        assert world.version.title in page, "the other round stays on every page"

    assert shown == expected
    assert len(pages) == 3
    first = pages[0]
    assert "5 of 45 submitted, 5 overdue. Closes on" in first
    assert "Showing use cases 1 to 20 of 45 in this round" in first
    assert (
        "Showing use cases 21 to 40 of 45 in this round: what is left to do first, then what is submitted."
        in " ".join(pages[1].split())
    )
    assert "Showing use cases 41 to 45 of 45 in this round" in pages[2]
    assert 'aria-label="Pages of Long round"' in first
    assert 'href="?round=long&amp;page=2#round-long"' in first, "the next page of this round, at its heading"
    assert "Showing use cases" not in section(first, 'id="round-spring"', "</main>"), "a round of one is not paged"


def test_turning_one_rounds_page_leaves_the_others_at_their_first(client, world):
    _long, versions, expected = long_round(world)
    _other, _, other_expected = long_round(world, slug="other", name="Other round", closes_in=25, versions=versions)
    client.force_login(world.reviewer)

    def listed(query: str) -> tuple[list[str], list[str]]:
        page = main_content(client.get(reverse("reviews:my_reviews") + query))
        long_list = section(page, 'id="round-long"', 'id="round-other"')
        other_list = section(page, 'id="round-other"', 'id="round-spring"')
        return titles_in(long_list), titles_in(other_list)

    assert listed("?round=other&page=2") == (expected[:20], other_expected[20:40])
    assert listed("?round=other&page=3&declined_page=2") == (expected[:20], other_expected[40:])
    # A page past the last shows the last; a page that is no number, the first.
    assert listed("?round=long&page=99") == (expected[40:], other_expected[:20])
    assert listed("?round=long&page=x") == (expected[:20], other_expected[:20])
    assert listed("?round=long&page=-2") == (expected[:20], other_expected[:20])


def test_declined_use_cases_are_paged_on_their_own_and_counted_in_their_round(client, world):
    review_round = make_round(principles=[world.relevant], name="Autumn round", slug="autumn", closes_on=days(40))
    declined_titles = []
    for n in range(23):
        version = make_version(audience=world.audience, title=f"Declined use case {n:02}")
        assignment = make_assignment(review_round=review_round, version=version, reviewer=world.reviewer)
        assignment_decline(assignment=assignment, reason="Not our area.", actor=world.reviewer)
        declined_titles.append(version.title)
    make_assignment(review_round=review_round, version=make_version(title="Kept"), reviewer=world.reviewer)
    client.force_login(world.reviewer)

    page = main_content(client.get(reverse("reviews:my_reviews")))

    autumn = section(page, 'id="round-autumn"', 'id="round-spring"')
    assert "0 of 1 submitted" in autumn and "23 declined, listed under Declined" in autumn
    assert 'href="#declined"' in autumn
    declined = page[page.index('id="declined"') :]
    assert titles_in(declined) == declined_titles[:20]
    assert "Showing 1 to 20 of 23" in declined
    link = next_link(declined)
    assert link == "?declined_page=2#declined"

    second = main_content(client.get(reverse("reviews:my_reviews") + link))

    assert titles_in(second[second.index('id="declined"') :]) == declined_titles[20:]
    assert "Kept" in section(second, 'id="round-autumn"', 'id="round-spring"')


def test_a_closed_rounds_figures_count_all_its_use_cases_though_ten_are_listed(client, world):
    review_round = make_round(principles=[world.relevant], name="Winter round", slug="winter")
    versions = [make_version(audience=world.audience, title=f"Winter use case {n:02}") for n in range(12)]
    for version in versions:
        make_assignment(review_round=review_round, version=version, reviewer=world.reviewer)
    for version in versions[:3]:
        world.submit(review_round, version)
    close_round(review_round)
    client.force_login(world.reviewer)

    page = main_content(client.get(reverse("reviews:my_reviews")))

    closed = page[page.index('id="closed-reviews"') :]
    assert "3 of 12 submitted. Closed on" in closed
    # What was left undone first, then what was submitted, as in an open round.
    assert titles_in(closed) == [version.title for version in versions[3:12]] + [versions[0].title]


@pytest.mark.parametrize("size", ["small", "large"])
def test_the_page_makes_the_same_queries_at_any_size(client, world, django_assert_num_queries, size):
    if size == "large":
        long_round(world)
        closed = make_round(principles=[world.relevant], status=ReviewRound.Status.CLOSED)
        for _ in range(15):
            make_assignment(review_round=closed, version=make_version(), organisation=world.organisation)
    client.force_login(world.reviewer)

    # session, user, the items shown with their rounds' figures, their assignments, navigation
    with django_assert_num_queries(4 + NAVIGATION_QUERIES):
        response = client.get(reverse("reviews:my_reviews") + "?round=long&page=2")
    assert response.status_code == 200


def test_an_assignment_taken_away_while_the_page_is_read_leaves_the_rest(client, world, monkeypatch):
    taken = make_version(audience=world.audience, title="Taken away")
    assignment = make_assignment(review_round=world.round, version=taken, reviewer=world.reviewer, due_on=days(3))
    counted = my_reviews_selectors._rows

    def then_taken_away(*args, **kwargs):
        rows = counted(*args, **kwargs)
        assignment.delete()  # as an admin might, between the statement and the read of its rows
        return rows

    monkeypatch.setattr(my_reviews_selectors, "_rows", then_taken_away)
    client.force_login(world.reviewer)

    page = main_content(client.get(reverse("reviews:my_reviews")))

    assert world.version.title in page and "Taken away" not in page


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the first rows of each round are read so on PostgreSQL")
def test_each_rounds_first_rows_are_the_rows_every_item_numbered_would_page(world, monkeypatch):
    _long, versions, _ = long_round(world)
    long_round(world, slug="other", name="Other round", closes_in=25, versions=versions)
    # Given through the reviewer's organisation too, some due earlier, one declined only there.
    for n in (0, 7, 12, 41):
        make_assignment(review_round=_long, version=versions[n], organisation=world.organisation, due_on=days(-1))
    extra = make_assignment(
        review_round=_long, version=make_version(title="Paged use case 99"), reviewer=world.reviewer
    )
    assignment_decline(assignment=extra, reason="Not our area.", actor=world.reviewer)

    def shown(slug: str, page: int) -> list:
        result = my_reviews_selectors.my_reviews(world.reviewer, shown_round=slug, page=page)
        return [(g.round.slug, g.figures, [item.version.pk for item in g.items]) for g in result.open_rounds]

    wanted = [(slug, page) for slug in ("long", "other") for page in (1, 2, 3, 4)]
    read_first = [shown(slug, page) for slug, page in wanted]
    monkeypatch.setattr(my_reviews_selectors, "_OPEN_PAGE_LATERAL", my_reviews_selectors._OPEN_PAGE_NUMBERED)
    numbered = [shown(slug, page) for slug, page in wanted]

    assert read_first == numbered
    assert len({str(rows) for rows in read_first}) > 4, "the pages differ from each other"
