"""State changes for reviews and rounds. Each runs in one transaction and writes an audit row."""

import datetime
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from audiences.models import Organisation
from audiences.services import Ensured, audit_value, drifted_fields_set, reviewers_ensure
from bold_portal.models import audit
from principles.models import Principle
from reviews.models import Assignment, Review, ReviewRound, RoundVersion, Verdict
from reviews.signals import matrix_inputs_changed
from usecases.models import UseCaseVersion

if TYPE_CHECKING:
    from reviews.imports import VerdictRow


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


def version_reviews_changed(*, round_id: int, version_id: int) -> None:
    """Count a change to the version's submitted reviews, in the caller's transaction, and queue
    the recompute of that version's cells after commit. Only this (round, version) row is
    updated, so reviews of other versions never wait on it."""
    RoundVersion.objects.filter(round_id=round_id, version_id=version_id).update(change_count=F("change_count") + 1)
    matrix_inputs_changed.send(sender=Review, round_id=round_id, version_id=version_id)


def _rule_changed(review_round: ReviewRound) -> None:
    """The round's rule, principles or versions changed: every cell is recomputed under the new rule."""
    ReviewRound.objects.filter(pk=review_round.pk).update(rule_version=F("rule_version") + 1)
    review_round.refresh_from_db(fields=["rule_version"])
    matrix_inputs_changed.send(sender=ReviewRound, round_id=review_round.pk, version_id=None)


def _round_for_review(round_id: int) -> ReviewRound:
    """The round, read for a review change. On PostgreSQL under a shared row lock: any number of
    saves hold it together, while closing the round (an UPDATE of the row) waits for them, and a
    save that starts after a close reads the round closed. SQLite serialises writing transactions
    (IMMEDIATE mode, see settings), which gives the same guarantee."""
    if connection.vendor == "postgresql":
        table = ReviewRound._meta.db_table
        return ReviewRound.objects.raw(f"SELECT * FROM {table} WHERE id = %s FOR SHARE", [round_id])[0]
    return ReviewRound.objects.get(pk=round_id)


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
        review_round = _round_for_review(review_round.pk)
        if not review_round.is_open:
            raise RoundNotOpen
        if not RoundVersion.objects.filter(round=review_round, version=version).exists():
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
            version_reviews_changed(round_id=review_round.pk, version_id=version.pk)
    return review


def review_withdraw(*, review: Review, actor, expected_lock_version: int) -> Review:
    """Withdraw a submitted review: it stops counting in the round's matrix."""
    with transaction.atomic():
        review_round = _round_for_review(review.round_id)
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
        version_reviews_changed(round_id=review_round.pk, version_id=review.version_id)
    return review


def round_create(
    *,
    name: str,
    slug: str,
    principles: Sequence[Principle],
    versions: Sequence[UseCaseVersion] = (),
    actor,
    **fields,
) -> ReviewRound:
    """Create a round in draft with its principles and versions. fields are the round's other
    settings (threshold, min_reviews, is_blind, show_aggregate_to_reviewers, opens_on, closes_on)."""
    review_round = ReviewRound(name=name, slug=slug, status=ReviewRound.Status.DRAFT, **fields)
    review_round.full_clean()
    if not principles:
        raise ValidationError({"principles": _("Choose at least one principle for the round.")})
    with transaction.atomic():
        review_round.save()
        review_round.principles.set(principles)
        RoundVersion.objects.bulk_create([RoundVersion(round=review_round, version=v) for v in versions])
        audit(
            actor=actor,
            action="round_created",
            obj=review_round,
            **_round_record(review_round),
            principles=[p.slug for p in principles],
            versions=[v.pk for v in versions],
        )
    return review_round


def _round_record(review_round: ReviewRound) -> dict:
    return {
        "name": review_round.name,
        "status": review_round.status,
        "threshold": str(review_round.threshold),
        "min_reviews": review_round.min_reviews,
        "is_blind": review_round.is_blind,
        "show_aggregate_to_reviewers": review_round.show_aggregate_to_reviewers,
    }


