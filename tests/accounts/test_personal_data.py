"""Personal data: erasing an account on request (its reviews stay, as a former reviewer's) and the
nightly purge of what has outlived its retention period."""

import datetime
from unittest import mock

import pytest
from axes.models import AccessLog
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts import tasks
from accounts.services.personal_data import account_erase, erased_email, personal_data_purge
from audiences.models import Invitation, Membership
from audiences.services.invitations import invitation_create
from bold_portal import roles
from bold_portal.models import AuditEvent, audit
from reviews.models import Review
from reviews.services.reviews import VerdictInput, review_save
from tests.factories import (
    make_in_group,
    make_organisation,
    make_principle,
    make_reviewer,
    make_round,
    make_version,
)
from tests.pages import main_content

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin():
    return make_in_group(roles.ADMINS)


def at(moment):
    return mock.patch("django.utils.timezone.now", return_value=moment)


@pytest.fixture
def reviewer_with_a_review():
    organisation = make_organisation(name="Crisis")
    reviewer = make_reviewer(organisation=organisation, email="sam.jones@example.org", full_name="Sam Jones")
    principle = make_principle()
    version = make_version()
    review_round = make_round(principles=[principle], versions=[version])
    review = review_save(
        reviewer=reviewer,
        review_round=review_round,
        version=version,
        verdicts=[VerdictInput(principle_id=principle.pk, verdict="meets")],
        overall_comment="Clear",
        expected_lock_version=0,
        submit=True,
    )
    return reviewer, review


# --- Erasure --------------------------------------------------------------------------------------


def test_erasing_removes_name_address_memberships_invitations_and_sessions(admin, reviewer_with_a_review):
    reviewer, review = reviewer_with_a_review
    organisation = reviewer.memberships.get().organisation
    lead = make_reviewer(organisation=organisation, role=Membership.Role.LEAD)
    invitation_create(organisation=organisation, email="SAM.JONES@example.org", role="lead", invited_by=lead)
    signed_in = Client()
    signed_in.force_login(reviewer)
    AccessLog.objects.create(username=reviewer.email, ip_address="192.0.2.1", user_agent="test")

    account_erase(user=reviewer, actor=admin)

    reviewer.refresh_from_db()
    assert reviewer.email == erased_email(reviewer) == f"erased-{reviewer.pk}@erased.invalid"
    assert reviewer.full_name == "" and not reviewer.has_usable_password() and not reviewer.is_active
    assert reviewer.erased_at is not None
    assert str(reviewer) == reviewer.get_short_name() == "Former reviewer"
    assert not Membership.objects.filter(user=reviewer).exists()
    assert not Invitation.objects.filter(email__iexact="sam.jones@example.org").exists()
    assert not AccessLog.objects.filter(username__iexact="sam.jones@example.org").exists()
    assert not any(s.get_decoded().get("_auth_user_id") == str(reviewer.pk) for s in Session.objects.all())
    assert signed_in.get(reverse("home")).status_code == 302, "signed out everywhere"
    # The review stays with the same (now anonymous) account, so its pseudonym does not change.
    assert Review.objects.get(pk=review.pk).reviewer_id == reviewer.pk


def test_erasure_is_audited_without_personal_data_and_no_row_ever_held_it(admin, reviewer_with_a_review):
    reviewer, _review = reviewer_with_a_review
    invitation_create(organisation=None, email="new.analyst@example.org", role="analyst", invited_by=admin)

    account_erase(user=reviewer, actor=admin)

    event = AuditEvent.objects.get(action="account_erased")
    assert event.actor == admin and event.object_id == str(reviewer.pk)
    assert event.before["memberships"] and event.after["memberships"] == []
    text = str(list(AuditEvent.objects.values_list("data", flat=True)))
    for personal in ("sam.jones@example.org", "Sam Jones", "new.analyst@example.org"):
        assert personal not in text


def test_nobody_can_erase_their_own_account_and_erasing_twice_is_refused(admin, reviewer_with_a_review):
    reviewer, _review = reviewer_with_a_review

    with pytest.raises(ValidationError, match="your own account"):
        account_erase(user=admin, actor=admin)
    account_erase(user=reviewer, actor=admin)
    with pytest.raises(ValidationError, match="already been erased"):
        account_erase(user=reviewer, actor=admin)

    admin.refresh_from_db()
    assert admin.erased_at is None and admin.is_active
    assert AuditEvent.objects.filter(action="account_erased").count() == 1


def test_the_erase_page_asks_for_confirmation_then_erases(client, admin, reviewer_with_a_review):
    reviewer, _review = reviewer_with_a_review
    client.force_login(admin)
    url = reverse("audiences:manage_person_erase", args=[reviewer.pk])

    assert url in main_content(client.get(reverse("audiences:manage_person", args=[reviewer.pk])))
    page = main_content(client.get(url))
    assert "sam.jones@example.org" in page and "Crisis" in page and "cannot be undone" in page
    reviewer.refresh_from_db()
    assert reviewer.erased_at is None, "opening the page changes nothing"

    response = client.post(url, follow=True)

    reviewer.refresh_from_db()
    assert reviewer.erased_at is not None
    page = main_content(response)
    assert "Former reviewer" in page and "sam.jones@example.org" not in page
    assert client.get(url).status_code == 404, "nothing left to erase"
    people = main_content(client.get(reverse("audiences:manage_people")))
    assert "Former reviewer" in people and "Sam Jones" not in people


