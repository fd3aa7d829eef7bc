"""Validating several instances at once (bold_portal.validation): every check constraint of all of
them in one statement, with the messages Django's full_clean would give."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from bold_portal.validation import check_constraints_validate, full_clean_all
from reviews.models import Review, Verdict
from tests.factories import make_principle, make_reviewer, make_round, make_version

pytestmark = pytest.mark.django_db

EXCLUDE = ["round", "version", "reviewer", "organisation", "review", "principle"]


@pytest.fixture
def review_and_verdicts():
    principles = [make_principle() for _ in range(4)]
    version = make_version()
    review_round = make_round(principles=principles, versions=[version])
    review = Review(
        round=review_round,
        version=version,
        reviewer=make_reviewer(),
        status=Review.Status.SUBMITTED,
        submitted_at=timezone.now(),
    )
    verdicts = [Verdict(principle=p, verdict=Verdict.Choice.MEETS) for p in principles]
    return review, verdicts


def test_valid_instances_pass_in_one_statement(review_and_verdicts, django_assert_num_queries):
    review, verdicts = review_and_verdicts
    with django_assert_num_queries(1):
        full_clean_all([review, *verdicts], exclude=EXCLUDE)


def test_each_failing_check_gives_its_own_message(review_and_verdicts):
    review, verdicts = review_and_verdicts
    review.submitted_at = None  # submitted without its time
    verdicts[2].verdict = "maybe"  # past the form and the field's choices

    with pytest.raises(ValidationError) as refused:
        check_constraints_validate([review, *verdicts], exclude=EXCLUDE)

    assert refused.value.messages == [
        "A submitted review must record when it was submitted.",
        "Choose meets, does not meet or not sure.",
    ]


def test_field_errors_come_first_without_a_statement(review_and_verdicts, django_assert_num_queries):
    review, verdicts = review_and_verdicts
    verdicts[0].verdict = "maybe"

    with django_assert_num_queries(0), pytest.raises(ValidationError) as refused:
        full_clean_all([review, *verdicts], exclude=EXCLUDE)

    assert "verdict" in refused.value.message_dict


def test_nothing_to_check_makes_no_statement(django_assert_num_queries):
    with django_assert_num_queries(0):
        check_constraints_validate([])


def test_a_check_that_validates_itself_runs_in_python(review_and_verdicts, django_assert_num_queries):
    review, verdicts = review_and_verdicts
    verdicts[1].reason = "x" * 100_000  # past the database's ceiling (TextLengthLimit checks it in Python)

    with django_assert_num_queries(1), pytest.raises(ValidationError) as refused:
        check_constraints_validate([review, *verdicts], exclude=EXCLUDE)

    assert len(refused.value.messages) == 1
