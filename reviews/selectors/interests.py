"""Read queries about declared interests (docs/declined-and-interests.md): the admins' and the
leads' lists, and the use cases to choose from when declaring one."""

from django.db.models import Case, OuterRef, QuerySet, Subquery, When

from audiences.models import Organisation
from reviews.models import DeclaredInterest
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
