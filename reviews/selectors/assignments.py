"""Read queries for the programme admins' round pages (docs/admin-rounds.md). Every list is
read one page at a time, and every page makes the same number of queries whatever the size of
the round: counts come from grouped SQL, never from a query per row."""

import datetime
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Case, Count, Exists, OuterRef, Q, QuerySet, Subquery, When
from django.utils import timezone

from audiences.models import Audience, Membership, Organisation
from reviews.models import Assignment, AssignmentRequest, DeclaredInterest, Review, ReviewRound, RoundVersion
from usecases.models import UseCase, UseCaseVersion


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
