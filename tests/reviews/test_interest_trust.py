"""Conflicts of interest people can trust: declaring shows what it takes away and
asks to confirm; the people affected are told by email; withdrawing or overriding can give the
assignments back; once the organisation's reviews were counted in a closed round only an admin may
withdraw the declaration, with a reason. Bad input on every new form: a clear error, nothing changed."""

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from bold_portal.models import AuditEvent
from reviews.models import Assignment, DeclaredInterest, ReviewRound
from reviews.services.interests import interest_declare, interest_override, interest_withdraw
from tests.factories import close_round, make_reviewer
from tests.pages import main_content
from tests.reviews.test_declared_interests import CONTRACT, World, confirm

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return World()


def pairs():
    return sorted(
        (a.round_id, a.version_id, a.reviewer_id or 0, a.organisation_id or 0)
        for a in Assignment.objects.filter(round__status="open")
    )


def test_the_confirmation_page_lists_what_is_taken_away_and_whose(client, world):
    client.force_login(world.lead)
    url = reverse("reviews:organisation_interests", args=["nacro"])
    response = client.post(url, {"use_case": world.use_case.pk, "reason": CONTRACT})
    page = main_content(response)
    assert "Declaring takes away 2 assignments" in page
    assert world.round.name in page and "Prison leavers and housing" in page
    assert "Nacro (the organisation)" in page and "(in person)" in page
    assert Assignment.objects.filter(round=world.round).count() == 2


def test_what_changed_since_the_check_is_refused_and_shown_again(client, world):
    client.force_login(world.lead)
    url = reverse("reviews:organisation_interests", args=["nacro"])
    response = client.post(url, {"use_case": world.use_case.pk, "reason": CONTRACT})
    Assignment.objects.filter(reviewer=world.reviewer).delete()  # someone else changed the round meanwhile
    before = AuditEvent.objects.count()
    response = confirm(client, url, response)
    assert response.status_code == 409
    assert "have changed since you checked them" in main_content(response)
    assert "Declaring takes away 1 assignment " in main_content(response)
    assert not DeclaredInterest.objects.exists() and AuditEvent.objects.count() == before


@pytest.mark.parametrize("expected", ["1,x", "1;2", "9" * 10_001])
def test_a_confirmation_with_a_garbled_list_changes_nothing(client, world, expected):
    client.force_login(world.lead)
    url = reverse("reviews:organisation_interests", args=["nacro"])
    data = {"use_case": world.use_case.pk, "reason": CONTRACT, "expected": expected, "confirmed": "on"}
    response = client.post(url, data)
    assert response.status_code == 200
    assert "The list of assignments to take away was not understood" in main_content(response)
    assert not DeclaredInterest.objects.exists() and Assignment.objects.filter(round=world.round).count() == 2


def test_the_people_affected_are_told_by_email(world, django_capture_on_commit_callbacks, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    with django_capture_on_commit_callbacks(execute=True):
        world.declare()
    to = sorted(address for message in mail.outbox for address in message.to)
    assert to == sorted({world.reviewer.email, world.lead.email})
    assert all("Nacro declared an interest" in message.subject for message in mail.outbox)
    assert all("Prison leavers and housing" in message.body for message in mail.outbox)


def test_every_member_an_organisation_wide_assignment_expected_is_told(world, django_capture_on_commit_callbacks):
    second = make_reviewer(organisation=world.nacro, email="second@nacro.example")
    with django_capture_on_commit_callbacks(execute=True):
        world.declare()
    by_address = {message.to[0]: message.body for message in mail.outbox}
    assert sorted(by_address) == sorted({world.reviewer.email, world.lead.email, second.email})
    assert "given to Nacro" in by_address[second.email] and "given to you" not in by_address[second.email]
    assert "given to Nacro" in by_address[world.reviewer.email] and "given to you" in by_address[world.reviewer.email]


@pytest.mark.parametrize("how", ["withdraw", "override"])
def test_withdrawing_or_overriding_can_give_the_assignments_back(world, how):
    given = pairs()
    interest = world.declare()
    assert pairs() == []
    if how == "withdraw":
        interest_withdraw(interest=interest, actor=world.lead, restore=True)
    else:
        interest_override(interest=interest, reason="Agreed with the board.", actor=world.admin, restore=True)
    assert pairs() == given
    event = AuditEvent.objects.filter(
        action={"withdraw": "interest_withdrawn", "override": "interest_overridden"}[how]
    ).get()
    assert len(event.data["assignments_given_back"]) == 2 and event.data["assignments_not_given_back"] == 0


def test_without_restore_nothing_is_given_back_and_the_page_offers_it(client, world):
    interest = world.declare()
    client.force_login(world.admin)
    page = main_content(client.get(reverse("interests:detail", args=[interest.pk])))
    assert "Give back the assignments declaring took away" in page
    interest_withdraw(interest=interest, actor=world.admin)
    assert pairs() == []


def counted_world(world):
    """Nacro's reviewer submitted a review, counted when the round closed; then Nacro declared."""
    world.review()
    close_round(world.round)
    return interest_declare(organisation=world.nacro, use_case=world.use_case, reason=CONTRACT, actor=world.lead)


def test_a_lead_cannot_withdraw_a_declaration_whose_reviews_were_counted(client, world):
    interest = counted_world(world)
    with pytest.raises(PermissionDenied):
        interest_withdraw(interest=interest, actor=world.lead)
    client.force_login(world.lead)
    url = reverse("reviews:organisation_interest_withdraw", args=["nacro", interest.pk])
    page = main_content(client.get(url))
    assert "only a programme admin can withdraw it" in page and "<button" not in page
    assert client.post(url).status_code == 403
    interest.refresh_from_db()
    assert interest.withdrawn_at is None


def test_an_admin_withdraws_a_counted_declaration_only_with_a_reason(client, world):
    interest = counted_world(world)
    with pytest.raises(ValidationError):
        interest_withdraw(interest=interest, actor=world.admin, reason=" ")
    client.force_login(world.admin)
    url = reverse("interests:withdraw", args=[interest.pk])
    before = AuditEvent.objects.count()
    for reason, message in [("", "Say why the declaration is withdrawn"), ("x" * 2001, "2,000 characters or fewer")]:
        response = client.post(url, {"reason": reason})
        assert message in main_content(response) and "Error:" in response.text
        assert AuditEvent.objects.count() == before
    assert client.post(url, {"reason": "Declared in error: no contract exists."}).status_code == 302
    interest.refresh_from_db()
    assert interest.withdraw_reason == "Declared in error: no contract exists." and interest.withdrawn_by == world.admin
    assert AuditEvent.objects.get(action="interest_withdrawn").data["reason"] == interest.withdraw_reason
    assert ReviewRound.objects.get(pk=world.round.pk).status == ReviewRound.Status.CLOSED
