"""Who an assignment expects a review from: the one rule every page, email and count reads
(docs/reviewer-journey.md, "Choosing who reviews"). A personal assignment expects its person; an
organisation-wide one the members its lead chose, or by default every active member but the
leads, and the leads only when the organisation has nobody else. Switched-off accounts have left
and are expected by nobody."""

from django.db.models import Exists, F, OuterRef, Q, QuerySet, Value

from audiences.models import Membership, Organisation
from reviews.models import Assignment, ChosenReviewer, ReviewRound

# The columns of expected_reviewers' rows, in order (the progress SQL reads them by name).
EXPECTED_COLUMNS = ("id", "round_id", "version_id", "due_on", "kind", "group_id", "user_id")


def _in_person(assignments: QuerySet[Assignment], *, with_people_who_left: bool) -> QuerySet:
    in_person = assignments.filter(reviewer__isnull=False)
    if not with_people_who_left:
        in_person = in_person.filter(reviewer__is_active=True)
    return in_person.annotate(kind=Value("person"), group_id=F("reviewer_id"), user_id=F("reviewer_id"))


def _organisation_wide(assignments: QuerySet[Assignment]) -> QuerySet:
    chosen = ChosenReviewer.objects.filter(assignment=OuterRef("pk"))
    others = Membership.objects.filter(organisation=OuterRef("organisation_id"), user__is_active=True).exclude(
        role=Membership.Role.LEAD
    )
    return (
        assignments.filter(organisation__isnull=False)
        # One annotate, so that every column comes from the same membership join.
        .annotate(
            kind=Value("organisation"),
            group_id=F("organisation_id"),
            user_id=F("organisation__memberships__user_id"),
            member_id=F("organisation__memberships__id"),
            member_role=F("organisation__memberships__role"),
            member_active=F("organisation__memberships__user__is_active"),
        )
        .filter(member_active=True)
        .filter(
            Exists(chosen.filter(membership_id=OuterRef("member_id")))
            | (~Exists(chosen) & (~Q(member_role=Membership.Role.LEAD) | ~Exists(others)))
        )
    )


def expected_reviewers(assignments: QuerySet[Assignment], *, with_people_who_left: bool = False) -> QuerySet:
    """One row per (assignment, person expected to review it), with EXPECTED_COLUMNS: kind is
    "person" or "organisation", group_id the person or the organisation given it. Callers choose
    the assignments (a round, open rounds, not declined...). with_people_who_left keeps people
    asked in person whose accounts are now switched off: the analysts' count of a round, whose
    fieldwork reviewers were asked once and switched off since. One query, usable as a subquery."""
    # No ORDER BY on either side: the caller's queryset may carry one, and SQLite refuses it in a UNION.
    return (
        _in_person(assignments, with_people_who_left=with_people_who_left)
        .order_by()
        .values(*EXPECTED_COLUMNS)
        .union(_organisation_wide(assignments).order_by().values(*EXPECTED_COLUMNS), all=True)
    )


def expected_by_assignment(assignments: QuerySet[Assignment]) -> dict[int, list[int]]:
    """Per assignment id, the ids of the people it expects a review from. One query."""
    people: dict[int, list[int]] = {}
    for row in expected_reviewers(assignments):
        people.setdefault(row["id"], []).append(row["user_id"])
    return people


def led_assignment(organisation: Organisation, assignment_id: int) -> Assignment | None:
    """An organisation-wide assignment of the organisation in an open round, whose reviewers its
    leads choose; None for any other."""
    return (
        Assignment.objects.filter(pk=assignment_id, organisation=organisation, round__status=ReviewRound.Status.OPEN)
        .select_related("round", "version__use_case__audience", "organisation")
        .first()
    )


def choosable_members(assignment: Assignment) -> QuerySet[Membership]:
    """The members a lead can choose from: the organisation's active members, by name."""
    return (
        Membership.objects.filter(organisation_id=assignment.organisation_id, user__is_active=True)
        .select_related("user")
        .order_by("user__full_name", "user__email")
    )


def expected_members(assignment: Assignment) -> list[int]:
    """The ids of the memberships through which the assignment expects a review now."""
    people = expected_by_assignment(Assignment.objects.filter(pk=assignment.pk)).get(assignment.pk, [])
    return list(choosable_members(assignment).filter(user_id__in=people).values_list("pk", flat=True))


def reviewers_chosen(assignment: Assignment) -> bool:
    """Whether a lead has chosen the assignment's reviewers (else the default applies)."""
    return ChosenReviewer.objects.filter(assignment=assignment).exists()
