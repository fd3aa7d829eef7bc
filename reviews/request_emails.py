"""Emails about declines and requests for more time (docs/email.md): when one arrives, to whoever
answers it, and when it is answered, to the person who asked. Queued in the outbox in the
transaction that makes the change, once per request, kind and person."""

from django.db.models import Q

from audiences.models import Membership
from audiences.selectors import programme_admins
from bold_portal.email import email_send_on_commit, portal_url
from reviews.models import AssignmentRequest


def request_answerers(request: AssignmentRequest) -> list[tuple[object, str]]:
    """Who answers the request (as reviews.rules says), each with the page to answer it on: the
    active leads of the organisation concerned for a member's request; the programme admins for a
    lead's own, or where the organisation has no active lead."""
    assignment = request.assignment
    concerned = (
        Q(organisation_id=assignment.organisation_id)
        if assignment.organisation_id
        else Q(organisation__memberships__user_id=assignment.reviewer_id)
    )
    leads = Membership.objects.filter(concerned, role=Membership.Role.LEAD, user__is_active=True)
    if leads.filter(user_id=request.requested_by_id).exists() or not leads.exists():
        link = portal_url("rounds:request", assignment.round.slug, request.pk)
        return [(admin, link) for admin in programme_admins().exclude(pk=request.requested_by_id)]
    answerers = {}
    for lead in leads.select_related("user", "organisation").order_by("organisation__name"):
        answerers.setdefault(lead.user, portal_url("reviews:organisation_request", lead.organisation.slug, request.pk))
    return sorted(answerers.items(), key=lambda pair: pair[0].email)


def _context(request: AssignmentRequest, *, name: str, link: str) -> dict:
    assignment = request.assignment
    return {
        "name": name,
        "kind": request.kind,
        "title": assignment.version.title,
        "round": assignment.round.name,
        "who": (request.requested_by.get_full_name() or request.requested_by.email) if request.requested_by else "",
        "given_to": assignment.organisation.name if assignment.organisation_id else "",
        "reason": request.reason,
        "requested_due_on": request.requested_due_on,
        "state": request.state,
        "note": request.decision_note,
        "link": link,
    }


def request_arrived_email(request: AssignmentRequest) -> None:
    """Tell whoever answers the request that it is waiting, with a link to answer it."""
    for person, link in request_answerers(request):
        email_send_on_commit(
            template="reviews/email/request_arrived",
            kind="request_arrived",
            obj=request,
            to=[person.email],
            user=person,
            context=_context(request, name=person.get_full_name(), link=link),
        )


def request_answered_email(request: AssignmentRequest) -> None:
    """Tell the person who asked what was decided, with a link to the use case."""
    person = request.requested_by
    if person is None or not person.is_active:
        return
    version = request.assignment.version
    link = portal_url("reviews:use_case", request.assignment.round.slug, version.use_case.slug, version.number)
    email_send_on_commit(
        template="reviews/email/request_answered",
        kind="request_answered",
        obj=request,
        to=[person.email],
        user=person,
        context=_context(request, name=person.get_full_name(), link=link),
    )
