"""Who may open which reviewer page once the assigned reviewer has submitted their review, per URL
and role (test_reviewer_permissions.py has the rest). Pages a person takes no part in are a 404
(their existence is not revealed); a visible page whose action is not allowed is a 403."""

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from bold_portal.roles import ANALYSTS
from reviews.models import Review
from tests.database import shared_by_module
from tests.factories import make_user
from tests.pages import main_content
from tests.reviews.conftest import COMPLETE_ANSWERS, ReviewWorld
from tests.reviews.test_reviewer_permissions import PAGES, SUMMARY

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def shared_review_world(django_db_setup, django_db_blocker):
    """The reviews world with the assigned reviewer's review submitted through the review form,
    built once for the module (tests/database.py)."""
    with shared_by_module(django_db_blocker):
        world = ReviewWorld()
        client = Client()
        client.force_login(world.reviewer)
        assert client.post(world.url("review"), COMPLETE_ANSWERS).status_code == 302
        yield world


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("who", ["unassigned_reviewer", "other_organisation_reviewer", "analyst"])
def test_people_without_an_assignment_get_not_found(client, world, request, page, who):
    if who == "analyst":
        person = make_user()
        person.groups.add(Group.objects.get(name=ANALYSTS))
    else:
        person = request.getfixturevalue(who)
    client.force_login(person)
    assert client.get(world.url(page)).status_code == 404


@pytest.mark.parametrize("page", PAGES)
def test_the_assigned_reviewer_sees_every_page_after_submitting(client, world, page):
    client.force_login(world.reviewer)
    assert client.get(world.url(page)).status_code == 200


@pytest.mark.parametrize(
    ("page", "status"),
    [("use_case", 200), ("review", 200), ("review_submitted", 302), ("review_withdraw", 302), (SUMMARY, 403)],
)
def test_an_organisation_colleague_has_their_own_separate_review(client, world, page, status):
    client.force_login(world.colleague)
    response = client.get(world.url(page))
    assert response.status_code == status
    if status == 302:
        assert response["Location"] == world.url("review"), "nothing of the other reviewer's to show"
    assert "It does not say who receives the data." not in response.content.decode()


@pytest.mark.parametrize(("page", "status"), [("use_case", 200), ("review", 200), (SUMMARY, 200)])
def test_admins_may_read(client, world, admin_user, page, status):
    client.force_login(admin_user)
    response = client.get(world.url(page))
    assert response.status_code == status
    assert "<form" not in main_content(response)


@pytest.mark.parametrize("superuser", [False, True])
def test_admins_may_not_write_or_withdraw_a_review(client, world, admin_user, answers, superuser):
    if superuser:
        admin_user.is_superuser = True
        admin_user.save()
    client.force_login(admin_user)

    assert client.post(world.url("review"), answers()).status_code == 403
    assert client.post(world.url("review_withdraw"), {"lock_version": "1"}).status_code == 403
    assert list(Review.objects.values_list("reviewer", "status")) == [(world.reviewer.pk, "submitted")]
