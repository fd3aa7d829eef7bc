"""State changes for reviews and rounds. Each runs in one transaction and writes an audit row."""

import datetime
import logging
import uuid
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, OperationalError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from audiences.models import Audience, Membership, Organisation
from audiences.services.people import reviewer_accounts_create
from bold_portal.ensure import Ensured
from bold_portal.field_changes import audit_value, drifted_fields_set
from bold_portal.locks import is_lock_contention
from bold_portal.models import audit
from bold_portal.text import grouped
from principles.models import Principle
from reviews.emails import reminder_email_send
from reviews.models import (
    REVIEW_TEXT_SUBMIT_MAX,
    Assignment,
    AssignmentReminder,
    AssignmentRequest,
    DeclaredInterest,
    Review,
    ReviewRound,
    RoundVersion,
    Verdict,
    blocking_interest,
)
from reviews.selectors import reminders_due
from reviews.signals import matrix_inputs_changed
from usecases.models import UseCaseVersion

if TYPE_CHECKING:
    from reviews.imports import VerdictRow

logger = logging.getLogger(__name__)


class ReviewConflict(Exception):
    """The review changed since the form was opened (another tab or device saved it)."""


class ReviewBusy(Exception):
    """Other saves held the locks this one needed, and the database gave up on it (it broke a
    deadlock, or SQLite's busy timeout ran out). Nothing was saved; saving again is safe."""


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


def submission_length_problem(*, text: str, what: str) -> str | None:
    """Why a review's text (what names it) is too long to submit, in words; None if it is not.
    A draft keeps up to the database's ceiling; submitting needs REVIEW_TEXT_SUBMIT_MAX or fewer."""
    length = len(text.strip())
    if length <= REVIEW_TEXT_SUBMIT_MAX:
        return None
    return _("%(what)s is %(count)s characters long; shorten it to %(limit)s or fewer to submit") % {
        "what": what,
        "count": grouped(length),
        "limit": grouped(REVIEW_TEXT_SUBMIT_MAX),
    }


def verdict_length_problem(entry: VerdictInput, principle: Principle) -> str | None:
    """Which of a verdict's texts is too long to submit, naming the principle; None if none is."""
    texts = {
        "reason": _("The reason for %(principle)s"),
        "evidence": _("The evidence for %(principle)s"),
        "suggested_rewording": _("The suggested rewording for %(principle)s"),
    }
    return next(
        (
            problem
            for field, what in texts.items()
            if (problem := submission_length_problem(text=getattr(entry, field), what=what % {"principle": principle}))
        ),
        None,
    )


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


def _round_read_shared(round_id: int) -> ReviewRound:
    """The round, read for a change of a review or an assignment: the first lock such a change
    takes. On PostgreSQL a shared row lock: any number of changes hold it together, while closing
    the round (an UPDATE of the row) waits for them, and a change that starts after a close reads
    the round closed. SQLite serialises writing transactions (IMMEDIATE mode, see settings), which
    gives the same guarantee."""
    if connection.vendor == "postgresql":
        table = ReviewRound._meta.db_table
        return ReviewRound.objects.raw(f"SELECT * FROM {table} WHERE id = %s FOR SHARE OF {table}", [round_id])[0]
    return ReviewRound.objects.get(pk=round_id)


@contextmanager
def _contention_refused() -> Iterator[None]:
    """Turn a lost race for locks (bold_portal.locks) into ReviewBusy, which pages answer with
    "try again"; any other database error stays what it is."""
    try:
        yield
    except OperationalError as error:
        if not is_lock_contention(error):
            raise
        logger.warning("A review change was refused because the database was busy: %s", error)
        raise ReviewBusy from error


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


def _review_record(review: Review, verdicts) -> dict:
    return {
        "status": review.status,
        "overall_comment": review.overall_comment,
        "verdicts": _verdict_record(sorted(verdicts, key=lambda v: v.principle_id)),
    }


def _locked_review(*, round_id: int, version_id: int, reviewer_id: int, expected_lock_version: int) -> Review | None:
    """The reviewer's review of the version in the round, row-locked for a change; None if there is
    none yet. Raises ReviewConflict unless its lock_version is the one the form was opened with
    (0 for a review not yet saved).

    The lock is FOR UPDATE OF the review's row alone, from a query without ordering: Review's
    default ordering joins the round, version, use case and audience, and a FOR UPDATE over that
    join would lock every one of those rows too, the round included, which every save already
    holds FOR SHARE: two saves would then each wait for the other's shared lock (a deadlock)."""
    try:
        review = Review.objects.select_for_update(of=("self",)).get(
            round_id=round_id, version_id=version_id, reviewer_id=reviewer_id
        )
    except Review.DoesNotExist:
        review = None
    current = review.lock_version if review else 0
    if current != expected_lock_version:
        raise ReviewConflict
    return review


