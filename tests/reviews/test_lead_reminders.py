"""A lead's reminders: a page to confirm first, who was last reminded and when,
at most one a person a day (said on the page, refused by the service and the database), and a
link to each use case in the email."""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.services.personal_data import account_erase, personal_data_purge
from audiences.models import MemberReminder, Membership
from audiences.services.memberships import member_remind
from bold_portal.models import AuditEvent
from bold_portal.roles import ADMINS
from tests.factories import make_assignment, make_organisation, make_reviewer, make_round, make_user, make_version
from tests.pages import main_content

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(client):
    crisis = make_organisation(name="Crisis", slug="crisis")
    lead = make_reviewer(organisation=crisis, role=Membership.Role.LEAD, full_name="Lee Lead")
    member = make_reviewer(organisation=crisis, email="rae@crisis.example", full_name="Rae Reviewer")
    version = make_version(title="Repeat homelessness")
    review_round = make_round(name="Spring round", slug="spring")
    make_assignment(review_round=review_round, version=version, reviewer=member)
    client.force_login(lead)
    return {
        "crisis": crisis,
        "lead": lead,
        "member": member,
        "version": version,
        "round": review_round,
        "remind": reverse("reviews:organisation_remind", args=["crisis"]),
        "page": reverse("reviews:organisation_reviews", args=["crisis"]),
    }


def test_a_reminder_is_confirmed_first_then_sent_with_links_and_shown_as_last_reminded(client, world, mailoutbox):
    page = main_content(client.get(world["page"]))
    assert "Not reminded yet" in page
    assert "one reminder a day" in page

    confirm = main_content(client.get(world["remind"], {"member": world["member"].pk}))
    assert "Send a reminder to Rae Reviewer" in confirm
    assert "Repeat homelessness (Spring round)" in confirm
    assert "one reminder a day" in confirm
    assert not mailoutbox and not MemberReminder.objects.exists()

    assert client.post(world["remind"], {"member": world["member"].pk}).status_code == 302
    use_case_url = reverse("reviews:use_case", args=["spring", world["version"].use_case.slug, world["version"].number])
    assert use_case_url in mailoutbox[0].body
    assert use_case_url in mailoutbox[0].alternatives[0][0]
    page = main_content(client.get(world["page"]))
    assert "Last reminded on" in page and "by Lee Lead" in page
    assert "Reminded today" in page


def test_a_second_reminder_the_same_day_is_refused(client, world, mailoutbox):
    client.post(world["remind"], {"member": world["member"].pk})
    before = AuditEvent.objects.count()
    response = client.post(world["remind"], {"member": world["member"].pk}, follow=True)
    assert "already been sent a reminder today" in main_content(response)
    assert len(mailoutbox) == 1
    assert MemberReminder.objects.count() == 1
    assert AuditEvent.objects.count() == before
    confirm = main_content(client.get(world["remind"], {"member": world["member"].pk}))
    assert 'type="submit"' not in confirm.split("Last reminded")[1]
    with pytest.raises(ValidationError, match="already been sent a reminder today"):
        member_remind(organisation=world["crisis"], user=world["member"], items=["x"], actor=world["lead"])


def test_the_database_holds_one_reminder_a_person_a_day(world):
    now = timezone.now()
    row = {"organisation": world["crisis"], "user": world["member"], "sent_at": now, "sent_on": now.date()}
    MemberReminder.objects.create(**row)
    with pytest.raises(IntegrityError), transaction.atomic():
        MemberReminder.objects.create(**row)


@pytest.mark.parametrize("member", ["", "abc", "999999"])
def test_a_reminder_to_nobody_sends_nothing(client, world, mailoutbox, member):
    for response in (client.get(world["remind"], {"member": member}), client.post(world["remind"], {"member": member})):
        assert response.status_code == 302
    assert not mailoutbox and not MemberReminder.objects.exists()


def test_reminders_are_purged_after_90_days_and_erased_with_the_person(world):
    now = timezone.now()
    old = now - datetime.timedelta(days=91)
    MemberReminder.objects.create(organisation=world["crisis"], user=world["member"], sent_at=old, sent_on=old.date())
    kept = MemberReminder.objects.create(
        organisation=world["crisis"], user=world["member"], sent_at=now, sent_on=now.date()
    )
    assert personal_data_purge(now=now)["member_reminders"] == 1
    assert list(MemberReminder.objects.all()) == [kept]
    admin = make_user(email="admin@bold.example")
    admin.groups.add(Group.objects.get(name=ADMINS))
    account_erase(user=world["member"], actor=admin)
    assert not MemberReminder.objects.exists()
