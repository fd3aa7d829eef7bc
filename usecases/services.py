"""State changes for reviews and rounds. Each runs in one transaction and writes an audit row."""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audiences.models import Membership, Organisation
from bold_portal.models import audit
from usecases.models import Review, ReviewRound, UseCaseVersion, Verdict
from usecases.signals import round_reviews_changed

if TYPE_CHECKING:
    from usecases.imports import VerdictRow


class ReviewConflict(Exception):
    """The review changed since the form was opened (another tab or device saved it)."""


class RoundNotOpen(Exception):
    """The round is not open, so its reviews cannot change."""


class ImportConflict(Exception):
    """Reviews or accounts the import would create appeared after its rows were checked."""


@dataclass(frozen=True)
class VerdictInput:
    principle_id: int
    verdict: str = ""
    reason: str = ""
    evidence: str = ""
    suggested_rewording: str = ""


def verdict_problem(*, verdict: str, reason: str) -> str | None:
    """Why a verdict cannot be submitted, in words for the reviewer; None if it can."""
    if verdict not in Verdict.Choice.values:
        return _("Choose whether the use case meets the principle, does not meet it, or you are not sure")
    if verdict != Verdict.Choice.MEETS and not reason.strip():
        return _("Give a reason when the use case does not meet the principle or you are not sure")
    return None


def _round_changed(review_round: ReviewRound) -> None:
    """Mark the round's matrix as out of date and queue its recompute after commit."""
    review_round.last_changed_at = timezone.now()
    review_round.save(update_fields=["last_changed_at"])
    round_reviews_changed.send(sender=Review, round_id=review_round.pk)


def round_settings_changed(*, review_round: ReviewRound, actor) -> ReviewRound:
    """Record a change to a round's status, rule, principles or versions (made in the admin) and
    queue its matrix recompute, since the snapshot no longer matches the round."""
    with transaction.atomic():
        review_round = ReviewRound.objects.select_for_update().get(pk=review_round.pk)
        _round_changed(review_round)
        audit(
            actor=actor,
            action="round_settings_changed",
            obj=review_round,
            status=review_round.status,
            threshold=str(review_round.threshold),
            min_reviews=review_round.min_reviews,
            principles=sorted(review_round.principles.values_list("slug", flat=True)),
            versions=sorted(review_round.versions.values_list("pk", flat=True)),
        )
    return review_round


def _verdict_record(verdicts) -> list[dict]:
    return [
        {
            "principle_id": v.principle_id,
            "verdict": v.verdict,
            "reason": v.reason,
            "evidence": v.evidence,
            "suggested_rewording": v.suggested_rewording,
        }
        for v in verdicts
    ]


def _locked_review(*, review_round, version, reviewer, expected_lock_version: int) -> Review | None:
    review = Review.objects.select_for_update().filter(round=review_round, version=version, reviewer=reviewer).first()
    current = review.lock_version if review else 0
    if current != expected_lock_version:
        raise ReviewConflict
    return review


