"""The people and organisations search boxes: anything typed gets a page, with a GOV.UK error
message for a search that cannot be run (a hidden control character, too long), never an error
page, on SQLite and PostgreSQL alike."""

import pytest
from django.urls import reverse

from tests.factories import make_organisation, make_user
from tests.hostile import FULL_WIDTH, NUL, ONE_MEGABYTE, RIGHT_TO_LEFT, UTF16_WITHOUT_BOM
from tests.pages import main_content

pytestmark = pytest.mark.django_db

PAGES = ["audiences:manage_people", "audiences:manage_organisations"]


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize(
    ("typed", "message"),
    [
        (NUL, "The search contains a hidden control character (U+0000). Remove it and search again"),
        (UTF16_WITHOUT_BOM, "The search contains a hidden control character (U+0000). Remove it and search again"),
        ("tab\x1b[31m", "The search contains a hidden control character (U+001B). Remove it and search again"),
        (ONE_MEGABYTE, "Search for 254 characters or fewer"),
    ],
    ids=["nul", "utf-16", "escape", "one-megabyte"],
)
def test_a_search_that_cannot_be_run_says_why_and_lists_everything(client, admin, page, typed, message):
    make_organisation(name="Crisis")

    response = client.get(reverse(page), {"q": typed})

    assert response.status_code == 200
    content = main_content(response)
    assert f'<a href="#search">{message}</a>' in content  # the error summary
    assert f'<span class="govuk-visually-hidden">Error:</span> {message}' in content  # the field's message
    assert response.text.split("<title>")[1].startswith("Error: ")
    expected = "Crisis" if page.endswith("organisations") else "admin@bold.example"
    assert expected in content


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("name", [RIGHT_TO_LEFT, FULL_WIDTH], ids=["right-to-left", "full-width"])
def test_right_to_left_and_full_width_text_is_searched_for_like_any_other(client, admin, page, name):
    make_organisation(name=name)
    make_user(email="someone@example.org", full_name=name)

    response = client.get(reverse(page), {"q": name[3:9]})

    assert response.status_code == 200
    content = main_content(response)
    assert "govuk-error-summary" not in content
    assert name in content
