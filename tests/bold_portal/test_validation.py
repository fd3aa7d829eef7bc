"""Validating several instances at once (bold_portal.validation): every check constraint of all of
them in Python where it can be worked out there and in one statement otherwise, with the messages
Django's full_clean would give."""

import datetime
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.exceptions import EmptyResultSet, ValidationError
from django.db import connection, models
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from audiences.models import Audience
from bold_portal.text import TextLengthLimit
from bold_portal.validation import _check_sql, check_constraints_validate, check_holds_in_python, full_clean_all
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


def test_valid_instances_pass_without_a_statement(review_and_verdicts, django_assert_num_queries):
    review, verdicts = review_and_verdicts
    with django_assert_num_queries(0):
        full_clean_all([review, *verdicts], exclude=EXCLUDE)


def test_each_failing_check_gives_its_own_message(review_and_verdicts, django_assert_num_queries):
    review, verdicts = review_and_verdicts
    review.submitted_at = None  # submitted without its time
    verdicts[2].verdict = "maybe"  # past the form and the field's choices

    with django_assert_num_queries(0), pytest.raises(ValidationError) as refused:
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

    with django_assert_num_queries(0), pytest.raises(ValidationError) as refused:
        check_constraints_validate([review, *verdicts], exclude=EXCLUDE)

    assert len(refused.value.messages) == 1


def test_a_check_python_cannot_work_out_is_left_to_one_statement(review_and_verdicts, django_assert_num_queries):
    review, verdicts = review_and_verdicts
    review.submitted_at = None
    audiences = [Audience(name="People who use drugs", slug="drugs", colour=colour) for colour in ("#00ff00", "red")]

    # The colour's regular expression is the database's to match: both audiences in one statement.
    with django_assert_num_queries(1), pytest.raises(ValidationError) as refused:
        check_constraints_validate([*audiences, review, *verdicts], exclude=EXCLUDE)

    assert len(refused.value.messages) == 2
    assert refused.value.messages[1] == "A submitted review must record when it was submitted."


def test_a_check_reading_a_field_left_out_is_skipped(review_and_verdicts, django_assert_num_queries):
    review, verdicts = review_and_verdicts
    review.submitted_at = None

    with django_assert_num_queries(0):
        check_constraints_validate([review, *verdicts], exclude=[*EXCLUDE, "submitted_at"])


# Values a field of each kind is given when comparing Python's answer with the database's.
A_DAY = datetime.date(2026, 12, 6)
A_TIME = datetime.datetime(2026, 12, 6, 9, tzinfo=datetime.UTC)
VALUES = [
    (models.BooleanField, [True, False]),
    ((models.CharField, models.TextField), ["", "x", "closed", "draft", "submitted", "open", "reviewer", "admin"]),
    (models.DecimalField, [Decimal("-0.5"), Decimal(0), Decimal("0.5"), Decimal(1)]),
    ((models.IntegerField, models.ForeignKey), [-1, 0, 1, 2]),
    (models.DateTimeField, [A_TIME, A_TIME + datetime.timedelta(days=1)]),
    (models.DateField, [A_DAY, A_DAY + datetime.timedelta(days=1)]),
]

CHECKS = [
    (model, constraint)
    for model in apps.get_models()
    for constraint in model._meta.constraints
    if type(constraint) is models.CheckConstraint
]


def field_values(field) -> list:
    kind = next((values for kinds, values in VALUES if isinstance(field, kinds)), None)
    if kind is None:
        return [None]
    choices = [value for value, _label in field.flatchoices] if field.choices else []
    return [None, *kind, *choices]


def database_says(constraint, against: dict) -> bool:
    """Whether the check holds, by the query Django would run for it."""
    try:
        sql, params = _check_sql(constraint, against=against, using="default")
    except EmptyResultSet:  # the ORM's own answer, without the database: does not hold
        return False
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone() is not None


def test_python_works_out_most_checks():
    """Python answers for the portal's own checks, except those that need the database."""
    assert len(CHECKS) > 30
    left = [
        constraint.name
        for model, constraint in CHECKS
        if check_holds_in_python(constraint, model()._get_field_expression_map(meta=model._meta)) is None
    ]
    assert len(left) < 5, left


@given(data=st.data())
def test_python_says_what_the_database_says_of_every_check(data):
    model, constraint = data.draw(st.sampled_from(CHECKS))
    instance = model()
    for field in model._meta.local_concrete_fields:
        setattr(instance, field.attname, data.draw(st.sampled_from(field_values(field))))
    against = instance._get_field_expression_map(meta=model._meta)
    in_python = check_holds_in_python(constraint, against)
    in_database = database_says(constraint, against)

    assert in_python in (None, in_database), (constraint.name, in_python, in_database)


def test_text_limits_are_not_among_the_checks_compared():
    assert not any(isinstance(constraint, TextLengthLimit) for _model, constraint in CHECKS)


@pytest.mark.parametrize(
    ("condition", "in_python"),
    [
        (models.Q(submitted_at=None), False),  # field=None is IS NULL
        (~models.Q(status__in=["draft", None]), True),  # NULL is left out of IN
        (models.Q(lock_version__gte=models.F("lock_version")), True),
        (models.Q(submitted_at__gt=models.F("created_at")), None),  # compared with NULL: unknown, so it holds
        (~models.Q(submitted_at__gt=models.F("created_at")), None),
        (models.Q(overall_comment__gt="a"), "database"),  # text is ordered by the database's collation
        (models.Q(submitted_at__gte=datetime.datetime(2026, 1, 1)), "database"),  # naive against aware
        (models.Q(status__startswith="sub"), "database"),
    ],
)
def test_python_and_the_database_agree_on_each_kind_of_condition(condition, in_python):
    review = Review(status=Review.Status.SUBMITTED, submitted_at=timezone.now(), overall_comment="b", lock_version=1)
    constraint = models.CheckConstraint(condition=condition, name="any")
    against = review._get_field_expression_map(meta=Review._meta)

    if in_python == "database":
        assert check_holds_in_python(constraint, against) is None
    else:
        in_database = database_says(constraint, against)
        assert check_holds_in_python(constraint, against) is in_database is (in_python is not False)
