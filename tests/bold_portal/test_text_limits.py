"""Every free-text field has a length limit, held by its model (max_length, or a validator on a
TextField) and by the database (a TextLengthLimit check, which SQLite enforces as PostgreSQL
does), and refuses control characters; docs/architecture.md lists every limit ("Text the portal
accepts")."""

import datetime
import re
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import DatabaseError, models
from django.utils import timezone

from bold_portal.text import ControlCharacterValidator, TextLengthLimit
from matrix.models import ApiToken, ReasonResponse
from register.models import RegisterEntry
from reviews.models import (
    AssignmentRequest,
    Decision,
    DecisionCondition,
    DeclaredInterest,
    KeptReviewPost,
    Question,
    QuestionAnswer,
    Review,
    RoundVersion,
    Verdict,
)
from tests.database import refused
from tests.factories import (
    make_assignment,
    make_audience,
    make_organisation,
    make_principle,
    make_reviewer,
    make_round,
    make_user,
    make_version,
)
from usecases.models import DataParty, UseCaseDraft, UseCaseVersion

LIMITED_APPS = ("accounts", "audiences", "principles", "usecases", "reviews", "matrix", "register")
# Text columns that hold no free text, each for a reason.
NOT_FREE_TEXT = {
    ("User", "password"): "a hash Django makes",
    ("Audience", "colour"): "a colour code, held to # and six hex digits by its own check",
    ("RecoveryCodeDevice", "name"): "django-otp's device name, which the portal sets itself",
    ("MatrixCell", "outcome"): "the outcome the round's rule computes, never typed",
    ("MatrixExport", "exporter"): "a key of the exporters' registry, checked by matrix_export_request",
    ("MatrixExport", "view_query"): "the matrix page's filter query, rebuilt from its validated form",
    ("MatrixExport", "error_message"): "what the export task says went wrong, never typed",
}


def _free_text_fields():
    for model in apps.get_models():
        if model._meta.app_label not in LIMITED_APPS:
            continue
        for field in model._meta.local_concrete_fields:
            text = isinstance(field, (models.CharField, models.TextField, models.JSONField))
            if text and field.editable and not field.choices and (model.__name__, field.name) not in NOT_FREE_TEXT:
                yield pytest.param(model, field, id=f"{model.__name__}.{field.name}")


FREE_TEXT_FIELDS = list(_free_text_fields())
LIMITS = [
    pytest.param(model, constraint, id=constraint.name)
    for model in apps.get_models()
    if model._meta.app_label in LIMITED_APPS
    for constraint in model._meta.constraints
    if isinstance(constraint, TextLengthLimit)
]


def _model_limit(field) -> int | None:
    if isinstance(field, models.CharField):
        return field.max_length
    return next((v.limit_value for v in field.validators if isinstance(v, MaxLengthValidator)), None)


def test_the_free_text_fields_are_found():
    names = {param.id for param in FREE_TEXT_FIELDS}
    assert {
        "Audience.description",
        "Principle.guidance",
        "Verdict.reason",
        "UseCaseVersion.data_flows",
        "ReasonResponse.text",
        "ApiToken.name",
    } <= names


@pytest.mark.parametrize(("model", "field"), FREE_TEXT_FIELDS)
def test_every_free_text_field_has_a_limit_in_its_model_and_in_the_database(model, field):
    checks = [c for c in model._meta.constraints if isinstance(c, TextLengthLimit) and c.field == field.name]

    assert len(checks) == 1, f"give {model.__name__}.{field.name} a text_limit(...) in Meta.constraints"
    if isinstance(field, models.JSONField):
        assert checks[0].is_json
    else:
        assert _model_limit(field) == checks[0].limit


# A slug holds only letters, numbers, hyphens and underscores; UseCaseVersion.clean checks each
# data flow's text (test_data_flows_are_held_to_their_number_and_length).
TYPED_TEXT_FIELDS = [
    param for param in FREE_TEXT_FIELDS if not isinstance(param.values[1], (models.SlugField, models.JSONField))
]


@pytest.mark.parametrize(("model", "field"), TYPED_TEXT_FIELDS)
def test_every_free_text_field_refuses_control_characters(model, field):
    assert any(isinstance(v, ControlCharacterValidator) for v in field.validators)


def _decision(review_round, version) -> Decision:
    return Decision.objects.create(
        round_version=RoundVersion.objects.get(round=review_round, version=version),
        outcome="go_ahead",
        reasons="Relevant.",
        decided_at=timezone.now(),
    )


def _question(review):
    return Question.objects.create(
        round=review.round,
        version=review.version,
        principle=review.round.principles.first(),
        asked_by=review.reviewer,
        text="How often?",
    )


