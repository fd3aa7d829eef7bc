"""People whose account was made for them (by import_verdicts, or by an admin's service) have no
password: they are emailed a one-time link to create one, and the password reset form serves them
too, so an expired link is never a dead end."""

import datetime
import re
from unittest import mock

import pytest
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.services.accounts import account_create
from audiences.services.people import reviewer_accounts_create
from tests.factories import make_organisation, make_user
from tests.reviews.test_import_verdicts import (  # noqa: F401 (fixtures)
    GOOD_ROWS,
    HEADER,
    csv_file,
    run_import,
    shared_world,
    world,
)

pytestmark = pytest.mark.django_db

PORTAL = "https://bold.example.org"
NEW_PASSWORD = "quiet-meadow-copper-17"


@pytest.fixture(autouse=True)
def _portal(settings):
    settings.PORTAL_URL = PORTAL


def _link(message) -> str:
    return re.search(rf"{re.escape(PORTAL)}(/password-reset/\S+/)", message.body).group(1)


def _create_password(client, link: str):
    """Open the link as the person would, then save a new password; returns the final page."""
    form = client.get(link, follow=True)
    assert "Create a new password" in form.text
    return client.post(
        form.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}, follow=True
    )


def test_a_reviewer_created_by_the_import_is_emailed_a_link_that_works_once(
    world,  # noqa: F811
    tmp_path,
    client,
    mailoutbox,
    django_capture_on_commit_callbacks,
    django_user_model,
):
    with django_capture_on_commit_callbacks(execute=True):
        out, _err = run_import(csv_file(tmp_path, HEADER + GOOD_ROWS), "--round", "spring")

    assert "New reviewers, each emailed a link to create a password: bob@nacro.example" in out
    # Ann already had an account: she is sent nothing.
    [message] = mailoutbox
    assert message.to == ["bob@nacro.example"]
    assert message.subject == "Create your password for BOLD use case review"
    assert "expires after 3 days" in message.body
    link = _link(message)
    assert f'href="{PORTAL}{link}"' in message.alternatives[0][0]

    done = _create_password(client, link)
    assert "Your password has been changed" in done.text
    assert django_user_model.objects.get(email="bob@nacro.example").check_password(NEW_PASSWORD)
    assert "This link has expired" in client.get(link, follow=True).text


def test_the_link_expires(client, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        reviewer_accounts_create(people={"bob@nacro.example": make_organisation()}, actor=None)
    link = _link(mailoutbox[0])

    four_days_on = datetime.datetime.now() + datetime.timedelta(days=4)
    with mock.patch.object(PasswordResetTokenGenerator, "_now", return_value=four_days_on):
        page = client.get(link, follow=True)

    assert "This link has expired" in page.text


def test_nothing_is_sent_when_the_import_is_rolled_back(mailoutbox, django_capture_on_commit_callbacks):
    from django.db import transaction

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        reviewer_accounts_create(people={"bob@nacro.example": make_organisation()}, actor=None)
        raise RuntimeError("the import failed after the accounts were made")

    assert mailoutbox == []


@pytest.mark.parametrize(
    ("password", "is_active", "emailed"),
    [(None, None, True), (None, False, False), ("a-long-enough-password-9", None, False)],
    ids=["no-password", "switched-off", "with-password"],
)
def test_an_account_made_by_a_service_without_a_password_is_emailed_a_link(
    password, is_active, emailed, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        account_create(
            email="kim@example.org",
            full_name="Kim Example",
            password=password,
            actor=None,
            **({} if is_active is None else {"is_active": is_active}),
        )

    assert [message.to for message in mailoutbox] == ([["kim@example.org"]] if emailed else [])
    if emailed:
        assert "Hello Kim Example," in mailoutbox[0].body


def test_an_existing_account_is_not_emailed_again(mailoutbox, django_capture_on_commit_callbacks):
    make_user(email="kim@example.org", password=None)

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError) as refused:
        account_create(email="KIM@example.org", full_name="Kim", password=None, actor=None)

    assert refused.value.messages == ["An account with this email address already exists."]
    assert mailoutbox == []


def test_the_reset_form_serves_an_account_without_a_password(client, mailoutbox, django_capture_on_commit_callbacks):
    user = make_user(email="kim@example.org", password=None)
    assert not user.has_usable_password()

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("password_reset"), {"email": "KIM@example.org"})

    [message] = mailoutbox
    assert "set up for you without one. Use this link to create your password" in message.body
    assert "Your password has not changed" not in message.body
    assert "Create your password" in message.alternatives[0][0]
    assert "Your password has been changed" in _create_password(client, _link(message)).text
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)


def test_the_reset_form_sends_nothing_to_an_account_that_is_switched_off(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    make_user(email="kim@example.org", password=None, is_active=False)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("password_reset"), {"email": "kim@example.org"}, follow=True)

    assert "Check your email" in response.text
    assert mailoutbox == []
