"""A reviewer's review of a use case version in a round: saving it, as a draft or submitted, and
withdrawing it (docs/reviewer-journey.md), with the checks a verdict passes before it is submitted.
Each change runs in one transaction and writes an audit row; the locks it takes, in their order,
are described in docs/architecture.md ("Row locks")."""

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, OperationalError, connection, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from audiences.models import Organisation
from bold_portal.compiled_reads import CompiledRead
from bold_portal.locks import is_lock_contention
from bold_portal.models import audit
from bold_portal.text import grouped
from bold_portal.validation import full_clean_all
from principles.models import Principle
from reviews.audit_actions import review_fields_changed
from reviews.models import (
    REVIEW_TEXT_SUBMIT_MAX,
    Assignment,
    DeclaredInterest,
    Review,
    ReviewRound,
    RoundVersion,
    Verdict,
    blocking_interest,
)
from reviews.selectors.requests import declined
from reviews.selectors.sections import changed_sections
from reviews.services.interests import interest_refusal
from reviews.services.rounds import round_read_shared
from reviews.signals import matrix_inputs_changed
from usecases.models import UseCaseVersion

logger = logging.getLogger(__name__)


class ReviewConflict(Exception):
    """The review changed since the form was opened (another tab or device saved it)."""


class ReviewBusy(Exception):
    """Other saves held the locks this one needed, and the database gave up on it (it broke a
    deadlock, or SQLite's busy timeout ran out). Nothing was saved; saving again is safe."""


class RoundNotOpen(Exception):
    """The round is not open, so its reviews cannot change."""


@dataclass(frozen=True)
class VerdictInput:
    principle_id: int
    verdict: str = ""
    reason: str = ""
    evidence: str = ""
    suggested_rewording: str = ""
    # Carry forward this earlier verdict of the reviewer's (its id) on the principle, for an
    # earlier version of the use case: its answer and texts replace the ones given here.
    carried_from_id: int | None = None


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
            "carried_from": v.carried_from_id,
        }
        for v in verdicts
    ]


def _review_record(review: Review, verdicts) -> dict:
    return {
        "status": review.status,
        "overall_comment": review.overall_comment,
        "verdicts": _verdict_record(sorted(verdicts, key=lambda v: v.principle_id)),
    }


# At most one (a unique constraint).
_LOCKED_REVIEW = CompiledRead(lambda **keys: Review.objects.select_for_update(of=("self",)).filter(**keys).order_by())


def _locked_review(*, round_id: int, version_id: int, reviewer_id: int, expected_lock_version: int) -> Review | None:
    """The reviewer's review of the version in the round, row-locked for a change; None if there is
    none yet. Raises ReviewConflict unless its lock_version is the one the form was opened with
    (0 for a review not yet saved).

    The lock is FOR UPDATE OF the review's row alone, from a query without ordering: Review's
    default ordering joins the round, version, use case and audience, and a FOR UPDATE over that
    join would lock every one of those rows too, the round included, which every save already
    holds FOR SHARE: two saves would then each wait for the other's shared lock (a deadlock)."""
    found = _LOCKED_REVIEW.objects(round_id=round_id, version_id=version_id, reviewer_id=reviewer_id)
    review = found[0] if found else None
    current = review.lock_version if review else 0
    if current != expected_lock_version:
        raise ReviewConflict
    return review


# The round for round_read_shared, with the first two things a save checks read in the same
# statement: whether the version is in the round (includes_version) and whether a declared interest
# stops the reviewer reviewing its use case (interest_blocks, as blocking_interest decides).
# Compiled once (bold_portal.compiled_reads), as are the save's other reads.
_ROUND_FOR_SAVE = CompiledRead(
    lambda round_id, version_id, use_case_id, reviewer_id: ReviewRound.objects.filter(pk=round_id)
    .order_by()
    .annotate(
        includes_version=Exists(RoundVersion.objects.filter(round_id=OuterRef("pk"), version_id=version_id)),
        interest_blocks=Exists(
            DeclaredInterest.objects.blocking().filter(
                organisation__memberships__user_id=reviewer_id, use_case_id=use_case_id
            )
        ),
    ),
    lock_shared=True,
)


