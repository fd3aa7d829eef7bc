"""review_save and review_withdraw through their public surface: what is kept, what is refused."""

import pytest
from django.core.exceptions import ValidationError

from bold_portal.models import AuditEvent
from reviews.models import Review, ReviewRound, Verdict
from reviews.services import (
    ReviewConflict,
    RoundNotOpen,
    VerdictInput,
    review_save,
    review_withdraw,
    round_set_status,
)
from tests.factories import make_principle, make_reviewer, make_round, make_version

pytestmark = pytest.mark.django_db

MEETS = Verdict.Choice.MEETS
DOES_NOT_MEET = Verdict.Choice.DOES_NOT_MEET


@pytest.fixture
def relevant():
    return make_principle(name="Relevant", slug="relevant")


@pytest.fixture
def clear():
    return make_principle(name="Clear and informative", slug="clear")


@pytest.fixture
def version():
    return make_version()


@pytest.fixture
def review_round(relevant, clear, version):
    return make_round(principles=[relevant, clear], versions=[version])


@pytest.fixture
def reviewer():
    return make_reviewer()


def complete(relevant, clear, *, relevant_verdict=MEETS):
    return [
        VerdictInput(principle_id=relevant.pk, verdict=relevant_verdict, reason="Fits the audience's priorities"),
        VerdictInput(principle_id=clear.pk, verdict=DOES_NOT_MEET, reason="Does not say who receives the data"),
    ]


def save(*, reviewer, review_round, version, verdicts, lock=0, submit=True, comment=""):
    return review_save(
        reviewer=reviewer,
        review_round=review_round,
        version=version,
        verdicts=verdicts,
        overall_comment=comment,
        expected_lock_version=lock,
        submit=submit,
    )


def verdicts_of(review):
    return {v.principle.slug: (v.verdict, v.reason) for v in review.verdicts.select_related("principle")}


def actions_of(review):
    return list(
        AuditEvent.objects.filter(object_type="reviews.review", object_id=str(review.pk))
        .order_by("pk")
        .values_list("action", flat=True)
    )


def test_draft_keeps_half_filled_and_not_yet_valid_answers(reviewer, review_round, version, relevant, clear):
    # A cross without a reason cannot be submitted, but a draft keeps it for later.
    review = save(
        reviewer=reviewer,
        review_round=review_round,
        version=version,
        verdicts=[VerdictInput(principle_id=relevant.pk, verdict=DOES_NOT_MEET)],
        submit=False,
        comment="Half way through",
    )

    review.refresh_from_db()
    assert review.status == Review.Status.DRAFT
    assert review.submitted_at is None
    assert review.overall_comment == "Half way through"
    assert verdicts_of(review) == {"relevant": (DOES_NOT_MEET, ""), "clear": ("", "")}
    assert actions_of(review) == ["review_draft_saved"]


def test_saving_a_draft_does_not_touch_the_matrix(reviewer, review_round, version, relevant, clear):
    before = review_round.last_changed_at

    save(reviewer=reviewer, review_round=review_round, version=version, verdicts=[], submit=False)

    review_round.refresh_from_db()
    assert review_round.last_changed_at == before


def test_submit_stores_verdicts_and_marks_the_round_changed(reviewer, review_round, version, relevant, clear):
    before = review_round.last_changed_at

    review = save(reviewer=reviewer, review_round=review_round, version=version, verdicts=complete(relevant, clear))

    review.refresh_from_db()
    review_round.refresh_from_db()
    assert review.status == Review.Status.SUBMITTED
    assert review.submitted_at is not None
    assert review.lock_version == 1
    assert verdicts_of(review) == {
        "relevant": (MEETS, "Fits the audience's priorities"),
        "clear": (DOES_NOT_MEET, "Does not say who receives the data"),
    }
    assert review_round.last_changed_at > before
    assert actions_of(review) == ["review_submitted"]


def test_submit_reports_each_problem_by_principle_and_saves_nothing(reviewer, review_round, version, relevant, clear):
    with pytest.raises(ValidationError) as caught:
        save(
            reviewer=reviewer,
            review_round=review_round,
            version=version,
            verdicts=[VerdictInput(principle_id=relevant.pk, verdict=DOES_NOT_MEET, reason="  ")],
        )

    errors = caught.value.message_dict
    assert set(errors) == {"relevant", "clear"}
    assert "Give a reason" in errors["relevant"][0]
    assert "Choose whether" in errors["clear"][0]
    assert not Review.objects.exists()
    assert not Verdict.objects.exists()
    assert not AuditEvent.objects.filter(object_type="reviews.review").exists()