def _locked_verdicts(review: Review | None) -> list[Verdict]:
    """The review's verdicts, row-locked after the review (no ordering: Verdict's joins the principle)."""
    if review is None:
        return []
    return list(Verdict.objects.select_for_update(of=("self",)).filter(review=review).order_by())


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

    Locks, in this order: the round FOR SHARE, the review, its verdicts, its version's change
    counter (docs/architecture.md); so saves wait for each other and never deadlock. If the
    database gives up on the save all the same, nothing is saved and ReviewBusy is raised.
    """
    with _contention_refused(), transaction.atomic():
        review_round = _round_read_shared(review_round.pk)
        if not review_round.is_open:
            raise RoundNotOpen
        if not RoundVersion.objects.filter(round=review_round, version=version).exists():
            raise ValidationError(_("This use case version is not part of the round."))
        if interest := blocking_interest(use_case_id=version.use_case_id, reviewer=reviewer):
            raise ValidationError(interest_refusal(interest))
        review = _locked_review(
            round_id=review_round.pk,
            version_id=version.pk,
            reviewer_id=reviewer.pk,
            expected_lock_version=expected_lock_version,
        )
        was_submitted = review is not None and review.status == Review.Status.SUBMITTED
        previous_verdicts = _locked_verdicts(review)
        before = _review_record(review, previous_verdicts) if review is not None else {}
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
                problem = verdict_problem(verdict=entry.verdict, reason=entry.reason) or verdict_length_problem(
                    entry, principle
                )
                if problem:
                    problems[principle.slug] = problem
            if problem := submission_length_problem(text=overall_comment, what=_("The overall comment")):
                problems["overall_comment"] = problem
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

        existing = {v.principle_id: v for v in previous_verdicts}
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
            action = "review_changed" if was_submitted else "review_submitted"
        else:
            action = "review_draft_saved"
        audit(
            actor=reviewer,
            action=action,
            obj=review,
            before=before,
            after=_review_record(review, to_create + to_update),
        )
        if submit or was_submitted:
            version_reviews_changed(round_id=review_round.pk, version_id=version.pk)
    return review


def review_withdraw(*, review: Review, actor, expected_lock_version: int) -> Review:
    """Withdraw a submitted review: it stops counting in the round's matrix. Locks as review_save
    does (its verdicts stay as they are, so they are not locked)."""
    with _contention_refused(), transaction.atomic():
        review_round = _round_read_shared(review.round_id)
        if not review_round.is_open:
            raise RoundNotOpen
        review = _locked_review(
            round_id=review.round_id,
            version_id=review.version_id,
            reviewer_id=review.reviewer_id,
            expected_lock_version=expected_lock_version,
        )
        if review is None or review.status != Review.Status.SUBMITTED:
            raise ValidationError(_("Only a submitted review can be withdrawn."))
        review.status = Review.Status.WITHDRAWN
        review.lock_version += 1
        review.full_clean(exclude=["round", "version", "reviewer"], validate_unique=False)
        review.save(update_fields=["status", "lock_version", "updated_at"])
        audit(
            actor=actor,
            action="review_withdrawn",
            obj=review,
            before={"status": Review.Status.SUBMITTED},
            after={"status": review.status},
        )
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
            before={},
            after={
                **_round_record(review_round),
                "principles": [p.slug for p in principles],
                "versions": [v.pk for v in versions],
            },
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
        review_round = ReviewRound.objects.select_for_update(of=("self",)).get(pk=review_round.pk)
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


def round_flag_rule_change(*, review_round: ReviewRound, audiences: Sequence[Audience], actor) -> ReviewRound:
    """Choose the audiences whose organisations' "does not meet" flags a cell for discussion
    (none: nothing is flagged). Allowed in any state, even while the round is open or once it has
    closed: flags only point analysts at cells to talk about and never change an outcome, so no
    cell is recomputed."""
    with transaction.atomic():
        review_round = ReviewRound.objects.select_for_update(of=("self",)).get(pk=review_round.pk)
        chosen = {audience.pk for audience in audiences}
        known = set(Audience.objects.filter(pk__in=chosen).values_list("pk", flat=True))
        if chosen - known:
            raise ValidationError({"audiences": _("Choose audiences from the list.")})
        before = sorted(review_round.flag_audiences.values_list("slug", flat=True))
        review_round.flag_audiences.set(known)
        after = sorted(Audience.objects.filter(pk__in=known).values_list("slug", flat=True))
        audit(
            actor=actor,
            action="round_flag_rule_changed",
            obj=review_round,
            before={"flag_audiences": before},
            after={"flag_audiences": after},
        )
    return review_round


def round_version_add(*, review_round: ReviewRound, version: UseCaseVersion, actor) -> RoundVersion:
    """Add a use case version to a round (before or while it is open)."""
    with transaction.atomic():
        review_round = ReviewRound.objects.select_for_update(of=("self",)).get(pk=review_round.pk)
        if review_round.status == ReviewRound.Status.CLOSED:
            raise ValidationError(_("This round has closed: no use case can be added to it."))
        round_version = RoundVersion(round=review_round, version=version)
        round_version.full_clean()
        round_version.save()
        audit(actor=actor, action="round_version_added", obj=review_round, version=version.pk)
        # Its cells start as "not enough reviews" rather than missing.
        matrix_inputs_changed.send(sender=ReviewRound, round_id=review_round.pk, version_id=version.pk)
    return round_version


ROUND_STATUS_ACTIONS = {
    ReviewRound.Status.OPEN: "round_opened",
    ReviewRound.Status.CLOSED: "round_closed",
    ReviewRound.Status.DRAFT: "round_returned_to_draft",
}


def round_set_status(
    *, review_round: ReviewRound, status: str, actor, closed_at: datetime.datetime | None = None
) -> ReviewRound:
    """Open or close a round (or return it to draft). Closing records when (now, unless closed_at
    says when a round recorded after the fact closed), and freezes its reviews: the update waits
    for saves in progress, and no save is accepted after it."""
    with transaction.atomic():
        review_round = ReviewRound.objects.select_for_update(of=("self",)).get(pk=review_round.pk)
        previous = {"status": review_round.status, "closed_at": audit_value(review_round.closed_at)}
        if status not in ReviewRound.Status.values:
            raise ValidationError({"status": _("Choose draft, open or closed.")})
        review_round.status = status
        review_round.closed_at = (closed_at or timezone.now()) if status == ReviewRound.Status.CLOSED else None
        review_round.full_clean()
        review_round.save(update_fields=["status", "closed_at"])
        audit(
            actor=actor,
            action=ROUND_STATUS_ACTIONS[status],
            obj=review_round,
            before=previous,
            after={"status": status, "closed_at": audit_value(review_round.closed_at)},
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
            before={},
            after=_assignment_record(assignment),
            round=review_round.slug,
            version=version.pk,
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
    (audiences.services.people.reviewer_accounts_create). With new_round (name, slug and rule), the round is
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
            ensured = reviewer_accounts_create(
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
                new_reviewers=len(ensured.created),  # a count: addresses are personal data
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

    reviewer: object  # the account (accounts.User)
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
            principle = principles[entry.principle_id]
            if problem := verdict_problem(verdict=entry.verdict, reason=entry.reason):
                refuse(f"{principle.name}: {problem}.")
            if problem := verdict_length_problem(entry, principle):
                refuse(f"{problem}.")
            verdict = Verdict(
                review=review,
                principle=principle,
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
        review_round = ReviewRound.objects.select_for_update(of=("self",)).get(pk=review_round.pk)
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


# --- Running a round from the portal (docs/admin-rounds.md) -----------------------------------

# Rows written per INSERT by the bulk services below: large rounds (2,000 versions x 30
# organisations) stay within every database's limit on query parameters.
BULK_BATCH_SIZE = 500


def _refuse_unless_draft(review_round: ReviewRound, message: str) -> None:
    if review_round.status != ReviewRound.Status.DRAFT:
        raise ValidationError(message)


def _refuse_if_closed(review_round: ReviewRound) -> None:
    if review_round.status == ReviewRound.Status.CLOSED:
        raise ValidationError(_("This round has closed: its assignments can no longer change."))


def round_settings_change(
    *,
    review_round: ReviewRound,
    name: str,
    slug: str,
    principles: Sequence[Principle],
    threshold: Decimal,
    min_reviews: int,
    is_blind: bool,
    show_aggregate_to_reviewers: bool,
    opens_on: datetime.date | None,
    closes_on: datetime.date | None,
    actor,
) -> ReviewRound:
    """Change a draft round's settings. Once a round has opened only its rule changes, through
    round_rule_change, so that reviewers are never judged under settings they did not see."""
    with transaction.atomic():
        review_round = ReviewRound.objects.select_for_update(of=("self",)).get(pk=review_round.pk)
        _refuse_unless_draft(
            review_round, _("This round has opened: only its threshold and minimum number of reviews can change.")
        )
        if not principles:
            raise ValidationError({"principles": _("Choose at least one principle for the round.")})
        if problems := round_rule_problems(threshold=threshold, min_reviews=min_reviews):
            raise ValidationError(problems)
        before = {**_round_record(review_round), "slug": review_round.slug}
        before_principles = sorted(review_round.principles.values_list("slug", flat=True))
        review_round.name, review_round.slug = name, slug
        review_round.threshold, review_round.min_reviews = threshold, min_reviews
        review_round.is_blind, review_round.show_aggregate_to_reviewers = is_blind, show_aggregate_to_reviewers
        review_round.opens_on, review_round.closes_on = opens_on, closes_on
        review_round.full_clean()
        review_round.save()
        review_round.principles.set(principles)
        after = {**_round_record(review_round), "slug": review_round.slug}
        after_principles = sorted(p.slug for p in principles)
        rule_changed = (before["threshold"], before["min_reviews"], before_principles) != (
            after["threshold"],
            after["min_reviews"],
            after_principles,
        )
        if rule_changed:
            _rule_changed(review_round)
        audit(
            actor=actor,
            action="round_settings_changed",
            obj=review_round,
            before={**before, "principles": before_principles},
            after={**after, "principles": after_principles},
        )
    return review_round


@dataclass(frozen=True)
class RoundVersionsChanged:
    added: int
    removed: int


def round_versions_change(
    *, review_round: ReviewRound, add: Sequence[int], remove: Sequence[int], actor
) -> RoundVersionsChanged:
    """Add and remove use case versions (by id) of a draft round, one page of choices at a
    time. Versions already in (or already out of) the round are skipped. Removing a version
    removes its assignments too: nobody has reviewed anything in a round that has not opened."""
    with transaction.atomic():
        review_round = ReviewRound.objects.select_for_update(of=("self",)).get(pk=review_round.pk)
        _refuse_unless_draft(review_round, _("This round has opened: its use cases can no longer change here."))
        add, remove = set(add), set(remove) - set(add)
        known = set(UseCaseVersion.objects.filter(pk__in=add | remove).values_list("pk", flat=True))
        if known != add | remove:
            raise ValidationError(_("A use case version you chose no longer exists. Reload the page and try again."))
        present = set(
            RoundVersion.objects.filter(round=review_round, version__in=add | remove).values_list(
                "version_id", flat=True
            )
        )
        to_add = sorted(add - present)
        to_remove = sorted(remove & present)
        if Review.objects.filter(round=review_round, version__in=to_remove).exists():
            raise ValidationError(_("A use case that has reviews cannot be taken out of the round."))
        RoundVersion.objects.bulk_create(
            [RoundVersion(round=review_round, version_id=pk) for pk in to_add], batch_size=BULK_BATCH_SIZE
        )
        Assignment.objects.filter(round=review_round, version__in=to_remove).delete()
        RoundVersion.objects.filter(round=review_round, version__in=to_remove).delete()
        if to_add or to_remove:
            _rule_changed(review_round)
            audit(actor=actor, action="round_versions_changed", obj=review_round, added=to_add, removed=to_remove)
    return RoundVersionsChanged(added=len(to_add), removed=len(to_remove))


def round_versions_add_matching(*, review_round: ReviewRound, versions, actor) -> int:
    """Add every version of a queryset (the versions matching a filter) to a draft round in bulk,
    skipping those already in it. Returns how many were added. One audit row."""
    with transaction.atomic():
        review_round = ReviewRound.objects.select_for_update(of=("self",)).get(pk=review_round.pk)
        _refuse_unless_draft(review_round, _("This round has opened: its use cases can no longer change here."))
        present = RoundVersion.objects.filter(round=review_round).values("version_id")
        to_add = list(versions.exclude(pk__in=present).order_by("pk").values_list("pk", flat=True))
        RoundVersion.objects.bulk_create(
            [RoundVersion(round=review_round, version_id=pk) for pk in to_add], batch_size=BULK_BATCH_SIZE
        )
        if to_add:
            _rule_changed(review_round)
            audit(actor=actor, action="round_versions_changed", obj=review_round, added=to_add, removed=[])
    return len(to_add)


def _due_on_problem(review_round: ReviewRound, due_on: datetime.date | None) -> str | None:
    if due_on is None:
        return None
    if due_on < timezone.localdate():
        return _("The due date must be today or in the future")
    if review_round.closes_on and due_on > review_round.closes_on:
        return _("The due date must be on or before the round's closing date, %(date)s") % {
            "date": date_format(review_round.closes_on, "j F Y")
        }
    return None


def assignments_by_audience_create(*, review_round: ReviewRound, due_on: datetime.date | None, actor) -> int:
    """Give every version of the round to every organisation serving its use case's audience, due
    on one date, in bulk: pairs already assigned are skipped. Returns how many assignments were
    made; one audit row. A handful of queries whatever the size of the round."""
    with transaction.atomic():
        review_round = ReviewRound.objects.select_for_update(of=("self",)).get(pk=review_round.pk)
        _refuse_if_closed(review_round)
        if problem := _due_on_problem(review_round, due_on):
            raise ValidationError({"due_on": problem})
        organisations_by_audience: dict[int, list[int]] = defaultdict(list)
        for organisation_id, audience_id in Organisation.audiences.through.objects.values_list(
            "organisation_id", "audience_id"
        ):
            organisations_by_audience[audience_id].append(organisation_id)
        existing = set(
            Assignment.objects.filter(round=review_round, organisation__isnull=False).values_list(
                "version_id", "organisation_id"
            )
        )
        # Organisations that declared an interest in a use case are not given it.
        declared = set(DeclaredInterest.objects.blocking().values_list("organisation_id", "use_case_id"))
        new, skipped = [], 0
        for version_id, use_case_id, audience_id in (
            RoundVersion.objects.filter(round=review_round)
            .order_by("version_id")
            .values_list("version_id", "version__use_case_id", "version__use_case__audience_id")
        ):
            for organisation_id in sorted(organisations_by_audience.get(audience_id, ())):
                if (version_id, organisation_id) in existing:
                    continue
                if (organisation_id, use_case_id) in declared:
                    skipped += 1
                    continue
                new.append(
                    Assignment(
                        round=review_round, version_id=version_id, organisation_id=organisation_id, due_on=due_on
                    )
                )
        Assignment.objects.bulk_create(new, batch_size=BULK_BATCH_SIZE)
        audit(
            actor=actor,
            action="assignments_made_by_audience",
            obj=review_round,
            assignments=len(new),
            due_on=audit_value(due_on),
            skipped_for_declared_interests=skipped,
        )
    return len(new)


def _assignment_record(assignment: Assignment) -> dict:
    return {
        "reviewer": assignment.reviewer_id,
        "organisation": assignment.organisation_id,
        "due_on": audit_value(assignment.due_on),
    }


def assignment_due_change(*, assignment: Assignment, due_on: datetime.date | None, actor) -> Assignment:
    """Change when an assignment is due (a later date gives the reviewers more time)."""
    with transaction.atomic():
        assignment = _locked_assignment(assignment)
        _refuse_if_closed(assignment.round)
        if problem := _due_on_problem(assignment.round, due_on):
            raise ValidationError({"due_on": problem})
        before = assignment.due_on
        assignment.due_on = due_on
        assignment.full_clean()
        assignment.save(update_fields=["due_on"])
        audit(
            actor=actor,
            action="assignment_due_changed",
            obj=assignment,
            before={"due_on": audit_value(before)},
            after={"due_on": audit_value(due_on)},
        )
    return assignment


def assignment_reassign(
    *, assignment: Assignment, actor, reviewer=None, organisation: Organisation | None = None
) -> Assignment:
    """Move an assignment to another organisation or person (exactly one), keeping its due date.
    Reviews already written stay with their authors."""
    if (reviewer is None) == (organisation is None):
        raise ValidationError(_("Choose one organisation or one person to give the use case to."))
    with transaction.atomic():
        assignment = _locked_assignment(assignment)
        _refuse_if_closed(assignment.round)
        if (assignment.reviewer_id, assignment.organisation_id) == (
            getattr(reviewer, "pk", None),
            getattr(organisation, "pk", None),
        ):
            raise ValidationError(_("The use case is already given to them. Choose someone else."))
        before = _assignment_record(assignment)
        assignment.reviewer, assignment.organisation = reviewer, organisation
        assignment.full_clean()
        assignment.save(update_fields=["reviewer", "organisation"])
        # A decline, or a request for more time, was about the people it leaves.
        closed = list(
            AssignmentRequest.objects.filter(assignment=assignment, state=AssignmentRequest.State.OPEN).values_list(
                "pk", flat=True
            )
        )
        AssignmentRequest.objects.filter(pk__in=closed).update(
            state=AssignmentRequest.State.REASSIGNED,
            decided_by=actor if getattr(actor, "pk", None) else None,
            decided_at=timezone.now(),
        )
        audit(
            actor=actor,
            action="assignment_reassigned",
            obj=assignment,
            before=before,
            after=_assignment_record(assignment),
            requests_closed=closed,
        )
    return assignment


def assignment_remove(*, assignment: Assignment, actor) -> None:
    """Take an assignment away. A review its reviewers started is kept (and still counts if
    submitted); they can no longer open the use case in the round through this assignment."""
    with transaction.atomic():
        assignment = _locked_assignment(assignment)
        _refuse_if_closed(assignment.round)
        audit(
            actor=actor,
            action="assignment_removed",
            obj=assignment,
            before=_assignment_record(assignment),
            after={},
            round=assignment.round.slug,
            version=assignment.version_id,
        )
        assignment.delete()


@dataclass(frozen=True)
class OpeningProblems:
    """Why a round cannot open yet. Each is counted here; the check page names the versions."""

    versions_without_assignment: int = 0
    no_versions: bool = False
    no_principles: bool = False
    closes_in_the_past: bool = False

    @property
    def messages(self) -> list[str]:
        messages = []
        if self.no_versions:
            messages.append(_("The round has no use cases. Choose the use case versions to review."))
        if self.versions_without_assignment:
            messages.append(
                ngettext(
                    "%(count)d use case version is not given to anyone to review.",
                    "%(count)d use case versions are not given to anyone to review.",
                    self.versions_without_assignment,
                )
                % {"count": self.versions_without_assignment}
            )
        if self.no_principles:
            messages.append(_("The round has no principles. Choose at least one principle in its settings."))
        if self.closes_in_the_past:
            messages.append(_("The closing date is in the past. Change it in the round's settings."))
        return messages

    def __bool__(self) -> bool:
        return bool(self.messages)


def round_opening_problems(review_round: ReviewRound) -> OpeningProblems:
    """What stops the round from opening, in three queries whatever its size."""
    versions = RoundVersion.objects.filter(round=review_round)
    return OpeningProblems(
        versions_without_assignment=versions.exclude(
            version__in=Assignment.objects.filter(round=review_round).values("version_id")
        ).count(),
        no_versions=not versions.exists(),
        no_principles=not review_round.principles.exists(),
        closes_in_the_past=bool(review_round.closes_on and review_round.closes_on < timezone.localdate()),
    )


def round_open(*, review_round: ReviewRound, actor) -> ReviewRound:
    """Open a draft round for reviewing, if nothing stops it (round_opening_problems); otherwise
    ValidationError with every reason, in words."""
    with transaction.atomic():
        review_round = ReviewRound.objects.select_for_update(of=("self",)).get(pk=review_round.pk)
        _refuse_unless_draft(review_round, _("Only a round in draft can be opened."))
        if problems := round_opening_problems(review_round):
            raise ValidationError(problems.messages)
        review_round = round_set_status(review_round=review_round, status=ReviewRound.Status.OPEN, actor=actor)
        _round_emails_queue("round_opened_emails", review_round)
    return review_round


def _round_emails_queue(task_name: str, review_round: ReviewRound) -> None:
    """Once the round's change commits, a task emails everyone concerned (reviews/emails.py), so
    the admin's request does not wait for one email per reviewer."""
    from reviews import tasks  # reviews.tasks imports this module

    round_id = review_round.pk

    def queue():
        try:
            getattr(tasks, task_name).delay(round_id)
        except Exception:
            logger.exception("Could not queue %s for round %s.", task_name, round_id)

    transaction.on_commit(queue)


