"""Read queries for the round pages about who reviews what (docs/admin-rounds.md): a use case's
and an organisation's assignments in a round, and the person an email address names."""

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet

from audiences.models import Membership, Organisation
from reviews.models import Assignment, ReviewRound
from usecases.models import UseCaseVersion

ASSIGNMENTS_PER_PAGE = 50


def version_assignments(review_round: ReviewRound, version: UseCaseVersion) -> QuerySet[Assignment]:
    return (
        Assignment.objects.filter(round=review_round, version=version)
        .select_related("reviewer", "organisation")
        .order_by("organisation__name", "reviewer__email", "pk")
    )


def organisation_assignments(review_round: ReviewRound, organisation: Organisation) -> QuerySet[Assignment]:
    """The organisation's assignments in the round, and those of its members in person."""
    members = Membership.objects.filter(organisation=organisation).values("user_id")
    return (
        Assignment.objects.filter(Q(organisation=organisation) | Q(reviewer__in=members), round=review_round)
        .select_related("reviewer", "organisation", "version__use_case__audience")
        .order_by("version__title", "pk")
    )


def round_assignment(review_round: ReviewRound, assignment_id: int) -> Assignment | None:
    return (
        Assignment.objects.filter(round=review_round, pk=assignment_id)
        .select_related("reviewer", "organisation", "version__use_case__audience")
        .first()
    )


def active_person(email: str):
    """The active account with this email address (any letter case), or None."""
    return get_user_model().objects.filter(email__iexact=email.strip(), is_active=True).first()