def test_failed_submit_leaves_the_saved_draft_as_it_was(reviewer, review_round, version, relevant, clear):
    draft = save(
        reviewer=reviewer,
        review_round=review_round,
        version=version,
        verdicts=[VerdictInput(principle_id=relevant.pk, verdict=MEETS)],
        submit=False,
        comment="First thoughts",
    )

    with pytest.raises(ValidationError):
        save(
            reviewer=reviewer,
            review_round=review_round,
            version=version,
            verdicts=[VerdictInput(principle_id=clear.pk, verdict=DOES_NOT_MEET)],
            lock=draft.lock_version,
            comment="Changed my mind",
        )

    draft.refresh_from_db()
    assert draft.status == Review.Status.DRAFT
    assert draft.lock_version == 1
    assert draft.overall_comment == "First thoughts"
    assert verdicts_of(draft) == {"relevant": (MEETS, ""), "clear": ("", "")}


def test_update_after_submit_replaces_verdicts_and_is_audited(reviewer, review_round, version, relevant, clear):
    review = save(reviewer=reviewer, review_round=review_round, version=version, verdicts=complete(relevant, clear))

    updated = save(
        reviewer=reviewer,
        review_round=review_round,
        version=version,
        verdicts=complete(relevant, clear, relevant_verdict=Verdict.Choice.NOT_SURE),
        lock=review.lock_version,
    )

    updated.refresh_from_db()
    assert updated.pk == review.pk
    assert updated.lock_version == 2
    assert updated.verdicts.count() == 2
    assert verdicts_of(updated)["relevant"] == (Verdict.Choice.NOT_SURE, "Fits the audience's priorities")
    assert actions_of(updated) == ["review_submitted", "review_updated"]


def test_a_submitted_review_cannot_go_back_to_draft(reviewer, review_round, version, relevant, clear):
    review = save(reviewer=reviewer, review_round=review_round, version=version, verdicts=complete(relevant, clear))

    with pytest.raises(ValidationError, match="cannot go back to draft"):
        save(reviewer=reviewer, review_round=review_round, version=version, verdicts=[], lock=1, submit=False)

    review.refresh_from_db()
    assert review.status == Review.Status.SUBMITTED
    assert review.lock_version == 1


def test_withdraw_then_submit_again(reviewer, review_round, version, relevant, clear):
    review = save(reviewer=reviewer, review_round=review_round, version=version, verdicts=complete(relevant, clear))
    submitted_change = ReviewRound.objects.get(pk=review_round.pk).last_changed_at

    withdrawn = review_withdraw(review=review, actor=reviewer, expected_lock_version=1)

    withdrawn.refresh_from_db()
    assert withdrawn.status == Review.Status.WITHDRAWN
    assert withdrawn.lock_version == 2
    assert ReviewRound.objects.get(pk=review_round.pk).last_changed_at > submitted_change

    again = save(
        reviewer=reviewer, review_round=review_round, version=version, verdicts=complete(relevant, clear), lock=2
    )

    again.refresh_from_db()
    assert again.pk == review.pk
    assert again.status == Review.Status.SUBMITTED
    assert again.lock_version == 3
    assert actions_of(again) == ["review_submitted", "review_withdrawn", "review_submitted"]


def test_only_a_submitted_review_can_be_withdrawn(reviewer, review_round, version):
    draft = save(reviewer=reviewer, review_round=review_round, version=version, verdicts=[], submit=False)

    with pytest.raises(ValidationError, match="Only a submitted review"):
        review_withdraw(review=draft, actor=reviewer, expected_lock_version=1)

    draft.refresh_from_db()
    assert draft.status == Review.Status.DRAFT
    assert actions_of(draft) == ["review_draft_saved"]


@pytest.mark.parametrize("status", [ReviewRound.Status.CLOSED, ReviewRound.Status.DRAFT])
def test_a_round_that_is_not_open_refuses_new_reviews(status, reviewer, version, relevant, clear):
    review_round = make_round(principles=[relevant, clear], versions=[version], status=status)

    with pytest.raises(RoundNotOpen):
        save(reviewer=reviewer, review_round=review_round, version=version, verdicts=complete(relevant, clear))

    assert not Review.objects.exists()
    assert not AuditEvent.objects.filter(object_type="reviews.review").exists()


