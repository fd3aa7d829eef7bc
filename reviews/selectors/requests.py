"""Read queries about declines and requests for more time (docs/declined-and-interests.md): the
assignments a decline leaves expecting nobody, and the requests the round, organisation and use
case pages show."""

from django.contrib.auth import get_user_model
from django.db.models import Case, Exists, OuterRef, Q, QuerySet, When

from audiences.models import Membership, Organisation
from reviews.models import Assignment, AssignmentRequest, ReviewRound

REQUESTS_PER_PAGE = 25


def _requests() -> QuerySet[AssignmentRequest]:
    """Requests with what their pages show, open ones first, then the newest."""
    return AssignmentRequest.objects.select_related(
        "assignment__round",
        "assignment__version__use_case__audience",
        "assignment__organisation",
        "assignment__reviewer",
        "requested_by",
        "decided_by",
        "from_organisation",
        "from_reviewer",
        "to_organisation",
        "to_reviewer",
    ).order_by(Case(When(state=AssignmentRequest.State.OPEN, then=0), default=1), "-requested_at", "-pk")


def round_requests(review_round: ReviewRound) -> QuerySet[AssignmentRequest]:
    return _requests().filter(assignment__round=review_round)


def round_open_request_count(review_round: ReviewRound) -> int:
    return AssignmentRequest.objects.filter(assignment__round=review_round, state=AssignmentRequest.State.OPEN).count()


def round_request(review_round: ReviewRound, request_id: int) -> AssignmentRequest | None:
    return round_requests(review_round).filter(pk=request_id).first()


def _organisation_assignments_q(organisation: Organisation, prefix: str = "") -> Q:
    """Assignments to the organisation, or in person to one of its members."""
    members = Membership.objects.filter(organisation=organisation).values("user_id")
    return Q(**{f"{prefix}organisation": organisation}) | Q(**{f"{prefix}reviewer__in": members})


def organisation_requests(organisation: Organisation) -> QuerySet[AssignmentRequest]:
    """Requests about the organisation's assignments, or its members' own, in rounds still open,
    including those it made before the use case was given to someone else."""
    return _requests().filter(
        _organisation_assignments_q(organisation, "assignment__") | _organisation_assignments_q(organisation, "from_"),
        assignment__round__status=ReviewRound.Status.OPEN,
    )


def organisation_request(organisation: Organisation, request_id: int) -> AssignmentRequest | None:
    return organisation_requests(organisation).filter(pk=request_id).first()


def organisation_members(organisation: Organisation) -> QuerySet:
    """The organisation's active members, by name, for choosing who takes a use case on."""
    return (
        get_user_model()
        .objects.filter(memberships__organisation=organisation, is_active=True)
        .order_by("full_name", "email")
    )


def declined() -> Exists:
    """For a queryset of assignments: the assignment was declined and not yet given to someone
    else, so it expects nobody (docs/declined-and-interests.md)."""
    return Exists(
        AssignmentRequest.objects.filter(
            assignment=OuterRef("pk"), kind=AssignmentRequest.Kind.DECLINE, state=AssignmentRequest.State.OPEN
        )
    )


def latest_requests(assignments) -> dict[int, AssignmentRequest]:
    """The newest request about each of these assignments (or their ids), by assignment id. One query."""
    latest: dict[int, AssignmentRequest] = {}
    for request in AssignmentRequest.objects.filter(assignment__in=assignments).order_by(
        "assignment_id", "-requested_at", "-pk"
    ):
        latest.setdefault(request.assignment_id, request)
    return latest


def latest_request(assignment: Assignment | None) -> AssignmentRequest | None:
    """The newest decline or request for more time about the assignment, with who answered it."""
    if assignment is None:
        return None
    return AssignmentRequest.objects.filter(assignment=assignment).select_related("decided_by").first()
