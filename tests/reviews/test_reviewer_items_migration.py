"""A database upgraded to reviews.0022_my_reviews_items gets My reviews' stored items of every round
already counted (one with a ProgressHeader) from the migration itself, the rows the progress
refresh makes, so that My reviews never reads a counted round with no items; a round never counted
gets none (it is counted live until its first refresh). On SQLite and PostgreSQL."""

import pytest
from django.utils import timezone

from audiences.models import Membership
from reviews.models import AssignmentRequest, Review, ReviewerItem
from reviews.services.progress_counts import progress_counts_refresh
from tests.database import migrate_to
from tests.factories import make_assignment, make_organisation, make_reviewer, make_round, make_version

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow, pytest.mark.usefixtures("latest_schema_after")]

BEFORE = ("reviews", "0021_lead_order_titles")
ITEMS = ("reviews", "0022_my_reviews_items")
FIELDS = ("round_id", "version_id", "reviewer_id", "due_on", "declined", "submitted", "title")


def _items() -> list[tuple]:
    return sorted(ReviewerItem.objects.values_list(*FIELDS))


def test_the_migration_stores_the_items_of_every_counted_round():
    organisation = make_organisation()
    person = make_reviewer(organisation=organisation)
    colleague = make_reviewer(organisation=organisation)
    Membership.objects.create(user=person, organisation=make_organisation(), role=Membership.Role.LEAD)
    counted, never = make_round(), make_round()
    versions = [make_version(title=title) for title in ("Beta", "alpha", "Gamma")]
    make_assignment(review_round=counted, version=versions[0], reviewer=person)
    make_assignment(review_round=counted, version=versions[0], organisation=organisation)
    make_assignment(review_round=counted, version=versions[1], organisation=organisation)
    declined = make_assignment(review_round=counted, version=versions[2], reviewer=person)
    AssignmentRequest.objects.create(
        assignment=declined, kind=AssignmentRequest.Kind.DECLINE, reason="Busy.", requested_by=person
    )
    Review.objects.create(
        round=counted, version=versions[0], reviewer=person, status=Review.Status.SUBMITTED, submitted_at=timezone.now()
    )
    make_assignment(review_round=never, version=versions[0], reviewer=colleague)
    progress_counts_refresh(round_id=counted.pk)
    refreshed = _items()
    assert len(refreshed) == 5  # the person: three use cases; their colleague: two

    migrate_to(BEFORE)
    migrate_to(ITEMS)

    assert _items() == refreshed
    assert {row[0] for row in refreshed} == {counted.pk}
