"""Feedback for authors (docs/authors.md): per version and round, the matrix row and every reason,
pseudonymised, once the round has closed or a programme admin released it; the authors' home lists
each version's state and outcome in a fixed number of queries."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from audiences.services.audiences import audience_authors_add
from bold_portal.models import AuditEvent
from matrix.models import FeedbackRelease
from matrix.services.feedback import feedback_release
from matrix.services.recompute import matrix_recompute
from reviews.models import ReviewRound
from tests.factories import (
    close_round,
    make_admin,
    make_assignment,
    make_audience,
    make_author,
    make_organisation,
    make_principle,
    make_round,
    make_version,
)
from tests.matrix.analyst_support import make_reviewer, submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    audience = make_audience(name="People who use drugs")
    organisation = make_organisation(name="Release", audiences=[audience])
    principle = make_principle(name="Non-stigmatising")
    version = make_version(audience=audience, title="Treatment outcomes")
    review_round = make_round(principles=[principle])
    make_assignment(review_round=review_round, version=version, organisation=organisation)
    reviewer = make_reviewer(organisation=organisation, email="kept.private@example.org")
    submit(reviewer, review_round, version, {principle: ("does_not_meet", "Assumes people have offended.", "", "")})
    matrix_recompute(round_id=review_round.pk)
    author = make_author()
    audience_authors_add(audience=audience, users=[author], actor=None)
    return {"version": version, "round": review_round, "author": author, "reviewer": reviewer}


def version_page(client, world):
    return client.get(reverse("authors:version", args=[world["version"].use_case.slug, world["version"].number]))


def test_while_the_round_is_open_the_author_sees_its_state_but_no_reasons(client, world):
    client.force_login(world["author"])

    page = version_page(client, world)

    assert page.status_code == 200
    assert "In review" in page.text and "Shown when the round closes" in page.text
    assert "Assumes people have offended." not in page.text


def test_once_the_round_closes_the_author_reads_the_row_and_every_reason_pseudonymised(client, world):
    close_round(world["round"])
    client.force_login(world["author"])

    page = version_page(client, world)

    assert "Reviewed" in page.text and "Meets 0 of 1 principle" in page.text
    assert "Reviewer 1: Does not meet" in page.text and "Assumes people have offended." in page.text
    assert "kept.private@example.org" not in page.text and "Release" not in page.text.split("What reviewers said")[1]


def test_an_admin_releases_an_open_rounds_feedback_early_with_an_audit_row(client, world):
    admin = make_admin()
    client.force_login(admin)
    url = reverse(
        "authors:feedback_release", args=[world["version"].use_case.slug, world["version"].number, world["round"].slug]
    )

    response = client.post(url)

    assert response.status_code == 302
    assert FeedbackRelease.objects.get(round=world["round"]).released_by == admin
    assert AuditEvent.objects.filter(action="feedback_released", object_id=str(world["round"].pk)).exists()
    client.force_login(world["author"])
    assert "Assumes people have offended." in version_page(client, world).text


def test_releasing_twice_or_a_closed_round_is_refused_and_changes_nothing(world):
    admin = make_admin()
    feedback_release(review_round=world["round"], actor=admin)

    with pytest.raises(ValidationError, match="released already"):
        feedback_release(review_round=world["round"], actor=admin)
    closed = make_round(status=ReviewRound.Status.CLOSED)
    with pytest.raises(ValidationError, match="has closed"):
        feedback_release(review_round=closed, actor=admin)
    with pytest.raises(ValidationError, match="has not opened yet"):
        feedback_release(review_round=make_round(status=ReviewRound.Status.DRAFT), actor=admin)
    assert FeedbackRelease.objects.count() == 1
    assert AuditEvent.objects.filter(action="feedback_released").count() == 1


def test_only_programme_admins_release_feedback(client, world):
    client.force_login(world["author"])
    url = reverse(
        "authors:feedback_release", args=[world["version"].use_case.slug, world["version"].number, world["round"].slug]
    )

    assert client.post(url).status_code == 404
    assert not FeedbackRelease.objects.exists()


def test_the_authors_home_lists_each_versions_state_and_outcome(client, world):
    close_round(world["round"])
    make_version(use_case=world["version"].use_case, number=2, title="Treatment outcomes, revised")
    client.force_login(world["author"])

    page = client.get(reverse("authors:use_cases"))

    assert page.status_code == 200
    assert "Published, not yet in a round" in page.text
    assert "Reviewed" in page.text and "Meets 0 of 1 principle" in page.text


def test_a_round_still_in_draft_is_not_counted(client, world):
    make_round(status=ReviewRound.Status.DRAFT, name="Next spring", versions=[world["version"]])
    client.force_login(world["author"])

    page = client.get(reverse("authors:use_cases"))

    assert "Next spring" not in page.text and "Winter" not in page.text
    assert "In review" in page.text


def test_the_authors_home_makes_the_same_queries_however_many_use_cases(client, world, django_assert_num_queries):
    client.force_login(world["author"])
    audience = world["version"].use_case.audience
    client.get(reverse("authors:use_cases"))  # the session and the author's groups, once

    with django_assert_num_queries(10) as few:
        client.get(reverse("authors:use_cases"))
    for _ in range(3):
        make_round(principles=[make_principle()], versions=[make_version(audience=audience)])
    with django_assert_num_queries(len(few.captured_queries)):
        client.get(reverse("authors:use_cases"))
