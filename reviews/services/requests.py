"""Declining an assignment and asking for more time, and the answers of leads and programme admins
(docs/declined-and-interests.md). Each change runs in one transaction and writes an audit row."""

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from audiences.models import Membership
from bold_portal.field_changes import audit_value
from bold_portal.models import audit
from reviews.models import Assignment, AssignmentRequest, Review, cancellable_by
from reviews.request_emails import request_answered_email, request_arrived_email
from reviews.services.assignments import assignment_due_change, due_on_problem, locked_assignment, refuse_if_closed
from reviews.signals import progress_inputs_changed


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


def assignment_decline(*, assignment: Assignment, reason: str, actor) -> AssignmentRequest:
    """Decline an assignment, with a reason. It stops counting as expected at once, and waits on
    the lead's and the admins' pages until it is given to someone else."""
    reason = reason.strip()
    with transaction.atomic():
        assignment = locked_assignment(assignment)
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
        progress_inputs_changed.send(
            sender=Assignment, round_id=assignment.round_id, version_ids=[assignment.version_id]
        )
        request_arrived_email(request)
    return request


def assignment_more_time_request(
    *, assignment: Assignment, due_on: datetime.date | None, reason: str, actor
) -> AssignmentRequest:
    """Ask for a due date later than the assignment's, with a reason, for a lead or an admin to
    grant or refuse."""
    reason = reason.strip()
    with transaction.atomic():
        assignment = locked_assignment(assignment)
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
        elif problem := due_on_problem(assignment.round, due_on):
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
        request_arrived_email(request)
    return request


def _locked_more_time_request(request: AssignmentRequest) -> AssignmentRequest:
    """The request for more time, still waiting, row-locked after its round and assignment
    (locked_assignment's order), in an open round."""
    assignment = locked_assignment(request.assignment)
    request = AssignmentRequest.objects.select_for_update(of=("self",)).get(pk=request.pk)
    request.assignment = assignment
    if request.kind != AssignmentRequest.Kind.MORE_TIME:
        raise ValidationError(_("A decline is answered by giving the use case to someone else."))
    if not request.is_open:
        raise ValidationError(_("This request has already been answered."))
    refuse_if_closed(request.assignment.round)
    return request


def _open_more_time_request(request: AssignmentRequest, actor) -> AssignmentRequest:
    """The request, locked for an answer. Nobody answers their own request: a lead's goes to the
    programme team."""
    if request.requested_by_id is not None and request.requested_by_id == getattr(actor, "pk", None):
        raise ValidationError(_("You cannot answer your own request. The programme team will answer it."))
    return _locked_more_time_request(request)


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
        request = _open_more_time_request(request, actor)
        assignment_due_change(assignment=request.assignment, due_on=request.requested_due_on, actor=actor)
        _request_decide(request, state=AssignmentRequest.State.GRANTED, note=note.strip(), actor=actor)
        audit(
            actor=actor,
            action="assignment_more_time_granted",
            obj=request.assignment,
            request=request.pk,
            due_on=audit_value(request.requested_due_on),
        )
        request_answered_email(request)
    return request


def assignment_more_time_refuse(*, request: AssignmentRequest, note: str, actor) -> AssignmentRequest:
    """Refuse more time, saying why (the reviewer reads it); the due date stays."""
    note = note.strip()
    with transaction.atomic():
        request = _open_more_time_request(request, actor)
        if not note:
            raise ValidationError({"note": _("Say why more time cannot be given")})
        _request_decide(request, state=AssignmentRequest.State.REFUSED, note=note, actor=actor)
        audit(actor=actor, action="assignment_more_time_refused", obj=request.assignment, request=request.pk, note=note)
        request_answered_email(request)
    return request


def assignment_more_time_cancel(*, request: AssignmentRequest, actor) -> AssignmentRequest:
    """Withdraw a request for more time that is still waiting; only whoever made it may. The due
    date stays, and a new request can be made."""
    with transaction.atomic():
        if not cancellable_by(request, actor, waiting_only=False):
            raise ValidationError(_("Only the person who asked for more time can cancel the request."))
        request = _locked_more_time_request(request)
        _request_decide(request, state=AssignmentRequest.State.CANCELLED, note="", actor=actor)
        audit(actor=actor, action="assignment_more_time_cancelled", obj=request.assignment, request=request.pk)
    return request
