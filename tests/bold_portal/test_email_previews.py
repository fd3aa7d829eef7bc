"""Admins preview every kind of email with sample data: subject, plain text and HTML,
built in memory, nothing written."""

import pytest
from django.urls import reverse

from bold_portal.email_previews import EMAIL_KINDS
from bold_portal.models import AuditEvent, OutboxMessage
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def test_every_kind_the_outbox_knows_has_a_preview():
    documented = {
        "invitation",
        "member_reminder",
        "set_password",
        "password_reset",
        "round_opened",
        "round_closed",
        "reminder",
        "interest_declared",
        "request_arrived",
        "request_answered",
        "assignment_given",
        "decision_recorded",
        "question_arrived",
        "question_answered",
    }
    assert {kind.kind for kind in EMAIL_KINDS} == documented


def test_the_list_links_every_preview_and_each_shows_subject_text_and_html(client, admin, mailoutbox):
    page = client.get(reverse("manage_outbox_previews")).content.decode()
    for kind in EMAIL_KINDS:
        url = reverse("manage_outbox_preview", args=[kind.kind])
        assert url in page
        response = client.get(url)
        assert response.status_code == 200, kind.kind
        body = response.content.decode()
        assert "Subject" in body and "Plain text" in body, kind.kind
        assert "&lt;/p&gt;" in body, kind.kind  # the HTML version's source
        assert "Sam Example" in body or "https://portal.example/sample" in body, kind.kind
    assert not OutboxMessage.objects.exists() and not mailoutbox
    assert not AuditEvent.objects.exists()


def test_an_unknown_kind_is_not_found(client, admin):
    assert client.get(reverse("manage_outbox_preview", args=["no-such-email"])).status_code == 404


def test_previews_are_for_admins_only(client):
    client.force_login(make_user())
    assert client.get(reverse("manage_outbox_previews")).status_code == 404
    assert client.get(reverse("manage_outbox_preview", args=["invitation"])).status_code == 404