def round_rule_change(*, review_round: ReviewRound, threshold: Decimal, min_reviews: int, actor) -> ReviewRound:
    """Change how a round's cells are decided; every cell is recomputed under the new rule."""
    with transaction.atomic():
        review_round = ReviewRound.objects.select_for_update().get(pk=review_round.pk)
        before = {"threshold": str(review_round.threshold), "min_reviews": review_round.min_reviews}
        if problems := round_rule_problems(threshold=threshold, min_reviews=min_reviews):
            raise ValidationError(problems)
        review_round.threshold, review_round.min_reviews = threshold, min_reviews
        review_round.full_clean()
        review_round.save(update_fields=["threshold", "min_reviews"])
        _rule_changed(review_round)
        after = {"threshold": str(review_round.threshold), "min_reviews": review_round.min_reviews}
        audit(actor=actor, action="round_rule_changed", obj=review_round, before=before, after=after)
    return review_round


def round_version_add(*, review_round: ReviewRound, version: UseCaseVersion, actor) -> RoundVersion:
    """Add a use case version to a round (before or while it is open)."""
    with transaction.atomic():
        review_round = ReviewRound.objects.select_for_update().get(pk=review_round.pk)
        if review_round.status == ReviewRound.Status.CLOSED:
            raise ValidationError(_("This round has closed: no use case can be added to it."))
        round_version = RoundVersion(round=review_round, version=version)
        round_version.full_clean()
        round_version.save()
        audit(actor=actor, action="round_version_added", obj=review_round, version=version.pk)
        # Its cells start as "not enough reviews" rather than missing.
        matrix_inputs_changed.send(sender=ReviewRound, round_id=review_round.pk, version_id=version.pk)
    return round_version


def round_set_status(
    *, review_round: ReviewRound, status: str, actor, closed_at: datetime.datetime | None = None
) -> ReviewRound:
    """Open or close a round (or return it to draft). Closing records when (now, unless closed_at
    says when a round recorded after the fact closed), and freezes its reviews: the update waits
    for saves in progress, and no save is accepted after it."""
    with transaction.atomic():
        review_round = ReviewRound.objects.select_for_update().get(pk=review_round.pk)
        previous = review_round.status
        if status not in ReviewRound.Status.values:
            raise ValidationError({"status": _("Choose draft, open or closed.")})
        review_round.status = status
        review_round.closed_at = (closed_at or timezone.now()) if status == ReviewRound.Status.CLOSED else None
        review_round.full_clean()
        review_round.save(update_fields=["status", "closed_at"])
        audit(
            actor=actor,
            action="round_status_changed",
            obj=review_round,
            before={"status": previous},
            after={
                "status": status,
                "closed_at": review_round.closed_at.isoformat() if review_round.closed_at else None,
            },
        )
    return review_round


def assignment_create(
    *,
    review_round: ReviewRound,
    version: UseCaseVersion,
    reviewer=None,
    organisation: Organisation | None = None,
    due_on=None,
    actor,
) -> Assignment:
    """Ask a person, or an organisation, to review a version of the round."""
    assignment = Assignment(
        round=review_round, version=version, reviewer=reviewer, organisation=organisation, due_on=due_on
    )
    assignment.full_clean()
    with transaction.atomic():
        assignment.save()
        audit(
            actor=actor,
            action="assignment_made",
            obj=assignment,
            round=review_round.slug,
            version=version.pk,
            reviewer=reviewer.pk if reviewer else None,
            organisation=organisation.slug if organisation else None,
            due_on=due_on.isoformat() if due_on else None,
        )
    return assignment


@dataclass(frozen=True)
class ImportResult:
    review_round: ReviewRound
    round_created: bool
    reviews: int
    verdicts: int
    new_reviewers: list[str]
    # Per use case version: (reviews, verdicts) imported.
    by_version: dict[UseCaseVersion, tuple[int, int]]


