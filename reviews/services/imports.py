"""Reviews gathered outside the portal, recorded as submitted reviews, all or nothing: the verdicts
of a checked CSV file (verdicts_import, the import_verdicts command, docs/commands.md) and reviews
recorded as they are (reviews_record, such as the report's fieldwork). Both write through one bulk
path, in one transaction with one audit row."""

import datetime
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audiences.models import Organisation
from audiences.services.people import reviewer_accounts_create
from bold_portal.models import audit
from reviews.imports.rows import VerdictRow
from reviews.models import Review, ReviewRound, RoundVersion, Verdict
from reviews.services.reviews import VerdictInput, verdict_length_problem, verdict_problem, version_reviews_changed
from reviews.services.rounds import round_create, round_set_status
from usecases.models import UseCaseVersion


class ImportConflict(Exception):
    """Reviews or accounts the import would create appeared after its rows were checked."""


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
    *, rows: Sequence[VerdictRow], actor, review_round: ReviewRound | None = None, new_round: dict | None = None
) -> ImportResult:
    """Record verdicts gathered offline, checked by reviews.imports.rows, as submitted reviews: all or nothing.

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
