"""Rules about rounds, assignments, reviews and verdicts that the database itself enforces, so
they hold for raw SQL, bulk updates and the admin alike. A review stays with its round, version
and reviewer through a trigger (reviews/migrations/0002_immutable_reviews.py)."""

import datetime
from decimal import Decimal

import pytest
from django.db import DatabaseError, connection
from django.utils import timezone

from reviews.models import Assignment, Review, ReviewRound, RoundVersion, Verdict
from tests.database import refused, triggers_on
from tests.factories import make_organisation, make_principle, make_reviewer, make_round, make_version

pytestmark = pytest.mark.django_db

REVIEW_TRIGGER = "reviews_review_immutable"


@pytest.fixture
def review():
    version = make_version()
    review_round = make_round(versions=[version])
    return Review.objects.create(round=review_round, version=version, reviewer=make_reviewer())


# A review stays with its round, version and reviewer


def test_the_trigger_keeping_reviews_with_their_reviewer_exists_after_the_migrations():
    assert REVIEW_TRIGGER in triggers_on(Review._meta.db_table)


def test_the_trigger_refuses_a_raw_sql_update_of_a_reviews_reviewer(review):
    someone_else = make_reviewer()

    with refused(), connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Review._meta.db_table} SET reviewer_id = %s WHERE id = %s", [someone_else.pk, review.pk]
        )

    assert Review.objects.get(pk=review.pk).reviewer_id == review.reviewer_id


@pytest.mark.parametrize("field", ["version", "round", "reviewer"])
def test_a_review_stays_with_its_version_round_and_reviewer(review, field):
    replacements = {
        "version": make_version,
        "round": lambda: make_round(versions=[review.version]),
        "reviewer": make_reviewer,
    }
    replacement = replacements[field]()

    with refused(DatabaseError):
        Review.objects.filter(pk=review.pk).update(**{field: replacement})

    assert getattr(Review.objects.get(pk=review.pk), f"{field}_id") == getattr(review, f"{field}_id")


def test_other_review_fields_can_still_change(review):
    Review.objects.filter(pk=review.pk).update(overall_comment="Updated", lock_version=2)

    review.refresh_from_db()
    assert (review.overall_comment, review.lock_version) == ("Updated", 2)


# Reviews and verdicts


def test_one_review_per_reviewer_version_and_round(review):
    with refused():
        Review.objects.create(round=review.round, version=review.version, reviewer=review.reviewer)


def test_the_same_reviewer_may_review_the_version_in_another_round(review):
    later_round = make_round(versions=[review.version])

    Review.objects.create(round=later_round, version=review.version, reviewer=review.reviewer)

    assert Review.objects.filter(reviewer=review.reviewer).count() == 2


def test_one_verdict_per_review_and_principle(review):
    principle = review.round.principles.first()
    Verdict.objects.create(review=review, principle=principle, verdict=Verdict.Choice.MEETS)

    with refused():
        Verdict.objects.create(review=review, principle=principle, verdict=Verdict.Choice.DOES_NOT_MEET)


def test_a_verdict_must_be_one_of_the_choices(review):
    with refused():
        Verdict.objects.create(review=review, principle=review.round.principles.first(), verdict="maybe")


def test_a_submitted_review_has_a_submission_time(review):
    with refused():
        Review.objects.filter(pk=review.pk).update(status=Review.Status.SUBMITTED)


def test_a_principle_in_use_cannot_be_deleted(review):
    principle = make_principle()
    review.round.principles.add(principle)
    Verdict.objects.create(review=review, principle=principle)

    with refused():
        principle.delete()


# Assignments and the versions of a round


@pytest.mark.parametrize(("has_reviewer", "has_organisation"), [(True, True), (False, False)])
def test_an_assignment_goes_to_a_reviewer_or_an_organisation_not_both_or_neither(has_reviewer, has_organisation):
    version = make_version()
    review_round = make_round(versions=[version])

    with refused():
        Assignment.objects.create(
            round=review_round,
            version=version,
            reviewer=make_reviewer() if has_reviewer else None,
            organisation=make_organisation() if has_organisation else None,
        )


def test_an_assignment_is_not_given_twice():
    version = make_version()
    review_round = make_round(versions=[version])
    reviewer, organisation = make_reviewer(), make_organisation()
    Assignment.objects.create(round=review_round, version=version, reviewer=reviewer)
    Assignment.objects.create(round=review_round, version=version, organisation=organisation)

    with refused():
        Assignment.objects.create(round=review_round, version=version, reviewer=reviewer)
    with refused():
        Assignment.objects.create(round=review_round, version=version, organisation=organisation)


def test_a_version_is_in_a_round_once():
    version = make_version()
    review_round = make_round(versions=[version])

    with refused():
        RoundVersion.objects.create(round=review_round, version=version)


def test_a_version_that_has_been_in_a_round_cannot_be_deleted():
    version = make_version()
    make_round(versions=[version])

    with refused():
        version.delete()


# Rounds


@pytest.mark.parametrize("threshold", ["-0.01", "1.00", "1.50"])
def test_a_rounds_threshold_is_at_least_zero_and_below_one(threshold):
    with refused():
        ReviewRound.objects.create(name="Round", slug="round", threshold=Decimal(threshold))


@pytest.mark.parametrize("threshold", ["0.00", "0.50", "0.99"])
def test_thresholds_inside_the_range_are_accepted(threshold):
    review_round = ReviewRound.objects.create(name="Round", slug="round", threshold=Decimal(threshold))

    assert review_round.threshold == Decimal(threshold)


def test_a_round_needs_at_least_one_review_per_cell():
    with refused():
        ReviewRound.objects.create(name="Round", slug="round", min_reviews=0)


def test_a_round_cannot_close_before_it_opens():
    with refused():
        ReviewRound.objects.create(
            name="Round", slug="round", opens_on=datetime.date(2026, 5, 2), closes_on=datetime.date(2026, 5, 1)
        )


def test_a_closed_round_records_when_it_closed():
    review_round = make_round()

    with refused():
        ReviewRound.objects.filter(pk=review_round.pk).update(status=ReviewRound.Status.CLOSED)

    ReviewRound.objects.filter(pk=review_round.pk).update(status=ReviewRound.Status.CLOSED, closed_at=timezone.now())
    assert ReviewRound.objects.get(pk=review_round.pk).closed_on == timezone.localdate()