def _reviewer_assignments(*, round_id: int, version_id: int, reviewer_id: int):
    """The reviewer's assignments of the version, in person or through an organisation."""
    return Assignment.objects.filter(
        Q(reviewer_id=reviewer_id) | Q(organisation__memberships__user_id=reviewer_id),
        round_id=round_id,
        version_id=version_id,
    ).order_by()


_ASSIGNMENT_IDS_FOR_SAVE = CompiledRead(lambda **keys: _reviewer_assignments(**keys).values("pk"))
_DECLINES_FOR_SAVE = CompiledRead(
    lambda **keys: _reviewer_assignments(**keys).annotate(is_declined=declined()).values_list("is_declined")
)


def _refuse_if_declined(*, round_id: int, version_id: int, reviewer) -> None:
    """Refuse a review of a use case that every assignment giving it to the reviewer (in person, or
    through an organisation) declined. Those assignments are read FOR SHARE after the round: a
    decline locks its assignment FOR UPDATE after the round (locked_assignment), so a decline and a
    save at the same moment take turns, and whichever comes second sees the first (a decline refuses
    a submitted review; a save refuses a declined use case). An assignment taken away meanwhile
    (a declared interest deletes it) is no longer there to be locked, and counts as declined.

    On PostgreSQL two statements: the assignments found and locked in one, then whether any is not
    declined, read after the lock (a statement that waited for a lock still reads other tables as
    they were when it started, so the check cannot be part of it). SQLite, whose writers take turns,
    reads the assignments and their declines in one."""
    keys = {"round_id": round_id, "version_id": version_id, "reviewer_id": reviewer.pk}
    if connection.vendor == "postgresql":
        wanted, params = _ASSIGNMENT_IDS_FOR_SAVE.statement(**keys)
        table = connection.ops.quote_name(Assignment._meta.db_table)
        # The ORM's own statement and the model's own table name (hence the nosec comment for bandit's B608).
        with connection.cursor() as cursor:
            cursor.execute(
                f"""
                WITH wanted (id) AS MATERIALIZED ({wanted}),
                locked AS (SELECT id FROM {table} WHERE id IN (SELECT id FROM wanted) FOR SHARE OF {table})
                SELECT (SELECT COUNT(*) FROM wanted), ARRAY(SELECT id FROM locked)
                """,  # nosec
                params,
            )
            found, locked_ids = cursor.fetchone()
        if not found:
            return
        any_open = bool(locked_ids) and Assignment.objects.filter(~declined(), pk__in=locked_ids).exists()
    else:
        declines = [is_declined for (is_declined,) in _DECLINES_FOR_SAVE.rows(**keys)]
        if not declines:
            return
        any_open = not all(declines)
    if not any_open:
        raise ValidationError(
            _(
                "This use case was declined, so nobody expects a review of it from you and yours cannot be saved. "
                "It is waiting to be given to someone else."
            )
        )


def _locked_verdicts(review: Review | None) -> list[Verdict]:
    """The review's verdicts, row-locked after the review (no ordering: Verdict's joins the principle)."""
    if review is None:
        return []
    return list(Verdict.objects.select_for_update(of=("self",)).filter(review=review).order_by())


def _carry_problem(source: Verdict | None, *, reviewer, version: UseCaseVersion, principle: Principle) -> str | None:
    """Why the reviewer cannot carry this earlier verdict forward to the principle on the version,
    in words naming the principle; None if they can."""
    names = {"principle": principle.name}
    if source is None or source.review.reviewer_id != reviewer.pk:
        return _("There is no earlier verdict of yours on %(principle)s to carry forward.") % names
    earlier = source.review.version
    if (
        source.principle_id != principle.pk
        or earlier.use_case_id != version.use_case_id
        or earlier.number >= version.number
        or source.review.status != Review.Status.SUBMITTED
        or not source.verdict
    ):
        return (
            _(
                "Only your submitted verdict on %(principle)s for an earlier version of this use case "
                "can be carried forward."
            )
            % names
        )
    if changed := changed_sections(principle, earlier, version):
        return _(
            "Your verdict on %(principle)s cannot be carried forward: %(sections)s changed since version %(number)s. "
            "Read the changes and give your verdict again."
        ) % {**names, "sections": ", ".join(changed), "number": earlier.number}
    return None


