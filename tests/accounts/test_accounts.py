"""Accounts are identified by their email address (accounts.User): any address Django's
EmailValidator accepts can be invited, accept and sign in, and there is one account per address
whatever its letter case."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.urls import reverse

from accounts.models import User
from accounts.services.accounts import account_create
from audiences.models import Membership
from audiences.services.invitations import invitation_accept, invitation_create
from bold_portal.models import AuditEvent
from tests.factories import make_organisation, make_reviewer, make_user

pytestmark = pytest.mark.django_db

PASSWORD = "violet-harbour-lantern-42"
DUPLICATE_MESSAGE = "An account with this email address already exists."

# Addresses EmailValidator accepts that a stricter check (or a careless query) might not.
UNUSUAL_ADDRESSES = [
    "o'brien@example.org",
    "ann#smith@example.org",
    "x+tag@example.org",
    "UPPER@Example.ORG",
    "first.last-name_2@sub.example.co.uk",
    "{curly}|pipe~@example.org",
    "percent%sign@example.org",
    "someone@[192.0.2.1]",
    "someone@localhost",
]


@pytest.fixture
def organisation():
    return make_organisation(name="Crisis")


@pytest.fixture
def lead(organisation):
    return make_reviewer(organisation=organisation, role=Membership.Role.LEAD, email="lead@crisis.example")


def sign_in(client, email, password=PASSWORD):
    return client.post("/sign-in/", {"username": email, "password": password})


def signed_in_user_id(client):
    return int(client.session["_auth_user_id"]) if "_auth_user_id" in client.session else None


@pytest.mark.parametrize("email", UNUSUAL_ADDRESSES)
def test_the_address_list_is_what_djangos_email_validator_accepts(email):
    validate_email(email)  # raises if Django itself refuses the address


@pytest.mark.parametrize("email", UNUSUAL_ADDRESSES)
def test_any_valid_address_can_be_invited_through_the_pages_then_accept_and_sign_in(
    client, organisation, lead, mailoutbox, email
):
    client.force_login(lead)
    sent = client.post(
        reverse("audiences:invitation_new"), {"organisation": organisation.pk, "email": email, "role": "reviewer"}
    )
    assert sent.status_code == 302, sent.text
    [message] = mailoutbox
    [link] = re.findall(r"http://\S+/invitations/accept/\S+/", message.body)
    accept_path = link.split("testserver", 1)[-1]
    client.logout()

    page = client.get(accept_path)
    assert page.status_code == 200 and "Create a password" in page.text
    accepted = client.post(accept_path, {"name": "Pat Doe", "password": PASSWORD, "password_confirmation": PASSWORD})
    assert accepted.status_code == 302, accepted.text

    user = User.objects.get(email__iexact=email)
    assert signed_in_user_id(client) == user.pk
    assert Membership.objects.get(user=user).organisation == organisation
    client.logout()
    assert sign_in(client, email).status_code == 302
    assert signed_in_user_id(client) == user.pk
    client.logout()
    local_part, domain = email.rsplit("@", 1)
    assert sign_in(client, f"{local_part.upper()}@{domain}").status_code == 302, "any letter case signs in"
    assert signed_in_user_id(client) == user.pk


@pytest.mark.parametrize("email", UNUSUAL_ADDRESSES)
def test_any_valid_address_can_be_invited_and_accept_through_the_services(client, organisation, lead, email):
    invitation, token = invitation_create(
        organisation=organisation, email=email, role=Membership.Role.REVIEWER, invited_by=lead
    )

    user = invitation_accept(raw_token=token, name="Pat Doe", password=PASSWORD)

    assert user.email.lower() == email.lower() == invitation.email
    assert sign_in(client, email).status_code == 302
    assert signed_in_user_id(client) == user.pk


def test_a_wrong_password_for_an_unusual_address_signs_nobody_in(client):
    make_user(email="o'brien@example.org", password=PASSWORD)

    response = sign_in(client, "o'brien@example.org", password="not-the-password")

    assert response.status_code == 200
    assert "The email address or password is not right" in response.text
    assert signed_in_user_id(client) is None


# One account per address, whatever its letter case


@pytest.fixture
def sam():
    return make_user(email="sam@example.org", password=PASSWORD)


@pytest.mark.parametrize("email", ["Sam@Example.org", "SAM@EXAMPLE.ORG", "sam@example.org"])
def test_a_second_account_in_another_letter_case_is_refused_in_plain_words(sam, email):
    twin = User(email=email, full_name="Another Sam")
    twin.set_password(PASSWORD)

    with pytest.raises(ValidationError) as refused:
        twin.full_clean()

    messages = refused.value.messages
    assert DUPLICATE_MESSAGE in messages
    assert not any("user_email_unique_any_case" in message or "onstraint" in message for message in messages)
    assert User.objects.count() == 1


@pytest.mark.parametrize("email", ["Sam@Example.org", "SAM@example.org"])
def test_the_database_refuses_a_second_account_in_another_letter_case(sam, email):
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(email=email, full_name="Another Sam")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create_user(email=email, password=PASSWORD)

    assert list(User.objects.values_list("email", flat=True)) == ["sam@example.org"]


def test_an_invitation_in_another_letter_case_joins_the_existing_account(client, sam, organisation, lead):
    _invitation, token = invitation_create(
        organisation=organisation, email="Sam@Example.org", role=Membership.Role.REVIEWER, invited_by=lead
    )
    page = client.get(reverse("audiences:invitation_accept", args=[token]))
    assert "Create a password" not in page.text, "the existing account is recognised"

    user = invitation_accept(raw_token=token, account=sam)

    assert user == sam
    assert User.objects.filter(email__iexact="sam@example.org").count() == 1
    assert sam.memberships.get().organisation == organisation


def test_signing_in_in_another_letter_case_reaches_the_one_account(client, sam):
    assert sign_in(client, " SAM@Example.ORG ").status_code == 302
    assert signed_in_user_id(client) == sam.pk


# Creating accounts from the command line


def test_create_user_needs_only_an_email_address():
    user = get_user_model().objects.create_user("solo@Example.ORG")

    user.refresh_from_db()
    assert user.email == "solo@example.org", "the domain is lower-cased, as Django normalises it"
    assert user.get_username() == "solo@example.org"
    assert not user.has_usable_password()
    assert not user.is_staff and not user.is_superuser and user.is_active
    assert user.full_name == ""
    assert user.get_short_name() == "solo@example.org"


def test_create_user_without_an_email_address_is_refused():
    with pytest.raises(ValueError, match="needs an email address"):
        get_user_model().objects.create_user("")


def test_create_superuser_with_email_and_password(client):
    admin = get_user_model().objects.create_superuser(email="root@example.org", password=PASSWORD)

    assert admin.is_staff and admin.is_superuser
    assert sign_in(client, "root@example.org").status_code == 302


def test_the_createsuperuser_command_asks_only_for_an_email_address(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", PASSWORD)

    call_command("createsuperuser", interactive=False, email="boss@example.org", verbosity=0)

    boss = User.objects.get(email="boss@example.org")
    assert boss.is_superuser and boss.check_password(PASSWORD)


def test_an_account_made_by_the_portal_is_checked_and_audited():
    user = account_create(
        email=" ann@example.org ", full_name="Ann Example", password=PASSWORD, actor=None, superuser=True
    )

    assert (user.email, user.full_name, user.is_staff, user.is_superuser) == (
        "ann@example.org",
        "Ann Example",
        True,
        True,
    )
    assert user.check_password(PASSWORD)
    event = AuditEvent.objects.get(action="account_created")
    assert (event.object_id, event.data["superuser"]) == (str(user.pk), True)


def test_an_account_with_a_weak_password_is_not_made():
    with pytest.raises(ValidationError) as refused:
        account_create(email="ann@example.org", full_name="Ann", password="password", actor=None)

    assert set(refused.value.message_dict) == {"password"}
    assert not User.objects.exists()
    assert not AuditEvent.objects.exists()
