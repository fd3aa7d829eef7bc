"""A lead chooses which members review an organisation-wide assignment. By default the
lead is not expected when the organisation has other members; every page, email and count that asks
who is expected reads the same rule (reviews.selectors.expected)."""

import datetime
import re

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from accounts.services.personal_data import account_erase
from audiences.models import Membership
from bold_portal import roles
from bold_portal.models import AuditEvent
from reviews.models import ChosenReviewer, ReviewRound
from reviews.selectors.emails import reminders_due, round_people
from reviews.selectors.progress import expected_reviews_by_round, round_progress_totals
from reviews.services.chosen_reviewers import assignment_reviewers_choose
from tests.factories import make_assignment, make_organisation, make_reviewer, make_round, make_user, make_version
from tests.reviews.test_organisation_reviews import card, crisis  # noqa: F401 (the world, as a fixture)

pytestmark = pytest.mark.django_db


def shared_assignment(world):
    return world.round.assignments.get(version=world.shared)


def membership(world, user) -> Membership:
    return Membership.objects.get(user=user, organisation=world.organisation)


def chooser_url(world, assignment=None) -> str:
    assignment = assignment or shared_assignment(world)
    return reverse("reviews:organisation_assignment_reviewers", args=[world.organisation.slug, assignment.pk])


def everywhere(world) -> dict:
    """Who is expected for the shared use case, as each reader of the rule sees it."""
    due = shared_assignment(world).due_on
    return {
        "emails": sorted(
            person.user.email
            for person in round_people(world.round)
            if any(item.version == world.shared for item in person.items)
        ),
        "reminders": sorted(
            reminder.person_id
            for reminder in reminders_due(dates=[due])
            if reminder.assignment_id == shared_assignment(world).pk
        ),
        "progress": round_progress_totals(world.round).expected,
        "rounds page": expected_reviews_by_round([world.round.pk])[world.round.pk],
    }


def test_by_default_the_lead_is_not_expected_when_the_organisation_has_other_members(crisis):  # noqa: F811
    seen = everywhere(crisis)
    assert seen["emails"] == ["amara@crisis.example", "ben@crisis.example", "chris@crisis.example"]
    assert seen["reminders"] == sorted([crisis.amara.pk, crisis.ben.pk, crisis.chris.pk])
    assert seen["progress"] == seen["rounds page"] == 4  # and Amara for her own use case


def test_an_organisation_of_leads_only_expects_its_leads(db):
    organisation = make_organisation()
    lead = make_reviewer(organisation=organisation, role=Membership.Role.LEAD)
    make_reviewer(organisation=organisation, role=Membership.Role.LEAD, is_active=False)
    review_round = make_round()
    make_assignment(review_round=review_round, version=make_version(), organisation=organisation)
    assert [person.user for person in round_people(review_round)] == [lead]
    assert round_progress_totals(review_round).expected == 1


def test_the_choice_is_what_every_page_email_and_count_reads(crisis):  # noqa: F811
    assignment_reviewers_choose(
        assignment=shared_assignment(crisis),
        memberships=[membership(crisis, crisis.lead), membership(crisis, crisis.ben)],
        actor=crisis.lead,
    )
    seen = everywhere(crisis)
    assert seen["emails"] == ["ben@crisis.example", "lead@crisis.example"]
    assert seen["reminders"] == sorted([crisis.lead.pk, crisis.ben.pk])
    assert seen["progress"] == seen["rounds page"] == 3  # Lee and Ben, and Amara for her own

    event = AuditEvent.objects.get(action="assignment_reviewers_chosen")
    assert event.data["before"] == {"accounts": []}
    assert event.data["after"] == {"accounts": sorted([crisis.lead.pk, crisis.ben.pk])}


