"""The shared email module (bold_portal.email), the task that sends off the request, and the
GOV.UK Notify backend. Notify's HTTP is replaced by a fake session: nothing leaves the machine."""

import json
import logging
from unittest import mock

import pytest
import requests
from celery.exceptions import Retry
from django.core import mail
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from notifications_python_client.errors import HTTPError

from audiences.models import Invitation
from bold_portal import tasks
from bold_portal.email import email_message, email_send, email_send_on_commit, portal_url
from bold_portal.models import OutboxMessage
from bold_portal.notify_backend import NotifyEmailBackend, NotifyUnavailable
from tests.factories import make_organisation, make_user

pytestmark = pytest.mark.django_db

INVITATION = "audiences/email/invitation"


@pytest.fixture
def invitation_context():
    invitation = Invitation(
        organisation=make_organisation(name="Crisis"),
        email="sam@example.org",
        role=Invitation.Role.REVIEWER,
        invited_by=make_user(full_name="Ada Lead"),
    )
    return {
        "invitation": invitation,
        "inviter_name": "Ada Lead",
        "accept_url": "https://bold.example.org/join/abc/",
        "valid_days": 14,
    }


def test_an_email_has_a_subject_a_text_body_and_a_gov_uk_style_html_body(invitation_context, settings):
    settings.SUPPORT_EMAIL = "help@bold.example.org"

    message = email_message(template=INVITATION, to=["sam@example.org"], context=invitation_context)

    assert message.subject == "You are invited to review BOLD use cases for Crisis"
    assert "\n" not in message.subject
    assert "Ada Lead has invited you to join Crisis" in message.body
    assert "https://bold.example.org/join/abc/" in message.body
    assert "Need help? Email help@bold.example.org" in message.body
    assert "<" not in message.body  # plain text, nothing escaped or marked up
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    assert html.startswith("<!DOCTYPE html>")
    assert '<html lang="en-gb">' in html
    assert "BOLD use case review</span>" in html  # the black header band with the service name
    assert 'href="https://bold.example.org/join/abc/"' in html
    assert 'href="mailto:help@bold.example.org"' in html


def test_the_html_body_escapes_what_people_typed(invitation_context):
    invitation_context["inviter_name"] = "<script>alert(1)</script>"

    message = email_message(template=INVITATION, to=["sam@example.org"], context=invitation_context)

    assert "<script>" not in message.alternatives[0][0]
    assert "&lt;script&gt;" in message.alternatives[0][0]
    assert "<script>alert(1)</script> has invited you" in message.body


def test_links_use_the_address_the_portal_is_served_at(settings):
    settings.PORTAL_URL = "https://bold.example.org"

    assert portal_url("password_reset") == "https://bold.example.org/password-reset/"
    assert (
        portal_url("reviews:use_case", "spring", "housing", 2) == "https://bold.example.org/reviews/spring/housing/v2/"
    )


def test_email_send_sends_at_once(invitation_context, mailoutbox):
    email_send(template=INVITATION, to=["sam@example.org"], context=invitation_context, reply_to=["lead@example.org"])

    [message] = mailoutbox
    assert message.to == ["sam@example.org"]
    assert message.reply_to == ["lead@example.org"]
    assert message.alternatives[0][1] == "text/html"


