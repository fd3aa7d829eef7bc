"""Hardening around signing in: an invitation's password check counts towards the lockout, an
invitation opened while signed in as someone else says so, and signed-in pages are not cached."""

import pytest
from axes.models import AccessAttempt
from django.urls import reverse

from audiences.models import Membership
from audiences.services.invitations import invitation_create
from tests.factories import make_organisation, make_reviewer, make_user

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"


@pytest.fixture
def organisation():
    return make_organisation(name="Crisis")


@pytest.fixture
def invitation_url(organisation):
    lead = make_reviewer(organisation=organisation, role=Membership.Role.LEAD)
    _invitation, token = invitation_create(
        organisation=organisation, email="sam@example.org", role=Membership.Role.REVIEWER, invited_by=lead
    )
    return reverse("audiences:invitation_accept", args=[token])


# --- The invitation's password check and the lockout -------------------------------------------


def test_wrong_passwords_on_an_invitation_count_towards_the_sign_in_lockout(client, invitation_url):
    sam = make_user(email="sam@example.org", password=PASSWORD)

    for attempt in range(1, 5):
        response = client.post(invitation_url, {"password": "wrong"}, REMOTE_ADDR="192.0.2.1")
        assert response.status_code == 200, attempt
        assert "Enter the password you already use to sign in with sam@example.org" in response.text
    locked = client.post(invitation_url, {"password": "wrong"}, REMOTE_ADDR="192.0.2.1")

    assert locked.status_code == 429
    assert "You need to wait before you try to sign in again" in locked.text
    assert AccessAttempt.objects.get().failures_since_start == 5
    # Locked out: neither the invitation nor the sign-in page takes even the right password now.
    assert client.post(invitation_url, {"password": PASSWORD}, REMOTE_ADDR="192.0.2.1").status_code == 429
    sign_in = client.post(
        reverse("login"), {"username": "sam@example.org", "password": PASSWORD}, REMOTE_ADDR="192.0.2.1"
    )
    assert sign_in.status_code == 429
    assert not sam.memberships.exists()
    assert "_auth_user_id" not in client.session


def test_the_right_password_on_an_invitation_joins_and_signs_in(client, invitation_url, organisation):
    sam = make_user(email="Sam@Example.org", password=PASSWORD)

    response = client.post(invitation_url, {"password": PASSWORD})

    assert response.status_code == 302
    assert sam.memberships.get().organisation == organisation
    assert int(client.session["_auth_user_id"]) == sam.pk


# --- Opening an invitation while signed in as someone else -------------------------------------


def test_an_invitation_opened_while_signed_in_as_someone_else_asks_to_sign_out_first(client, invitation_url):
    other = make_reviewer(email="alex@example.org")
    client.force_login(other)

    page = client.get(invitation_url)
    posted = client.post(
        invitation_url,
        {"name": "Sam", "password": "violet-harbour-lantern-42", "password_confirmation": "violet-harbour-lantern-42"},
    )

    assert page.status_code == posted.status_code == 200
    assert "Sign out to use this invitation" in page.text
    assert "This invitation is for sam@example.org, but you are signed in as alex@example.org." in page.text
    assert f'<input type="hidden" name="next" value="{invitation_url}">' in page.text
    assert int(client.session["_auth_user_id"]) == other.pk, "still signed in as themselves"
    assert not Membership.objects.filter(user__email="sam@example.org").exists()
    signed_out = client.post(reverse("logout"), {"next": invitation_url})
    assert signed_out.url == invitation_url
    assert "Create a password" in client.get(invitation_url).text


def test_an_invitation_opened_while_signed_in_as_its_own_person_is_the_usual_form(client, invitation_url):
    sam = make_user(email="sam@example.org", password=PASSWORD)
    client.force_login(sam)

    page = client.get(invitation_url)

    assert "Sign out to use this invitation" not in page.text
    assert "This email address already has an account" in page.text


# --- Caching ------------------------------------------------------------------------------------


def test_signed_in_pages_may_not_be_stored_by_the_browser_or_a_shared_cache(client):
    anonymous = client.get(reverse("accessibility"))
    client.force_login(make_reviewer())
    signed_in = [client.get(reverse("accessibility")), client.get(reverse("reviews:my_reviews"))]

    assert "no-store" not in anonymous.get("Cache-Control", "")
    for response in signed_in:
        assert response.status_code == 200
        directives = {part.strip() for part in response["Cache-Control"].split(",")}
        assert {"private", "no-store"} <= directives


def test_signed_in_redirects_are_not_stored_either(client):
    client.force_login(make_reviewer())

    redirect = client.get(reverse("home"))  # a reviewer's home is their reviews

    assert redirect.status_code == 302
    assert "no-store" in redirect["Cache-Control"] and "private" in redirect["Cache-Control"]