def test_closing_a_round_freezes_its_reviews(reviewer, review_round, version, relevant, clear):
    review = save(reviewer=reviewer, review_round=review_round, version=version, verdicts=complete(relevant, clear))
    round_set_status(review_round=review_round, status=ReviewRound.Status.CLOSED, actor=None)
    closed_change = ReviewRound.objects.get(pk=review_round.pk).last_changed_at

    with pytest.raises(RoundNotOpen):
        save(
            reviewer=reviewer,
            review_round=review_round,
            version=version,
            verdicts=complete(relevant, clear, relevant_verdict=DOES_NOT_MEET),
            lock=1,
        )
    with pytest.raises(RoundNotOpen):
        review_withdraw(review=review, actor=reviewer, expected_lock_version=1)

    review.refresh_from_db()
    assert review.status == Review.Status.SUBMITTED
    assert review.lock_version == 1
    assert verdicts_of(review)["relevant"][0] == MEETS
    assert ReviewRound.objects.get(pk=review_round.pk).last_changed_at == closed_change
    assert actions_of(review) == ["review_submitted"]


def test_a_version_outside_the_round_is_refused(reviewer, review_round, relevant, clear):
    other_version = make_version()

    with pytest.raises(ValidationError, match="not part of the round"):
        save(reviewer=reviewer, review_round=review_round, version=other_version, verdicts=complete(relevant, clear))

    assert not Review.objects.exists()


def test_a_verdict_on_a_principle_outside_the_round_is_refused(reviewer, review_round, version, relevant, clear):
    realism = make_principle(name="Realism", slug="realism")

    with pytest.raises(ValidationError, match="not part of this round"):
        save(
            reviewer=reviewer,
            review_round=review_round,
            version=version,
            verdicts=[*complete(relevant, clear), VerdictInput(principle_id=realism.pk, verdict=MEETS)],
        )

    assert not Review.objects.exists()


def test_a_stale_form_cannot_overwrite_a_newer_save(reviewer, review_round, version, relevant, clear):
    # Two tabs open the same new review (lock 0); the first submits, the second must not win.
    first = save(reviewer=reviewer, review_round=review_round, version=version, verdicts=complete(relevant, clear))

    with pytest.raises(ReviewConflict):
        save(
            reviewer=reviewer,
            review_round=review_round,
            version=version,
            verdicts=complete(relevant, clear, relevant_verdict=DOES_NOT_MEET),
            lock=0,
        )
    with pytest.raises(ReviewConflict):
        save(
            reviewer=reviewer,
            review_round=review_round,
            version=version,
            verdicts=complete(relevant, clear, relevant_verdict=DOES_NOT_MEET),
            lock=2,
        )
    with pytest.raises(ReviewConflict):
        review_withdraw(review=first, actor=reviewer, expected_lock_version=0)

    first.refresh_from_db()
    assert first.status == Review.Status.SUBMITTED
    assert first.lock_version == 1
    assert verdicts_of(first)["relevant"][0] == MEETS
    assert actions_of(first) == ["review_submitted"]


def test_a_new_review_expects_lock_zero(reviewer, review_round, version, relevant, clear):
    with pytest.raises(ReviewConflict):
        save(reviewer=reviewer, review_round=review_round, version=version, verdicts=complete(relevant, clear), lock=1)

    assert not Review.objects.exists()


def test_reviewers_do_not_share_reviews(review_round, version, relevant, clear):
    first, second = make_reviewer(), make_reviewer()

    a = save(reviewer=first, review_round=review_round, version=version, verdicts=complete(relevant, clear))
    b = save(reviewer=second, review_round=review_round, version=version, verdicts=complete(relevant, clear))

    assert a.pk != b.pk
    assert Review.objects.filter(round=review_round, status=Review.Status.SUBMITTED).count() == 2


def test_audit_rows_record_who_and_what(reviewer, review_round, version, relevant, clear):
    review = save(
        reviewer=reviewer,
        review_round=review_round,
        version=version,
        verdicts=complete(relevant, clear),
        comment="Clear overall",
    )

    event = AuditEvent.objects.get(object_type="reviews.review", object_id=str(review.pk))
    assert event.actor == reviewer
    assert event.action == "review_submitted"
    assert event.data["overall_comment"] == "Clear overall"
    recorded = {row["principle_id"]: row["verdict"] for row in event.data["verdicts"]}
    assert recorded == {relevant.pk: MEETS, clear.pk: DOES_NOT_MEET}
