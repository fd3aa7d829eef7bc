"""The analysts' "why this cell" page: everything behind one cell of the matrix."""

from dataclasses import dataclass

from django.conf import settings

from matrix import disclosure
from matrix.models import MatrixCell
from matrix.selectors.cells import COUNT_KEYS, EMPTY_CELL, Cell, MatrixState, cell_from_row, matrix_state
from matrix.selectors.marks import round_marks
from matrix.wording import (
    cell_rule_in_words,
    fragility_in_words,
)
from principles.models import Principle
from reviews.models import Review, ReviewRound, RoundVersion, Verdict
from reviews.selectors.reviews import review_pseudonyms
from reviews.selectors.sections import UseCaseSection, principle_sections


@dataclass(frozen=True)
class CellVerdict:
    """One submitted verdict behind a cell, pseudonymised."""

    pseudonym: int
    verdict: str
    verdict_label: str
    reason: str
    evidence: str
    suggested_rewording: str
    # Carried forward unchanged from the reviewer's verdict on this earlier version (its number),
    # in that round (its name); None and "" for a verdict given on this version.
    carried_from_version: int | None = None
    carried_from_round: str = ""


@dataclass(frozen=True)
class CellDetail:
    review_round: ReviewRound
    audience_name: str
    use_case_slug: str
    number: int
    title: str
    principle: Principle
    cell: Cell
    rule_in_words: str
    # What one reviewer changing their mind would do: "would become a cross if ...".
    fragile: bool
    fragility_in_words: str
    verdicts: tuple[CellVerdict, ...]
    # Whether figures about groups of reviewers are published yet (the round has closed).
    groups_published: bool
    # The verdicts by the reviewers' organisation, one row per block of at least the anonymity
    # minimum (matrix.disclosure); None when the round is open or no such breakdown can be shown.
    organisation_groups: tuple[disclosure.OrganisationGroup, ...] | None
    anonymity_min_group: int
    state: MatrixState
    # Set when a review from an organisation that declared an interest counts here and the person
    # may see the mark (matrix.disclosure.interest_marks).
    declared_interest: disclosure.InterestMark | None = None
    # Set when the round's flag rule flags the cell for discussion.
    flag: disclosure.CellFlag | None = None
    audience_slug: str = ""
    # The outcomes one reviewer changing their mind would give (empty: not fragile).
    would_become: frozenset[str] = frozenset()
    # The use case's text that the principle asks about (Principle.reads_sections).
    sections: tuple[UseCaseSection, ...] = ()

    @property
    def audience(self) -> dict:
        """The use case's audience, as the API names one: slug and name."""
        return {"slug": self.audience_slug, "name": self.audience_name}


def cell_detail(
    *, review_round: ReviewRound, use_case_slug: str, number: int, principle_slug: str, for_admin: bool = False
) -> CellDetail | None:
    """Everything behind one cell: the stored outcome and counts, the rule in words, every
    submitted verdict, pseudonymised within the use case version, and what matrix.disclosure lets
    the person see about groups of its reviewers (for_admin: a programme admin). None if the round
    has no such version or principle. Seven queries while the round is open (eight for a programme
    admin), ten once it has closed, whatever the number of reviews."""
    principle = review_round.principles.filter(slug=principle_slug).first()
    round_version = (
        RoundVersion.objects.filter(round=review_round, version__use_case__slug=use_case_slug, version__number=number)
        .select_related("version__use_case__audience")
        .first()
    )
    if principle is None or round_version is None:
        return None
    version = round_version.version
    stored = (
        MatrixCell.objects.filter(round=review_round, version=version, principle=principle)
        .values("outcome", "carried", *COUNT_KEYS)
        .first()
    )
    cell = cell_from_row(stored) if stored else EMPTY_CELL
    would_become = cell.would_become(threshold=review_round.threshold, min_reviews=review_round.min_reviews)
    pseudonyms = review_pseudonyms(review_round, [version.pk])
    rows = (
        Verdict.objects.filter(
            review__round=review_round,
            review__version=version,
            review__status=Review.Status.SUBMITTED,
            principle=principle,
        )
        .exclude(verdict="")
        .values(
            "verdict",
            "reason",
            "evidence",
            "suggested_rewording",
            "review_id",
            "carried_from__review__version__number",
            "carried_from__review__round__name",
        )
    )
    labels = dict(Verdict.Choice.choices)
    verdicts = sorted(
        (
            CellVerdict(
                pseudonym=pseudonyms[row["review_id"]],
                verdict=row["verdict"],
                verdict_label=str(labels.get(row["verdict"], row["verdict"])),
                reason=row["reason"],
                evidence=row["evidence"],
                suggested_rewording=row["suggested_rewording"],
                carried_from_version=row["carried_from__review__version__number"],
                carried_from_round=row["carried_from__review__round__name"] or "",
            )
            for row in rows
        ),
        key=lambda v: v.pseudonym,
    )
    marks = round_marks(review_round, principle_ids=[principle.pk], version_ids=[version.pk], for_admin=for_admin)
    groups = marks.groups
    return CellDetail(
        review_round=review_round,
        audience_name=version.use_case.audience.name,
        use_case_slug=version.use_case.slug,
        number=version.number,
        title=version.title,
        principle=principle,
        cell=cell,
        rule_in_words=cell_rule_in_words(cell, threshold=review_round.threshold, min_reviews=review_round.min_reviews),
        fragile=bool(would_become),
        fragility_in_words=fragility_in_words(would_become),
        verdicts=tuple(verdicts),
        groups_published=groups.published,
        organisation_groups=groups.of(version.pk).breakdown(principle.pk),
        anonymity_min_group=settings.ANONYMITY_MIN_GROUP,
        state=matrix_state(review_round, version_ids=[version.pk]),
        declared_interest=marks.interest(version.pk),
        flag=marks.flag(version.pk, principle.pk),
        audience_slug=version.use_case.audience.slug,
        would_become=would_become,
        sections=principle_sections(principle, version),
    )