def _carry_sources(given: dict[int, VerdictInput], *, reviewer, version, principles) -> dict[int, Verdict]:
    """The earlier verdicts the entries ask to carry forward, by principle id, each checked (no
    query unless one is asked for). Raises ValidationError naming each principle that cannot be
    carried: another's verdict, another use case's, a later version's, or one whose sections changed."""
    wanted = {pk: entry.carried_from_id for pk, entry in given.items() if entry.carried_from_id is not None}
    if not wanted:
        return {}
    found = Verdict.objects.select_related("review__version").in_bulk(list(wanted.values()))
    sources, problems = {}, {}
    for pk, source_id in wanted.items():
        source = found.get(source_id)
        if problem := _carry_problem(source, reviewer=reviewer, version=version, principle=principles[pk]):
            problems[principles[pk].slug] = problem
        else:
            sources[pk] = source
    if problems:
        raise ValidationError(problems)
    return sources


def _carried(source: Verdict) -> VerdictInput:
    return VerdictInput(
        principle_id=source.principle_id,
        verdict=source.verdict,
        reason=source.reason,
        evidence=source.evidence,
        suggested_rewording=source.suggested_rewording,
        carried_from_id=source.pk,
    )


def _still_carried(row: Verdict, entry: VerdictInput) -> int | None:
    """The earlier verdict a saved row stays carried from: kept while its answer and texts are
    saved unchanged, dropped as soon as the reviewer changes any of them."""
    if row.carried_from_id is None:
        return None
    same = (row.verdict, row.reason, row.evidence, row.suggested_rewording) == (
        entry.verdict,
        entry.reason.strip(),
        entry.evidence.strip(),
        entry.suggested_rewording.strip(),
    )
    return row.carried_from_id if same else None


