"""review_save and review_withdraw through their public surface: what is kept, what is refused."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from bold_portal.models import AuditEvent
from reviews.models import Assignment, Review, ReviewRound, RoundVersion, Verdict
from reviews.services.assignments import assignment_create
from reviews.services.reviews import ReviewConflict, RoundNotOpen, VerdictInput, review_save, review_withdraw
from reviews.services.rounds import round_create, round_rule_change, round_set_status, round_versions_change
from tests.factories import make_organisation, make_principle, make_reviewer, make_round, make_version

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


def change_count(review_round, version) -> int:
    """How many changes of the version's submitted reviews the round has counted (its matrix
    row is recomputed from this counter)."""
    return RoundVersion.objects.get(round=review_round, version=version).change_count


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


def test_saving_a_draft_does_not_touch_the_matrix(
    reviewer, review_round, version, relevant, clear, django_capture_on_commit_callbacks
):
    before = change_count(review_round, version)

    with django_capture_on_commit_callbacks() as callbacks:
        save(reviewer=reviewer, review_round=review_round, version=version, verdicts=[], submit=False)
        save(
            reviewer=reviewer,
            review_round=review_round,
            version=version,
            verdicts=[VerdictInput(principle_id=relevant.pk, verdict=MEETS)],
            lock=1,
            submit=False,
        )

    assert change_count(review_round, version) == before == 0
    assert callbacks == [], "no recompute is queued for a draft"


def test_submit_stores_verdicts_and_counts_a_change_of_the_version(
    reviewer, review_round, version, relevant, clear, django_capture_on_commit_callbacks
):
    other_version = make_version()
    review_round.versions.add(other_version)
    before = change_count(review_round, version)

    with django_capture_on_commit_callbacks() as callbacks:
        review = save(reviewer=reviewer, review_round=review_round, version=version, verdicts=complete(relevant, clear))

    review.refresh_from_db()
    assert review.status == Review.Status.SUBMITTED
    assert review.submitted_at is not None
    assert review.lock_version == 1
    assert verdicts_of(review) == {
        "relevant": (MEETS, "Fits the audience's priorities"),
        "clear": (DOES_NOT_MEET, "Does not say who receives the data"),
    }
    assert change_count(review_round, version) == before + 1
    assert change_count(review_round, other_version) == 0, "only the reviewed version's row changes"
    assert sorted(callback.func.__name__ for callback in callbacks) == [
        "enqueue_matrix_recompute",
        "enqueue_progress_refresh",
    ], "one recompute and one refresh of the progress counts queued, after commit"
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
    assert actions_of(updated) == ["review_submitted", "review_changed"]
    changed = AuditEvent.objects.get(action="review_changed")
    before = {row["principle_id"]: row["verdict"] for row in changed.before["verdicts"]}
    after = {row["principle_id"]: row["verdict"] for row in changed.after["verdicts"]}
    assert (before[relevant.pk], after[relevant.pk]) == (MEETS, Verdict.Choice.NOT_SURE)
    assert changed.before["status"] == changed.after["status"] == Review.Status.SUBMITTED
    assert change_count(review_round, version) == 2, "the submission and the change"


def test_a_submitted_review_cannot_go_back_to_draft(reviewer, review_round, version, relevant, clear):
    review = save(reviewer=reviewer, review_round=review_round, version=version, verdicts=complete(relevant, clear))

    with pytest.raises(ValidationError, match="cannot go back to draft"):
        save(reviewer=reviewer, review_round=review_round, version=version, verdicts=[], lock=1, submit=False)

    review.refresh_from_db()
    assert review.status == Review.Status.SUBMITTED
    assert review.lock_version == 1


def test_withdraw_then_submit_again(reviewer, review_round, version, relevant, clear):
    review = save(reviewer=reviewer, review_round=review_round, version=version, verdicts=complete(relevant, clear))
    assert change_count(review_round, version) == 1

    withdrawn = review_withdraw(review=review, actor=reviewer, expected_lock_version=1)

    withdrawn.refresh_from_db()
    assert withdrawn.status == Review.Status.WITHDRAWN
    assert withdrawn.lock_version == 2
    assert change_count(review_round, version) == 2

    again = save(
        reviewer=reviewer, review_round=review_round, version=version, verdicts=complete(relevant, clear), lock=2
    )

    again.refresh_from_db()
    assert again.pk == review.pk
    assert again.status == Review.Status.SUBMITTED
    assert again.lock_version == 3
    assert actions_of(again) == ["review_submitted", "review_withdrawn", "review_submitted"]
    assert change_count(review_round, version) == 3


def test_only_a_submitted_review_can_be_withdrawn(reviewer, review_round, version):
    draft = save(reviewer=reviewer, review_round=review_round, version=version, verdicts=[], submit=False)

    with pytest.raises(ValidationError, match="Only a submitted review"):
        review_withdraw(review=draft, actor=reviewer, expected_lock_version=1)

    draft.refresh_from_db()
    assert draft.status == Review.Status.DRAFT
    assert change_count(review_round, version) == 0
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
    assert change_count(review_round, version) == 1
    closed = round_set_status(review_round=review_round, status=ReviewRound.Status.CLOSED, actor=None)
    assert closed.closed_at is not None
    assert change_count(review_round, version) == 1, "closing changes no review, so no cell"

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
    assert change_count(review_round, version) == 1
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
    assert event.before == {}
    assert event.after["overall_comment"] == "Clear overall"
    recorded = {row["principle_id"]: row["verdict"] for row in event.after["verdicts"]}
    assert recorded == {relevant.pk: MEETS, clear.pk: DOES_NOT_MEET}


# Assignments and rounds: refused in plain words, never by a constraint's name


def constraint_names() -> set[str]:
    from django.apps import apps

    return {constraint.name for model in apps.get_models() for constraint in model._meta.constraints}


def assert_plain_words(error: ValidationError) -> None:
    """Every message of the error is a sentence for a person: no constraint is named."""
    names = constraint_names()
    for message in error.messages:
        assert "Constraint" not in message and "constraint" not in message, message
        assert not any(name in message for name in names), message


def assignments_made():
    return AuditEvent.objects.filter(action="assignment_made")


def test_an_assignment_of_a_version_outside_the_round_is_refused_and_nothing_is_saved(review_round):
    outside = make_version()

    with pytest.raises(ValidationError) as refused:
        assignment_create(review_round=review_round, version=outside, reviewer=make_reviewer(), actor=None)

    assert refused.value.message_dict == {
        "version": ["This use case version is not part of the round. Add it to the round first."]
    }
    assert_plain_words(refused.value)
    assert not Assignment.objects.exists()
    assert not assignments_made().exists()
    assert not RoundVersion.objects.filter(version=outside).exists(), "the version is not added behind the scenes"


def test_an_assignment_to_a_person_or_an_organisation_is_made_and_audited(review_round, version, reviewer):
    organisation = make_organisation()

    personal = assignment_create(review_round=review_round, version=version, reviewer=reviewer, actor=None)
    shared = assignment_create(review_round=review_round, version=version, organisation=organisation, actor=None)

    assert list(Assignment.objects.order_by("pk")) == [personal, shared]
    assert assignments_made().count() == 2


@pytest.mark.parametrize(
    ("to", "message"),
    [
        ("reviewer", "This person is already assigned this use case version in the round."),
        ("organisation", "This organisation is already assigned this use case version in the round."),
    ],
)
def test_a_duplicate_assignment_is_refused_in_plain_words(review_round, version, reviewer, to, message):
    whom = {"reviewer": reviewer} if to == "reviewer" else {"organisation": make_organisation()}
    first = assignment_create(review_round=review_round, version=version, actor=None, **whom)

    with pytest.raises(ValidationError) as refused:
        assignment_create(review_round=review_round, version=version, actor=None, **whom)

    assert refused.value.messages == [message]
    assert_plain_words(refused.value)
    assert list(Assignment.objects.all()) == [first]
    assert assignments_made().count() == 1


@pytest.mark.parametrize("both", [True, False])
def test_an_assignment_goes_to_one_person_or_one_organisation(review_round, version, reviewer, both):
    whom = {"reviewer": reviewer, "organisation": make_organisation()} if both else {}

    with pytest.raises(ValidationError) as refused:
        assignment_create(review_round=review_round, version=version, actor=None, **whom)

    assert refused.value.messages == ["Assign the use case version to one person or one organisation, not both."]
    assert_plain_words(refused.value)
    assert not Assignment.objects.exists()


@pytest.mark.parametrize(
    "fields",
    [
        {"threshold": Decimal("1.50")},
        {"threshold": Decimal("-0.10")},
        {"min_reviews": 0},
        {"opens_on": datetime.date(2030, 5, 2), "closes_on": datetime.date(2030, 5, 1)},
    ],
)
def test_a_round_with_a_broken_rule_is_refused_in_plain_words(relevant, fields):
    with pytest.raises(ValidationError) as refused:
        round_create(name="Autumn", slug="autumn", principles=[relevant], actor=None, **fields)

    assert_plain_words(refused.value)
    assert not ReviewRound.objects.filter(slug="autumn").exists()


@pytest.mark.parametrize(("threshold", "min_reviews"), [(Decimal("1.00"), 2), (Decimal("0.50"), 0)])
def test_changing_a_rounds_rule_to_a_broken_one_is_refused_in_plain_words(review_round, threshold, min_reviews):
    with pytest.raises(ValidationError) as refused:
        round_rule_change(review_round=review_round, threshold=threshold, min_reviews=min_reviews, actor=None)

    assert_plain_words(refused.value)
    review_round.refresh_from_db()
    assert (review_round.threshold, review_round.min_reviews, review_round.rule_version) == (Decimal("0.50"), 2, 1)


def test_a_version_already_in_the_round_is_not_added_twice(relevant, version):
    review_round = make_round(principles=[relevant], versions=[version], status=ReviewRound.Status.DRAFT)

    changed = round_versions_change(review_round=review_round, add=[version.pk], remove=[], actor=None)

    assert changed.added == 0
    # The database's rule behind it, in plain words for anything else that tries.
    with pytest.raises(ValidationError) as refused:
        RoundVersion(round=review_round, version=version).full_clean()
    assert refused.value.messages == ["This use case version is already in the round."]
    assert_plain_words(refused.value)
    assert RoundVersion.objects.filter(round=review_round, version=version).count() == 1
