"""Bad input on the review form: a clear message naming the principle and the field, and nothing
saved. A draft keeps up to 20,000 characters in each text; submitting needs 5,000 or fewer
(docs/reviewer-journey.md)."""

import pytest
from django.core.exceptions import ValidationError

from principles.models import Principle
from reviews.models import REVIEW_TEXT_MAX, REVIEW_TEXT_SUBMIT_MAX, Review
from reviews.services.imports import ReviewRecord, reviews_record
from reviews.services.reviews import VerdictInput, review_save
from tests.hostile import BYTE_ORDER_MARK, FULL_WIDTH, RIGHT_TO_LEFT

pytestmark = pytest.mark.django_db

OVER_THE_CEILING = "x" * (REVIEW_TEXT_MAX + 1)
TOO_LONG_TO_SUBMIT = "x" * (REVIEW_TEXT_SUBMIT_MAX + 1)

FIELDS = [
    ("clear-reason", "Your reason for Clear and informative"),
    ("clear-evidence", "Evidence for Clear and informative"),
    ("relevant-suggested_rewording", "Suggested rewording for Relevant"),
    ("overall_comment", "Overall comment"),
]


@pytest.mark.parametrize(("field", "what"), FIELDS)
@pytest.mark.parametrize("action", ["save", "submit"])
def test_text_over_the_ceiling_is_refused_naming_the_field_and_saves_nothing(
    client, world, answers, field, what, action
):
    client.force_login(world.reviewer)

    response = client.post(world.url("review"), answers(**{field: OVER_THE_CEILING}, action=action))

    assert response.status_code == 200
    assert f'<a href="#id_{field}">{what} must be 20,000 characters or fewer</a>' in response.text
    assert not Review.objects.exists()


@pytest.mark.parametrize(("field", "what"), FIELDS)
def test_text_too_long_to_submit_is_refused_saying_what_to_shorten(client, world, answers, field, what):
    client.force_login(world.reviewer)

    response = client.post(world.url("review"), answers(**{field: TOO_LONG_TO_SUBMIT}))

    assert response.status_code == 200
    message = (
        f"{what} must be 5,000 characters or fewer to submit (it has 5,001). Shorten it, or save your review as a draft"
    )
    assert f'<a href="#id_{field}">{message}</a>' in response.text
    assert not Review.objects.exists()


def test_a_draft_keeps_text_too_long_to_submit_until_it_is_shortened(client, world, answers):
    client.force_login(world.reviewer)

    client.post(world.url("review"), answers(**{"clear-reason": TOO_LONG_TO_SUBMIT}, action="save"))
    draft = Review.objects.get()
    assert draft.status == Review.Status.DRAFT
    assert len(draft.verdicts.get(principle=world.clear).reason) == REVIEW_TEXT_SUBMIT_MAX + 1

    refused = client.post(world.url("review"), answers(**{"clear-reason": TOO_LONG_TO_SUBMIT}, lock_version="1"))
    assert "must be 5,000 characters or fewer to submit" in refused.text
    assert Review.objects.get().status == Review.Status.DRAFT

    client.post(world.url("review"), answers(**{"clear-reason": "y" * REVIEW_TEXT_SUBMIT_MAX}, lock_version="1"))
    submitted = Review.objects.get()
    assert submitted.status == Review.Status.SUBMITTED
    assert len(submitted.verdicts.get(principle=world.clear).reason) == REVIEW_TEXT_SUBMIT_MAX


def test_a_draft_keeps_text_at_the_ceiling_and_the_browser_does_not_cut_it_short(client, world, answers):
    client.force_login(world.reviewer)

    # GOV.UK's character count reads data-maxlength; the browser's own maxlength would cut text short.
    assert " maxlength=" not in client.get(world.url("review")).text
    client.post(world.url("review"), answers(**{"clear-reason": "é" * REVIEW_TEXT_MAX}, action="save"))

    assert Review.objects.get().verdicts.get(principle=world.clear).reason == "é" * REVIEW_TEXT_MAX


