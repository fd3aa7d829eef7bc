"""Bad input when inviting someone or accepting an invitation: a clear message on the right field, nothing changed."""

import pytest
from django.urls import reverse

from accounts.models import User
from audiences.models import Invitation, Membership
from audiences.services.invitations import invitation_create
from tests.factories import make_organisation, make_reviewer

pytestmark = pytest.mark.django_db

GOOD_PASSWORD = "violet-harbour-lantern-42"


@pytest.fixture
def organisation():
    return make_organisation(name="Crisis")


@pytest.fixture
def lead(client, organisation):
    lead = make_reviewer(organisation=organisation, role=Membership.Role.LEAD, email="lead@crisis.example")
    client.force_login(lead)
    return lead


def _invite(client, organisation, **overrides):
    data = {"organisation": organisation.pk, "email": "new@example.org", "role": "reviewer", **overrides}
    return client.post(reverse("audiences:invitation_new"), data)


def test_a_tampered_role_asks_to_choose_a_role(client, organisation, lead, mailoutbox):
    response = _invite(client, organisation, role="admin")

    assert 'href="#id_role">Choose a role</a>' in response.text
    assert "admin" not in response.text.split("govuk-error-summary__list")[1].split("</ul>")[0]
    assert not Invitation.objects.exists()
    assert not mailoutbox


@pytest.mark.parametrize(
    ("existing_role", "invited_role", "shown_role"),
    [
        ("reviewer", "reviewer", "reviewer"),
        ("lead", "reviewer", "organisation lead"),
        ("lead", "lead", "organisation lead"),
    ],
)
def test_inviting_someone_already_in_the_organisation_in_that_role_is_refused(
    client, organisation, lead, mailoutbox, existing_role, invited_role, shown_role
):
    make_reviewer(organisation=organisation, role=existing_role, email="member@crisis.example")

    response = _invite(client, organisation, email="Member@Crisis.example", role=invited_role)

    assert response.status_code == 200
    assert (
        'href="#id_email">member@crisis.example is already a member of Crisis, as '
        f"{shown_role}. You do not need to invite them.</a>" in response.text
    )
    assert not Invitation.objects.exists()
    assert not mailoutbox


def test_inviting_a_reviewer_of_the_organisation_as_its_lead_is_allowed(organisation, lead, mailoutbox):
    make_reviewer(organisation=organisation, email="member@crisis.example")

    invitation, _token = invitation_create(
        organisation=organisation, email="member@crisis.example", role=Membership.Role.LEAD, invited_by=lead
    )

    assert invitation.role == Membership.Role.LEAD
    assert len(mailoutbox) == 1


def test_a_member_of_another_organisation_can_be_invited(client, organisation, lead, mailoutbox):
    make_reviewer(organisation=make_organisation(name="Nacro"), email="member@nacro.example")

    response = _invite(client, organisation, email="member@nacro.example")

    assert response.status_code == 302
    assert Invitation.objects.get().email == "member@nacro.example"


def _accept_url(organisation, lead):
    _invitation, token = invitation_create(
        organisation=organisation, email="new@example.org", role=Membership.Role.REVIEWER, invited_by=lead
    )
    return reverse("audiences:invitation_accept", args=[token])


def test_an_overlong_name_says_how_long_it_may_be(client, organisation, lead):
    url = _accept_url(organisation, lead)
    client.logout()

    response = client.post(url, {"name": "x" * 151, "password": GOOD_PASSWORD, "password_confirmation": GOOD_PASSWORD})

    assert 'href="#id_name">Full name must be 150 characters or fewer</a>' in response.text
    assert not User.objects.filter(email="new@example.org").exists()


def test_a_password_like_the_email_address_says_so_in_the_portals_words(client, organisation, lead):
    url = _accept_url(organisation, lead)
    client.logout()

    response = client.post(
        url, {"name": "Wyn", "password": "new@example.org1", "password_confirmation": "new@example.org1"}
    )

    assert 'href="#id_password">The password is too similar to the email address.</a>' in response.text
    assert "username" not in response.text
    assert not User.objects.filter(email="new@example.org").exists()
