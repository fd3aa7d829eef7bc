"""An organisation lead's pages: members, roles, removal, invitations waiting and reminders. A
lead manages their own organisation only: a lead of another organisation gets a 404 on every URL."""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from audiences.models import Invitation, Membership
from audiences.services.invitations import invitation_create
from bold_portal import roles
from bold_portal.models import AuditEvent
from reviews.models import Verdict
from tests.e2e.support import submit_review
from tests.factories import make_assignment, make_organisation, make_reviewer, make_round, make_user, make_version
from tests.pages import main_content

pytestmark = pytest.mark.django_db


@pytest.fixture
def crisis():
    return make_organisation(name="Crisis", slug="crisis")


@pytest.fixture
def lead(client, crisis):
    user = make_reviewer(
        organisation=crisis, role=Membership.Role.LEAD, full_name="Lee Lead", email="lee@crisis.example"
    )
    client.force_login(user)
    return user


@pytest.fixture
def member(crisis):
    return make_reviewer(organisation=crisis, full_name="Rae Reviewer", email="rae@crisis.example")


@pytest.fixture
def invitation(crisis, lead):
    return invitation_create(organisation=crisis, email="new@example.org", role="reviewer", invited_by=lead)[0]


def lead_urls(crisis, member, invitation):
    membership = member.memberships.get()
    return {
        "get": [
            reverse("audiences:organisation_members", args=[crisis.slug]),
            reverse("audiences:organisation_member_role", args=[crisis.slug, membership.pk]),
            reverse("audiences:organisation_member_remove", args=[crisis.slug, membership.pk]),
            reverse("audiences:organisation_invitations", args=[crisis.slug]),
            reverse("reviews:organisation_reviews", args=[crisis.slug]),
        ],
        "post": [
            (reverse("audiences:organisation_member_role", args=[crisis.slug, membership.pk]), {"role": "lead"}),
            (reverse("audiences:organisation_member_remove", args=[crisis.slug, membership.pk]), {}),
            (
                reverse("audiences:organisation_invitation_action", args=[crisis.slug, invitation.pk]),
                {"action": "cancel"},
            ),
            (reverse("reviews:organisation_remind", args=[crisis.slug]), {"member": str(member.pk)}),
        ],
    }


@pytest.mark.parametrize("who", ["other_lead", "reviewer", "analyst", "author"])
def test_everyone_but_its_leads_and_admins_gets_a_404_on_every_url(client, crisis, member, invitation, who, mailoutbox):
    sent = len(mailoutbox)
    user = {
        "other_lead": lambda: make_reviewer(organisation=make_organisation(name="Nacro"), role=Membership.Role.LEAD),
        "reviewer": lambda: member,
        "analyst": lambda: _staff(roles.ANALYSTS),
        "author": lambda: _staff(roles.AUTHORS),
    }[who]()
    client.force_login(user)
    urls = lead_urls(crisis, member, invitation)

    for url in urls["get"]:
        assert client.get(url).status_code == 404, url
    for url, data in urls["post"]:
        assert client.post(url, data).status_code == 404, url
    assert member.memberships.get().role == "reviewer"
    invitation.refresh_from_db()
    assert invitation.cancelled_at is None
    assert len(mailoutbox) == sent


def test_a_member_of_another_organisation_cannot_be_reached_through_ones_own(client, lead, crisis):
    outsider = make_reviewer(organisation=make_organisation(name="Nacro")).memberships.get()

    assert client.get(reverse("audiences:organisation_member_role", args=[crisis.slug, outsider.pk])).status_code == 404
    assert (
        client.post(reverse("audiences:organisation_member_remove", args=[crisis.slug, outsider.pk])).status_code == 404
    )
    assert Membership.objects.filter(pk=outsider.pk).exists()


def test_anonymous_visitors_are_sent_to_sign_in(client, crisis, member, invitation):
    client.logout()
    for url in lead_urls(crisis, member, invitation)["get"]:
        assert client.get(url).url.startswith(reverse("login"))


def _staff(group):
    user = make_user()
    user.groups.add(Group.objects.get(name=group))
    return user


def test_an_admin_may_manage_any_organisation(client, crisis, member, invitation):
    client.force_login(_staff(roles.ADMINS))
    for url in lead_urls(crisis, member, invitation)["get"]:
        assert client.get(url).status_code == 200, url


