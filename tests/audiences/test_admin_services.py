"""The services behind the admin pages and the organisation lead's pages: each change is checked,
made in one transaction and recorded with what it was before and after."""

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.services.access import account_active_set, account_staff_roles_set
from audiences.models import Audience, Invitation, Membership, Organisation
from audiences.services.audiences import (
    audience_archive_set,
    audience_authors_add,
    audience_create,
    audience_move,
    audience_update,
)
from audiences.services.invitations import (
    InvitationRefused,
    invitation_accept,
    invitation_cancel,
    invitation_create,
    invitation_for_token,
    invitation_resend,
)
from audiences.services.memberships import (
    member_remind,
    membership_create,
    membership_remove,
    membership_role_change,
)
from audiences.services.organisations import organisation_create, organisation_update
from bold_portal import roles
from bold_portal.models import AuditEvent
from tests.factories import make_audience, make_organisation, make_reviewer, make_user

pytestmark = pytest.mark.django_db

GOOD_PASSWORD = "violet-harbour-lantern-42"


@pytest.fixture
def admin():
    user = make_user(email="admin@bold.example")
    user.groups.add(Group.objects.get(name=roles.ADMINS))
    return user


def last_audit(action):
    return AuditEvent.objects.filter(action=action).latest("pk")


def test_an_audience_is_added_at_the_end_with_a_slug_and_an_audit_row(admin):
    make_audience(name="Homelessness", slug="homelessness", display_order=4)

    audience = audience_create(name="Care leavers", description="Young people", colour="#1d70b8", actor=admin)

    assert (audience.slug, audience.display_order) == ("care-leavers", 5)
    event = last_audit("audience_created")
    assert event.actor == admin and event.data["after"]["name"] == "Care leavers"


def test_an_audience_name_is_unique_whatever_its_case_and_nothing_is_written(admin):
    make_audience(name="Homelessness")
    audits = AuditEvent.objects.count()

    with pytest.raises(ValidationError) as error:
        audience_create(name="HOMELESSNESS", actor=admin)

    assert error.value.message_dict == {
        "name": ["There is already an audience called HOMELESSNESS. Choose another name."]
    }
    assert Audience.objects.count() == 1 and AuditEvent.objects.count() == audits


def test_renaming_records_before_and_after_and_keeps_the_slug(admin):
    audience = make_audience(name="Victims", slug="victims")

    audience_update(audience=audience, name="Victims and survivors", description="", colour="#505a5f", actor=admin)

    audience.refresh_from_db()
    assert (audience.name, audience.slug) == ("Victims and survivors", "victims")
    event = last_audit("audience_updated")
    assert event.data == {"before": {"name": "Victims"}, "after": {"name": "Victims and survivors"}}


def test_a_bad_colour_changes_nothing(admin):
    audience = make_audience(name="Victims")

    with pytest.raises(ValidationError) as error:
        audience_update(audience=audience, name="Victims", description="", colour="blue", actor=admin)

    assert "colour" in error.value.message_dict
    audience.refresh_from_db()
    assert audience.colour == "#505a5f"
    assert not AuditEvent.objects.filter(action="audience_updated").exists()


def test_moving_an_audience_swaps_it_with_its_neighbour_and_renumbers(admin):
    first = make_audience(name="A", display_order=10)
    second = make_audience(name="B", display_order=10)
    third = make_audience(name="C", display_order=30)

    audience_move(audience=third, direction="up", actor=admin)

    assert list(Audience.objects.order_by("display_order").values_list("name", flat=True)) == ["A", "C", "B"]
    assert list(Audience.objects.order_by("display_order").values_list("display_order", flat=True)) == [1, 2, 3]
    audience_move(audience=first, direction="up", actor=admin)  # already first: nothing happens
    assert Audience.objects.get(pk=first.pk).display_order == 1
    assert last_audit("audience_moved").data["after"]["order"] == [first.slug, third.slug, second.slug]