def review_save(
    *,
    reviewer,
    review_round: ReviewRound,
    version: UseCaseVersion,
    verdicts: Sequence[VerdictInput],
    overall_comment: str,
    expected_lock_version: int,
    submit: bool,
    organisation: Organisation | None = None,
) -> Review:
    """Save a reviewer's review of a version in a round, as a draft or submitted.

    A draft keeps whatever was entered, complete or not. Submitting (or changing a submitted
    review) checks every principle of the round. expected_lock_version is the review's
    lock_version when the form was opened (0 for a new review); if it has moved on, nothing
    is saved and ReviewConflict is raised.
    """
    with transaction.atomic():
        review_round = ReviewRound.objects.select_for_update().get(pk=review_round.pk)
        if not review_round.is_open:
            raise RoundNotOpen
        if not review_round.versions.filter(pk=version.pk).exists():
            raise ValidationError(_("This use case version is not part of the round."))
        review = _locked_review(
            review_round=review_round, version=version, reviewer=reviewer, expected_lock_version=expected_lock_version
        )
        was_submitted = review is not None and review.status == Review.Status.SUBMITTED
        if was_submitted and not submit:
            raise ValidationError(_("A submitted review cannot go back to draft. Update it or withdraw it."))

        principles = {p.pk: p for p in review_round.principles.all()}
        given = {v.principle_id: v for v in verdicts}
        unknown = set(given) - set(principles)
        if unknown:
            raise ValidationError(_("A verdict was given for a principle that is not part of this round."))
        if submit:
            problems = {}
            for pk, principle in principles.items():
                entry = given.get(pk, VerdictInput(principle_id=pk))
                problem = verdict_problem(verdict=entry.verdict, reason=entry.reason)
                if problem:
                    problems[principle.slug] = problem
            if problems:
                raise ValidationError(problems)

        if review is None:
            review = Review(round=review_round, version=version, reviewer=reviewer, organisation=organisation)
        review.overall_comment = overall_comment
        if review.pk:
            review.lock_version += 1
        review.status = Review.Status.SUBMITTED if submit else Review.Status.DRAFT
        if submit:
            review.submitted_at = timezone.now()
        review.full_clean(exclude=["round", "version", "reviewer"], validate_unique=False)
        try:
            with transaction.atomic():
                review.save()
        except IntegrityError as error:  # another tab created the same review a moment ago
            raise ReviewConflict from error

        existing = {v.principle_id: v for v in review.verdicts.all()}
        to_create, to_update = [], []
        for pk in principles:
            entry = given.get(pk, VerdictInput(principle_id=pk))
            row = existing.get(pk) or Verdict(review=review, principle_id=pk)
            row.verdict = entry.verdict
            row.reason = entry.reason.strip()
            row.evidence = entry.evidence.strip()
            row.suggested_rewording = entry.suggested_rewording.strip()
            row.full_clean(exclude=["review", "principle"], validate_unique=False)
            (to_update if row.pk else to_create).append(row)
        Verdict.objects.bulk_create(to_create)
        Verdict.objects.bulk_update(to_update, ["verdict", "reason", "evidence", "suggested_rewording"])

        if submit:
            action = "review_updated" if was_submitted else "review_submitted"
        else:
            action = "review_draft_saved"
        audit(
            actor=reviewer,
            action=action,
            obj=review,
            overall_comment=review.overall_comment,
            verdicts=_verdict_record(to_create + to_update),
        )
        if submit or was_submitted:
            _round_changed(review_round)
    return review


def review_withdraw(*, review: Review, actor, expected_lock_version: int) -> Review:
    """Withdraw a submitted review: it stops counting in the round's matrix."""
    with transaction.atomic():
        review_round = ReviewRound.objects.select_for_update().get(pk=review.round_id)
        if not review_round.is_open:
            raise RoundNotOpen
        review = _locked_review(
            review_round=review_round,
            version=review.version,
            reviewer=review.reviewer,
            expected_lock_version=expected_lock_version,
        )
        if review.status != Review.Status.SUBMITTED:
            raise ValidationError(_("Only a submitted review can be withdrawn."))
        review.status = Review.Status.WITHDRAWN
        review.lock_version += 1
        review.full_clean(exclude=["round", "version", "reviewer"], validate_unique=False)
        review.save(update_fields=["status", "lock_version", "updated_at"])
        audit(actor=actor, action="review_withdrawn", obj=review)
        _round_changed(review_round)
    return review


def round_set_status(*, review_round: ReviewRound, status: str, actor) -> ReviewRound:
    """Open or close a round (or return it to draft). Closing freezes its reviews."""
    with transaction.atomic():
        review_round = ReviewRound.objects.select_for_update().get(pk=review_round.pk)
        previous = review_round.status
        review_round.status = status
        review_round.full_clean()
        review_round.save(update_fields=["status"])
        audit(actor=actor, action="round_status_changed", obj=review_round, previous=previous, status=status)
    return review_round


@dataclass(frozen=True)
class ImportResult:
    review_round: ReviewRound
    round_created: bool
    reviews: int
    verdicts: int
    new_reviewers: list[str]
    # Per use case version: (reviews, verdicts) imported.
    by_version: dict[UseCaseVersion, tuple[int, int]]