def test_the_lead_sees_members_with_their_roles(client, lead, member, crisis):
    page = main_content(client.get(reverse("audiences:organisation_members", args=[crisis.slug])))

    assert "Rae Reviewer" in page and "rae@crisis.example" in page and "Organisation lead (you)" in page


def test_changing_a_members_role(client, lead, member, crisis):
    membership = member.memberships.get()

    response = client.post(
        reverse("audiences:organisation_member_role", args=[crisis.slug, membership.pk]), {"role": "lead"}
    )

    assert response.status_code == 302
    assert Membership.objects.get(pk=membership.pk).role == "lead"


@pytest.mark.parametrize("data", [{}, {"role": "admin"}])
def test_bad_input_when_changing_a_role(client, lead, member, crisis, data):
    membership = member.memberships.get()

    response = client.post(reverse("audiences:organisation_member_role", args=[crisis.slug, membership.pk]), data)

    assert 'href="#id_role">Choose a role</a>' in response.text
    assert Membership.objects.get(pk=membership.pk).role == "reviewer"


def test_the_last_lead_cannot_step_down(client, lead, crisis):
    membership = lead.memberships.get()

    response = client.post(
        reverse("audiences:organisation_member_role", args=[crisis.slug, membership.pk]), {"role": "reviewer"}
    )

    assert 'href="#id_role">Lee Lead is the only lead of Crisis. Make someone else a lead first.</a>' in response.text
    assert Membership.objects.get(pk=membership.pk).role == "lead"


def test_removing_a_member_after_confirming(client, lead, member, crisis):
    membership = member.memberships.get()
    url = reverse("audiences:organisation_member_remove", args=[crisis.slug, membership.pk])
    assert "Remove Rae Reviewer" in client.get(url).text

    response = client.post(url)

    assert response.status_code == 302
    assert not Membership.objects.filter(pk=membership.pk).exists()
    assert AuditEvent.objects.filter(action="membership_removed").exists()


def test_the_last_lead_cannot_remove_themselves(client, lead, crisis):
    membership = lead.memberships.get()

    response = client.post(reverse("audiences:organisation_member_remove", args=[crisis.slug, membership.pk]))

    assert response.status_code == 400
    assert "There is a problem" in response.text and "Lee Lead is the only lead of Crisis." in response.text
    assert Membership.objects.filter(pk=membership.pk).exists()


def test_pending_invitations_are_listed_and_can_be_resent_or_cancelled(client, lead, crisis, invitation, mailoutbox):
    url = reverse("audiences:organisation_invitations", args=[crisis.slug])
    page = main_content(client.get(url))
    assert "new@example.org" in page and "<table" not in page  # stacked, to fit a narrow screen

    client.post(
        reverse("audiences:organisation_invitation_action", args=[crisis.slug, invitation.pk]), {"action": "resend"}
    )
    invitation.refresh_from_db()
    newest = Invitation.objects.latest("pk")
    assert invitation.cancelled_at is not None and newest.is_pending and len(mailoutbox) == 2

    response = client.post(
        reverse("audiences:organisation_invitation_action", args=[crisis.slug, newest.pk]),
        {"action": "cancel"},
        follow=True,
    )
    newest.refresh_from_db()
    assert newest.cancelled_at is not None
    assert "The invitation to new@example.org is cancelled." in response.text
    assert "No invitations are waiting." in response.text


def test_a_used_invitation_is_not_listed_or_resent(client, lead, crisis, invitation, mailoutbox):
    Invitation.objects.filter(pk=invitation.pk).update(accepted_at=invitation.created_at)

    assert "new@example.org" not in main_content(
        client.get(reverse("audiences:organisation_invitations", args=[crisis.slug]))
    )
    client.post(
        reverse("audiences:organisation_invitation_action", args=[crisis.slug, invitation.pk]), {"action": "resend"}
    )
    assert Invitation.objects.count() == 1 and len(mailoutbox) == 1


def test_the_reviews_page_links_to_the_lead_pages(client, lead, crisis):
    page = client.get(reverse("reviews:organisation_reviews", args=[crisis.slug])).text

    assert reverse("audiences:organisation_members", args=[crisis.slug]) in page
    assert reverse("audiences:organisation_invitations", args=[crisis.slug]) in page