@dataclass(frozen=True)
class RoundClosed:
    review_round: ReviewRound
    # People who left a draft in the round: it stays private to them and is not counted.
    draft_authors: list


def round_draft_authors(review_round: ReviewRound) -> list:
    """The people with a draft (never submitted) review in the round, by email."""
    authors = Review.objects.filter(round=review_round, status=Review.Status.DRAFT).values("reviewer_id")
    return list(get_user_model().objects.filter(pk__in=authors).order_by("email"))


def round_close(*, review_round: ReviewRound, actor) -> RoundClosed:
    """Close an open round: round_set_status records when. Drafts left in it stay private to their
    authors and never count; one round_drafts_left audit row lists those authors. Once committed,
    everyone who reviewed or was asked to is emailed, draft authors told that theirs did not count."""
    with transaction.atomic():
        review_round = ReviewRound.objects.select_for_update(of=("self",)).get(pk=review_round.pk)
        if review_round.status != ReviewRound.Status.OPEN:
            raise ValidationError(_("Only an open round can be closed."))
        review_round = round_set_status(review_round=review_round, status=ReviewRound.Status.CLOSED, actor=actor)
        authors = round_draft_authors(review_round)
        if authors:
            audit(
                actor=actor,
                action="round_drafts_left",
                obj=review_round,
                reviewers=[author.pk for author in authors],
                count=len(authors),
            )
        _round_emails_queue("round_closed_emails", review_round)
    return RoundClosed(review_round=review_round, draft_authors=authors)