def test_email_send_on_commit_sends_through_the_task_only_after_the_commit(
    invitation_context, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        email_send_on_commit(
            template=INVITATION, to=["sam@example.org"], context=invitation_context, reply_to=["lead@example.org"]
        )
        assert mailoutbox == []

    assert len(callbacks) == 1
    [message] = mailoutbox
    assert message.subject == "You are invited to review BOLD use cases for Crisis"
    assert message.to == ["sam@example.org"]
    assert message.reply_to == ["lead@example.org"]
    assert "Ada Lead has invited you" in message.body
    assert 'href="https://bold.example.org/join/abc/"' in message.alternatives[0][0]


def test_nothing_is_sent_for_a_change_that_was_rolled_back(
    invitation_context, mailoutbox, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        email_send_on_commit(template=INVITATION, to=["sam@example.org"], context=invitation_context)
        raise RuntimeError("the change failed")

    assert callbacks == []
    assert mailoutbox == []


def test_a_broker_that_cannot_take_the_email_is_logged_not_raised(
    invitation_context, mailoutbox, django_capture_on_commit_callbacks, caplog
):
    with (
        mock.patch.object(tasks.outbox_deliver, "delay", side_effect=ConnectionError("broker down")),
        caplog.at_level(logging.ERROR, logger="bold_portal.email"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        email_send_on_commit(template=INVITATION, to=["sam@example.org"], context=invitation_context)

    assert mailoutbox == []
    [line] = caplog.records  # one line with the cause, no traceback (docs/reliability.md)
    assert line.exc_info is None
    assert line.getMessage().endswith("; it waits in the outbox (ConnectionError: broker down)")
    [message] = OutboxMessage.objects.all()  # still waiting in the outbox
    assert message.status == OutboxMessage.Status.QUEUED


def test_the_task_asks_to_be_tried_again_when_the_mail_server_is_down(invitation_context, mailoutbox):
    payload = tasks.message_payload(
        email_message(template=INVITATION, to=["sam@example.org"], context=invitation_context)
    )

    with (
        mock.patch.object(mail.EmailMultiAlternatives, "send", side_effect=ConnectionRefusedError("down")),
        pytest.raises(Retry),
    ):
        tasks.email_deliver.apply(args=[payload])
    tasks.email_deliver.apply(args=[payload])  # the retry, once the server is back

    [message] = mailoutbox
    assert message.subject == payload["subject"]
    assert message.alternatives == [(payload["html"], "text/html")]


# --- GOV.UK Notify ------------------------------------------------------------------------------

SERVICE_ID = "26785a09-ab16-4eb0-8407-a37497a57506"
API_KEY = f"test-key-{SERVICE_ID}-3d844edf-8d35-48ac-975b-e847b4f122b0"
TEMPLATE_ID = "f33517ff-2a88-4f6e-b855-c550268ce08a"


@pytest.fixture
def notify(settings):
    settings.EMAIL_BACKEND = "bold_portal.notify_backend.NotifyEmailBackend"
    settings.NOTIFY_API_KEY = API_KEY
    settings.NOTIFY_EMAIL_TEMPLATE_ID = TEMPLATE_ID
    settings.NOTIFY_EMAIL_REPLY_TO_ID = ""


def _response(status: int, body: dict) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response._content = json.dumps(body).encode()
    response.headers["Content-Type"] = "application/json"
    return response


def _fake_notify(*responses):
    """Replace the HTTP session the Notify client uses; returns the mock, which records each request."""
    return mock.patch.object(requests.Session, "request", side_effect=list(responses))


def test_notify_gets_the_template_and_the_email_as_personalisation(notify, invitation_context):
    accepted = _response(201, {"id": "740e5834-3a29-46b4-9a6f-16142fde533a"})
    with _fake_notify(accepted) as request:
        email_send(template=INVITATION, to=["sam@example.org"], context=invitation_context)

    [call] = request.call_args_list
    method, url = call.args
    assert method == "POST"
    assert url.endswith("/v2/notifications/email")
    assert call.kwargs["headers"]["Authorization"].startswith("Bearer ")
    sent = json.loads(call.kwargs["data"])
    assert sent["email_address"] == "sam@example.org"
    assert sent["template_id"] == TEMPLATE_ID
    assert sent["personalisation"]["subject"] == "You are invited to review BOLD use cases for Crisis"
    assert "Ada Lead has invited you to join Crisis" in sent["personalisation"]["body"]
    assert "https://bold.example.org/join/abc/" in sent["personalisation"]["body"]
    assert "email_reply_to_id" not in sent


def test_notify_sends_to_each_recipient_with_the_reply_to_id_when_set(notify, settings):
    settings.NOTIFY_EMAIL_REPLY_TO_ID = "a5e2f4a0-0000-4000-8000-000000000001"
    message = mail.EmailMessage("Subject", "Body", None, ["a@example.org", "b@example.org"])
    with _fake_notify(_response(201, {"id": "1"}), _response(201, {"id": "2"})) as request:
        assert NotifyEmailBackend().send_messages([message]) == 2

    sent = [json.loads(call.kwargs["data"]) for call in request.call_args_list]
    assert [item["email_address"] for item in sent] == ["a@example.org", "b@example.org"]
    assert {item["email_reply_to_id"] for item in sent} == {"a5e2f4a0-0000-4000-8000-000000000001"}


def test_notify_refusing_an_email_raises_its_error(notify):
    refused = _response(400, {"errors": [{"error": "BadRequestError", "message": "Template not found"}]})
    with _fake_notify(refused), pytest.raises(HTTPError) as error:
        mail.send_mail("Subject", "Body", None, ["sam@example.org"])

    assert error.value.status_code == 400
    assert not isinstance(error.value, OSError)  # not worth trying again


@pytest.mark.parametrize("status", [429, 500, 503])
def test_notify_busy_or_down_raises_an_error_worth_trying_again(notify, status):
    with _fake_notify(_response(status, {"errors": [{"message": "try later"}]})), pytest.raises(NotifyUnavailable):
        mail.send_mail("Subject", "Body", None, ["sam@example.org"])


def test_the_task_asks_to_be_tried_again_only_when_notify_is_down(notify, invitation_context):
    payload = tasks.message_payload(
        email_message(template=INVITATION, to=["sam@example.org"], context=invitation_context)
    )
    with _fake_notify(_response(500, {"errors": []})), pytest.raises(Retry):
        tasks.email_deliver.apply(args=[payload])
    with _fake_notify(_response(400, {"errors": []})), pytest.raises(HTTPError):
        tasks.email_deliver.apply(args=[payload])


def test_notify_failing_silently_logs_and_sends_the_rest(notify, caplog):
    message = mail.EmailMessage("Subject", "Body", None, ["a@example.org", "b@example.org"])
    with _fake_notify(_response(400, {"errors": []}), _response(201, {"id": "2"})):
        assert NotifyEmailBackend(fail_silently=True).send_messages([message]) == 1

    assert "GOV.UK Notify refused the email 'Subject'" in caplog.text


def test_notify_without_its_settings_says_which_are_missing(notify, settings):
    settings.NOTIFY_API_KEY = ""

    with pytest.raises(ImproperlyConfigured, match="NOTIFY_API_KEY and NOTIFY_EMAIL_TEMPLATE_ID"):
        NotifyEmailBackend()
