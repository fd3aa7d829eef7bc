"""Who answers a request: a lead's own request for more time goes to the programme
team; leads answer only their members' requests, never their own or a fellow lead's."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from audiences.models import Membership
from bold_portal.models import AuditEvent
from reviews.services.requests import assignment_more_time_grant, assignment_more_time_request
from tests.factories import make_reviewer
from tests.pages import main_content
from tests.reviews.test_assignment_requests import LATER, World

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return World()


def test_a_lead_cannot_approve_their_own_request(client, world):
    request = assignment_more_time_request(
        assignment=world.organisation_assignment, due_on=LATER, reason="Busy.", actor=world.lead
    )
    before = AuditEvent.objects.count()
    with pytest.raises(ValidationError, match="cannot answer your own request"):
        assignment_more_time_grant(request=request, actor=world.lead)

    client.force_login(world.lead)
    url = reverse("reviews:organisation_request", args=["crisis", request.pk])
    page = main_content(client.get(url))
    assert "goes to the programme team" in page
    assert 'name="decision"' not in page
    assert client.post(url, {"decision": "grant"}).status_code == 404
    request.refresh_from_db()
    assert request.state == "open"
    assert AuditEvent.objects.count() == before

    # The programme team answers it.
    client.force_login(world.admin)
    url = reverse("rounds:request", args=[world.round.slug, request.pk])
    assert client.post(url, {"decision": "grant"}).status_code == 302
    request.refresh_from_db()
    assert (request.state, request.decided_by) == ("granted", world.admin)


def test_a_fellow_lead_cannot_answer_a_leads_request(client, world):
    co_lead = make_reviewer(organisation=world.crisis, role=Membership.Role.LEAD, email="co@crisis.example")
    request = assignment_more_time_request(
        assignment=world.organisation_assignment, due_on=LATER, reason="Busy.", actor=world.lead
    )
    client.force_login(co_lead)
    url = reverse("reviews:organisation_request", args=["crisis", request.pk])
    assert "goes to the programme team" in main_content(client.get(url))
    assert client.post(url, {"decision": "grant"}).status_code == 404
    request.refresh_from_db()
    assert request.state == "open"


def test_a_lead_still_answers_a_members_request(client, world):
    request = assignment_more_time_request(
        assignment=world.organisation_assignment, due_on=LATER, reason="Busy.", actor=world.ben
    )
    client.force_login(world.lead)
    url = reverse("reviews:organisation_request", args=["crisis", request.pk])
    assert 'name="decision"' in main_content(client.get(url))
    assert client.post(url, {"decision": "grant"}).status_code == 302
    request.refresh_from_db()
    assert request.state == "granted"
