"""Who reviews what, many at a time (docs/admin-rounds.md): a page of the use case x
organisation grid saved in one post, a checked file of assignments added once the admin has seen
the preview, and one due date for every assignment of a round or of an organisation. Each runs in
one transaction, under the round's row lock, and writes one audit row."""

import datetime
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from audiences.models import Organisation
from bold_portal.field_changes import audit_value
from bold_portal.models import audit
from reviews.assignment_emails import assignments_given_emails
from reviews.models import Assignment, ReviewRound, RoundVersion
from reviews.services.assignments import due_on_problem, refuse_if_closed
from reviews.services.rounds import BULK_BATCH_SIZE
from reviews.signals import progress_inputs_changed

CHANGED_SINCE = _("The round changed since this page was drawn. Reload the page and try again.")


def _locked_round(review_round: ReviewRound) -> ReviewRound:
    review_round = ReviewRound.objects.select_for_update(of=("self",)).get(pk=review_round.pk)
    refuse_if_closed(review_round)
    return review_round


@dataclass(frozen=True)
class GridChanged:
    added: int
    removed: int


def assignments_grid_change(
    *,
    review_round: ReviewRound,
    version_ids: Collection[int],
    organisation_ids: Collection[int],
    chosen: Collection[tuple[int, int]],
    due_on: datetime.date | None,
    actor,
) -> GridChanged:
    """Save one page of the grid: of the versions and organisations shown, each chosen (version,
    organisation) pair is given (new ones due on due_on) and each pair not chosen is taken away.
    Pairs off the page are left as they are; a review already started stays with its author."""
    version_ids, organisation_ids, chosen = set(version_ids), set(organisation_ids), set(chosen)
    with transaction.atomic():
        review_round = _locked_round(review_round)
        if problem := due_on_problem(review_round, due_on):
            raise ValidationError({"due_on": problem})
        in_round = set(
            RoundVersion.objects.filter(round=review_round, version__in=version_ids).values_list(
                "version_id", flat=True
            )
        )
        known = set(Organisation.objects.filter(pk__in=organisation_ids).values_list("pk", flat=True))
        if (
            in_round != version_ids
            or known != organisation_ids
            or not chosen <= {(v, o) for v in version_ids for o in organisation_ids}
        ):
            raise ValidationError(CHANGED_SINCE)
        existing = {
            (v, o): pk
            for pk, v, o in Assignment.objects.filter(
                round=review_round, version__in=version_ids, organisation__in=organisation_ids
            ).values_list("pk", "version_id", "organisation_id")
        }
        to_add = sorted(chosen - set(existing))
        to_remove = sorted(set(existing) - chosen)
        added = Assignment.objects.bulk_create(
            [Assignment(round=review_round, version_id=v, organisation_id=o, due_on=due_on) for v, o in to_add],
            batch_size=BULK_BATCH_SIZE,
        )
        Assignment.objects.filter(pk__in=[existing[pair] for pair in to_remove]).delete()
        if to_add or to_remove:
            audit(
                actor=actor,
                action="assignments_changed_in_bulk",
                obj=review_round,
                added=[{"version": v, "organisation": o} for v, o in to_add],
                removed=[{"version": v, "organisation": o} for v, o in to_remove],
                due_on=audit_value(due_on),
            )
            progress_inputs_changed.send(
                sender=Assignment, round_id=review_round.pk, version_ids=[v for v, _o in to_add + to_remove]
            )
        assignments_given_emails(review_round, [a.pk for a in added])
    return GridChanged(added=len(to_add), removed=len(to_remove))


@dataclass(frozen=True)
class PlannedAssignment:
    """One checked line of a file of assignments."""

    line: int
    version_id: int
    organisation_id: int | None
    reviewer_id: int | None
    due_on: datetime.date | None


def assignments_upload(*, review_round: ReviewRound, planned: Sequence[PlannedAssignment], actor) -> int:
    """Add the assignments of a file checked in full and previewed (reviews/imports/
    assignments_file.py). Checked again here: if the round changed since (a version taken out, a
    pair given meanwhile), nothing is added and the admin checks the file again."""
    with transaction.atomic():
        review_round = _locked_round(review_round)
        versions = {p.version_id for p in planned}
        if RoundVersion.objects.filter(round=review_round, version__in=versions).count() != len(versions):
            raise ValidationError(CHANGED_SINCE)
        existing = set(
            Assignment.objects.filter(round=review_round, version__in=versions).values_list(
                "version_id", "organisation_id", "reviewer_id"
            )
        )
        if any((p.version_id, p.organisation_id, p.reviewer_id) in existing for p in planned):
            raise ValidationError(CHANGED_SINCE)
        for p in planned:
            if problem := due_on_problem(review_round, p.due_on):
                raise ValidationError(_("Line %(line)s: %(problem)s.") % {"line": p.line, "problem": problem})
        added = Assignment.objects.bulk_create(
            [
                Assignment(
                    round=review_round,
                    version_id=p.version_id,
                    organisation_id=p.organisation_id,
                    reviewer_id=p.reviewer_id,
                    due_on=p.due_on,
                )
                for p in planned
            ],
            batch_size=BULK_BATCH_SIZE,
        )
        audit(
            actor=actor,
            action="assignments_uploaded",
            obj=review_round,
            assignments=len(planned),
            pairs=[
                {"version": p.version_id, "organisation": p.organisation_id, "reviewer": p.reviewer_id} for p in planned
            ],
        )
        progress_inputs_changed.send(sender=Assignment, round_id=review_round.pk, version_ids=None)
        assignments_given_emails(review_round, [a.pk for a in added])
    return len(planned)


def assignments_due_change_bulk(
    *, review_round: ReviewRound, due_on: datetime.date | None, organisation: Organisation | None = None, actor
) -> int:
    """Give every assignment of the round (or every one given to an organisation, and to its
    members in person) one due date. Returns how many changed; one audit row."""
    with transaction.atomic():
        review_round = _locked_round(review_round)
        if problem := due_on_problem(review_round, due_on):
            raise ValidationError({"due_on": problem})
        assignments = Assignment.objects.filter(round=review_round)
        if organisation is not None:
            members = organisation.memberships.values("user_id")
            assignments = assignments.filter(organisation=organisation) | assignments.filter(reviewer__in=members)
        changed = list(assignments.exclude(due_on=due_on).values("pk", "version_id", "organisation_id", "reviewer_id"))
        Assignment.objects.filter(pk__in=[row["pk"] for row in changed]).update(due_on=due_on)
        if changed:
            progress_inputs_changed.send(
                sender=Assignment, round_id=review_round.pk, version_ids=[row["version_id"] for row in changed]
            )
            audit(
                actor=actor,
                action="assignments_due_changed_in_bulk",
                obj=review_round,
                organisation=organisation.pk if organisation else None,
                due_on=audit_value(due_on),
                assignments=len(changed),
                pairs=[
                    {
                        "version": row["version_id"],
                        "organisation": row["organisation_id"],
                        "reviewer": row["reviewer_id"],
                    }
                    for row in changed
                ],
            )
    return len(changed)