# --- Reminders ----------------------------------------------------------------------------------

REMINDER_DAYS_BEFORE = 3


def reminders_send(*, today: datetime.date | None = None) -> int:
    """Remind each person of the reviews they have not submitted that are due in three days or
    today (UK date), one email per person; at most once per person, assignment and kind, ever.

    The records are inserted (skipping any that exist) and committed before anything is sent, so
    a crash between the two loses those reminders but a rerun never sends one twice; a run sends
    only the rows it inserted itself, found by its batch id. Call outside any transaction (the
    beat task does). Returns how many emails were sent."""
    today = today or timezone.localdate()
    kinds = {
        today + datetime.timedelta(days=REMINDER_DAYS_BEFORE): AssignmentReminder.Kind.DUE_SOON,
        today: AssignmentReminder.Kind.DUE_TODAY,
    }
    due = reminders_due(dates=kinds)
    if not due:
        return 0
    batch = uuid.uuid4()
    with transaction.atomic():
        AssignmentReminder.objects.bulk_create(
            [
                AssignmentReminder(
                    person_id=item.person_id,
                    assignment_id=item.assignment_id,
                    kind=kinds[item.due_on],
                    due_on=item.due_on,
                    batch=batch,
                )
                for item in due
            ],
            ignore_conflicts=True,
        )
    mine = AssignmentReminder.objects.filter(batch=batch).select_related(
        "person", "assignment__round", "assignment__version__use_case__audience"
    )
    by_person: dict[int, list[AssignmentReminder]] = defaultdict(list)
    for reminder in mine.order_by("person_id", "pk"):
        by_person[reminder.person_id].append(reminder)
    sent = 0
    for reminders in by_person.values():
        person = reminders[0].person
        try:
            reminder_email_send(person=person, reminders=reminders)
        except Exception:
            # Recorded, so never retried: a lost reminder is the price of never sending two.
            logger.exception("Could not send %s reminder(s) to account %s.", len(reminders), person.pk)
        else:
            sent += 1
    return sent


