"""The Django admin's lists answer a search or a filter they cannot run (a hidden control
character, a search longer than any the portal keeps) by showing the list again without it, with
a message saying why, never with a server error (bold_portal.admin)."""

import pytest
from django.urls import reverse

from tests.factories import make_organisation, make_user
from tests.hostile import NUL, ONE_MEGABYTE

pytestmark = pytest.mark.django_db

MESSAGE = "Search for 254 characters or fewer, with no hidden control characters."


@pytest.fixture
def superuser_client(client):
    client.force_login(make_user(is_superuser=True, is_staff=True))
    return client


@pytest.mark.parametrize(
    "query",
    [{"q": NUL}, {"q": ONE_MEGABYTE}, {"name__exact": NUL}, {"q": "Crisis", "o": "1\x00"}],
    ids=["search-nul", "search-megabyte", "filter-nul", "order-nul"],
)
def test_an_unusable_query_shows_the_list_again_with_a_message(superuser_client, query):
    make_organisation(name="Crisis")
    url = reverse("admin:audiences_organisation_changelist")

    response = superuser_client.get(url, query)

    assert response.status_code == 302 and response.url == url
    shown = superuser_client.get(response.url)
    assert MESSAGE in shown.text
    assert "Crisis" in shown.text


def test_a_search_within_the_limit_is_run(superuser_client):
    make_organisation(name="Crisis")
    make_organisation(name="Nacro")

    response = superuser_client.get(reverse("admin:audiences_organisation_changelist"), {"q": "cris"})

    assert response.status_code == 200
    assert "Crisis" in response.text and "Nacro" not in response.text
