"""Who may open which reviewer page, per URL and role. Pages a person takes no part in are a
404 (their existence is not revealed); a visible page whose action is not allowed is a 403."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from bold_portal.roles import ANALYSTS
from reviews.models import Review, ReviewRound
from tests.factories import make_user
from tests.pages import main_content

pytestmark = pytest.mark.django_db

# The reviewer pages of a use case version in a round, the summary ("What reviewers said", in
# matrix) among them.
SUMMARY = "matrix:version_summary"
PAGES = ["use_case", "review", "review_submitted", "review_withdraw", SUMMARY]


@pytest.fixture
def submitted(client, world, answers):
    """The assigned reviewer has submitted their review."""
    client.force_login(world.reviewer)
    assert client.post(world.url("review"), answers()).status_code == 302
    client.logout()


@pytest.mark.parametrize("page", PAGES)
def test_anonymous_visitors_are_sent_to_sign_in(client, world, settings, page):
    # The sign-in page is named "login"; a path keeps this test independent of its URLconf.
    settings.LOGIN_URL = "/sign-in/"
    response = client.get(world.url(page))
    assert response.status_code == 302
    assert response["Location"].startswith("/sign-in/?next=")


def test_anonymous_visitors_are_sent_to_sign_in_from_my_reviews(client, settings):
    settings.LOGIN_URL = "/sign-in/"
    response = client.get(reverse("reviews:my_reviews"))
    assert response.status_code == 302 and response["Location"].startswith("/sign-in/")


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("who", ["unassigned_reviewer", "other_organisation_reviewer", "analyst"])
def test_people_without_an_assignment_get_not_found(client, world, submitted, request, page, who):
    if who == "analyst":
        person = make_user()
        person.groups.add(Group.objects.get(name=ANALYSTS))
    else:
        person = request.getfixturevalue(who)
    client.force_login(person)
    assert client.get(world.url(page)).status_code == 404


@pytest.mark.parametrize("page", ["review", "review_withdraw"])
def test_people_without_an_assignment_cannot_post(client, world, unassigned_reviewer, answers, page):
    client.force_login(unassigned_reviewer)
    assert client.post(world.url(page), answers()).status_code == 404
    assert not Review.objects.exists()


@pytest.mark.parametrize("page", PAGES)
def test_the_assigned_reviewer_sees_every_page_after_submitting(client, world, submitted, page):
    client.force_login(world.reviewer)
    assert client.get(world.url(page)).status_code == 200


@pytest.mark.parametrize(
    ("page", "status"),
    [("use_case", 200), ("review", 200), ("review_submitted", 302), ("review_withdraw", 302), (SUMMARY, 403)],
)
def test_an_organisation_colleague_has_their_own_separate_review(client, world, submitted, page, status):
    client.force_login(world.colleague)
    response = client.get(world.url(page))
    assert response.status_code == status
    if status == 302:
        assert response["Location"] == world.url("review"), "nothing of the other reviewer's to show"
    assert "It does not say who receives the data." not in response.content.decode()


@pytest.mark.parametrize(("page", "status"), [("use_case", 200), ("review", 200), (SUMMARY, 200)])
def test_admins_may_read(client, world, submitted, admin_user, page, status):
    client.force_login(admin_user)
    response = client.get(world.url(page))
    assert response.status_code == status
    assert "<form" not in main_content(response)


@pytest.mark.parametrize("superuser", [False, True])
def test_admins_may_not_write_or_withdraw_a_review(client, world, submitted, admin_user, answers, superuser):
    if superuser:
        admin_user.is_superuser = True
        admin_user.save()
    client.force_login(admin_user)

    assert client.post(world.url("review"), answers()).status_code == 403
    assert client.post(world.url("review_withdraw"), {"lock_version": "1"}).status_code == 403
    assert list(Review.objects.values_list("reviewer", "status")) == [(world.reviewer.pk, "submitted")]


def test_rounds_still_in_draft_are_hidden_from_reviewers_but_not_admins(client, world, admin_user):
    ReviewRound.objects.filter(pk=world.round.pk).update(status=ReviewRound.Status.DRAFT)
    client.force_login(world.reviewer)
    assert client.get(world.url("use_case")).status_code == 404
    client.force_login(admin_user)
    assert client.get(world.url("use_case")).status_code == 200


@pytest.mark.parametrize(
    "args",
    [("nope", "use-case", 1), ("spring", "nope", 1), ("spring", None, 2)],
)
def test_unknown_rounds_use_cases_and_versions_are_not_found(client, world, args):
    round_slug, use_case_slug, number = args
    client.force_login(world.reviewer)
    url = reverse("reviews:use_case", args=[round_slug, use_case_slug or world.version.use_case.slug, number])
    assert client.get(url).status_code == 404


def test_a_version_assigned_in_another_round_is_not_found_in_this_one(client, world):
    from tests.factories import make_assignment, make_round, make_version

    elsewhere = make_version(audience=world.audience)
    make_assignment(review_round=make_round(), version=elsewhere, reviewer=world.reviewer)
    world.round.versions.add(elsewhere)  # in this round, but not assigned to the reviewer here
    client.force_login(world.reviewer)
    assert client.get(world.url("use_case", version=elsewhere)).status_code == 404


def test_review_urls_carry_no_review_id(world):
    for page in PAGES:
        url = world.url(page)
        assert url.startswith(f"/reviews/{world.round.slug}/{world.version.use_case.slug}/v1/")
        assert not any(part.isdigit() for part in url.strip("/").split("/"))
