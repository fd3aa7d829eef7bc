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


INTERESTS_PER_PAGE = 50


def interests() -> QuerySet[DeclaredInterest]:
    """Every declaration, standing ones first, then the newest; with the use case's latest title."""
    latest = UseCaseVersion.objects.filter(use_case=OuterRef("use_case")).order_by("-number").values("title")[:1]
    return (
        DeclaredInterest.objects.select_related(
            "organisation", "use_case__audience", "declared_by", "overridden_by", "withdrawn_by"
        )
        .annotate(use_case_title=Subquery(latest))
        .order_by(Case(When(withdrawn_at__isnull=True, then=0), default=1), "-declared_at", "-pk")
    )


def organisation_interests(organisation: Organisation) -> QuerySet[DeclaredInterest]:
    return interests().filter(organisation=organisation)


def use_case_choices() -> QuerySet[UseCase]:
    """Every use case with its latest version's title (use_case_title), for choosing one."""
    latest = UseCaseVersion.objects.filter(use_case=OuterRef("pk")).order_by("-number").values("title")[:1]
    return (
        UseCase.objects.select_related("audience")
        .annotate(use_case_title=Subquery(latest))
        .order_by("audience__display_order", "display_order", "slug")
    )
