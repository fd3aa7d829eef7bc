"""Copy a round: a new draft from a previous round, with its principles, rule,
flag rule and settings, its use cases at their newest versions, and who was asked to review what."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from bold_portal.models import AuditEvent
from reviews.models import Assignment, ReviewRound
from reviews.services.round_copy import round_copy
from tests.factories import (
    close_round,
    make_assignment,
    make_audience,
    make_organisation,
    make_principle,
    make_reviewer,
    make_round,
    make_user,
    make_version,
)

pytestmark = pytest.mark.django_db

OPENS = timezone.localdate() + datetime.timedelta(days=10)
CLOSES = timezone.localdate() + datetime.timedelta(days=40)


@pytest.fixture
def previous():
    audience = make_audience()
    relevant, clear = make_principle(name="Relevant"), make_principle(name="Clear")
    review_round = make_round(
        name="Spring 2026", slug="spring-2026", principles=[relevant, clear], threshold=Decimal("0.60"), min_reviews=3
    )
    review_round.flag_audiences.set([audience])
    crisis = make_organisation(name="Crisis", audiences=[audience])
    housing = make_version(audience=audience, title="Housing, first draft")
    newer = make_version(use_case=housing.use_case, number=2, title="Housing, second draft")
    treatment = make_version(audience=audience, title="Treatment")
    review_round.versions.add(housing, treatment)
    person = make_reviewer(organisation=crisis)
    gone = make_reviewer(organisation=crisis, is_active=False)
    make_assignment(review_round=review_round, version=housing, organisation=crisis)
    make_assignment(review_round=review_round, version=treatment, organisation=crisis)
    make_assignment(review_round=review_round, version=housing, reviewer=person)
    make_assignment(review_round=review_round, version=treatment, reviewer=gone)
    return close_round(review_round), {"newer": newer, "treatment": treatment, "crisis": crisis, "person": person}


def test_a_copy_is_a_draft_with_the_newest_versions_and_the_same_pattern(previous):
    source, things = previous
    admin = make_user(is_superuser=True)
    copy = round_copy(
        source=source, name="Autumn 2026", slug="autumn-2026", opens_on=OPENS, closes_on=CLOSES, actor=admin
    )
    assert copy.status == ReviewRound.Status.DRAFT and copy.slug == "autumn-2026"
    assert (copy.threshold, copy.min_reviews, copy.is_blind) == (Decimal("0.60"), 3, source.is_blind)
    assert set(copy.principles.all()) == set(source.principles.all())
    assert set(copy.flag_audiences.all()) == set(source.flag_audiences.all())
    assert set(copy.versions.all()) == {things["newer"], things["treatment"]}
    assert set(Assignment.objects.filter(round=copy).values_list("version_id", "organisation_id", "reviewer_id")) == {
        (things["newer"].pk, things["crisis"].pk, None),
        (things["treatment"].pk, things["crisis"].pk, None),
        (things["newer"].pk, None, things["person"].pk),
    }  # the switched-off account is left out
    assert set(Assignment.objects.filter(round=copy).values_list("due_on", flat=True)) == {CLOSES}
    event = AuditEvent.objects.get(action="round_copied")
    assert event.data == {"source": source.pk, "versions": 2, "assignments": 3, "object_name": copy.name}
    assert not AuditEvent.objects.filter(action="round_created").exclude(object_id=str(copy.pk)).exists()


def test_the_copy_page_makes_a_draft(client, admin, previous):
    source, _things = previous
    page = client.get(reverse("rounds:detail", args=[source.slug])).content.decode()
    assert reverse("rounds:copy", args=[source.slug]) in page
    assert "Spring 2026 (copy)" in client.get(reverse("rounds:copy", args=[source.slug])).content.decode()
    response = client.post(
        reverse("rounds:copy", args=[source.slug]),
        {
            "name": "Autumn 2026",
            "slug": "",
            "opens_on_0": str(OPENS.day),
            "opens_on_1": str(OPENS.month),
            "opens_on_2": str(OPENS.year),
        },
    )
    assert response["Location"] == reverse("rounds:detail", args=["autumn-2026"])
    assert ReviewRound.objects.get(slug="autumn-2026").versions.count() == 2


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"name": ""}, "name", "Enter a name for the round"),
        ({"name": "x", "slug": "spring-2026"}, "slug", "Another round already uses this short name"),
        ({"name": "x", "slug": "Not A Slug"}, "slug", "only contain lower-case letters"),
        ({"name": "x", "opens_on_0": "31", "opens_on_1": "2", "opens_on_2": "2030"}, "opens_on", "real date"),
        (
            {"name": "x", "opens_on_0": "2", "opens_on_1": "2", "opens_on_2": "2030"}
            | {"closes_on_0": "1", "closes_on_1": "2", "closes_on_2": "2030"},
            "closes_on",
            "on or after the opening date",
        ),
        ({"name": "x\x00"}, "name", ""),
    ],
)
def test_bad_input_when_copying_names_the_field_and_changes_nothing(client, admin, previous, data, field, message):
    source, _things = previous
    before = ReviewRound.objects.count()
    page = client.post(reverse("rounds:copy", args=[source.slug]), data).content.decode()
    assert "govuk-error-summary" in page and message in page and f'href="#id_{field}' in page
    assert ReviewRound.objects.count() == before and not AuditEvent.objects.filter(action="round_copied").exists()