def test_the_erase_page_refuses_your_own_account_in_words(client, admin):
    client.force_login(admin)
    url = reverse("audiences:manage_person_erase", args=[admin.pk])

    assert "You cannot erase your own account" in main_content(client.get(url))
    page = main_content(client.post(url))

    assert "There is a problem" in page
    admin.refresh_from_db()
    assert admin.erased_at is None


def test_the_erase_page_is_a_404_for_everyone_but_admins(client, reviewer_with_a_review):
    reviewer, _review = reviewer_with_a_review
    url = reverse("audiences:manage_person_erase", args=[reviewer.pk])
    for person in (make_reviewer(), make_in_group(roles.ANALYSTS), reviewer):
        client.force_login(person)
        assert client.get(url).status_code == 404
        assert client.post(url).status_code == 404
    reviewer.refresh_from_db()
    assert reviewer.erased_at is None


def test_an_erased_account_cannot_be_switched_back_on(client, admin, reviewer_with_a_review):
    reviewer, _review = reviewer_with_a_review
    account_erase(user=reviewer, actor=admin)
    client.force_login(admin)

    client.post(reverse("audiences:manage_person_active", args=[reviewer.pk]), {"is_active": "on"})

    reviewer.refresh_from_db()
    assert not reviewer.is_active


# --- Retention ------------------------------------------------------------------------------------


def _invitation(*, email, admin, made, accepted=False, cancelled=False):
    with at(made):
        invitation, _token = invitation_create(organisation=None, email=email, role="analyst", invited_by=admin)
    if accepted:
        Invitation.objects.filter(pk=invitation.pk).update(accepted_at=made + datetime.timedelta(days=1))
    if cancelled:
        Invitation.objects.filter(pk=invitation.pk).update(cancelled_at=made + datetime.timedelta(days=1))
    return invitation


def test_the_purge_deletes_what_has_outlived_its_retention_period(admin):
    now = timezone.now()
    old = now - datetime.timedelta(days=settings.RETENTION_INVITATIONS_DAYS + 1)
    used = _invitation(email="used@example.org", admin=admin, made=old, accepted=True)
    cancelled = _invitation(email="cancelled@example.org", admin=admin, made=old, cancelled=True)
    expired = _invitation(email="expired@example.org", admin=admin, made=old)
    recent = _invitation(email="recent@example.org", admin=admin, made=now - datetime.timedelta(days=5))
    with at(now - datetime.timedelta(days=settings.RETENTION_AUDIT_DAYS + 1)):
        old_row = audit(actor=admin, action="account_switched_on", obj=admin)
    with at(now - datetime.timedelta(days=settings.RETENTION_SIGN_IN_RECORDS_DAYS + 1)):
        AccessLog.objects.create(username="someone@example.org", ip_address="192.0.2.1", user_agent="test")
    AccessLog.objects.create(username="today@example.org", ip_address="192.0.2.2", user_agent="test")
    Session.objects.create(session_key="expired", session_data="", expire_date=now - datetime.timedelta(seconds=1))
    Session.objects.create(session_key="current", session_data="", expire_date=now + datetime.timedelta(hours=1))
    audit_rows = AuditEvent.objects.count()

    purged = personal_data_purge(now=now)

    assert set(Invitation.objects.values_list("pk", flat=True)) == {recent.pk}
    assert not Invitation.objects.filter(pk__in=[used.pk, cancelled.pk, expired.pk]).exists()
    assert list(Session.objects.values_list("session_key", flat=True)) == ["current"]
    assert list(AccessLog.objects.values_list("username", flat=True)) == ["today@example.org"]
    assert not AuditEvent.objects.filter(pk=old_row.pk).exists()
    assert AuditEvent.objects.count() == audit_rows - 1
    assert purged == {
        "invitations": 3,
        "sessions": 1,
        "sign_in_records": 1,
        "audit_rows": 1,
        "member_reminders": 0,
        "kept_review_posts": 0,
        "outbox_messages": 0,
        "matrix_exports": 0,
    }


def test_a_pending_invitation_is_kept_however_old_its_row(admin, settings):
    settings.RETENTION_INVITATIONS_DAYS = 1
    now = timezone.now()
    waiting = _invitation(email="waiting@example.org", admin=admin, made=now - datetime.timedelta(days=3))

    personal_data_purge(now=now)

    assert Invitation.objects.filter(pk=waiting.pk).exists()


def test_the_nightly_task_is_scheduled_and_purges(admin):
    assert settings.CELERY_BEAT_SCHEDULE["personal-data-purge"]["task"] == "accounts.tasks.personal_data_purge"
    Session.objects.create(
        session_key="expired", session_data="", expire_date=timezone.now() - datetime.timedelta(days=1)
    )

    tasks.personal_data_purge.delay()

    assert not Session.objects.exists()


def test_the_privacy_notice_says_how_long_and_how_to_erase(client, settings):
    settings.RETENTION_INVITATIONS_DAYS, settings.RETENTION_AUDIT_DAYS = 30, 4 * 365

    page = main_content(client.get(reverse("privacy")))

    assert "Invitations, for 30 days after they are used" in page
    assert "The record of changes, for 4 years" in page
    assert "If you ask us to erase your data" in page and "former reviewer" in page