def verdicts_import(*, review_round: ReviewRound, rows: Sequence["VerdictRow"], actor) -> ImportResult:
    """Import verdicts gathered offline, checked by usecases.imports, into a round: all or nothing.

    Each reviewer x version becomes one submitted review with a verdict per row. Reviewers with
    no account get one, with no usable password, as a reviewer of the row's organisation. An
    unsaved review_round is created here, holding the versions and principles the rows use.
    Raises ImportConflict if a review or account appeared since the rows were checked.
    """
    if not rows:
        raise ValidationError(_("There are no verdicts to import."))
    round_created = review_round.pk is None
    try:
        with transaction.atomic():
            if round_created:
                review_round.full_clean()
                review_round.save()
                review_round.principles.set({row.principle for row in rows})
                review_round.versions.set({row.version for row in rows})
            else:
                review_round = ReviewRound.objects.select_for_update().get(pk=review_round.pk)
            reviewers, new_reviewers = _import_reviewers(rows)

            by_review: dict[tuple[str, int], list[VerdictRow]] = defaultdict(list)
            for row in rows:
                by_review[(row.reviewer_key, row.version.pk)].append(row)
            now = timezone.now()
            reviews, verdicts = [], []
            by_version: dict[UseCaseVersion, tuple[int, int]] = {}
            for review_rows in by_review.values():
                first = review_rows[0]
                review = Review(
                    round=review_round,
                    version=first.version,
                    reviewer=reviewers[first.reviewer_key],
                    organisation=first.organisation,
                    status=Review.Status.SUBMITTED,
                    submitted_at=now,
                )
                # The database enforces the constraints and foreign keys; checking them here
                # would cost queries per row.
                review.full_clean(
                    exclude=["round", "version", "reviewer", "organisation"],
                    validate_unique=False,
                    validate_constraints=False,
                )
                reviews.append(review)
                for row in review_rows:
                    verdict = Verdict(
                        review=review,
                        principle=row.principle,
                        verdict=row.verdict,
                        reason=row.reason.strip(),
                        evidence=row.evidence.strip(),
                    )
                    verdict.full_clean(
                        exclude=["review", "principle"], validate_unique=False, validate_constraints=False
                    )
                    verdicts.append(verdict)
                count_reviews, count_verdicts = by_version.get(first.version, (0, 0))
                by_version[first.version] = (count_reviews + 1, count_verdicts + len(review_rows))
            Review.objects.bulk_create(reviews)
            Verdict.objects.bulk_create(verdicts)
            audit(
                actor=actor,
                action="verdicts_imported",
                obj=review_round,
                round_created=round_created,
                reviews=[review.pk for review in reviews],
                verdicts=len(verdicts),
                new_reviewers=new_reviewers,
            )
            _round_changed(review_round)
    except IntegrityError as error:
        raise ImportConflict from error
    return ImportResult(
        review_round=review_round,
        round_created=round_created,
        reviews=len(reviews),
        verdicts=len(verdicts),
        new_reviewers=new_reviewers,
        by_version=by_version,
    )


def _import_reviewers(rows: Sequence["VerdictRow"]) -> tuple[dict, list[str]]:
    """The rows' reviewers by email key, creating accounts and memberships for those without one."""
    user_model = get_user_model()
    reviewers = {row.reviewer_key: row.reviewer for row in rows if row.reviewer is not None}
    new_users, memberships = {}, []
    for row in rows:
        if row.reviewer is None and row.reviewer_key not in new_users:
            user = user_model(**{user_model.USERNAME_FIELD: row.reviewer_email, "email": row.reviewer_email})
            user.set_unusable_password()  # they sign in after a password reset or an invitation
            user.full_clean(validate_unique=False)
            new_users[row.reviewer_key] = user
            memberships.append(Membership(user=user, organisation=row.organisation, role=Membership.Role.REVIEWER))
    user_model.objects.bulk_create(new_users.values())
    Membership.objects.bulk_create(memberships)
    return {**reviewers, **new_users}, [user.email for user in new_users.values()]
