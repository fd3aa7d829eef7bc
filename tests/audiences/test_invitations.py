import hashlib
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from audiences.models import Invitation, Membership
from audiences.services.invitations import InvitationRefused, invitation_accept, invitation_create
from bold_portal.models import AuditEvent
from tests.factories import make_organisation, make_reviewer, make_user

pytestmark = pytest.mark.django_db

GOOD_PASSWORD = "violet-harbour-lantern-42"


@pytest.fixture
def organisation():
    return make_organisation(name="Crisis")


@pytest.fixture
def admin():
    return make_user(is_superuser=True)


def _invite(organisation, inviter, email="new.reviewer@example.org", role=Membership.Role.REVIEWER):
    return invitation_create(organisation=organisation, email=email, role=role, invited_by=inviter)


def test_invitation_stores_only_a_hash_and_emails_the_link(organisation, admin, mailoutbox, settings):
    invitation, raw_token = _invite(organisation, admin, email=" New.Reviewer@Example.org ")

    assert invitation.email == "new.reviewer@example.org"
    assert invitation.token_hash == hashlib.sha256(raw_token.encode()).hexdigest()
    assert raw_token not in str(Invitation.objects.values().get())
    validity = invitation.expires_at - invitation.created_at
    assert abs(validity - timedelta(days=settings.INVITATION_VALID_DAYS)) < timedelta(minutes=1)
    [email] = mailoutbox
    assert email.to == ["new.reviewer@example.org"]
    assert "Crisis" in email.subject
    assert settings.PORTAL_URL + reverse("audiences:invitation_accept", args=[raw_token]) in email.body
    assert AuditEvent.objects.filter(action="invitation_sent", object_id=str(invitation.pk)).exists()


def test_lead_invites_to_their_own_organisation(organisation, mailoutbox):
    lead = make_reviewer(organisation=organisation, role=Membership.Role.LEAD)

    invitation, _token = _invite(organisation, lead, role=Membership.Role.LEAD)

    assert invitation.invited_by == lead
    assert len(mailoutbox) == 1


@pytest.mark.parametrize("inviter_role", [Membership.Role.LEAD, Membership.Role.REVIEWER])
def test_invitation_to_an_organisation_the_inviter_does_not_lead_is_refused(organisation, inviter_role, mailoutbox):
    inviter = make_reviewer(organisation=make_organisation(), role=inviter_role)

    with pytest.raises(PermissionDenied):
        _invite(organisation, inviter)

    assert not Invitation.objects.exists()
    assert mailoutbox == []


def test_invitation_with_a_bad_email_address_names_the_field_and_saves_nothing(organisation, admin, mailoutbox):
    with pytest.raises(ValidationError) as error:
        _invite(organisation, admin, email="not-an-email")

    assert "email" in error.value.message_dict
    assert not Invitation.objects.exists()
    assert mailoutbox == []


def test_accepting_creates_the_account_and_membership_once(organisation, admin):
    _invitation, raw_token = _invite(organisation, admin, role=Membership.Role.LEAD)

    user = invitation_accept(raw_token=raw_token, name="Sam Patel", password=GOOD_PASSWORD)

    assert user.email == "new.reviewer@example.org"
    assert user.get_full_name() == "Sam Patel"
    assert user.check_password(GOOD_PASSWORD)
    assert Membership.objects.get(user=user).role == Membership.Role.LEAD
    assert Invitation.objects.get().accepted_at is not None
    assert AuditEvent.objects.filter(action="invitation_accepted", actor=user).exists()
    added = AuditEvent.objects.get(action="membership_created", actor=user)  # as when an admin adds someone
    assert added.data["organisation"] == organisation.pk and added.data["after"] == {"role": Membership.Role.LEAD}
    with pytest.raises(InvitationRefused, match="already been used"):
        invitation_accept(raw_token=raw_token, name="Someone Else", password=GOOD_PASSWORD)
    assert User.objects.filter(email="new.reviewer@example.org").count() == 1


def test_an_expired_invitation_is_refused_and_creates_nothing(organisation, admin):
    _invitation, raw_token = _invite(organisation, admin)
    Invitation.objects.update(expires_at=timezone.now() - timedelta(minutes=1))

    with pytest.raises(InvitationRefused, match="expired"):
        invitation_accept(raw_token=raw_token, name="Sam Patel", password=GOOD_PASSWORD)

    assert not User.objects.filter(email="new.reviewer@example.org").exists()
    assert Invitation.objects.get().accepted_at is None