# --- Declining, more time, declared interests (docs/declined-and-interests.md) ----------------


def may_request(*, user, assignment: Assignment, kind: str) -> bool:
    """Whether this person may decline the assignment, or ask for more time on it. A personal
    assignment: its reviewer. An organisation's: any active member may ask for more time, but only
    the organisation's leads decline for it, since a decline speaks for every member."""
    if not user.is_authenticated or not user.is_active:
        return False
    if assignment.reviewer_id:
        return assignment.reviewer_id == user.pk
    roles = [Membership.Role.LEAD] if kind == AssignmentRequest.Kind.DECLINE else Membership.Role.values
    return Membership.objects.filter(user=user, organisation_id=assignment.organisation_id, role__in=roles).exists()


def _open_request_problem(assignment: Assignment, actor, kind: str) -> None:
    """Refuse a new request unless the round is open, the person may make it and nothing is open."""
    if not assignment.round.is_open:
        raise ValidationError(_("The round is not open, so its use cases cannot be declined or given more time."))
    if not may_request(user=actor, assignment=assignment, kind=kind):
        if kind == AssignmentRequest.Kind.DECLINE:
            raise ValidationError(_("Only your organisation's lead can decline a use case given to the organisation."))
        raise ValidationError(_("You cannot ask for more time on this use case."))
    if AssignmentRequest.objects.filter(assignment=assignment, state=AssignmentRequest.State.OPEN).exists():
        raise ValidationError(_("There is already a request about this use case waiting for a decision."))