def verdicts_import(
    *, rows: Sequence["VerdictRow"], actor, review_round: ReviewRound | None = None, new_round: dict | None = None
) -> ImportResult:
    """Record verdicts gathered offline, checked by reviews.imports, as submitted reviews: all or nothing.

    Each reviewer x version becomes one submitted review with a verdict per row (written by the
    same bulk path as reviews_record). Reviewers with no account get one
    (audiences.services.reviewers_ensure). With new_round (name, slug and rule), the round is
    created first, holding the versions and principles the rows use, and closed once the reviews
    are in: offline verdicts are final. Raises ImportConflict if a review or account appeared
    since the rows were checked. The matrix is recomputed after commit (reviews.signals).
    """
    if not rows:
        raise ValidationError(_("There are no verdicts to import."))
    round_created = new_round is not None
    try:
        with transaction.atomic():
            if round_created:
                review_round = round_create(
                    principles=sorted({row.principle for row in rows}, key=lambda p: (p.order, p.name)),
                    versions=sorted({row.version for row in rows}, key=lambda v: v.pk),
                    actor=actor,
                    **new_round,
                )
            else:
                review_round = ReviewRound.objects.get(pk=review_round.pk)
            ensured = reviewers_ensure(
                people={row.reviewer_email: row.organisation for row in rows if row.reviewer is None}, actor=actor
            )
            reviewers = {row.reviewer_key: row.reviewer for row in rows if row.reviewer is not None}
            reviewers.update({email.lower(): user for email, user in ensured.users.items()})

            by_review: dict[tuple[str, int], list[VerdictRow]] = defaultdict(list)
            for row in rows:
                by_review[(row.reviewer_key, row.version.pk)].append(row)
            records = [
                ReviewRecord(
                    reviewer=reviewers[review_rows[0].reviewer_key],
                    organisation=review_rows[0].organisation,
                    version=review_rows[0].version,
                    verdicts=[
                        VerdictInput(
                            principle_id=row.principle.pk, verdict=row.verdict, reason=row.reason, evidence=row.evidence
                        )
                        for row in review_rows
                    ],
                )
                for review_rows in by_review.values()
            ]
            reviews, verdicts = _reviews_create(review_round=review_round, records=records)
            by_version: dict[UseCaseVersion, tuple[int, int]] = {}
            for record in records:
                count_reviews, count_verdicts = by_version.get(record.version, (0, 0))
                by_version[record.version] = (count_reviews + 1, count_verdicts + len(record.verdicts))
            audit(
                actor=actor,
                action="verdicts_imported",
                obj=review_round,
                round_created=round_created,
                reviews=[review.pk for review in reviews],
                verdicts=len(verdicts),
                new_reviewers=ensured.created,
            )
            if round_created:
                review_round = round_set_status(
                    review_round=review_round, status=ReviewRound.Status.CLOSED, actor=actor
                )
    except IntegrityError as error:
        raise ImportConflict from error
    return ImportResult(
        review_round=review_round,
        round_created=round_created,
        reviews=len(reviews),
        verdicts=len(verdicts),
        new_reviewers=ensured.created,
        by_version=by_version,
    )


# --- Recording reviews in bulk ----------------------------------------------------------------


@dataclass(frozen=True)
class ReviewRecord:
    """A submitted review to record as it is: a reviewer's verdicts on one version, one per
    principle of the round."""

    reviewer: object  # the account (audiences.User)
    version: UseCaseVersion
    verdicts: Sequence[VerdictInput]
    organisation: Organisation | None = None
    submitted_at: datetime.datetime | None = None  # None: now


