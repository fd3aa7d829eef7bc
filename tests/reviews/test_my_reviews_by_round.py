"""My reviews by round: open rounds first, the one closing soonest first, each
saying "n of m submitted"; within a round, overdue first, then by due date, what is submitted last;
declined use cases in a list of their own; closed rounds after. The page makes the same number of
queries whatever the number of rounds, assignments, declines and requests."""

import pytest
from django.urls import reverse

from reviews.models import ReviewRound
from reviews.services.requests import assignment_decline, assignment_more_time_request
from tests.factories import make_assignment, make_round, make_version
from tests.pages import NAVIGATION_QUERIES, main_content
from tests.reviews.conftest import days

pytestmark = pytest.mark.django_db


def test_open_rounds_come_first_each_with_how_many_are_submitted(client, world):
    soon = make_round(principles=[world.relevant], name="Autumn round", slug="autumn", closes_on=days(40))
    done = make_version(audience=world.audience, title="Finished one")
    late = make_version(audience=world.audience, title="Late one")
    make_assignment(review_round=soon, version=done, reviewer=world.reviewer, due_on=days(-10))
    make_assignment(review_round=soon, version=late, reviewer=world.reviewer, due_on=days(-1))
    world.submit(soon, done)
    closed = make_round(principles=[world.relevant], name="Winter round", status=ReviewRound.Status.CLOSED)
    make_assignment(review_round=closed, version=make_version(title="Last winter's"), reviewer=world.reviewer)
    client.force_login(world.reviewer)

    page = main_content(client.get(reverse("reviews:my_reviews")))

    # Autumn closes in 40 days, Spring in 2030: Autumn first; the closed round after both.
    order = [page.index(text) for text in ("Autumn round", "Late one", "Finished one", "Spring round", "Winter round")]
    assert order == sorted(order)
    autumn = page[page.index("Autumn round") : page.index("Spring round")]
    assert "1 of 2 submitted" in autumn and f"Closes on {days(40):%-d %B %Y}" in autumn
    assert "0 of 1 submitted" in page[page.index("Spring round") : page.index("Winter round")]
    assert page.index("Winter round") > page.index('id="closed-reviews"')


def test_a_declined_use_case_is_not_counted_in_its_round(client, world):
    version = make_version(audience=world.audience, title="Declined one")
    assignment = make_assignment(review_round=world.round, version=version, reviewer=world.reviewer, due_on=days(5))
    assignment_decline(assignment=assignment, reason="Not our area.", actor=world.reviewer)
    client.force_login(world.reviewer)

    page = main_content(client.get(reverse("reviews:my_reviews")))

    spring = page[page.index("Spring round") : page.index('id="declined"')]
    assert "0 of 1 submitted" in spring and "Declined one" not in spring
    assert "Declined one" in page[page.index('id="declined"') :]


@pytest.mark.parametrize("extra", [0, 6])
def test_my_reviews_queries_do_not_grow_with_rounds_declines_and_requests(
    client, world, django_assert_num_queries, extra
):
    for n in range(extra):
        review_round = make_round(principles=[world.relevant], closes_on=days(60 + n))
        for kind in ("declined", "more_time", "plain"):
            version = make_version(audience=world.audience)
            assignment = make_assignment(
                review_round=review_round, version=version, reviewer=world.reviewer, due_on=days(10)
            )
            if kind == "declined":
                assignment_decline(assignment=assignment, reason="No.", actor=world.reviewer)
            elif kind == "more_time":
                assignment_more_time_request(
                    assignment=assignment, due_on=days(20), reason="Busy.", actor=world.reviewer
                )
        make_assignment(review_round=review_round, version=make_version(), organisation=world.organisation)
    closed = make_round(principles=[world.relevant], status=ReviewRound.Status.CLOSED)
    make_assignment(review_round=closed, version=world.version, reviewer=world.reviewer)
    client.force_login(world.reviewer)

    # session, user, the items shown with their rounds' figures, their assignments, navigation
    with django_assert_num_queries(4 + NAVIGATION_QUERIES):
        response = client.get(reverse("reviews:my_reviews"))
    assert response.status_code == 200
