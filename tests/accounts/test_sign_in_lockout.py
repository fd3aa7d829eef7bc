"""Brute-force protection on sign-in (django-axes): five wrong passwords for one email address from
one IP address lock that pair out for 30 minutes, with a page saying when to try again."""

import re
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from audiences.models import Membership
from audiences.services.invitations import invitation_create
from bold_portal.models import AuditEvent
from tests.factories import make_organisation, make_reviewer, make_user

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"
NEW_PASSWORD = "violet-harbour-lantern-42"


@pytest.fixture
def sam():
    return make_user(email="sam@example.org", password=PASSWORD)


def _sign_in(client, username="sam@example.org", password="wrong", address="192.0.2.1"):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address)


def _fail(client, times, **kwargs):
    """Wrong passwords; the last one that locks the pair out gets the lockout page instead of the form."""
    for attempt in range(1, times + 1):
        assert _sign_in(client, **kwargs).status_code == (429 if attempt == 5 else 200)


def test_four_failures_still_let_the_right_password_in(client, sam):
    _fail(client, 4)

    assert _sign_in(client, password=PASSWORD).status_code == 302
    assert not AccessAttempt.objects.exists()  # a success clears the count


def test_the_fifth_failure_locks_out_even_the_right_password(client, sam, settings):
    _fail(client, 4)
    locked = _sign_in(client)

    assert locked.status_code == 429
    assert "You need to wait before you try to sign in again" in locked.text
    assert "you cannot sign in for 30 minutes" in locked.text
    last_failure = timezone.localtime(AccessAttempt.objects.get().attempt_time + timedelta(minutes=30))
    assert f"You can try again after {last_failure:%H:%M} on {last_failure.day} {last_failure:%B %Y}." in locked.text
    assert f'href="{reverse("password_reset")}">Reset your password</a>' in locked.text
    assert "_auth_user_id" not in client.session
    refused = _sign_in(client, password=PASSWORD)
    assert refused.status_code == 429
    assert "_auth_user_id" not in client.session


def test_changing_letter_case_or_spaces_does_not_reset_the_count(client, sam):
    for username in ["sam@example.org", "Sam@Example.org", " SAM@example.org", "sam@EXAMPLE.org"]:
        _sign_in(client, username=username)

    assert _sign_in(client, username="sAm@example.org ").status_code == 429


def test_the_lockout_is_per_address_and_per_email(client, sam):
    _fail(client, 5)

    assert _sign_in(client, password=PASSWORD, address="198.51.100.7").status_code == 302
    client.logout()
    make_user(email="kim@example.org", password=PASSWORD)
    assert _sign_in(client, username="kim@example.org", password=PASSWORD).status_code == 302


def test_the_lockout_ends_after_the_cool_off(client, sam):
    _fail(client, 5)
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=31))

    assert _sign_in(client, password=PASSWORD).status_code == 302


def test_password_reset_still_works_when_locked_out_and_ends_the_lockout(
    client, sam, mailoutbox, settings, django_capture_on_commit_callbacks
):
    _fail(client, 5)

    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(reverse("password_reset"), {"email": "sam@example.org"}, REMOTE_ADDR="192.0.2.1")
    assert sent.status_code == 302
    [link] = re.findall(r"http://\S+/password-reset/\S+/", mailoutbox[0].body)
    path = link.removeprefix(settings.PORTAL_URL)
    form = client.get(path, follow=True)
    saved = client.post(form.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    assert saved.status_code == 302
    assert not AccessAttempt.objects.exists()
    assert AuditEvent.objects.filter(action="sign_in_lockout_cleared", object_id=str(sam.pk)).exists()
    assert _sign_in(client, password=NEW_PASSWORD).status_code == 302


def test_a_failed_reset_link_leaves_the_lockout_in_place(client, sam):
    _fail(client, 5)
    uid = urlsafe_base64_encode(force_bytes(sam.pk))

    client.get(reverse("password_reset_confirm", args=[uid, "not-a-token"]))

    assert AccessAttempt.objects.exists()


def test_an_invitation_can_be_accepted_while_sign_in_is_locked_out(client, sam):
    organisation = make_organisation(name="Crisis")
    lead = make_reviewer(organisation=organisation, role=Membership.Role.LEAD)
    _invitation, token = invitation_create(
        organisation=organisation, email="new@example.org", role=Membership.Role.REVIEWER, invited_by=lead
    )
    _fail(client, 5)

    response = client.post(
        reverse("audiences:invitation_accept", args=[token]),
        {"name": "New Person", "password": NEW_PASSWORD, "password_confirmation": NEW_PASSWORD},
        REMOTE_ADDR="192.0.2.1",
    )

    assert response.status_code == 302
    assert client.session["_auth_user_id"]