def _reviews_create(*, review_round: ReviewRound, records: Sequence[ReviewRecord]) -> tuple[list, list]:
    """The one bulk path for reviews recorded as they are (an import, the report's fieldwork):
    checks every record, then writes them as submitted reviews with a handful of bulk inserts,
    whatever their number, and counts the change of each version they touch (the matrix is
    recomputed after commit). Call inside a transaction. Returns the reviews and the verdicts."""
    version_ids = set(RoundVersion.objects.filter(round=review_round).values_list("version_id", flat=True))
    principles = {principle.pk: principle for principle in review_round.principles.all()}
    now = timezone.now()
    reviews, verdicts = [], []
    for record in records:

        def refuse(problem, record=record):
            raise ValidationError(
                _("The review of %(version)s by %(reviewer)s cannot be recorded: %(problem)s")
                % {"version": record.version, "reviewer": record.reviewer, "problem": problem}
            )

        if record.version.pk not in version_ids:
            refuse(_("this use case version is not part of the round. Add it to the round first."))
        given = [verdict.principle_id for verdict in record.verdicts]
        if sorted(given) != sorted(principles):
            refuse(_("a submitted review has one verdict for each principle of the round, and no others."))
        review = Review(
            round=review_round,
            version=record.version,
            reviewer=record.reviewer,
            organisation=record.organisation,
            status=Review.Status.SUBMITTED,
            submitted_at=record.submitted_at or now,
        )
        # The database enforces the constraints and foreign keys; checking them here would cost
        # queries per review.
        review.full_clean(
            exclude=["round", "version", "reviewer", "organisation"], validate_unique=False, validate_constraints=False
        )
        reviews.append(review)
        for entry in record.verdicts:
            if problem := verdict_problem(verdict=entry.verdict, reason=entry.reason):
                refuse(f"{principles[entry.principle_id].name}: {problem}.")
            verdict = Verdict(
                review=review,
                principle=principles[entry.principle_id],
                verdict=entry.verdict,
                reason=entry.reason.strip(),
                evidence=entry.evidence.strip(),
                suggested_rewording=entry.suggested_rewording.strip(),
            )
            verdict.full_clean(exclude=["review", "principle"], validate_unique=False, validate_constraints=False)
            verdicts.append(verdict)
    Review.objects.bulk_create(reviews)
    Verdict.objects.bulk_create(verdicts)
    for version_id in sorted({record.version.pk for record in records}):
        version_reviews_changed(round_id=review_round.pk, version_id=version_id)
    return reviews, verdicts


def reviews_record(*, review_round: ReviewRound, reviews: Sequence[ReviewRecord], actor) -> list[Review]:
    """Record submitted reviews as they are, in any state of the round (reviews gathered outside
    the portal, such as the report's fieldwork), all or nothing, with one reviews_recorded audit
    row. Raises ValidationError, saying which review and why, if one is incomplete or its version
    is not in the round; IntegrityError if a reviewer already has a review of that version there."""
    if not reviews:
        return []
    with transaction.atomic():
        review_round = ReviewRound.objects.get(pk=review_round.pk)
        created, verdicts = _reviews_create(review_round=review_round, records=reviews)
        audit(
            actor=actor,
            action="reviews_recorded",
            obj=review_round,
            reviews=[review.pk for review in created],
            verdicts=len(verdicts),
        )
    return created


# --- Rounds and assignments to a known definition (the demo loader) --------------------------


def round_rule_problems(*, threshold: Decimal, min_reviews: int) -> dict[str, str]:
    """What is wrong with a round's rule, by field, in words for the person who set it."""
    problems = {}
    if not Decimal(0) <= Decimal(threshold) < Decimal(1):
        problems["threshold"] = _("Enter a threshold of at least 0 and less than 1, such as 0.5 for a simple majority.")
    if min_reviews < 1:
        problems["min_reviews"] = _("Enter a minimum number of reviews of at least 1.")
    return problems


@dataclass(frozen=True)
class RoundEnsured:
    review_round: ReviewRound
    created: bool = False
    updated: bool = False  # settings that drifted were put back
    principles_added: int = 0
    versions_added: int = 0
    matrix_queued: bool = False  # the round's whole matrix is recomputed after commit

    @property
    def changed(self) -> bool:
        return self.created or self.updated or bool(self.principles_added or self.versions_added)


