"""Read queries about declared interests (docs/declined-and-interests.md): the admins' and the
leads' lists, and the use cases to choose from when declaring one."""

from django.db.models import Case, OuterRef, Q, QuerySet, Subquery, When

from audiences.models import Organisation
from reviews.models import Assignment, DeclaredInterest, Review, ReviewRound
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


def standing_interest_exists(organisation: Organisation, use_case: UseCase) -> bool:
    return DeclaredInterest.objects.standing().filter(organisation=organisation, use_case=use_case).exists()


def use_case_choices() -> QuerySet[UseCase]:
    """Every use case with its latest version's title (use_case_title), for choosing one."""
    latest = UseCaseVersion.objects.filter(use_case=OuterRef("pk")).order_by("-number").values("title")[:1]
    return (
        UseCase.objects.select_related("audience")
        .annotate(use_case_title=Subquery(latest))
        .order_by("audience__display_order", "display_order", "slug")
    )


def assignments_removed_by_declaring(organisation: Organisation, use_case: UseCase) -> QuerySet[Assignment]:
    """What declaring an interest would take away: the use case's assignments of the organisation
    and of its members in person, in rounds that have not closed; with their round, version and
    person (one query), by round then use case version."""
    return (
        Assignment.objects.filter(
            Q(organisation=organisation) | Q(reviewer__memberships__organisation=organisation),
            version__use_case=use_case,
            round__status__in=[ReviewRound.Status.DRAFT, ReviewRound.Status.OPEN],
        )
        .select_related("round", "version", "reviewer", "organisation")
        .distinct()
        .order_by("round__name", "version__number", "pk")
    )


def interest_counted(interest: DeclaredInterest) -> bool:
    """Whether a submitted review by the organisation, or by one of its members, of the use case
    was counted in a closed round: withdrawing the declaration would then take its mark off a
    closed round's results, so only an admin may, with a reason."""
    organisation_id = interest.organisation_id
    return Review.objects.filter(
        Q(organisation_id=organisation_id) | Q(reviewer__memberships__organisation_id=organisation_id),
        version__use_case_id=interest.use_case_id,
        status=Review.Status.SUBMITTED,
        round__status=ReviewRound.Status.CLOSED,
    ).exists()