def _row(model):
    """A saved row of model, to change one field of."""
    version = make_version()
    review_round = make_round(versions=[version])
    review = Review.objects.create(round=review_round, version=version, reviewer=make_reviewer())
    makers = {
        "User": make_user,
        "Audience": make_audience,
        "Organisation": make_organisation,
        "Invitation": lambda: apps.get_model("audiences", "Invitation").objects.create(
            email="new@example.org",
            organisation=make_organisation(),
            role="reviewer",
            expires_at=timezone.now() + datetime.timedelta(days=1),
            token_hash="0" * 64,
        ),
        "Principle": make_principle,
        "UseCase": lambda: version.use_case,
        "UseCaseDraft": lambda: UseCaseDraft.objects.create(use_case=version.use_case),
        "DataParty": lambda: DataParty.objects.create(name="A council", kind="public_body"),
        "ReviewRound": lambda: review_round,
        "Review": lambda: review,
        "Verdict": lambda: Verdict.objects.create(review=review, principle=review_round.principles.first()),
        "AssignmentRequest": lambda: AssignmentRequest.objects.create(
            assignment=make_assignment(review_round=review_round, version=version, reviewer=review.reviewer),
            kind="decline",
            reason="We cannot review it.",
            requested_by=review.reviewer,
        ),
        "DeclaredInterest": lambda: DeclaredInterest.objects.create(
            organisation=make_organisation(),
            use_case=version.use_case,
            reason="A contract.",
            override_reason="Another team holds it.",
            overridden_at=timezone.now(),
        ),
        "Decision": lambda: _decision(review_round, version),
        "DecisionCondition": lambda: DecisionCondition.objects.create(
            decision=_decision(review_round, version), principle=review_round.principles.first(), text="Say more."
        ),
        "RegisterEntry": lambda: RegisterEntry.objects.create(
            use_case=version.use_case,
            decision=_decision(review_round, version),
            snapshot={},
            first_published_at=timezone.now(),
            published_at=timezone.now(),
        ),
        "Question": lambda: _question(review),
        "QuestionAnswer": lambda: QuestionAnswer.objects.create(
            question=_question(review), answered_by=review.reviewer, side="author", text="Monthly."
        ),
        "KeptReviewPost": lambda: KeptReviewPost.objects.create(
            person=review.reviewer, round=review_round, version=version, kept_at=timezone.now()
        ),
        "ReasonResponse": lambda: ReasonResponse.objects.create(
            verdict=Verdict.objects.create(
                review=review, principle=review_round.principles.first(), verdict="does_not_meet", reason="Vague."
            ),
            kind="changed",
            text="Section 3 now says who.",
            answered_by=make_user(),
        ),
        "ApiToken": lambda: ApiToken.objects.create(
            owner=make_user(),
            name="R notebook",
            prefix="abc",
            key_hash="0" * 64,
            expires_at=timezone.now() + datetime.timedelta(days=1),
        ),
    }
    return makers[model.__name__]()


@pytest.mark.django_db
@pytest.mark.parametrize(("model", "constraint"), LIMITS)
def test_the_database_holds_every_limit(model, constraint):
    """Written around the model's validation (QuerySet.update, or an insert for the versions,
    which cannot be updated): the limit passes, one character more is refused, on SQLite and
    PostgreSQL alike. Two-byte characters show that characters are counted, not bytes."""
    field = constraint.field
    if constraint.is_json and model is not UseCaseVersion:
        rows = model.objects.filter(pk=_row(model).pk)
        with refused(DatabaseError):
            rows.update(**{field: ["x" * constraint.limit]})
        return
    if constraint.is_json:
        too_long = [{"information": "x" * constraint.limit, "from": "A council", "to": "BOLD"}]
        with refused(DatabaseError):
            make_version(data_flows=too_long)
        return
    if model is UseCaseVersion:
        make_version(**{field: "é" * constraint.limit})
        with refused(DatabaseError):
            make_version(**{field: "é" * (constraint.limit + 1)})
        return
    row = _row(model)
    rows = model.objects.filter(pk=row.pk)

    rows.update(**{field: "é" * constraint.limit})
    with refused(DatabaseError):
        rows.update(**{field: "é" * (constraint.limit + 1)})

    assert len(getattr(rows.get(), field)) == constraint.limit


@pytest.mark.django_db
def test_full_clean_checks_a_limit_without_a_query_and_names_the_field(django_assert_num_queries):
    constraint = next(
        c for c in apps.get_model("audiences", "Audience")._meta.constraints if c.name.endswith("description_length")
    )
    audience = apps.get_model("audiences", "Audience")(
        name="Homelessness", slug="homelessness", description="x" * 1_001
    )

    with django_assert_num_queries(0), pytest.raises(ValidationError) as error:
        constraint.validate(type(audience), audience)

    assert error.value.message_dict == {"description": ["An audience's description must be 1,000 characters or fewer."]}
    constraint.validate(type(audience), audience, exclude={"description"})


@pytest.mark.django_db
def test_data_flows_are_held_to_their_number_and_length():
    flow = {"information": "Housing status", "from": "Councils", "to": "BOLD analysts"}
    too_many = UseCaseVersion(data_flows=[flow] * 51)
    too_long = UseCaseVersion(data_flows=[{**flow, "to": "x" * 501}])
    hidden = UseCaseVersion(data_flows=[{**flow, "from": "Coun\x00cils"}])

    messages = {}
    for name, version in {"too_many": too_many, "too_long": too_long, "hidden": hidden}.items():
        with pytest.raises(ValidationError) as error:
            version.clean()
        messages[name] = error.value.message_dict["data_flows"][0]

    assert messages == {
        "too_many": "Give at most 50 data flows; this has 51.",
        "too_long": "Data flow 1, to: shorten it to 500 characters or fewer (it has 501).",
        "hidden": "Data flow 1, from: remove the hidden control character (U+0000): it cannot be saved.",
    }


def test_docs_list_every_limit():
    """docs/architecture.md, "Text the portal accepts", has a row per limit: `Model.field` and the
    limit (the first number in the row)."""
    text = (Path(settings.BASE_DIR) / "docs" / "architecture.md").read_text()
    section = text.split("## Text the portal accepts")[1].split("\n## ")[0]
    documented = {
        (model, field): int(limit.replace(",", ""))
        for model, field, limit in re.findall(r"^\| [^|]* \| `(\w+)\.(\w+)` \| ([\d,]+)", section, flags=re.M)
    }
    actual = {(param.values[0].__name__, param.values[1].field): param.values[1].limit for param in LIMITS}

    assert documented == actual
