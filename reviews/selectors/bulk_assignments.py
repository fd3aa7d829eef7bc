"""Read queries for giving use cases in bulk (docs/admin-rounds.md): the grid of a
round's use cases by organisation, a page at a time, and the round's usual due date."""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Count, Exists, OuterRef, QuerySet

from audiences.models import Membership, Organisation
from reviews.models import Assignment, ReviewRound
from usecases.models import UseCaseVersion

GRID_MAX_VERSIONS_PER_PAGE = 25
# A page of the grid posts one checkbox per cell; it stays well under Django's
# DATA_UPLOAD_MAX_NUMBER_FIELDS (1,000) with the form's few other fields.
GRID_MAX_CELLS = 900


@dataclass(frozen=True)
class GridOrganisation:
    pk: int
    name: str
    has_member: bool


def grid_organisations() -> list[GridOrganisation]:
    """Every organisation, by name, and whether it has an active member to review."""
    active = Membership.objects.filter(organisation=OuterRef("pk"), user__is_active=True)
    return [
        GridOrganisation(pk=pk, name=name, has_member=has_member)
        for pk, name, has_member in Organisation.objects.annotate(has_member=Exists(active))
        .order_by("name", "pk")
        .values_list("pk", "name", "has_member")
    ]


def grid_versions_per_page(organisations: int) -> int:
    return max(1, min(GRID_MAX_VERSIONS_PER_PAGE, GRID_MAX_CELLS // max(1, organisations)))


def grid_versions(review_round: ReviewRound) -> QuerySet[UseCaseVersion]:
    return (
        UseCaseVersion.objects.filter(round_versions__round=review_round)
        .select_related("use_case__audience")
        .order_by("use_case__audience__display_order", "title", "pk")
    )


def grid_pairs(review_round: ReviewRound, version_ids) -> set[tuple[int, int]]:
    """The (version, organisation) pairs of the round among these versions."""
    return set(
        Assignment.objects.filter(round=review_round, version__in=version_ids, organisation__isnull=False).values_list(
            "version_id", "organisation_id"
        )
    )


def round_due_date(review_round: ReviewRound):
    """The round's due date: the one most of its assignments have (the earliest of a tie), or its
    closing date before any has one."""
    usual = (
        Assignment.objects.filter(round=review_round, due_on__isnull=False)
        .values("due_on")
        .annotate(n=Count("pk"))
        .order_by("-n", "due_on")
        .first()
    )
    return usual["due_on"] if usual else review_round.closes_on


def organisations_without_version(review_round: ReviewRound, version: UseCaseVersion) -> QuerySet[Organisation]:
    """The organisations that do not have this use case version in the round yet, by name."""
    given = Assignment.objects.filter(round=review_round, version=version, organisation__isnull=False)
    return Organisation.objects.exclude(pk__in=given.values("organisation_id")).order_by("name")


@dataclass(frozen=True)
class PlannedRow:
    line: int
    use_case: str
    number: int
    recipient: str
    due_on: object


def planned_rows(planned) -> list[PlannedRow]:
    """The preview of a checked file: each planned assignment in words. Three queries."""
    versions = {
        v.pk: v
        for v in UseCaseVersion.objects.filter(pk__in={p.version_id for p in planned}).only("pk", "title", "number")
    }
    organisations = dict(
        Organisation.objects.filter(pk__in={p.organisation_id for p in planned}).values_list("pk", "name")
    )
    people = dict(get_user_model().objects.filter(pk__in={p.reviewer_id for p in planned}).values_list("pk", "email"))
    return [
        PlannedRow(
            line=p.line,
            use_case=versions[p.version_id].title,
            number=versions[p.version_id].number,
            recipient=organisations.get(p.organisation_id) or people.get(p.reviewer_id, ""),
            due_on=p.due_on,
        )
        for p in planned
    ]
