"""Read queries for the programme admins' round pages (docs/admin-rounds.md): the rounds, their
settings and the use case versions to choose from. Every list is read one page at a time, and
every page makes the same number of queries whatever the size of the round."""

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery

from audiences.models import Audience, Membership, Organisation
from reviews.models import Assignment, Review, ReviewRound, RoundVersion
from usecases.models import UseCaseVersion
from usecases.readiness import Readiness, version_readiness

ROUNDS_PER_PAGE = 20
# One page of the version chooser posts one checkbox per version shown, well under Django's
# DATA_UPLOAD_MAX_NUMBER_FIELDS (1,000) with the few other fields of the form.
VERSIONS_PER_PAGE = 100


PROBLEM_VERSIONS_PER_PAGE = 50


def managed_rounds() -> QuerySet[ReviewRound]:
    """Every round, newest first, with how many versions and assignments it holds."""
    versions = RoundVersion.objects.filter(round=OuterRef("pk")).values("round").annotate(n=Count("pk")).values("n")
    assignments = Assignment.objects.filter(round=OuterRef("pk")).values("round").annotate(n=Count("pk")).values("n")
    return ReviewRound.objects.annotate(
        version_count=Subquery(versions), assignment_count=Subquery(assignments)
    ).order_by("-created_at", "-pk")


def managed_round(slug: str) -> ReviewRound | None:
    return ReviewRound.objects.filter(slug=slug).first()


def round_principle_names(review_round: ReviewRound) -> list[str]:
    return list(review_round.principles.order_by("order", "name").values_list("name", flat=True))


def flag_audience_names(review_round: ReviewRound) -> list[str]:
    """The names of the audiences whose "does not meet" flags the round's cells, in display order."""
    return list(review_round.flag_audiences.order_by("display_order", "name").values_list("name", flat=True))


def audiences() -> list[Audience]:
    return list(Audience.objects.order_by("display_order", "name"))


def organisations() -> QuerySet[Organisation]:
    return Organisation.objects.order_by("name")


def round_version_count(review_round: ReviewRound) -> int:
    return RoundVersion.objects.filter(round=review_round).count()


def candidate_versions(
    *, review_round: ReviewRound, audience: str = "", search: str = "", every_version: bool = False
) -> QuerySet[UseCaseVersion]:
    """Use case versions an admin may put in the round, filtered: by default the latest version of
    each use case; every_version shows earlier ones too. Each carries in_round."""
    versions = UseCaseVersion.objects.select_related("use_case__audience").annotate(
        in_round=Exists(RoundVersion.objects.filter(round=review_round, version=OuterRef("pk")))
    )
    if not every_version:
        latest = UseCaseVersion.objects.filter(use_case=OuterRef("use_case")).order_by("-number").values("number")[:1]
        versions = versions.filter(number=Subquery(latest))
    if audience:
        versions = versions.filter(use_case__audience__slug=audience)
    if search:
        versions = versions.filter(Q(title__icontains=search) | Q(use_case__slug__icontains=search))
    return versions.order_by("use_case__audience__display_order", "use_case__display_order", "use_case__slug", "number")


def round_version(review_round: ReviewRound, version_id: int) -> UseCaseVersion | None:
    return (
        UseCaseVersion.objects.select_related("use_case__audience")
        .filter(pk=version_id, round_versions__round=review_round)
        .first()
    )


def versions_without_assignment(review_round: ReviewRound) -> QuerySet[UseCaseVersion]:
    """The round's versions nobody has been given to review, by title."""
    return (
        UseCaseVersion.objects.filter(round_versions__round=review_round)
        .exclude(pk__in=Assignment.objects.filter(round=review_round).values("version_id"))
        .select_related("use_case__audience")
        .order_by("title", "pk")
    )


def draft_author_count(review_round: ReviewRound) -> int:
    """How many people have a draft, never submitted, in the round."""
    return (
        Review.objects.filter(round=review_round, status=Review.Status.DRAFT).values("reviewer_id").distinct().count()
    )


def round_slugs() -> list[str]:
    """Every round's slug, alphabetically, for pointing people at the right one."""
    return list(ReviewRound.objects.order_by("slug").values_list("slug", flat=True))


def organisations_without_reviewers(review_round: ReviewRound) -> list[tuple[str, bool, bool]]:
    """The organisations given a use case in the round that have no active member, or no active
    lead, by name: (name, has an active member, has an active lead). One query."""
    active = Membership.objects.filter(organisation=OuterRef("pk"), user__is_active=True)
    return list(
        Organisation.objects.filter(pk__in=Assignment.objects.filter(round=review_round).values("organisation_id"))
        .annotate(has_member=Exists(active), has_lead=Exists(active.filter(role=Membership.Role.LEAD)))
        .filter(Q(has_member=False) | Q(has_lead=False))
        .order_by("name", "pk")
        .values_list("name", "has_member", "has_lead")
    )


def versions_not_ready_to_add(
    review_round: ReviewRound, version_ids: list[int]
) -> list[tuple[UseCaseVersion, Readiness]]:
    """Of the versions about to be added (those not in the round yet), the ones whose readiness
    checklist is not done, each with its checklist: what an admin is warned of before adding them."""
    versions = (
        UseCaseVersion.objects.select_related("use_case__audience")
        .filter(pk__in=version_ids)
        .exclude(round_versions__round=review_round)
        .order_by("use_case__audience__display_order", "use_case__display_order", "number")
    )
    checked = version_readiness(versions)
    return [(version, checked[version.pk]) for version in versions if not checked[version.pk].ready]
