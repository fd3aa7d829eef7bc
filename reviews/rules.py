"""Per-object permissions for the reviewer pages. The object is a selectors.ReviewTarget
(a use case version in a round). Views check these with rules.has_perm, not user.has_perm,
so that a superuser is not silently treated as an assigned reviewer."""

import rules

from audiences.models import Membership
from audiences.rules import is_lead_of
from bold_portal.roles import is_admin
from reviews.models import ReviewRound


@rules.predicate
def is_assigned_reviewer(user, target) -> bool:
    """The version is assigned in the round to the user or to one of their organisations,
    and the round has opened (a round still in draft is invisible to reviewers)."""
    return target.round.status != ReviewRound.Status.DRAFT and bool(target.assignments_for(user))


@rules.predicate
def round_is_open(user, target) -> bool:
    return target.round.is_open


@rules.predicate
def round_is_not_blind(user, target) -> bool:
    return not target.round.is_blind


@rules.predicate
def round_shares_summary(user, target) -> bool:
    return target.round.show_aggregate_to_reviewers


@rules.predicate
def has_submitted_review(user, target) -> bool:
    return target.has_submitted(user)


@rules.predicate
def has_declared_interest(user, target) -> bool:
    """The user's organisation declared an interest in the use case, and no admin overrode it."""
    return target.blocking_interest_for(user) is not None


@rules.predicate
def has_declined(user, target) -> bool:
    """The use case was declined (by the reviewer, or by their organisation's lead) and is waiting
    to be given to someone else."""
    return target.has_declined(user)


# Seeing the use case, and a read-only view of one's review. Anyone else gets a 404.
rules.add_perm("reviews.view_review_target", is_assigned_reviewer | is_admin)
# Writing, submitting and withdrawing one's own review. Admins read only; nor may anyone whose
# organisation declared an interest in the use case (unless an admin overrode it), nor anyone who
# declined it (docs/declined-and-interests.md).
rules.add_perm("reviews.write_review", is_assigned_reviewer & round_is_open & ~has_declared_interest & ~has_declined)
# Other reviewers' verdicts: never before one's own submission in a blind round.
rules.add_perm(
    "reviews.view_aggregate",
    is_admin | (is_assigned_reviewer & round_shares_summary & (round_is_not_blind | has_submitted_review)),
)
# An organisation's progress (statuses and dates, never verdicts): its leads and programme admins.
# The object is the Organisation; anyone else gets a 404.
rules.add_perm("reviews.view_organisation_reviews", is_lead_of | is_admin)

# Running review rounds from the portal (reviews/views/rounds.py and assignments.py): programme
# admins only; anyone else gets a 404.
rules.add_perm("reviews.manage_rounds", is_admin)


@rules.predicate
def leads_for_members_request(user, request) -> bool:
    """A lead of the organisation concerned (the one given the assignment, or one the person given
    it belongs to), answering a member's request. A request a lead made, their own or a fellow
    lead's, goes to the programme team (docs/declined-and-interests.md, "Who answers")."""
    if not user.is_authenticated or request.requested_by_id == user.pk:
        return False
    assignment = request.assignment
    led = Membership.objects.filter(user=user, role=Membership.Role.LEAD)
    if assignment.organisation_id:
        led = led.filter(organisation_id=assignment.organisation_id)
    else:
        led = led.filter(organisation__memberships__user_id=assignment.reviewer_id)
    from_a_lead = Membership.objects.filter(
        user_id=request.requested_by_id, role=Membership.Role.LEAD, organisation_id__in=led.values("organisation_id")
    )
    return led.exists() and not from_a_lead.exists()


# Answering a decline or a request for more time (the object is the AssignmentRequest): programme
# admins, and leads of the organisation concerned for a member's request. Anyone else gets a 404.
rules.add_perm("reviews.answer_request", is_admin | leads_for_members_request)
# Declaring an interest for an organisation (the object is the Organisation): its leads and admins;
# overriding one: admins only (reviews.manage_rounds).
rules.add_perm("reviews.declare_interest", is_lead_of | is_admin)

# Questions to the authors (reviews/services/questions.py; the object is a ReviewTarget). Asking
# and answering go with writing one's review; other reviewers' questions are seen as their verdicts
# are: never before one's own submission in a blind round. One's own questions are always seen.
rules.add_perm("reviews.ask_question", is_assigned_reviewer & round_is_open & ~has_declared_interest & ~has_declined)
rules.add_perm(
    "reviews.see_others_questions", is_admin | (is_assigned_reviewer & (round_is_not_blind | has_submitted_review))
)
