"""Who reaches the analysts' pages: analysts and programme admins. Anonymous visitors are sent to
sign in; reviewers, organisation leads and authors get a 404, as for any page they have no part in."""

import pytest
from django.urls import reverse

from bold_portal.navigation import navigation_links
from matrix.services.recompute import matrix_recompute
from tests.factories import (
    make_admin,
    make_analyst,
    make_assignment,
    make_author,
    make_reviewer,
    make_user,
    make_version,
)
from tests.matrix.analyst_support import make_lead, small_world, submit
from tests.pages import main_content

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db):
    audience, organisation, relevant, clear, review_round = small_world()
    version = make_version(audience=audience, title="Repeat homelessness")
    make_assignment(review_round=review_round, version=version, organisation=organisation)
    reviewer = make_reviewer(organisation=organisation)
    submit(reviewer, review_round, version, {relevant: "meets", clear: "meets"})
    matrix_recompute(round_id=review_round.pk)
    return {
        "reviewer": reviewer,
        "lead": make_lead(organisation=organisation),
        "urls": [
            reverse("matrix:rounds"),
            reverse("matrix:round_matrix", args=[review_round.slug]),
            reverse("matrix:round_charts", args=[review_round.slug]),
            reverse("matrix:round_by_audience", args=[review_round.slug]),
            reverse("matrix:cell", args=[review_round.slug, version.use_case.slug, 1, relevant.slug]),
        ],
    }


ROLES_WITHOUT_ACCESS = {
    "reviewer": lambda world: world["reviewer"],
    "organisation lead": lambda world: world["lead"],
    "author": lambda world: make_author(),
    "signed in with no role": lambda world: make_user(),
}
ROLES_WITH_ACCESS = {
    "analyst": lambda world: make_analyst(),
    "programme admin": lambda world: make_admin(),
    "superuser": lambda world: make_user(is_superuser=True, is_staff=True),
}


def test_anonymous_visitors_are_sent_to_sign_in(client, world):
    for url in world["urls"]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == f"{reverse('login')}?next={url}"


@pytest.mark.parametrize("role", ROLES_WITHOUT_ACCESS)
def test_reviewers_leads_and_authors_are_not_found(client, world, role):
    client.force_login(ROLES_WITHOUT_ACCESS[role](world))
    for url in world["urls"]:
        response = client.get(url)
        assert response.status_code == 404, url
        assert "Repeat homelessness" not in response.content.decode()


@pytest.mark.parametrize("role", ROLES_WITH_ACCESS)
def test_analysts_and_admins_see_every_page(client, world, role):
    client.force_login(ROLES_WITH_ACCESS[role](world))
    for url in world["urls"]:
        assert client.get(url).status_code == 200, url


def test_the_pages_accept_only_get(client, world):
    client.force_login(make_analyst())
    for url in world["urls"]:
        assert client.post(url).status_code == 405, url


def test_analysts_find_review_rounds_on_their_home_page_and_in_the_navigation(client, rf, world):
    analyst = make_analyst()
    client.force_login(analyst)

    page = main_content(client.get(reverse("home")))

    assert "There is nothing for you to do here yet" not in page
    assert f'href="{reverse("matrix:rounds")}"' in page and "Review rounds" in page
    request = rf.get("/")
    request.user = world["reviewer"]
    assert "Review rounds" not in [str(link.label) for link in navigation_links(request)]
