"""Error pages a person can reach by following a link or sending too much: plain words, never a blank page."""

import pytest
from django.urls import reverse

from tests.factories import make_reviewer
from tests.pages import main_content

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("signed_in", [True, False])
def test_opening_sign_out_from_a_bookmark_explains_instead_of_a_blank_page(client, signed_in):
    if signed_in:
        client.force_login(make_reviewer())

    response = client.get(reverse("logout"), follow=False)

    if signed_in:
        assert response.status_code == 405
        assert response["Allow"] == "POST, OPTIONS"
        assert "This page cannot be opened directly" in main_content(response)
        assert "Sign out" in main_content(response)
        assert "_auth_user_id" in client.session
    else:
        assert response.status_code in (302, 405)


def test_posting_to_a_page_that_only_shows_explains(client):
    client.force_login(make_reviewer())

    response = client.post(reverse("reviews:my_reviews"))

    assert response.status_code == 405
    assert response["Allow"] == "GET"
    assert "This page cannot be opened directly" in main_content(response)


def test_a_form_too_large_to_read_gets_a_page_saying_nothing_was_saved(client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000

    response = client.post(reverse("login"), {"username": "x" * 2000, "password": "x"})

    assert response.status_code == 400
    assert "Nothing you entered was saved" in main_content(response)
    assert "BOLD use case review" in response.text