def _request_save(request: AssignmentRequest) -> AssignmentRequest:
    request.full_clean(exclude=["assignment", "requested_by"], validate_constraints=False)
    try:
        with transaction.atomic():
            request.save()
    except IntegrityError as error:  # a second request was saved a moment ago
        raise ValidationError(_("There is already a request about this use case waiting for a decision.")) from error
    return request


def _locked_assignment(assignment: Assignment) -> Assignment:
    """The assignment, row-locked for a change, with its round read under the round's shared lock
    first: a change in a round locks the round, then its assignment, then the assignment's
    requests, so two changes never wait for each other in opposite orders, and closing the round
    waits for them (as it does for review saves)."""
    review_round = _round_read_shared(assignment.round_id)
    locked = Assignment.objects.select_for_update(of=("self",)).get(pk=assignment.pk)
    locked.round = review_round
    return locked


def assignment_decline(*, assignment: Assignment, reason: str, actor) -> AssignmentRequest:
    """Decline an assignment, with a reason. It stops counting as expected at once, and waits on
    the lead's and the admins' pages until it is given to someone else."""
    reason = reason.strip()
    with transaction.atomic():
        assignment = _locked_assignment(assignment)
        _open_request_problem(assignment, actor, AssignmentRequest.Kind.DECLINE)
        if not reason:
            raise ValidationError({"reason": _("Say why you are declining this use case")})
        if (
            assignment.reviewer_id
            and Review.objects.filter(
                round=assignment.round_id,
                version=assignment.version_id,
                reviewer=assignment.reviewer_id,
                status=Review.Status.SUBMITTED,
            ).exists()
        ):
            raise ValidationError(
                _("You have submitted a review of this use case. Withdraw it first if it should no longer count.")
            )
        request = _request_save(
            AssignmentRequest(
                assignment=assignment, kind=AssignmentRequest.Kind.DECLINE, reason=reason, requested_by=actor
            )
        )
        audit(actor=actor, action="assignment_declined", obj=assignment, request=request.pk, reason=reason)
    return request