def test_an_archived_audience_is_kept_but_not_offered_for_a_new_organisation(admin):
    audience = make_audience(name="Victims")
    kept = make_organisation(name="Survivors Trust", audiences=[audience])

    audience_archive_set(audience=audience, is_archived=True, actor=admin)

    assert list(kept.audiences.all()) == [audience]
    with pytest.raises(ValidationError) as error:
        organisation_create(name="New charity", audiences=[audience], actor=admin)
    assert error.value.message_dict == {"audiences": ["Victims is archived: choose another audience"]}
    # The organisation that already serves it may keep it when it is edited.
    organisation_update(organisation=kept, name="The Survivors Trust", audiences=[audience], actor=admin)
    assert Organisation.objects.get(pk=kept.pk).name == "The Survivors Trust"


def test_an_organisation_needs_a_name_and_an_audience(admin):
    with pytest.raises(ValidationError) as error:
        organisation_create(name="", audiences=[], actor=admin)

    assert set(error.value.message_dict) == {"name", "audiences"}
    assert not Organisation.objects.exists()


def test_changing_an_organisations_audiences_is_recorded(admin):
    homelessness, reoffending = make_audience(name="Homelessness"), make_audience(name="Reoffending")
    organisation = organisation_create(name="Nacro", audiences=[homelessness], actor=admin)

    organisation_update(organisation=organisation, name="Nacro", audiences=[reoffending], actor=admin)

    assert list(organisation.audiences.all()) == [reoffending]
    event = last_audit("organisation_updated")
    assert event.data == {
        "before": {"audiences": [homelessness.slug]},
        "after": {"audiences": [reoffending.slug]},
        "object_name": "Nacro",  # as named when the row was written
    }


# --- BOLD staff invitations -----------------------------------------------------------------------


def test_a_staff_invitation_has_no_organisation_and_the_invitee_sets_their_own_password(admin, mailoutbox):
    invitation, token = invitation_create(
        organisation=None, email="Ana@BOLD.example", role=Invitation.Role.ANALYST, invited_by=admin
    )

    assert invitation.organisation is None and invitation.email == "ana@bold.example"
    assert "BOLD programme staff: Analyst" in mailoutbox[0].body
    user = invitation_accept(raw_token=token, name="Ana Analyst", password=GOOD_PASSWORD)
    assert user.check_password(GOOD_PASSWORD)
    assert list(user.groups.values_list("name", flat=True)) == [roles.ANALYSTS]
    assert not user.memberships.exists()


def test_only_an_admin_can_invite_staff():
    lead = make_reviewer(role=Membership.Role.LEAD)

    with pytest.raises(PermissionDenied):
        invitation_create(organisation=None, email="x@bold.example", role="admin", invited_by=lead)
    assert not Invitation.objects.exists()


def test_a_staff_role_cannot_be_given_in_an_organisation(admin):
    with pytest.raises(ValidationError):
        invitation_create(organisation=make_organisation(), email="x@bold.example", role="admin", invited_by=admin)
    assert not Invitation.objects.exists()


def test_inviting_the_same_address_twice_leaves_only_the_newest_link_working(admin, mailoutbox):
    organisation = make_organisation(name="Crisis")
    older, older_token = invitation_create(
        organisation=organisation, email="sam@example.org", role="reviewer", invited_by=admin
    )
    newer, newer_token = invitation_create(
        organisation=organisation, email="SAM@example.org", role="lead", invited_by=admin
    )

    older.refresh_from_db()
    assert older.cancelled_at is not None and newer.cancelled_at is None
    with pytest.raises(InvitationRefused, match="cancelled"):
        invitation_accept(raw_token=older_token, name="Sam", password=GOOD_PASSWORD)
    user = invitation_accept(raw_token=newer_token, name="Sam", password=GOOD_PASSWORD)
    assert user.memberships.get().role == Membership.Role.LEAD
    assert last_audit("invitation_sent").data["cancelled_invitations"] == [older.pk]


def test_an_invitation_to_another_organisation_does_not_cancel_the_first(admin):
    first, _ = invitation_create(
        organisation=make_organisation(), email="sam@example.org", role="reviewer", invited_by=admin
    )
    invitation_create(organisation=make_organisation(), email="sam@example.org", role="reviewer", invited_by=admin)

    first.refresh_from_db()
    assert first.cancelled_at is None