def _sign_in_detail(signed_in_with: str) -> dict:
    return {"signed_in_with": signed_in_with} if signed_in_with else {}


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
    signed_in_with: str = "",
    round_principles: Sequence[Principle] | None = None,
) -> Review:
    """Save a reviewer's review of a version in a round, as a draft or submitted.

    A draft keeps whatever was entered, complete or not. Submitting (or changing a submitted
    review) checks every principle of the round. expected_lock_version is the review's
    lock_version when the form was opened (0 for a new review); if it has moved on, nothing
    is saved and ReviewConflict is raised.

    Locks, in this order: the round FOR SHARE, the reviewer's assignments of the version FOR
    SHARE, the review, its verdicts, its version's change counter (docs/architecture.md); so saves
    wait for each other and never deadlock. If the database gives up on the save all the same,
    nothing is saved and ReviewBusy is raised.

    signed_in_with says, in the audit row, how a reviewer who did not use their password got in
    ("personal_link"); empty for a password. round_principles: the round's principles, if the
    caller read them from the open round already (the review page does); None: read here.
    """
    with _contention_refused(), transaction.atomic():
        review_round = round_read_shared(
            review_round.pk,
            read=_ROUND_FOR_SAVE,
            version_id=version.pk,
            use_case_id=version.use_case_id,
            reviewer_id=reviewer.pk,
        )
        if not review_round.is_open:
            raise RoundNotOpen
        if not review_round.includes_version:
            raise ValidationError(_("This use case version is not part of the round."))
        if review_round.interest_blocks:
            raise ValidationError(
                interest_refusal(blocking_interest(use_case_id=version.use_case_id, reviewer=reviewer))
            )
        _refuse_if_declined(round_id=review_round.pk, version_id=version.pk, reviewer=reviewer)
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

        # An open round's principles never change (they are set only while it is a draft, and a
        # round never goes back to draft), so those the caller read of the open round are its own.
        principles = {
            p.pk: p for p in (review_round.principles.all() if round_principles is None else round_principles)
        }
        given = {v.principle_id: v for v in verdicts}
        unknown = set(given) - set(principles)
        if unknown:
            raise ValidationError(_("A verdict was given for a principle that is not part of this round."))
        carried = _carry_sources(given, reviewer=reviewer, version=version, principles=principles)
        given |= {pk: _carried(source) for pk, source in carried.items()}
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
        existing = {v.principle_id: v for v in previous_verdicts}
        rows = []
        for pk in principles:
            entry = given.get(pk, VerdictInput(principle_id=pk))
            row = existing.get(pk) or Verdict(principle_id=pk)
            carried_from_id = entry.carried_from_id if pk in carried else _still_carried(row, entry)
            row.verdict = entry.verdict
            row.reason = entry.reason.strip()
            row.evidence = entry.evidence.strip()
            row.suggested_rewording = entry.suggested_rewording.strip()
            # The earlier verdict was checked above (_carry_sources), not again here, row by row.
            row.carried_from_id = carried_from_id
            rows.append(row)
        # The review and its verdicts validated together, before anything is written: their check
        # constraints worked out in Python (bold_portal.validation). The keys were read above (the
        # organisation from the caller's assignments or membership); the database keeps them and the
        # unique constraints.
        full_clean_all(
            [review, *rows],
            exclude=["round", "version", "reviewer", "organisation", "review", "principle", "carried_from"],
        )
        try:
            review.save()
        except IntegrityError as error:  # another tab created the same review a moment ago
            # Raised out of the transaction, which rolls back whole: nothing is saved.
            raise ReviewConflict from error

        to_create, to_update = [], []
        for row in rows:
            row.review = review
            (to_update if row.pk else to_create).append(row)
        Verdict.objects.bulk_create(to_create)
        Verdict.objects.bulk_update(to_update, ["verdict", "reason", "evidence", "suggested_rewording", "carried_from"])

        if submit:
            action = "review_changed" if was_submitted else "review_submitted"
        else:
            action = "review_draft_saved"
        after = _review_record(review, to_create + to_update)
        how = _sign_in_detail(signed_in_with)
        if carried:
            # Never silently: the row names the principles carried forward and the verdicts they came from.
            how["carried_forward"] = {principles[pk].slug: source.pk for pk, source in sorted(carried.items())}
        if submit and was_submitted:
            audit(actor=reviewer, action=action, obj=review, before=before, after=after, **how)
        else:
            # A draft is private to its reviewer: the row says that it changed, and which fields,
            # never their content (what is submitted is recorded in full).
            audit(
                actor=reviewer,
                action=action,
                obj=review,
                before={"status": before["status"]} if before else {},
                after=after if submit else {"status": review.status},
                fields_changed=review_fields_changed(before, after),
                **how,
            )
        if submit or was_submitted:
            version_reviews_changed(round_id=review_round.pk, version_id=version.pk)
    return review


def review_withdraw(*, review: Review, actor, expected_lock_version: int, signed_in_with: str = "") -> Review:
    """Withdraw a submitted review: it stops counting in the round's matrix. Locks as review_save
    does (its verdicts stay as they are, so they are not locked)."""
    with _contention_refused(), transaction.atomic():
        review_round = round_read_shared(review.round_id)
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
            **_sign_in_detail(signed_in_with),
        )
        version_reviews_changed(round_id=review_round.pk, version_id=review.version_id)
    return review


def review_submit_saved(*, review: Review, reviewer, expected_lock_version: int, signed_in_with: str = "") -> Review:
    """Submit a review's saved draft as it stands (the "check your answers" page): review_save with
    its saved verdicts and comment, so the same checks and locks apply. ReviewConflict if it was
    saved again since the page was opened."""
    return review_save(
        reviewer=reviewer,
        review_round=review.round,
        version=review.version,
        verdicts=[
            VerdictInput(
                principle_id=v.principle_id,
                verdict=v.verdict,
                reason=v.reason,
                evidence=v.evidence,
                suggested_rewording=v.suggested_rewording,
            )
            for v in review.verdicts.all()
        ],
        overall_comment=review.overall_comment,
        expected_lock_version=expected_lock_version,
        submit=True,
        organisation=review.organisation,
        signed_in_with=signed_in_with,
    )
