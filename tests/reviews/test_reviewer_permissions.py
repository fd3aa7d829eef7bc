"""Who may open which reviewer page, per URL and role. Pages a person takes no part in are a
404 (their existence is not revealed); a visible page whose action is not allowed is a 403."""

import pytest
from django.urls import reverse

from reviews.models import Review, ReviewRound

pytestmark = pytest.mark.django_db

# The reviewer pages of a use case version in a round, the summary ("What reviewers said", in
# matrix) among them.
SUMMARY = "matrix:version_summary"
PAGES = ["use_case", "review", "review_submitted", "review_withdraw", SUMMARY]


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


@pytest.mark.parametrize("page", ["review", "review_withdraw"])
def test_people_without_an_assignment_cannot_post(client, world, unassigned_reviewer, answers, page):
    client.force_login(unassigned_reviewer)
    assert client.post(world.url(page), answers()).status_code == 404
    assert not Review.objects.exists()


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
