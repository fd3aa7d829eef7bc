"""Who reviews what in a round (docs/admin-rounds.md): giving use case versions to organisations
and people, one at a time or by audience, moving a due date, reassigning and removing. Each change
runs in one transaction and writes an audit row."""

import datetime
from collections import defaultdict

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from audiences.models import Membership, Organisation
from bold_portal.field_changes import audit_value
from bold_portal.models import audit
from reviews.assignment_emails import assignment_given_email, assignments_given_emails, expected_people
from reviews.models import Assignment, AssignmentRequest, DeclaredInterest, ReviewRound, RoundVersion
from reviews.request_emails import request_answered_email
from reviews.services.rounds import BULK_BATCH_SIZE, round_read_shared
from reviews.signals import progress_inputs_changed
from usecases.models import UseCaseVersion


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
        progress_inputs_changed.send(
            sender=Assignment, round_id=assignment.round_id, version_ids=[assignment.version_id]
        )
        assignment_given_email(assignment)
    return assignment


def organisation_has_reviewers(organisation: Organisation) -> bool:
    return Membership.objects.filter(organisation=organisation, user__is_active=True).exists()


def nobody_to_review_message(organisation: Organisation) -> str:
    return _("%(name)s has no active member to review it. Choose another organisation, or invite members first") % {
        "name": organisation.name
    }


def refuse_if_closed(review_round: ReviewRound) -> None:
    if review_round.status == ReviewRound.Status.CLOSED:
        raise ValidationError(_("This round has closed: its assignments can no longer change."))


def due_on_problem(review_round: ReviewRound, due_on: datetime.date | None) -> str | None:
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
    made; one audit row. A handful of queries whatever the size of the round, and in an open round
    the emails to the people newly expected (one outbox row each)."""
    with transaction.atomic():
        review_round = ReviewRound.objects.select_for_update(of=("self",)).get(pk=review_round.pk)
        refuse_if_closed(review_round)
        if problem := due_on_problem(review_round, due_on):
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
            pairs=[{"version": item.version_id, "organisation": item.organisation_id} for item in new],
        )
        progress_inputs_changed.send(sender=Assignment, round_id=review_round.pk, version_ids=None)
        assignments_given_emails(review_round, [item.pk for item in new])
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
        assignment = locked_assignment(assignment)
        refuse_if_closed(assignment.round)
        if problem := due_on_problem(assignment.round, due_on):
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
        progress_inputs_changed.send(
            sender=Assignment, round_id=assignment.round_id, version_ids=[assignment.version_id]
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
        assignment = locked_assignment(assignment)
        refuse_if_closed(assignment.round)
        if (assignment.reviewer_id, assignment.organisation_id) == (
            getattr(reviewer, "pk", None),
            getattr(organisation, "pk", None),
        ):
            raise ValidationError(_("The use case is already given to them. Choose someone else."))
        before = _assignment_record(assignment)
        expected_before = expected_people(assignment)
        from_reviewer, from_organisation = assignment.reviewer_id, assignment.organisation_id
        assignment.reviewer, assignment.organisation = reviewer, organisation
        assignment.full_clean()
        if organisation is not None and not organisation_has_reviewers(organisation):
            raise ValidationError({"organisation": nobody_to_review_message(organisation)})
        assignment.save(update_fields=["reviewer", "organisation"])
        # A decline, or a request for more time, was about the people it leaves: it is closed,
        # keeping whom it was about and whom the use case went to.
        closed = list(
            AssignmentRequest.objects.filter(assignment=assignment, state=AssignmentRequest.State.OPEN).values_list(
                "pk", flat=True
            )
        )
        AssignmentRequest.objects.filter(pk__in=closed).update(
            state=AssignmentRequest.State.REASSIGNED,
            decided_by=actor if getattr(actor, "pk", None) else None,
            decided_at=timezone.now(),
            from_reviewer_id=from_reviewer,
            from_organisation_id=from_organisation,
            to_reviewer_id=assignment.reviewer_id,
            to_organisation_id=assignment.organisation_id,
        )
        audit(
            actor=actor,
            action="assignment_reassigned",
            obj=assignment,
            before=before,
            after=_assignment_record(assignment),
            requests_closed=closed,
        )
        progress_inputs_changed.send(
            sender=Assignment, round_id=assignment.round_id, version_ids=[assignment.version_id]
        )
        for request in AssignmentRequest.objects.filter(pk__in=closed).select_related(
            "requested_by", "assignment__round", "assignment__version__use_case", "assignment__organisation"
        ):
            request_answered_email(request)
        assignment_given_email(assignment, already=expected_before)
    return assignment


def assignment_remove(*, assignment: Assignment, actor) -> None:
    """Take an assignment away. A review its reviewers started is kept (and still counts if
    submitted); they can no longer open the use case in the round through this assignment."""
    with transaction.atomic():
        assignment = locked_assignment(assignment)
        refuse_if_closed(assignment.round)
        audit(
            actor=actor,
            action="assignment_removed",
            obj=assignment,
            before=_assignment_record(assignment),
            after={},
            round=assignment.round.slug,
            version=assignment.version_id,
        )
        progress_inputs_changed.send(
            sender=Assignment, round_id=assignment.round_id, version_ids=[assignment.version_id]
        )
        assignment.delete()


def locked_assignment(assignment: Assignment) -> Assignment:
    """The assignment, row-locked for a change, with its round read under the round's shared lock
    first: a change in a round locks the round, then its assignment, then the assignment's
    requests, so two changes never wait for each other in opposite orders, and closing the round
    waits for them (as it does for review saves)."""
    review_round = round_read_shared(assignment.round_id)
    locked = Assignment.objects.select_for_update(of=("self",)).get(pk=assignment.pk)
    locked.round = review_round
    return locked
