"""The outbox (docs/email.md#the-outbox): every email is first a stored row, unique per kind,
cause and recipient, sent after the commit; a task delivered twice sends nothing twice; a failed
one is recorded and can be sent again; rows are purged after 90 days and erased with an account."""

from datetime import timedelta
from unittest import mock

import pytest
from celery.exceptions import Retry
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.services.personal_data import personal_data_purge
from bold_portal import tasks
from bold_portal.email import email_queue, email_send, email_send_on_commit, outbox_message_resend
from bold_portal.models import AuditEvent, OutboxMessage
from bold_portal.outbox import outbox_erase, outbox_message_send
from tests.concurrency import Step, require_postgresql
from tests.factories import make_organisation, make_user

pytestmark = pytest.mark.django_db

TEMPLATE = "accounts/email/set_password"
CONTEXT = {"name": "Sam", "url": "https://bold.example.org/reset/abc/", "valid_days": 3}


def test_an_email_is_stored_in_the_transaction_and_sent_after_the_commit(
    mailoutbox, django_capture_on_commit_callbacks
):
    user = make_user(email="sam@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        email_send_on_commit(
            template=TEMPLATE, kind="set_password", obj=user, user=user, to=[user.email], context=CONTEXT
        )
        [message] = OutboxMessage.objects.all()
        assert message.status == OutboxMessage.Status.QUEUED
        assert mailoutbox == []

    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.SENT
    assert (message.kind, message.object_type, message.object_id) == ("set_password", "accounts.user", str(user.pk))
    assert message.recipient == "sam@example.org" and message.recipient_user == user
    assert message.attempts == 1
    assert message.subject == mailoutbox[0].subject
    assert "https://bold.example.org/reset/abc/" in message.text and message.html.startswith("<!DOCTYPE html>")


