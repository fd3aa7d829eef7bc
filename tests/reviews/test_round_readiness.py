"""The check before a round opens: organisations with nobody to review or no
lead, use cases expecting fewer reviews than the round's minimum and an opening date in the
future are named, and opening anyway needs a confirmation; reassigning to an organisation with
no active member is refused with a reason; the progress tables say who has nobody to review."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audiences.models import Membership, Organisation
from bold_portal.models import AuditEvent
from reviews.models import Assignment, ReviewRound, RoundVersion
from reviews.services.assignments import assignment_reassign
from reviews.services.rounds import round_open, round_opening_problems, round_opening_warnings
from tests.factories import (
    make_assignment,
    make_audience,
    make_organisation,
    make_reviewer,
    make_round,
    make_user,
    make_version,
)

pytestmark = pytest.mark.django_db

CLOSES = timezone.localdate() + datetime.timedelta(days=40)


@pytest.fixture
def demo_like():
    """The demo's shape: one organisation with an active lead and a reviewer, two with nobody (one
    of them only a switched-off account), one with a reviewer but no lead; two use cases given by
    rule to all four."""
    audience = make_audience()
    review_round = make_round(status=ReviewRound.Status.DRAFT, slug="spring", name="Spring", closes_on=CLOSES)
    crisis = make_organisation(name="Crisis", slug="crisis", audiences=[audience])
    make_reviewer(organisation=crisis, role=Membership.Role.LEAD)
    make_reviewer(organisation=crisis)
    empty = make_organisation(name="Empty Trust", slug="empty", audiences=[audience])
    switched_off = make_organisation(name="Quiet Aid", slug="quiet", audiences=[audience])
    make_reviewer(organisation=switched_off, role=Membership.Role.LEAD, is_active=False)
    leaderless = make_organisation(name="No Lead Project", slug="no-lead", audiences=[audience])
    make_reviewer(organisation=leaderless)
    covered = make_version(audience=audience, title="Housing after prison")
    thin = make_version(audience=audience, title="Treatment and housing")
    review_round.versions.add(covered, thin)
    for organisation in (crisis, empty, switched_off, leaderless):
        make_assignment(review_round=review_round, version=covered, organisation=organisation, due_on=CLOSES)
    make_assignment(review_round=review_round, version=thin, organisation=empty, due_on=CLOSES)
    make_assignment(review_round=review_round, version=thin, organisation=switched_off, due_on=CLOSES)
    return review_round


def test_the_check_names_organisations_without_reviewers_or_lead_and_thin_use_cases(demo_like):
    assert not round_opening_problems(demo_like)
    warnings = round_opening_warnings(demo_like)
    assert warnings.organisations_without_members == ["Empty Trust", "Quiet Aid"]
    assert warnings.organisations_without_lead == ["No Lead Project"]
    assert warnings.short_versions.count == 1
    assert [v.title for v in warnings.short_versions.first] == ["Treatment and housing"]
    text = " ".join(warnings.messages)
    assert "2 organisations have nobody to review: Empty Trust, Quiet Aid." in text
    assert "1 organisation has no lead to follow its reviews: No Lead Project." in text
    assert "fewer reviews than the round's minimum of 2" in text and "Treatment and housing." in text


def test_an_opening_date_in_the_future_is_named(demo_like):
    ReviewRound.objects.filter(pk=demo_like.pk).update(opens_on=timezone.localdate() + datetime.timedelta(days=3))
    demo_like.refresh_from_db()
    assert "which is in the future" in " ".join(round_opening_warnings(demo_like).messages)


def test_opening_with_warnings_needs_a_confirmation(demo_like):
    admin = make_user(is_superuser=True)
    with pytest.raises(ValidationError) as error:
        round_open(review_round=demo_like, actor=admin)
    assert "nobody to review: Empty Trust, Quiet Aid" in " ".join(error.value.messages)
    demo_like.refresh_from_db()
    assert demo_like.status == ReviewRound.Status.DRAFT and not AuditEvent.objects.exists()

    round_open(review_round=demo_like, actor=admin, open_anyway=True)
    demo_like.refresh_from_db()
    assert demo_like.status == ReviewRound.Status.OPEN
    event = AuditEvent.objects.get(action="round_opened_anyway")
    assert any("Empty Trust" in message for message in event.data["warnings"])


def test_the_check_page_names_the_warnings_and_asks_for_confirmation(client, admin, demo_like):
    page = client.get(reverse("rounds:open", args=["spring"])).content.decode()
    assert "Everything is ready" not in page
    assert "Empty Trust, Quiet Aid" in page and "No Lead Project" in page and "Treatment and housing" in page
    assert 'name="open_anyway"' in page

    response = client.post(reverse("rounds:open", args=["spring"]))
    page = response.content.decode()
    assert response.status_code == 400
    assert "<title>Error:" in page and 'href="#open_anyway"' in page
    assert "Confirm that you want to open the round despite the points above" in page
    demo_like.refresh_from_db()
    assert demo_like.status == ReviewRound.Status.DRAFT and not AuditEvent.objects.exists()

    response = client.post(reverse("rounds:open", args=["spring"]), {"open_anyway": "yes"})
    assert response["Location"] == reverse("rounds:progress", args=["spring"])
    demo_like.refresh_from_db()
    assert demo_like.status == ReviewRound.Status.OPEN


def test_a_tampered_confirmation_does_not_open(client, admin, demo_like):
    response = client.post(reverse("rounds:open", args=["spring"]), {"open_anyway": "on\x00"})
    assert response.status_code == 400
    demo_like.refresh_from_db()
    assert demo_like.status == ReviewRound.Status.DRAFT


def test_reassigning_to_an_organisation_with_no_active_member_is_refused(client, admin, demo_like):
    crisis, quiet, empty = (Organisation.objects.get(slug=slug) for slug in ("crisis", "quiet", "empty"))
    other = make_version(title="Other")
    demo_like.versions.add(other)
    moving = make_assignment(review_round=demo_like, version=other, organisation=crisis)
    with pytest.raises(ValidationError) as error:
        assignment_reassign(assignment=moving, organisation=quiet, actor=admin)
    assert "Quiet Aid has no active member to review it" in " ".join(error.value.messages)

    page = client.post(reverse("rounds:assignment_reassign", args=["spring", moving.pk]), {"organisation": empty.pk})
    text = page.content.decode()
    assert "govuk-error-summary" in text and "Empty Trust has no active member to review it" in text
    assert 'href="#id_organisation"' in text
    moving.refresh_from_db()
    assert moving.organisation == crisis and not AuditEvent.objects.exists()


def test_the_progress_tables_say_who_has_nobody_to_review(client, admin, demo_like):
    demo_like.versions.add(make_version(title="Given to nobody at all"))
    page = client.get(reverse("rounds:assign", args=["spring"])).content.decode()
    assert "2 organisations, nobody to review" in page
    assert "Not given to anyone" in page  # the version nobody was given


def _draft_round(slug: str, versions: int, organisations: int) -> ReviewRound:
    audience = make_audience()
    review_round = make_round(status=ReviewRound.Status.DRAFT, slug=slug, closes_on=CLOSES)
    orgs = [make_organisation(audiences=[audience]) for _ in range(organisations)]
    made = [make_version(audience=audience) for _ in range(versions)]
    RoundVersion.objects.bulk_create([RoundVersion(round=review_round, version=v) for v in made])
    Assignment.objects.bulk_create(
        [Assignment(round=review_round, version=v, organisation=o) for v in made for o in orgs]
    )
    return review_round


def test_the_check_page_makes_the_same_number_of_queries_whatever_the_size(client, admin):
    _draft_round("small", 10, 3)
    _draft_round("large", 120, 6)
    client.get(reverse("rounds:open", args=["small"]))
    with CaptureQueriesContext(connection) as small_queries:
        client.get(reverse("rounds:open", args=["small"]))
    with CaptureQueriesContext(connection) as large_queries:
        page = client.get(reverse("rounds:open", args=["large"])).content.decode()
    assert len(small_queries) == len(large_queries)
    assert "120 use case versions expect fewer reviews" in page and "and 70 more." in page
