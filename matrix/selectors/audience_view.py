"""The matrix by reviewing audience.

Audiences overlap: an organisation can serve several, and its reviews count under each one. What
may be shown for an audience is decided by matrix.disclosure: its organisations' reviews of a
version are shown only as a whole number of the version's blocks, once the round has closed."""

from dataclasses import dataclass

from django.conf import settings
from django.core.paginator import Page, Paginator

from audiences.models import Audience
from matrix import disclosure
from matrix.selectors.cells import round_principles, round_version_rows
from matrix.selectors.marks import round_marks
from principles.models import Principle
from principles.rule import cell_outcome
from reviews.models import ReviewRound

AUDIENCE_VIEW_ROWS_PER_PAGE = 50


def reviewing_audience_choices() -> list[tuple[str, str]]:
    """Every audience an organisation serves, as (slug, name) choices in display order. One query."""
    return list(
        Audience.objects.filter(organisations__isnull=False)
        .distinct()
        .order_by("display_order", "name")
        .values_list("slug", "name")
    )


@dataclass(frozen=True)
class AudienceViewCell:
    principle: Principle
    # None when matrix.disclosure does not let the audience's reviews of this use case be shown:
    # then neither the counts nor an outcome are.
    counts: disclosure.GroupCounts | None
    outcome: str | None
    flag: disclosure.CellFlag | None


@dataclass(frozen=True)
class AudienceViewRow:
    audience_name: str  # the use case's own audience
    use_case_slug: str
    number: int
    title: str
    cells: tuple[AudienceViewCell, ...]


@dataclass(frozen=True)
class AudienceView:
    audience: Audience
    principles: tuple[Principle, ...]
    rows: tuple[AudienceViewRow, ...]
    page: Page
    min_group: int
    # Whether figures about groups of reviewers are published yet (the round has closed).
    published: bool


def audience_view(review_round: ReviewRound, *, audience: Audience, page_number) -> AudienceView:
    """A page of the round's use cases (in matrix order) with, per principle, the verdicts from
    reviews whose organisation serves the audience and the outcome the round's rule gives them, as
    far as matrix.disclosure lets them be shown, and each cell's flag for discussion. Three queries
    while the round is open (principles, the page's count and rows), six once it has closed (the
    groups of reviewers, the audience's organisations, the flag audiences' organisations), whatever
    the number of use cases or reviews."""
    principles = tuple(round_principles(review_round))
    page = Paginator(round_version_rows(review_round), AUDIENCE_VIEW_ROWS_PER_PAGE).get_page(page_number)
    rows = list(page.object_list)
    marks = round_marks(
        review_round,
        principle_ids=[p.pk for p in principles],
        version_ids=[row["version_id"] for row in rows],
        interests=False,  # this page shows flags, not declared-interest marks
    )
    groups = marks.groups
    serving = (
        disclosure.serving_organisations(Audience.objects.filter(pk=audience.pk)).get(audience.name, frozenset())
        if groups.published
        else frozenset()
    )

    def view_cell(version_id: int, principle: Principle) -> AudienceViewCell:
        counts = groups.of(version_id).union_counts(serving, principle.pk)
        flag = marks.flag(version_id, principle.pk)
        if counts is None:
            return AudienceViewCell(principle=principle, counts=None, outcome=None, flag=flag)
        outcome = cell_outcome(
            meets=counts.meets,
            does_not_meet=counts.does_not_meet,
            not_sure=counts.not_sure,
            threshold=review_round.threshold,
            min_reviews=review_round.min_reviews,
        )
        return AudienceViewCell(principle=principle, counts=counts, outcome=outcome, flag=flag)

    return AudienceView(
        audience=audience,
        principles=principles,
        rows=tuple(
            AudienceViewRow(
                audience_name=row["version__use_case__audience__name"],
                use_case_slug=row["version__use_case__slug"],
                number=row["version__number"],
                title=row["version__title"],
                cells=tuple(view_cell(row["version_id"], p) for p in principles),
            )
            for row in rows
        ),
        page=page,
        min_group=settings.ANONYMITY_MIN_GROUP,
        published=groups.published,
    )