def test_who_has_not_submitted_and_a_reminder(client, lead, member, crisis, mailoutbox):
    version = make_version(title="Repeat homelessness")
    review_round = make_round(name="Spring round")
    make_assignment(review_round=review_round, version=version, organisation=crisis, due_on=datetime.date(2026, 5, 1))
    url = reverse("reviews:organisation_reviews", args=[crisis.slug])

    page = main_content(client.get(url))
    assert "Who has not submitted yet" in page and "Rae Reviewer" in page

    response = client.post(reverse("reviews:organisation_remind", args=[crisis.slug]), {"member": str(member.pk)})

    assert response.status_code == 302
    assert mailoutbox[0].to == ["rae@crisis.example"]
    assert "Repeat homelessness (Spring round), due 1 May 2026" in mailoutbox[0].body
    event = AuditEvent.objects.get(action="member_reminded")
    assert event.actor == lead and event.object_id == str(member.pk)


def test_nobody_who_has_submitted_is_reminded(client, lead, member, crisis, mailoutbox):
    version = make_version()
    review_round = make_round()
    make_assignment(review_round=review_round, version=version, reviewer=member)
    submit_review(member, review_round, version.use_case.slug, verdict=Verdict.Choice.MEETS)

    response = client.post(
        reverse("reviews:organisation_remind", args=[crisis.slug]), {"member": str(member.pk)}, follow=True
    )

    assert "nothing left to submit" in response.text
    assert not mailoutbox
    assert not AuditEvent.objects.filter(action="member_reminded").exists()


def test_the_invitation_page_lists_invitations_stacked_with_a_link_to_cancel_or_resend(
    client, lead, crisis, invitation
):
    page = main_content(client.get(reverse("audiences:invitation_new")))

    assert "<table" not in page
    assert "new@example.org" in page and "Reviewer, Crisis" in page
    assert reverse("audiences:organisation_invitations", args=[crisis.slug]) + f"#invitation-{invitation.pk}" in page


@pytest.fixture
def switched_off_lead(crisis):
    return make_reviewer(organisation=crisis, role=Membership.Role.LEAD, is_active=False)


@pytest.fixture
def programme_admin():
    user = make_user(full_name="Ada Admin")
    user.groups.add(Group.objects.get(name=roles.ADMINS))
    return user


def test_removing_the_last_active_lead_warns_and_acts_only_when_confirmed(
    client, lead, switched_off_lead, programme_admin, crisis
):
    membership = lead.memberships.get()
    url = reverse("audiences:organisation_member_remove", args=[crisis.slug, membership.pk])

    page = main_content(client.get(url))
    assert "the only active lead of this organisation" in page and "Crisis" in page
    assert "Ada Admin" in page and "make another member a lead" in page
    assert 'name="confirmed" value="1"' in page

    response = client.post(url)
    assert response.status_code == 200
    assert "the only active lead of this organisation" in response.text
    assert Membership.objects.filter(pk=membership.pk).exists()
    assert not AuditEvent.objects.filter(action="membership_removed").exists()

    response = client.post(url, {"confirmed": "1"})
    assert response.status_code == 302
    assert not Membership.objects.filter(pk=membership.pk).exists()


def test_demoting_the_last_active_lead_warns_and_acts_only_when_confirmed(
    client, lead, switched_off_lead, programme_admin, crisis
):
    membership = lead.memberships.get()
    url = reverse("audiences:organisation_member_role", args=[crisis.slug, membership.pk])

    response = client.post(url, {"role": "reviewer"})
    page = main_content(response)
    assert "the only active lead of this organisation" in page and "Crisis" in page and "Ada Admin" in page
    assert Membership.objects.get(pk=membership.pk).role == "lead"
    assert not AuditEvent.objects.filter(action="membership_role_changed").exists()

    response = client.post(url, {"role": "reviewer", "confirmed": "1"})
    assert response.status_code == 302
    assert Membership.objects.get(pk=membership.pk).role == "reviewer"


def test_removing_a_lead_when_another_lead_is_active_needs_no_warning(client, lead, crisis):
    other = make_reviewer(organisation=crisis, role=Membership.Role.LEAD)
    url = reverse("audiences:organisation_member_remove", args=[crisis.slug, other.memberships.get().pk])

    assert "only active lead" not in client.get(url).text
    assert client.post(url).status_code == 302


def test_confirming_the_removal_of_no_such_member_is_a_404(client, lead, crisis):
    url = reverse("audiences:organisation_member_remove", args=[crisis.slug, 999999])
    assert client.post(url, {"confirmed": "1"}).status_code == 404
    url = reverse("audiences:organisation_member_role", args=[crisis.slug, 999999])
    assert client.post(url, {"role": "reviewer", "confirmed": "1"}).status_code == 404