def test_in_an_open_round_only_the_members_newly_chosen_are_told(
    crisis,  # noqa: F811
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    assert crisis.round.status == ReviewRound.Status.OPEN
    with django_capture_on_commit_callbacks(execute=True):
        assignment_reviewers_choose(
            assignment=shared_assignment(crisis),
            memberships=[membership(crisis, crisis.lead), membership(crisis, crisis.ben)],
            actor=crisis.lead,
        )
    # Ben was expected already (every member but the lead, by default): only the lead is new to it.
    assert [message.to for message in mailoutbox] == [["lead@crisis.example"]]
    assert crisis.shared.title in mailoutbox[0].subject


def test_choosing_again_replaces_the_choice_and_a_member_who_leaves_is_no_longer_chosen(crisis):  # noqa: F811
    assignment = shared_assignment(crisis)
    assignment_reviewers_choose(assignment=assignment, memberships=[membership(crisis, crisis.ben)], actor=crisis.lead)
    assignment_reviewers_choose(
        assignment=assignment, memberships=[membership(crisis, crisis.amara)], actor=crisis.lead
    )
    assert everywhere(crisis)["emails"] == ["amara@crisis.example"]
    membership(crisis, crisis.amara).delete()
    assert not ChosenReviewer.objects.filter(assignment=assignment).exists()
    assert everywhere(crisis)["emails"] == ["ben@crisis.example", "chris@crisis.example"]  # the default again


def test_the_service_refuses_what_cannot_be_chosen(crisis):  # noqa: F811
    assignment = shared_assignment(crisis)
    outsider = make_reviewer()
    with pytest.raises(Exception, match="Choose at least one member"):
        assignment_reviewers_choose(assignment=assignment, memberships=[], actor=crisis.lead)
    with pytest.raises(Exception, match="Choose from the active members of Crisis"):
        assignment_reviewers_choose(
            assignment=assignment, memberships=[Membership.objects.get(user=outsider)], actor=crisis.lead
        )
    personal = crisis.round.assignments.get(version=crisis.personal)
    with pytest.raises(Exception, match="given to a whole organisation"):
        assignment_reviewers_choose(
            assignment=personal, memberships=[membership(crisis, crisis.amara)], actor=crisis.lead
        )
    ReviewRound.objects.filter(pk=crisis.round.pk).update(status=ReviewRound.Status.CLOSED, closed_at=timezone.now())
    with pytest.raises(Exception, match="This round has closed"):
        assignment_reviewers_choose(
            assignment=assignment, memberships=[membership(crisis, crisis.amara)], actor=crisis.lead
        )
    assert not ChosenReviewer.objects.exists()
    assert not AuditEvent.objects.filter(action="assignment_reviewers_chosen").exists()


# The lead's page


def test_the_lead_chooses_on_a_checkboxes_page_without_javascript(client, crisis):  # noqa: F811
    client.force_login(crisis.lead)
    shared = card(client.get(crisis.url), "Repeat homelessness")
    assert "Choose who reviews it" in shared

    page = client.get(chooser_url(crisis)).content.decode()
    assert 'type="checkbox"' in page and "<script" not in page.split("<main")[1].split("</main>")[0]
    assert "Lee (organisation lead)" in page
    # Ticked now: the default, everyone but the lead.
    for person in (crisis.amara, crisis.ben, crisis.chris):
        assert re.search(rf'value="{membership(crisis, person).pk}"\s+checked', page)
    assert not re.search(rf'value="{membership(crisis, crisis.lead).pk}"\s+checked', page)

    response = client.post(chooser_url(crisis), {"members": [membership(crisis, crisis.ben).pk]})
    assert response.status_code == 302
    assert response["Location"].startswith(crisis.url)
    shared = card(client.get(response["Location"]), "Repeat homelessness")
    assert "Submitted 0 of 1" in shared and "Amara" not in shared


@pytest.mark.parametrize(
    "members, message",
    [
        ([], "Choose at least one member to review this use case"),
        (["not-a-number"], "Choose members from the list"),
        (["999999"], "Choose members from the list"),
    ],
)
def test_bad_input_is_refused_with_a_message_and_changes_nothing(client, crisis, members, message):  # noqa: F811
    client.force_login(crisis.lead)
    response = client.post(chooser_url(crisis), {"members": members})
    page = response.content.decode()
    assert response.status_code == 400
    assert "<title>Error: " in page and message in page
    assert not ChosenReviewer.objects.exists()


def test_a_member_of_another_organisation_or_who_has_left_cannot_be_chosen(client, crisis):  # noqa: F811
    outsider = Membership.objects.get(user=make_reviewer())
    crisis.chris.is_active = False
    crisis.chris.save()
    client.force_login(crisis.lead)
    for chosen in (outsider, membership(crisis, crisis.chris)):
        response = client.post(chooser_url(crisis), {"members": [chosen.pk]})
        assert response.status_code == 400 and "Choose members from the list" in response.content.decode()
    assert not ChosenReviewer.objects.exists()


def test_other_assignments_are_not_found(client, crisis):  # noqa: F811
    client.force_login(crisis.lead)
    personal = crisis.round.assignments.get(version=crisis.personal)
    other = make_assignment(review_round=crisis.round, version=make_version(), organisation=make_organisation())
    draft = make_round(status=ReviewRound.Status.DRAFT)
    in_draft = make_assignment(review_round=draft, version=make_version(), organisation=crisis.organisation)
    for assignment in (personal, other, in_draft):
        assert client.get(chooser_url(crisis, assignment)).status_code == 404
        assert client.post(chooser_url(crisis, assignment), {"members": [1]}).status_code == 404
    client.force_login(make_reviewer(role=Membership.Role.LEAD))
    assert client.get(chooser_url(crisis)).status_code == 404
    client.force_login(crisis.amara)
    assert client.post(chooser_url(crisis), {"members": [membership(crisis, crisis.amara).pk]}).status_code == 404
    assert not ChosenReviewer.objects.exists()


def test_the_due_date_is_unchanged_by_a_choice(crisis):  # noqa: F811
    assignment = shared_assignment(crisis)
    assignment_reviewers_choose(assignment=assignment, memberships=[membership(crisis, crisis.ben)], actor=crisis.lead)
    assert shared_assignment(crisis).due_on == timezone.localdate() - datetime.timedelta(1)


def test_erasing_an_account_removes_its_places_in_choices_and_its_name_from_those_it_made(crisis):  # noqa: F811
    assignment = shared_assignment(crisis)
    assignment_reviewers_choose(
        assignment=assignment,
        memberships=[membership(crisis, crisis.amara), membership(crisis, crisis.ben)],
        actor=crisis.lead,
    )
    admin = make_user()
    admin.groups.add(Group.objects.get(name=roles.ADMINS))
    account_erase(user=crisis.amara, actor=admin)
    account_erase(user=crisis.lead, actor=admin)
    rows = ChosenReviewer.objects.filter(assignment=assignment)
    assert [(row.membership.user_id, row.chosen_by_id) for row in rows] == [(crisis.ben.pk, None)]