def test_resending_sends_a_new_link_and_cancels_the_old(admin, mailoutbox):
    organisation = make_organisation()
    lead = make_reviewer(organisation=organisation, role=Membership.Role.LEAD)
    old, old_token = invitation_create(
        organisation=organisation, email="sam@example.org", role="reviewer", invited_by=lead
    )

    new, new_token = invitation_resend(invitation=old, actor=lead)

    old.refresh_from_db()
    assert old.cancelled_at is not None and new.is_pending and len(mailoutbox) == 2
    assert old_token not in mailoutbox[1].body and new_token in mailoutbox[1].body


def test_cancelling_stops_the_link_and_is_recorded(admin):
    invitation, token = invitation_create(
        organisation=make_organisation(), email="sam@example.org", role="reviewer", invited_by=admin
    )

    invitation_cancel(invitation=invitation, actor=admin)

    with pytest.raises(InvitationRefused, match="cancelled"):
        invitation_for_token(token)
    assert last_audit("invitation_cancelled").data["before"] == {"cancelled_at": None}


def test_a_lead_of_another_organisation_cannot_cancel_or_resend(admin):
    invitation, _ = invitation_create(
        organisation=make_organisation(), email="sam@example.org", role="reviewer", invited_by=admin
    )
    other_lead = make_reviewer(role=Membership.Role.LEAD)

    with pytest.raises(PermissionDenied):
        invitation_cancel(invitation=invitation, actor=other_lead)
    with pytest.raises(PermissionDenied):
        invitation_resend(invitation=invitation, actor=other_lead)
    invitation.refresh_from_db()
    assert invitation.cancelled_at is None


# --- Accounts ---------------------------------------------------------------------------------------


def test_switching_an_account_off_and_on_is_recorded(admin):
    person = make_user()

    account_active_set(user=person, is_active=False, actor=admin)
    person.refresh_from_db()
    assert not person.is_active
    assert last_audit("account_switched_off").data == {"before": {"is_active": True}, "after": {"is_active": False}}
    account_active_set(user=person, is_active=True, actor=admin)
    person.refresh_from_db()
    assert person.is_active


def test_an_admin_cannot_switch_themselves_off(admin):
    with pytest.raises(ValidationError) as error:
        account_active_set(user=admin, is_active=False, actor=admin)

    assert error.value.message_dict == {"is_active": ["You cannot switch off your own account. Ask another admin."]}
    admin.refresh_from_db()
    assert admin.is_active


def test_staff_roles_are_set_exactly_and_recorded(admin):
    person = make_user()
    person.groups.add(Group.objects.get(name=roles.ANALYSTS))

    account_staff_roles_set(user=person, roles=["author", "admin"], actor=admin)

    assert set(person.groups.values_list("name", flat=True)) == {roles.AUTHORS, roles.ADMINS}
    event = last_audit("account_roles_changed")
    assert event.data == {"before": {"roles": [roles.ANALYSTS]}, "after": {"roles": [roles.AUTHORS, roles.ADMINS]}}


def test_an_admin_cannot_take_away_their_own_admin_role(admin):
    with pytest.raises(ValidationError):
        account_staff_roles_set(user=admin, roles=["analyst"], actor=admin)
    assert admin.groups.filter(name=roles.ADMINS).exists()


# --- Memberships ------------------------------------------------------------------------------------


@pytest.fixture
def crisis():
    return make_organisation(name="Crisis")


@pytest.fixture
def lead(crisis):
    return make_reviewer(organisation=crisis, role=Membership.Role.LEAD, full_name="Lee Lead")


def test_a_lead_changes_a_members_role(crisis, lead):
    member = make_reviewer(organisation=crisis).memberships.get()

    membership_role_change(membership=member, role=Membership.Role.LEAD, actor=lead)

    assert Membership.objects.get(pk=member.pk).role == Membership.Role.LEAD
    assert last_audit("membership_role_changed").data["after"] == {"role": "lead"}