def test_an_unknown_token_is_refused():
    with pytest.raises(InvitationRefused, match="not valid"):
        invitation_accept(raw_token="made-up", name="Sam Patel", password=GOOD_PASSWORD)


def test_a_weak_password_is_refused_on_the_password_field(organisation, admin):
    _invitation, raw_token = _invite(organisation, admin)

    with pytest.raises(ValidationError) as error:
        invitation_accept(raw_token=raw_token, name="Sam Patel", password="password")

    assert "password" in error.value.message_dict
    assert not User.objects.filter(email="new.reviewer@example.org").exists()
    assert Invitation.objects.get().accepted_at is None


def test_an_existing_account_gets_a_membership_after_proving_its_password(organisation, admin):
    existing = make_reviewer(email="new.reviewer@example.org", password=GOOD_PASSWORD)
    _invitation, raw_token = _invite(organisation, admin)

    # The password is checked by authenticate() in the page's form; the service is given its result.
    for account in (None, make_user()):
        with pytest.raises(ValidationError) as error:
            invitation_accept(raw_token=raw_token, account=account)
        assert "password" in error.value.message_dict
    assert not existing.memberships.filter(organisation=organisation).exists()

    user = invitation_accept(raw_token=raw_token, account=existing)

    assert user == existing
    assert existing.memberships.count() == 2
    assert existing.memberships.get(organisation=organisation).role == Membership.Role.REVIEWER


# Through the pages


def test_accept_page_creates_the_account_and_signs_in(client, organisation, admin):
    _invitation, raw_token = _invite(organisation, admin)
    url = reverse("audiences:invitation_accept", args=[raw_token])

    assert "Create a password" in client.get(url).text
    response = client.post(
        url, {"name": "Sam Patel", "password": GOOD_PASSWORD, "password_confirmation": GOOD_PASSWORD}
    )

    assert response.status_code == 302
    assert response.url == reverse("home")
    assert int(client.session["_auth_user_id"]) == User.objects.get(email="new.reviewer@example.org").pk


def test_accept_page_shows_errors_and_changes_nothing(client, organisation, admin):
    _invitation, raw_token = _invite(organisation, admin)
    url = reverse("audiences:invitation_accept", args=[raw_token])

    response = client.post(url, {"name": "", "password": GOOD_PASSWORD, "password_confirmation": "different"})

    assert response.status_code == 200
    assert "<title>Error: Join Crisis" in response.text
    assert 'href="#id_name">Enter your full name</a>' in response.text
    assert 'href="#id_password_confirmation">The passwords do not match' in response.text
    assert not User.objects.filter(email="new.reviewer@example.org").exists()


def test_expired_link_page_says_so(client, organisation, admin):
    _invitation, raw_token = _invite(organisation, admin)
    Invitation.objects.update(expires_at=timezone.now() - timedelta(days=1))

    response = client.get(reverse("audiences:invitation_accept", args=[raw_token]))

    assert response.status_code == 410
    assert "This invitation link has expired" in response.text


def test_lead_can_only_choose_their_own_organisation(client, organisation, mailoutbox):
    lead = make_reviewer(organisation=organisation, role=Membership.Role.LEAD)
    other = make_organisation(name="Nacro")
    client.force_login(lead)
    url = reverse("audiences:invitation_new")

    page = client.get(url).text
    assert "Crisis" in page
    assert "Nacro" not in page
    refused = client.post(url, {"organisation": other.pk, "email": "x@example.org", "role": "reviewer"})
    assert 'href="#id_organisation">Choose an organisation</a>' in refused.text
    assert not Invitation.objects.exists()

    sent = client.post(
        url, {"organisation": organisation.pk, "email": "x@example.org", "role": "reviewer"}, follow=True
    )
    assert "Invitation sent to x@example.org" in sent.text
    assert Invitation.objects.get().organisation == organisation
    assert len(mailoutbox) == 1


def test_reviewer_cannot_open_the_invitation_page(client):
    client.force_login(make_reviewer())

    response = client.get(reverse("audiences:invitation_new"))

    assert response.status_code == 404


def test_invitation_page_queries_do_not_grow_with_invitations(client, organisation, admin, django_assert_num_queries):
    client.force_login(admin)
    url = reverse("audiences:invitation_new")
    _invite(organisation, admin)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for n in range(5):
        _invite(organisation, admin, email=f"person-{n}@example.org")
    with django_assert_num_queries(len(few.captured_queries)):
        client.get(url)