def test_the_same_cause_never_emails_the_same_person_twice(mailoutbox, django_capture_on_commit_callbacks):
    user = make_user(email="sam@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(2):
            email_send_on_commit(template=TEMPLATE, kind="set_password", obj=user, to=[user.email], context=CONTEXT)
        assert email_queue(template=TEMPLATE, kind="set_password", obj=user, to=[user.email], context=CONTEXT) == []

    assert OutboxMessage.objects.count() == 1
    assert len(mailoutbox) == 1


def test_a_task_delivered_again_after_sending_sends_nothing(mailoutbox):
    [message] = email_queue(template=TEMPLATE, kind="set_password", to=["sam@example.org"], context=CONTEXT)

    tasks.outbox_deliver.apply(args=[message.pk])
    tasks.outbox_deliver.apply(args=[message.pk])  # the broker delivered it twice

    assert len(mailoutbox) == 1


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_task_redelivered_half_way_through_sending_sends_nothing():
    """The first delivery holds the row while the mail server takes the email; a second delivery of
    the same task arrives then, on another connection: it skips the claimed row and sends nothing."""
    require_postgresql("A task redelivered while the first is sending")
    [message] = email_queue(template=TEMPLATE, kind="set_password", to=["sam@example.org"], context=CONTEXT)
    second: list[Step] = []
    real_send = mail.EmailMultiAlternatives.send

    def send_while_redelivered(self, *args, **kwargs):
        step = Step("redelivered", lambda: outbox_message_send(message_id=message.pk))
        step.start()
        second.append(step)
        assert step.outcome() is False  # it did not wait for the lock, and sent nothing
        return real_send(self, *args, **kwargs)

    with mock.patch.object(mail.EmailMultiAlternatives, "send", send_while_redelivered):
        assert outbox_message_send(message_id=message.pk) is True

    assert len(second) == 1
    assert len(mail.outbox) == 1
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.SENT and message.attempts == 1


def test_a_failure_is_recorded_and_the_task_tries_again(mailoutbox):
    [message] = email_queue(template=TEMPLATE, kind="set_password", to=["sam@example.org"], context=CONTEXT)

    with (
        mock.patch.object(mail.EmailMultiAlternatives, "send", side_effect=ConnectionRefusedError("down")),
        pytest.raises(Retry),
    ):
        tasks.outbox_deliver.apply(args=[message.pk])

    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.FAILED
    assert message.error == "ConnectionRefusedError: down"
    assert message.attempts == 1
    tasks.outbox_deliver.apply(args=[message.pk])  # the retry, once the server is back
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.SENT and message.error == "" and message.attempts == 2
    assert len(mailoutbox) == 1


def test_email_send_sends_at_once_and_a_refusal_leaves_nothing_behind(mailoutbox):
    email_send(template=TEMPLATE, kind="set_password", to=["sam@example.org"], context=CONTEXT)
    assert OutboxMessage.objects.get().status == OutboxMessage.Status.SENT
    assert len(mailoutbox) == 1


def test_a_link_that_works_as_a_key_is_not_kept_once_sent(mailoutbox):
    email_send(template=TEMPLATE, kind="set_password", holds_secret=True, to=["sam@example.org"], context=CONTEXT)

    message = OutboxMessage.objects.get()
    assert "https://bold.example.org/reset/abc/" in mailoutbox[0].body
    assert "reset/abc" not in message.text and "reset/abc" not in message.html


def test_an_admin_sends_a_failed_email_again_with_an_audit_row(mailoutbox, django_capture_on_commit_callbacks):
    admin = make_user(email="admin@example.org")
    [message] = email_queue(template=TEMPLATE, kind="set_password", to=["sam@example.org"], context=CONTEXT)
    OutboxMessage.objects.filter(pk=message.pk).update(error="SMTPRecipientsRefused: no", attempts=6)

    with django_capture_on_commit_callbacks(execute=True):
        outbox_message_resend(message=message, actor=admin)

    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.SENT
    assert len(mailoutbox) == 1
    event = AuditEvent.objects.get(action="outbox_message_resent")
    assert (event.actor, event.object_id) == (admin, str(message.pk))
    assert "sam@example.org" not in str(event.data)


def test_only_a_failed_email_can_be_sent_again(mailoutbox):
    admin = make_user(email="admin@example.org")
    [waiting] = email_queue(template=TEMPLATE, kind="a", to=["sam@example.org"], context=CONTEXT)
    [sent] = email_queue(template=TEMPLATE, kind="b", to=["sam@example.org"], context=CONTEXT)
    outbox_message_send(message_id=sent.pk)

    with pytest.raises(ValidationError, match="sent already"):
        outbox_message_resend(message=sent, actor=admin)
    with pytest.raises(ValidationError, match="still waiting"):
        outbox_message_resend(message=waiting, actor=admin)
    assert not AuditEvent.objects.filter(action="outbox_message_resent").exists()
    assert len(mailoutbox) == 1


def test_the_outbox_is_purged_after_its_retention_period(settings):
    settings.RETENTION_OUTBOX_DAYS = 90
    [old] = email_queue(template=TEMPLATE, kind="a", to=["old@example.org"], context=CONTEXT)
    [recent] = email_queue(template=TEMPLATE, kind="a", to=["recent@example.org"], context=CONTEXT)
    OutboxMessage.objects.filter(pk=old.pk).update(queued_at=timezone.now() - timedelta(days=91))
    OutboxMessage.objects.filter(pk=recent.pk).update(queued_at=timezone.now() - timedelta(days=89))

    purged = personal_data_purge()

    assert purged["outbox_messages"] == 1
    assert list(OutboxMessage.objects.values_list("recipient", flat=True)) == ["recent@example.org"]


def test_an_erased_account_leaves_no_email_to_or_from_it():
    sam = make_user(email="sam@example.org")
    make_organisation(name="Crisis")
    email_queue(template=TEMPLATE, kind="a", user=sam, to=["sam@example.org"], context=CONTEXT)
    email_queue(template=TEMPLATE, kind="b", to=["SAM@example.org"], context=CONTEXT)
    email_queue(template=TEMPLATE, kind="c", to=["ada@example.org"], reply_to=["sam@example.org"], context=CONTEXT)
    email_queue(template=TEMPLATE, kind="d", to=["ada@example.org"], context=CONTEXT)

    assert outbox_erase(user=sam, email=sam.email) == 3
    assert list(OutboxMessage.objects.values_list("kind", flat=True)) == ["d"]


# --- The admins' pages ----------------------------------------------------------------------------


def test_the_outbox_lists_filters_and_pages_the_emails(client, admin, django_assert_num_queries):
    for n in range(3):
        email_queue(template=TEMPLATE, kind="set_password", to=[f"p{n}@example.org"], context=CONTEXT)
    [sent] = email_queue(template=TEMPLATE, kind="invitation", to=["sent@example.org"], context=CONTEXT)
    outbox_message_send(message_id=sent.pk)

    response = client.get("/manage/outbox/")
    assert response.status_code == 200
    assert response.content.decode().count("p0@example.org") == 1
    with django_assert_num_queries(8):
        response = client.get("/manage/outbox/", {"kind": "invitation", "status": "sent"})
    page = response.content.decode()
    assert "sent@example.org" in page and "p0@example.org" not in page


def test_bad_filters_say_which_and_show_nothing(client, admin):
    email_queue(template=TEMPLATE, kind="set_password", to=["p@example.org"], context=CONTEXT)

    response = client.get("/manage/outbox/", {"kind": "nonsense", "status": "lost"})

    page = response.content.decode()
    assert response.status_code == 200
    assert "Choose a kind of email from the list" in page and "Choose a status from the list" in page
    assert "p@example.org" not in page


def test_a_message_page_hides_a_secret_link_and_a_failed_one_can_be_sent_again(
    client, admin, mailoutbox, django_capture_on_commit_callbacks
):
    [message] = email_queue(
        template=TEMPLATE, kind="set_password", holds_secret=True, to=["sam@example.org"], context=CONTEXT
    )
    OutboxMessage.objects.filter(pk=message.pk).update(error="SMTPServerDisconnected: gone", attempts=1)

    page = client.get(f"/manage/outbox/{message.pk}/").content.decode()
    assert "reset/abc" not in page
    assert "SMTPServerDisconnected: gone" in page and "Send this email again" in page

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/manage/outbox/{message.pk}/resend/", follow=True)
    assert "The email will be sent again" in response.content.decode()
    assert len(mailoutbox) == 1
    response = client.post(f"/manage/outbox/{message.pk}/resend/", follow=True)  # twice: refused
    assert "has been sent already" in response.content.decode()
    assert len(mailoutbox) == 1


def test_the_outbox_is_for_admins_only(client):
    client.force_login(make_user(email="someone@example.org"))
    assert client.get("/manage/outbox/").status_code == 404