def test_the_last_lead_cannot_step_down_or_be_removed(crisis, lead):
    membership = lead.memberships.get()

    with pytest.raises(ValidationError, match="only lead of Crisis"):
        membership_role_change(membership=membership, role=Membership.Role.REVIEWER, actor=lead)
    with pytest.raises(ValidationError, match="only lead of Crisis"):
        membership_remove(membership=membership, actor=lead)
    assert Membership.objects.get(pk=membership.pk).role == Membership.Role.LEAD


def test_a_lead_can_leave_when_another_lead_remains(crisis, lead):
    make_reviewer(organisation=crisis, role=Membership.Role.LEAD)

    membership_remove(membership=lead.memberships.get(), actor=lead)

    assert not lead.memberships.exists()
    assert last_audit("membership_removed").data["before"]["role"] == "lead"


def test_removing_a_member_keeps_their_account(crisis, lead):
    member = make_reviewer(organisation=crisis)

    membership_remove(membership=member.memberships.get(), actor=lead)

    member.refresh_from_db()
    assert member.is_active and not member.memberships.exists()


def test_a_lead_of_another_organisation_cannot_change_members(crisis):
    member = make_reviewer(organisation=crisis).memberships.get()
    other_lead = make_reviewer(role=Membership.Role.LEAD)

    with pytest.raises(PermissionDenied):
        membership_role_change(membership=member, role="lead", actor=other_lead)
    with pytest.raises(PermissionDenied):
        membership_remove(membership=member, actor=other_lead)
    assert Membership.objects.get(pk=member.pk).role == "reviewer"


def test_a_reminder_is_emailed_and_recorded(crisis, lead, mailoutbox):
    member = make_reviewer(organisation=crisis, full_name="Rae Reviewer")

    member_remind(organisation=crisis, user=member, items=["Repeat homelessness (Spring)"], actor=lead)

    assert mailoutbox[0].to == [member.email] and mailoutbox[0].reply_to == [lead.email]
    assert "Repeat homelessness (Spring)" in mailoutbox[0].body and "Lee Lead" in mailoutbox[0].body
    assert last_audit("member_reminded").data["items"] == ["Repeat homelessness (Spring)"]


def test_nobody_outside_the_organisation_is_reminded(crisis, lead, mailoutbox):
    with pytest.raises(ValidationError):
        member_remind(organisation=crisis, user=make_reviewer(), items=["Something"], actor=lead)
    assert not mailoutbox


# --- Places and authors given by the portal (create-only) ----------------------------------------


def test_a_place_in_an_organisation_is_created_once_with_an_audit_row():
    organisation, user = make_organisation(), make_user()

    membership = membership_create(user=user, organisation=organisation, role=Membership.Role.LEAD, actor=None)

    assert (membership.user, membership.organisation, membership.role) == (user, organisation, "lead")
    event = last_audit("membership_created")
    assert (event.object_id, event.data["after"]) == (str(membership.pk), {"role": "lead"})
    with pytest.raises(ValidationError):
        membership_create(user=user, organisation=organisation, role=Membership.Role.REVIEWER, actor=None)
    assert Membership.objects.get(user=user).role == "lead"
    assert AuditEvent.objects.filter(action="membership_created").count() == 1


def test_a_place_needs_a_known_role_and_someone_who_may_manage_the_organisation():
    organisation, user = make_organisation(), make_user()

    with pytest.raises(ValidationError):
        membership_create(user=user, organisation=organisation, role="boss", actor=None)
    with pytest.raises(PermissionDenied):
        membership_create(user=user, organisation=organisation, role=Membership.Role.REVIEWER, actor=make_user())
    assert not Membership.objects.exists()


def test_authors_are_added_once_with_an_audit_row():
    audience, author = make_audience(), make_user()

    audience_authors_add(audience=audience, users=[author], actor=None)

    assert list(audience.authors.all()) == [author]
    assert last_audit("audience_authors_added").data["users"] == [author.pk]
    with pytest.raises(ValidationError) as refused:
        audience_authors_add(audience=audience, users=[author], actor=None)
    assert f"{author.email} is already an author of {audience.name}." in refused.value.messages
    assert AuditEvent.objects.filter(action="audience_authors_added").count() == 1
