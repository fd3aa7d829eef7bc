"""A round's rule changes through reviews.services.rounds.round_rule_change (the Django admin shows rounds
read-only): the matrix follows the new rule, and the change is on record."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from bold_portal.models import AuditEvent
from matrix.models import MatrixCell
from reviews.models import ReviewRound, Verdict
from reviews.services.rounds import round_rule_change
from tests.factories import make_principle, make_round, make_submitted_review, make_user, make_version

pytestmark = pytest.mark.django_db


@pytest.fixture
def split_round(django_capture_on_commit_callbacks):
    """A round whose one cell has one meets and one does not meet: a tie, so a cross under a simple majority."""
    principle = make_principle(slug="relevant")
    version = make_version()
    review_round = make_round(principles=[principle], versions=[version], min_reviews=2)
    for verdict in (Verdict.Choice.MEETS, Verdict.Choice.DOES_NOT_MEET):
        with django_capture_on_commit_callbacks(execute=True):
            make_submitted_review(review_round=review_round, version=version, principle=principle, verdict=verdict)
    return review_round


def outcome(review_round) -> str:
    return MatrixCell.objects.get(round=review_round).outcome


def test_changing_the_rule_recomputes_the_matrix_after_commit(split_round, django_capture_on_commit_callbacks):
    assert outcome(split_round) == "cross"  # 1 of 2 is a tie under a simple majority
    admin = make_user(is_staff=True, is_superuser=True)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        round_rule_change(review_round=split_round, threshold=Decimal("0.40"), min_reviews=2, actor=admin)
        assert outcome(split_round) == "cross"  # nothing is recomputed before the commit

    assert callbacks
    split_round.refresh_from_db()
    assert (split_round.threshold, split_round.min_reviews) == (Decimal("0.40"), 2)
    assert outcome(split_round) == "tick"  # 1 > 0.4 x 2

    event = AuditEvent.objects.get(action="round_rule_changed")
    assert (event.actor, event.object_id) == (admin, str(split_round.pk))
    assert event.data["before"] == {"threshold": "0.50", "min_reviews": 2}
    assert event.data["after"] == {"threshold": "0.40", "min_reviews": 2}


def test_raising_the_minimum_makes_the_cell_insufficient(split_round, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        round_rule_change(review_round=split_round, threshold=Decimal("0.50"), min_reviews=3, actor=None)

    assert outcome(split_round) == "insufficient"
    event = AuditEvent.objects.get(action="round_rule_changed")
    assert (event.data["before"]["min_reviews"], event.data["after"]["min_reviews"]) == (2, 3)


@pytest.mark.parametrize(
    ("threshold", "min_reviews", "field", "message"),
    [
        (
            Decimal("1.5"),
            2,
            "threshold",
            "Enter a threshold of at least 0 and less than 1, such as 0.5 for a simple majority.",
        ),
        (
            Decimal("-0.1"),
            2,
            "threshold",
            "Enter a threshold of at least 0 and less than 1, such as 0.5 for a simple majority.",
        ),
        (Decimal("0.5"), 0, "min_reviews", "Enter a minimum number of reviews of at least 1."),
    ],
    ids=["threshold-above-1", "threshold-negative", "min-reviews-zero"],
)
def test_a_bad_rule_is_refused_with_a_plain_field_error_and_changes_nothing(
    split_round, django_capture_on_commit_callbacks, threshold, min_reviews, field, message
):
    before = ReviewRound.objects.filter(pk=split_round.pk).values().get()
    audit_rows = AuditEvent.objects.count()

    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(ValidationError) as error:
        round_rule_change(review_round=split_round, threshold=threshold, min_reviews=min_reviews, actor=None)

    assert error.value.message_dict == {field: [message]}
    assert "round_" not in str(error.value)  # never a constraint's name
    assert ReviewRound.objects.filter(pk=split_round.pk).values().get() == before
    assert AuditEvent.objects.count() == audit_rows
    assert callbacks == []
    assert outcome(split_round) == "cross"


def test_the_round_admin_is_read_only(client):
    review_round = make_round()
    client.force_login(make_user(is_staff=True, is_superuser=True))

    response = client.post(f"/admin/reviews/reviewround/{review_round.pk}/change/", {"name": "Renamed"})

    assert response.status_code == 403
    review_round.refresh_from_db()
    assert review_round.name != "Renamed"