def assignment_more_time_request(
    *, assignment: Assignment, due_on: datetime.date | None, reason: str, actor
) -> AssignmentRequest:
    """Ask for a due date later than the assignment's, with a reason, for a lead or an admin to
    grant or refuse."""
    reason = reason.strip()
    with transaction.atomic():
        assignment = _locked_assignment(assignment)
        _open_request_problem(assignment, actor, AssignmentRequest.Kind.MORE_TIME)
        if assignment.due_on is None:
            raise ValidationError(
                _("This use case has no due date of its own: it can be reviewed until the round closes.")
            )
        problems = {}
        if due_on is None:
            problems["due_on"] = _("Enter the new due date you are asking for")
        elif due_on <= assignment.due_on:
            problems["due_on"] = _("The new due date must be after the current one, %(date)s") % {
                "date": date_format(assignment.due_on, "j F Y")
            }
        elif problem := _due_on_problem(assignment.round, due_on):
            problems["due_on"] = problem
        if not reason:
            problems["reason"] = _("Say why you need more time")
        if problems:
            raise ValidationError(problems)
        request = _request_save(
            AssignmentRequest(
                assignment=assignment,
                kind=AssignmentRequest.Kind.MORE_TIME,
                reason=reason,
                due_on_before=assignment.due_on,
                requested_due_on=due_on,
                requested_by=actor,
            )
        )
        audit(
            actor=actor,
            action="assignment_more_time_requested",
            obj=assignment,
            request=request.pk,
            reason=reason,
            due_on=audit_value(due_on),
        )
    return request


def _open_more_time_request(request: AssignmentRequest) -> AssignmentRequest:
    """The request, row-locked after its round and assignment (_locked_assignment's order)."""
    assignment = _locked_assignment(request.assignment)
    request = AssignmentRequest.objects.select_for_update(of=("self",)).get(pk=request.pk)
    request.assignment = assignment
    if request.kind != AssignmentRequest.Kind.MORE_TIME:
        raise ValidationError(_("A decline is answered by giving the use case to someone else."))
    if not request.is_open:
        raise ValidationError(_("This request has already been answered."))
    _refuse_if_closed(request.assignment.round)
    return request


