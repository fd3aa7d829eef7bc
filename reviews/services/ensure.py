"""Rounds and assignments brought to a known definition: round_ensure and assignment_ensure serve
the demo loader only (reviews/demo/loader.py, which may run again on the same database), and
round_version_add serves tests only. Their guards are weaker than the page services' (a due date
moved without the assignment's lock, a round restored whatever its status), so nothing else calls
them; they go once the demo loader creates its data through the page services."""

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audiences.models import Organisation
from bold_portal.ensure import Ensured
from bold_portal.field_changes import audit_value, drifted_fields_set
from bold_portal.models import audit
from principles.models import Principle
from reviews.models import Assignment, ReviewRound, RoundVersion
from reviews.services.assignments import assignment_create
from reviews.services.rounds import round_create, round_inputs_changed, round_rule_problems, round_set_status
from reviews.signals import matrix_inputs_changed
from usecases.models import UseCaseVersion


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
            round_inputs_changed(review_round)
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