@pytest.mark.parametrize(
    ("field", "text", "message"),
    [
        ("clear-reason", TOO_LONG_TO_SUBMIT, "The reason for Clear and informative is 5,001 characters long"),
        ("overall_comment", TOO_LONG_TO_SUBMIT, "The overall comment is 5,001 characters long"),
    ],
)
def test_the_service_refuses_to_submit_text_too_long_and_names_it(world, field, text, message):
    clear_reason = text if field == "clear-reason" else "Unclear."
    with pytest.raises(ValidationError, match=message):
        review_save(
            reviewer=world.reviewer,
            review_round=world.round,
            version=world.version,
            verdicts=[
                VerdictInput(principle_id=world.relevant.pk, verdict="meets"),
                VerdictInput(principle_id=world.clear.pk, verdict="not_sure", reason=clear_reason),
            ],
            overall_comment=text if field == "overall_comment" else "",
            expected_lock_version=0,
            submit=True,
        )

    assert not Review.objects.exists()


@pytest.mark.parametrize(
    ("field", "message"),
    [
        ("clear-reason", "Your reason for Clear and informative contains a hidden control character (U+0000)"),
        ("relevant-evidence", "Evidence for Relevant contains a hidden control character (U+0000)"),
        ("clear-verdict", "Your answer for Clear and informative contains a hidden control character (U+0000)"),
        ("overall_comment", "Overall comment contains a hidden control character (U+0000)"),
    ],
)
@pytest.mark.parametrize("action", ["save", "submit"])
def test_a_control_character_is_refused_naming_the_field(client, world, answers, field, message, action):
    client.force_login(world.reviewer)

    response = client.post(world.url("review"), answers(**{field: "Not\x00sure"}, action=action))

    assert response.status_code == 200
    assert f'<a href="#id_{field}">{message} that cannot be saved. Remove it</a>' in response.text
    assert not Review.objects.exists()


@pytest.mark.parametrize(
    "text",
    [BYTE_ORDER_MARK, RIGHT_TO_LEFT, FULL_WIDTH, "Tab\tand\nlines"],
    ids=["bom", "rtl", "full-width", "tab-and-newlines"],
)
def test_real_text_that_looks_odd_is_kept_as_typed(client, world, answers, text):
    client.force_login(world.reviewer)

    # Browsers send line breaks as CR LF; each is kept as one line feed, as the character count counts it.
    response = client.post(world.url("review"), answers(**{"clear-reason": text.replace("\n", "\r\n")}))

    assert response.status_code == 302
    assert Review.objects.get().verdicts.get(principle=world.clear).reason == text.strip()


def test_a_percent_sign_in_a_principle_name_does_not_break_the_messages(client, world, answers):
    Principle.objects.filter(pk=world.relevant.pk).update(name="Relevant to 100% of people")
    client.force_login(world.reviewer)

    response = client.post(
        world.url("review"),
        answers(**{"relevant-verdict": "maybe", "relevant-reason": OVER_THE_CEILING, "relevant-evidence": "\x07"}),
    )

    assert response.status_code == 200
    assert "Choose whether the use case meets Relevant to 100% of people, does not meet it" in response.text
    assert "Your reason for Relevant to 100% of people must be 20,000 characters or fewer" in response.text
    assert "Evidence for Relevant to 100% of people contains a hidden control character (U+0007)" in response.text
    assert not Review.objects.exists()


def test_recording_a_review_refuses_text_too_long_to_submit(world):
    record = ReviewRecord(
        reviewer=world.reviewer,
        version=world.version,
        verdicts=[
            VerdictInput(principle_id=world.relevant.pk, verdict="meets", evidence=TOO_LONG_TO_SUBMIT),
            VerdictInput(principle_id=world.clear.pk, verdict="meets"),
        ],
    )

    with pytest.raises(ValidationError, match="The evidence for Relevant is 5,001 characters long"):
        reviews_record(review_round=world.round, reviews=[record], actor=None)

    assert not Review.objects.exists()