def _request_decide(request: AssignmentRequest, *, state: str, note: str, actor) -> None:
    request.state, request.decision_note = state, note
    request.decided_by = actor if getattr(actor, "pk", None) else None
    request.decided_at = timezone.now()
    request.full_clean(exclude=["assignment", "requested_by", "decided_by"], validate_constraints=False)
    request.save(update_fields=["state", "decision_note", "decided_by", "decided_at"])


def assignment_more_time_grant(*, request: AssignmentRequest, actor, note: str = "") -> AssignmentRequest:
    """Give the time asked for: the assignment's due date moves to the date asked for
    (assignment_due_change, which checks it against the round's closing date)."""
    with transaction.atomic():
        request = _open_more_time_request(request)
        assignment_due_change(assignment=request.assignment, due_on=request.requested_due_on, actor=actor)
        _request_decide(request, state=AssignmentRequest.State.GRANTED, note=note.strip(), actor=actor)
        audit(
            actor=actor,
            action="assignment_more_time_granted",
            obj=request.assignment,
            request=request.pk,
            due_on=audit_value(request.requested_due_on),
        )
    return request


def assignment_more_time_refuse(*, request: AssignmentRequest, note: str, actor) -> AssignmentRequest:
    """Refuse more time, saying why (the reviewer reads it); the due date stays."""
    note = note.strip()
    with transaction.atomic():
        request = _open_more_time_request(request)
        if not note:
            raise ValidationError({"note": _("Say why more time cannot be given")})
        _request_decide(request, state=AssignmentRequest.State.REFUSED, note=note, actor=actor)
        audit(actor=actor, action="assignment_more_time_refused", obj=request.assignment, request=request.pk, note=note)
    return request


def interest_refusal(interest: DeclaredInterest) -> str:
    """Why a reviewer cannot review a use case their organisation declared an interest in."""
    return _(
        "%(organisation)s has declared an interest in this use case, so its members do not review it. "
        "If you think this is wrong, ask a programme admin."
    ) % {"organisation": interest.organisation.name}


def interest_declare(*, organisation: Organisation, use_case, reason: str, actor) -> DeclaredInterest:
    """Record an organisation's interest in a use case. From then on the organisation and its
    members are not given it and cannot review it; their assignments of it in rounds that have not
    closed are taken away (reviews already written are kept, as when an assignment is removed)."""
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Say what the interest is, such as a contract with a receiving body")})
    interest = DeclaredInterest(organisation=organisation, use_case=use_case, reason=reason, declared_by=actor)
    try:
        with transaction.atomic():
            interest.full_clean(exclude=["declared_by"])
            interest.save()
            assignments = Assignment.objects.filter(
                Q(organisation=organisation) | Q(reviewer__memberships__organisation=organisation),
                version__use_case=use_case,
                round__status__in=[ReviewRound.Status.DRAFT, ReviewRound.Status.OPEN],
            )
            removed = sorted(set(assignments.values_list("pk", flat=True)))
            Assignment.objects.filter(pk__in=removed).delete()
            audit(
                actor=actor,
                action="interest_declared",
                obj=interest,
                organisation=organisation.slug,
                use_case=use_case.slug,
                reason=reason,
                assignments_removed=removed,
            )
    except IntegrityError as error:  # the same declaration was saved a moment ago
        raise ValidationError(_("This organisation has already declared an interest in this use case.")) from error
    return interest


def _standing_interest(interest: DeclaredInterest) -> DeclaredInterest:
    locked = DeclaredInterest.objects.select_for_update(of=("self",)).select_related("organisation")
    interest = locked.get(pk=interest.pk)
    if interest.withdrawn_at:
        raise ValidationError(_("This declaration has already been withdrawn."))
    return interest


def interest_withdraw(*, interest: DeclaredInterest, actor) -> DeclaredInterest:
    """Withdraw a declaration: the organisation may be given the use case again (assign by rule
    fills the gap). It is kept, marked withdrawn."""
    with transaction.atomic():
        interest = _standing_interest(interest)
        interest.withdrawn_at, interest.withdrawn_by = timezone.now(), actor if getattr(actor, "pk", None) else None
        interest.save(update_fields=["withdrawn_at", "withdrawn_by"])
        audit(actor=actor, action="interest_withdrawn", obj=interest)
    return interest


def interest_override(*, interest: DeclaredInterest, reason: str, actor) -> DeclaredInterest:
    """Let the organisation review the use case despite its declaration (a programme admin's
    decision, with the reason recorded). The matrix still marks the cells its reviews are in."""
    reason = reason.strip()
    with transaction.atomic():
        interest = _standing_interest(interest)
        if interest.is_overridden:
            raise ValidationError(_("This declaration has already been overridden."))
        if not reason:
            raise ValidationError({"override_reason": _("Say why the organisation may review the use case")})
        interest.override_reason, interest.overridden_at = reason, timezone.now()
        interest.overridden_by = actor if getattr(actor, "pk", None) else None
        interest.full_clean(exclude=["declared_by", "overridden_by", "withdrawn_by"])
        interest.save(update_fields=["override_reason", "overridden_at", "overridden_by"])
        audit(actor=actor, action="interest_overridden", obj=interest, reason=reason)
    return interest
