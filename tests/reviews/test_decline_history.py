"""A reassigned decline keeps its history (docs/declined-and-interests.md): the request records
whom the use case was given to when it was declined and whom it went to, and the round's progress
page, the request's page and the leads' pages say "Declined by Crisis; given to Nacro on ..."
however often the use case moves afterwards."""

import pytest
from django.urls import reverse
from django.utils import timezone

from reviews.services.assignments import assignment_reassign
from reviews.services.requests import assignment_decline, assignment_more_time_request
from tests.pages import main_content
from tests.reviews.test_assignment_requests import LATER, World

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return World()


def test_a_reassigned_decline_names_who_declined_and_who_it_went_to(client, world):
    decline = assignment_decline(assignment=world.organisation_assignment, reason="Not ours.", actor=world.lead)
    assignment_reassign(assignment=world.organisation_assignment, organisation=world.nacro, actor=world.admin)
    decline.refresh_from_db()
    assert (decline.from_organisation, decline.from_reviewer) == (world.crisis, None)
    assert (decline.to_organisation, decline.to_reviewer) == (world.nacro, None)
    today = timezone.localdate().strftime("%-d %B %Y")
    history = f"Declined by Crisis; given to Nacro on {today}"

    # Nacro declines in turn, and it goes to Ben in person: the first decline still names Crisis.
    second = assignment_decline(assignment=world.organisation_assignment, reason="Nor ours.", actor=world.nacro_lead)
    assignment_reassign(assignment=world.organisation_assignment, reviewer=world.ben, actor=world.admin)
    second.refresh_from_db()
    assert (second.from_organisation, second.to_reviewer) == (world.nacro, world.ben)

    client.force_login(world.admin)
    progress = main_content(client.get(reverse("rounds:progress", args=[world.round.slug])))
    assert history in progress
    assert f"Declined by Nacro; given to Ben on {today}" in progress
    request_page = main_content(client.get(reverse("rounds:request", args=[world.round.slug, decline.pk])))
    assert history in request_page

    # Crisis's lead still sees the decline Crisis made, though the use case is no longer theirs.
    client.force_login(world.lead)
    assert history in main_content(client.get(reverse("reviews:organisation_reviews", args=["crisis"])))
    client.force_login(world.nacro_lead)
    assert f"Declined by Nacro; given to Ben on {today}" in main_content(
        client.get(reverse("reviews:organisation_reviews", args=["nacro"]))
    )


def test_a_request_for_more_time_closed_by_reassigning_keeps_its_history(client, world):
    request = assignment_more_time_request(
        assignment=world.personal_assignment, due_on=LATER, reason="Busy.", actor=world.amara
    )
    assignment_reassign(assignment=world.personal_assignment, reviewer=world.ben, actor=world.lead)
    request.refresh_from_db()
    assert (request.state, request.from_reviewer, request.to_reviewer) == ("reassigned", world.amara, world.ben)
    client.force_login(world.admin)
    page = main_content(client.get(reverse("rounds:progress", args=[world.round.slug])))
    assert "Asked for by Amara; given to Ben on" in page


def test_an_open_decline_names_whom_the_use_case_is_given_to_now(client, world):
    assignment_decline(assignment=world.organisation_assignment, reason="Not ours.", actor=world.lead)
    client.force_login(world.admin)
    page = main_content(client.get(reverse("rounds:progress", args=[world.round.slug])))
    assert "Declined by" not in page and "Crisis" in page
