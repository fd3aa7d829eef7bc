import re

import pytest
from django.urls import reverse

from tests.factories import make_reviewer, make_user

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"


def test_sign_in_by_email_in_any_letter_case(client):
    user = make_user(email="sam@example.org")
    user.username = "sam"  # the username plays no part in signing in
    user.save()

    response = client.post(reverse("login"), {"username": "Sam@Example.org", "password": PASSWORD})

    assert response.status_code == 302
    assert response.url == reverse("home")
    assert int(client.session["_auth_user_id"]) == user.pk


def test_wrong_password_shows_the_error_summary(client):
    make_user(email="sam@example.org")

    response = client.post(reverse("login"), {"username": "sam@example.org", "password": "wrong"})

    assert response.status_code == 200
    assert "<title>Error: Sign in \N{EN DASH} BOLD use case review</title>" in response.text
    assert "There is a problem" in response.text
    assert 'href="#id_username">The email address or password is not right' in response.text
    assert "_auth_user_id" not in client.session


def test_empty_sign_in_names_each_missing_field(client):
    response = client.post(reverse("login"), {"username": "", "password": ""})

    assert 'href="#id_username">Enter your email address</a>' in response.text
    assert 'href="#id_password">Enter your password</a>' in response.text


def test_sign_out_is_a_post(client):
    client.force_login(make_reviewer())

    assert client.get(reverse("logout")).status_code == 405
    response = client.post(reverse("logout"), follow=True)

    assert "_auth_user_id" not in client.session
    assert response.redirect_chain[-1][0] == reverse("login")
    assert "You have signed out." in response.text


def test_password_reset_emails_a_working_link(client, mailoutbox, settings, django_capture_on_commit_callbacks):
    settings.PORTAL_URL = "https://bold.example.org"
    user = make_user(email="sam@example.org")

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("password_reset"), {"email": "sam@example.org"})

    assert response.url == reverse("password_reset_done")
    [email] = mailoutbox
    assert email.to == ["sam@example.org"]
    assert email.subject == "Reset your password for BOLD use case review"
    # The link uses the portal's public address, never the Host header of the request.
    link = re.search(r"https://bold\.example\.org(/password-reset/\S+/)", email.body).group(1)
    assert link in email.alternatives[0][0]
    form_page = client.get(link, follow=True)
    assert "Create a new password" in form_page.text
    new_password = "quiet-meadow-copper-17"
    done = client.post(
        form_page.redirect_chain[-1][0], {"new_password1": new_password, "new_password2": new_password}, follow=True
    )
    assert "Your password has been changed" in done.text
    user.refresh_from_db()
    assert user.check_password(new_password)


def test_password_reset_for_an_unknown_address_sends_nothing_and_says_the_same(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("password_reset"), {"email": "nobody@example.org"}, follow=True)

    assert "Check your email" in response.text
    assert mailoutbox == []


def test_password_reset_with_a_bad_address_names_the_field(client, mailoutbox):
    response = client.post(reverse("password_reset"), {"email": "not an email"})

    assert 'href="#id_email">Enter an email address in the correct format' in response.text
    assert mailoutbox == []