def round_ensure(
    *,
    slug: str,
    name: str,
    status: str,
    principles: Sequence[Principle],
    versions: Sequence[UseCaseVersion],
    actor,
    closed_at: datetime.datetime | None = None,
    restore: bool = True,
    **fields,
) -> RoundEnsured:
    """Make sure the round slug exists as defined: a known round (the report's fieldwork, the demo
    round). Writes nothing when all is in place.

    A missing round is created with round_create, then given its status with round_set_status
    (closed_at: when a closed round closed), and its whole matrix is queued for computing. An
    existing round gets the principles and versions it lacks (none is removed) and, with restore,
    its name, status, closed_at and fields put back where they drifted; this restores a known
    definition, so it applies whatever the round's status, in one transaction with one
    round_restored audit row, and recomputes the round's matrix after commit when its rule,
    principles or versions changed. fields: as round_create's.
    """
    review_round = ReviewRound.objects.filter(slug=slug).first()
    if review_round is None:
        if problems := round_rule_problems(
            threshold=fields.get("threshold", Decimal("0.5")), min_reviews=fields.get("min_reviews", 1)
        ):
            raise ValidationError(problems)
        with transaction.atomic():
            review_round = round_create(
                name=name, slug=slug, principles=principles, versions=versions, actor=actor, **fields
            )
            if status != ReviewRound.Status.DRAFT:
                review_round = round_set_status(
                    review_round=review_round, status=status, closed_at=closed_at, actor=actor
                )
            matrix_inputs_changed.send(sender=ReviewRound, round_id=review_round.pk, version_id=None)
        return RoundEnsured(
            review_round,
            created=True,
            principles_added=len(principles),
            versions_added=len(versions),
            matrix_queued=True,
        )

    with transaction.atomic():
        review_round = ReviewRound.objects.select_for_update().get(pk=review_round.pk)
        wanted = {}
        if restore:
            if status == ReviewRound.Status.CLOSED:
                closed_at = closed_at or review_round.closed_at or timezone.now()
            else:
                closed_at = None
            wanted = {"name": name, "status": status, "closed_at": closed_at, **fields}
        before, after = drifted_fields_set(review_round, wanted)
        present = set(review_round.principles.values_list("pk", flat=True))
        missing_principles = [principle for principle in principles if principle.pk not in present]
        present = set(RoundVersion.objects.filter(round=review_round).values_list("version_id", flat=True))
        missing_versions = [version for version in versions if version.pk not in present]
        if not (after or missing_principles or missing_versions):
            return RoundEnsured(review_round)
        if problems := round_rule_problems(threshold=review_round.threshold, min_reviews=review_round.min_reviews):
            raise ValidationError(problems)
        review_round.full_clean()
        if after:
            review_round.save(update_fields=list(after))
        review_round.principles.add(*missing_principles)
        RoundVersion.objects.bulk_create([RoundVersion(round=review_round, version=v) for v in missing_versions])
        matrix_queued = bool(missing_principles or missing_versions or {"threshold", "min_reviews"} & set(after))
        if matrix_queued:
            _rule_changed(review_round)
        audit(
            actor=actor,
            action="round_restored",
            obj=review_round,
            before=before,
            after=after,
            principles_added=[principle.slug for principle in missing_principles],
            versions_added=[version.pk for version in missing_versions],
        )
    return RoundEnsured(
        review_round,
        updated=bool(after),
        principles_added=len(missing_principles),
        versions_added=len(missing_versions),
        matrix_queued=matrix_queued,
    )


def assignment_ensure(
    *,
    review_round: ReviewRound,
    version: UseCaseVersion,
    actor,
    reviewer=None,
    organisation: Organisation | None = None,
    due_on: datetime.date | None = None,
    restore_due_on: bool = True,
) -> Ensured[Assignment]:
    """Make sure the version is assigned to the reviewer (or the organisation) in the round:
    assignment_create if it is not; otherwise, with restore_due_on, its due date put back if it
    drifted (one assignment_due_changed audit row). Writes nothing when all is in place."""
    assignment = Assignment.objects.filter(
        round=review_round, version=version, reviewer=reviewer, organisation=organisation
    ).first()
    if assignment is None:
        assignment = assignment_create(
            review_round=review_round,
            version=version,
            reviewer=reviewer,
            organisation=organisation,
            due_on=due_on,
            actor=actor,
        )
        return Ensured(assignment, created=True)
    if not restore_due_on or assignment.due_on == due_on:
        return Ensured(assignment)
    before = assignment.due_on
    assignment.due_on = due_on
    assignment.full_clean()
    with transaction.atomic():
        assignment.save(update_fields=["due_on"])
        audit(
            actor=actor,
            action="assignment_due_changed",
            obj=assignment,
            before={"due_on": audit_value(before)},
            after={"due_on": audit_value(due_on)},
        )
    return Ensured(assignment, updated=True)
