"""The anonymity rule: the one place that decides which counts about groups of reviewers analysts
may read (docs/analysts.md, "The anonymity rule"). Every page, export and API answer that shows a
count about some of a use case version's reviewers (by organisation, by reviewing audience, a flag
for discussion, a declared-interest mark) asks this module, and shows only what it returns.

The rule, for each use case version of a round:

- Figures about groups are published once the round has closed, never while reviews still come
  in: the totals of every cell are live, so the moment a review arrives its verdicts are known,
  and any group figure that moved with it would say which group its reviewer belongs to.
- The version's reviewing organisations are split into blocks of at least k reviewers
  (settings.ANONYMITY_MIN_GROUP): an organisation with k or more is a block of its own, named; the
  others (and reviews with no organisation recorded) are pooled as "other organisations"; a pool
  of fewer than k takes in the smallest named block. Fewer than k reviewers in all: no blocks.
- A count about a group of the version's reviewers is shown only when the group is a whole number
  of blocks (a union of blocks, at least one). So every figure shown is a sum of block figures,
  and subtracting one from another gives only sums of blocks: each small organisation stays mixed
  with another organisation in its block, whatever is added or subtracted.
- A declared-interest mark is shown to analysts only once the round has closed, and only on a
  version reviewed by at least two organisations, so that it never points to one.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, F, Q

from audiences.models import Audience, Organisation
from matrix.wording import cell_flag_in_words
from reviews.models import DeclaredInterest, Review, ReviewRound, Verdict

# Reviews with no organisation recorded: pooled like a small organisation, never named, serving
# no audience.
NO_ORGANISATION = None


@dataclass(frozen=True)
class GroupCounts:
    """A group's verdicts on one cell; reviewers counts the group's reviews of the version."""

    reviewers: int
    meets: int = 0
    does_not_meet: int = 0
    not_sure: int = 0

    def __add__(self, other: "GroupCounts") -> "GroupCounts":
        return GroupCounts(
            reviewers=self.reviewers + other.reviewers,
            meets=self.meets + other.meets,
            does_not_meet=self.does_not_meet + other.does_not_meet,
            not_sure=self.not_sure + other.not_sure,
        )


@dataclass(frozen=True)
class OrganisationGroup:
    """One row of a cell's breakdown by organisation: a block. name is None for the block of
    "other organisations"."""

    name: str | None
    reviewers: int
    meets: int
    does_not_meet: int
    not_sure: int


def blocks_of(reviewers: Mapping, *, min_group: int, names: Mapping) -> tuple[frozenset, ...]:
    """A version's reviewing organisations (ids, NO_ORGANISATION for reviews without one) split
    into blocks of at least min_group reviewers, from each organisation's number of reviews: an
    organisation with min_group or more alone; the rest pooled; a pool below min_group takes in the
    smallest named block (fewest reviewers, then name). () when there are fewer than min_group in
    all. Named blocks come first, by name; the pool last."""
    if sum(reviewers.values()) < min_group:
        return ()
    named = sorted(
        (o for o, count in reviewers.items() if o is not NO_ORGANISATION and count >= min_group),
        key=lambda o: (reviewers[o], names[o], o),
    )
    pool = {o for o, count in reviewers.items() if count > 0 and o not in named}
    while pool and sum(reviewers[o] for o in pool) < min_group:
        pool.add(named.pop(0))
    blocks = [frozenset({o}) for o in sorted(named, key=lambda o: (names[o], o))]
    return (*blocks, frozenset(pool)) if pool else tuple(blocks)


@dataclass(frozen=True)
class Block:
    organisations: frozenset
    name: str | None  # the organisation's, for a block of one organisation
    reviewers: int
    counts: Mapping[int, GroupCounts]  # by principle id

    def on(self, principle_id: int) -> GroupCounts:
        return self.counts.get(principle_id, GroupCounts(reviewers=self.reviewers))


@dataclass(frozen=True)
class VersionGroups:
    """What may be shown about groups of one version's reviewers in a closed round: its blocks
    (none: fewer than k reviewers in all) and the organisations that reviewed it."""

    blocks: tuple[Block, ...] = ()
    organisations: frozenset = frozenset()

    def breakdown(self, principle_id: int) -> tuple[OrganisationGroup, ...] | None:
        """The cell's verdicts by organisation, one row per block; None with fewer than two blocks
        (one block would only repeat the cell's totals)."""
        if len(self.blocks) < 2:
            return None
        return tuple(
            OrganisationGroup(
                name=block.name,
                reviewers=block.reviewers,
                meets=(counts := block.on(principle_id)).meets,
                does_not_meet=counts.does_not_meet,
                not_sure=counts.not_sure,
            )
            for block in self.blocks
        )

    def union_counts(self, organisation_ids: Iterable[int], principle_id: int) -> GroupCounts | None:
        """The verdicts on a cell of the reviews from these organisations (such as those serving an
        audience), if they are a whole number of blocks, at least one; otherwise None."""
        wanted = frozenset(organisation_ids)
        chosen = [block for block in self.blocks if block.organisations & wanted]
        if not chosen or any(not block.organisations <= wanted for block in chosen):
            return None
        total = GroupCounts(reviewers=0)
        for block in chosen:
            total += block.on(principle_id)
        return total

    @property
    def reviewed_by_several_organisations(self) -> bool:
        return len(self.organisations - {NO_ORGANISATION}) >= 2


HIDDEN = VersionGroups()


@dataclass(frozen=True)
class RoundGroups:
    """Per version, what may be shown about its groups of reviewers. Nothing is published while the
    round is open (or in draft)."""

    published: bool
    versions: Mapping[int, VersionGroups] = field(default_factory=dict)

    def of(self, version_id: int) -> VersionGroups:
        return self.versions.get(version_id, HIDDEN)


def is_published(review_round: ReviewRound) -> bool:
    return review_round.status == ReviewRound.Status.CLOSED


def feedback_open_to_authors(review_round: ReviewRound, *, released: bool) -> bool:
    """Authors read what reviewers said about their use cases (the matrix row and every reason,
    pseudonymised) once the round has closed, or once a programme admin released it earlier."""
    return is_published(review_round) or (released and review_round.status == ReviewRound.Status.OPEN)


def round_groups(review_round: ReviewRound, version_ids: Iterable[int] | None = None) -> RoundGroups:
    """The blocks of the round's versions (of these versions; None: every version) with each
    block's counts per principle, from the submitted verdicts grouped by version, organisation,
    principle and verdict: one query, none while the round is open."""
    if not is_published(review_round):
        return RoundGroups(published=False)
    verdicts = Verdict.objects.filter(
        review__round=review_round,
        review__status=Review.Status.SUBMITTED,
        principle__in=review_round.principles.all(),
    )
    if version_ids is not None:
        verdicts = verdicts.filter(review__version_id__in=list(version_ids))
    rows = (
        verdicts.values("review__version_id", "review__organisation_id", "review__organisation__name", "principle_id")
        .annotate(
            # Blank verdicts included, so each principle counts every review of the group once.
            reviews=Count("pk"),
            meets=Count("pk", filter=Q(verdict=Verdict.Choice.MEETS)),
            does_not_meet=Count("pk", filter=Q(verdict=Verdict.Choice.DOES_NOT_MEET)),
            not_sure=Count("pk", filter=Q(verdict=Verdict.Choice.NOT_SURE)),
        )
        .order_by()
    )
    # Per version: organisation -> its reviews of the version, its name, its counts by principle.
    reviews: dict[int, dict] = {}
    names: dict[int, dict] = {}
    counts: dict[int, dict] = {}
    for row in rows:
        version, organisation = row["review__version_id"], row["review__organisation_id"]
        reviews_of = reviews.setdefault(version, {})
        reviews_of[organisation] = max(reviews_of.get(organisation, 0), row["reviews"])
        names.setdefault(version, {})[organisation] = row["review__organisation__name"] or ""
        counts.setdefault(version, {})[(organisation, row["principle_id"])] = GroupCounts(
            reviewers=0, meets=row["meets"], does_not_meet=row["does_not_meet"], not_sure=row["not_sure"]
        )
    min_group = settings.ANONYMITY_MIN_GROUP
    versions = {}
    for version, by_organisation in reviews.items():
        blocks = []
        for organisations in blocks_of(by_organisation, min_group=min_group, names=names[version]):
            size = sum(by_organisation[o] for o in organisations)
            by_principle: dict[int, GroupCounts] = {}
            for (organisation, principle), group in counts[version].items():
                if organisation in organisations:
                    by_principle[principle] = by_principle.get(principle, GroupCounts(reviewers=size)) + group
            (first, *others) = organisations
            blocks.append(
                Block(
                    organisations=organisations,
                    name=None if others or first is NO_ORGANISATION else names[version][first],
                    reviewers=size,
                    counts=by_principle,
                )
            )
        versions[version] = VersionGroups(blocks=tuple(blocks), organisations=frozenset(by_organisation))
    return RoundGroups(published=True, versions=versions)


@dataclass(frozen=True)
class CellFlag:
    """A cell flagged for discussion under the round's flag rule: named are the flag audiences
    (names, in the audiences' order) whose organisations' reviewers of the version form whole blocks and of whom at
    least one said "does not meet" on the cell."""

    named: tuple[str, ...]

    @property
    def in_words(self) -> str:
        return cell_flag_in_words(self.named)


def serving_organisations(audiences) -> dict[str, frozenset]:
    """The organisations serving each of these audiences (a queryset), by audience name, in the
    audiences' order (the report's, or the order admins set). One query."""
    serving: dict[str, set] = {}
    links = Organisation.audiences.through.objects.filter(audience__in=audiences).order_by(
        "audience__display_order", "audience__name", "organisation_id"
    )
    for name, organisation in links.values_list("audience__name", "organisation_id"):
        serving.setdefault(name, set()).add(organisation)
    return {name: frozenset(organisations) for name, organisations in serving.items()}


def round_flags(review_round: ReviewRound, groups: RoundGroups, principle_ids: Iterable[int]) -> dict:
    """Per (version id, principle id), the flag of each flagged cell of the versions in groups;
    other cells are missing. A flag audience counts only where its organisations' reviewers of the
    version are a whole number of blocks, so a flag says nothing about a smaller group. One query
    (the flag audiences' organisations) once the round has closed, none before."""
    if not groups.published:
        return {}
    serving = serving_organisations(Audience.objects.filter(flagging_rounds=review_round))
    flags = {}
    for version_id, version in groups.versions.items():
        for principle_id in principle_ids:
            named = tuple(
                name
                for name, organisations in serving.items()
                if (counts := version.union_counts(organisations, principle_id)) and counts.does_not_meet
            )
            if named:
                flags[(version_id, principle_id)] = CellFlag(named=named)
    return flags


@dataclass(frozen=True)
class InterestMark:
    """A use case version whose cells include a review from an organisation that declared an
    interest in its use case. names: the organisations, for programme admins only (empty for
    analysts, and in exports)."""

    names: tuple[str, ...] = ()


def declared_interest_names(review_round: ReviewRound, version_ids=None) -> dict[int, tuple[str, ...]]:
    """Per version of the round, the organisations (names, sorted) that declared an interest in its
    use case (a standing declaration, overridden or not; for a closed round, one in force when it
    closed, even if withdrawn since) and one of whose members' submitted review counts in its
    cells (docs/declined-and-interests.md). One query whatever the number of use
    cases; version_ids limits it to a page."""
    via_reviews = "organisation__memberships__user__reviews"
    conditions = {
        f"{via_reviews}__round": review_round,
        f"{via_reviews}__status": Review.Status.SUBMITTED,
        f"{via_reviews}__version__use_case": F("use_case"),
    }
    if version_ids is not None:
        conditions[f"{via_reviews}__version_id__in"] = list(version_ids)
    # One filter() call, so that every condition is on the same review: a second call would join the
    # members' reviews again, and mark a version whenever a member reviewed it and the use case.
    if review_round.status == ReviewRound.Status.CLOSED and review_round.closed_at:
        # A closed round's marks are those as at its closing: the declarations in force then,
        # including one withdrawn since, and none declared after it closed.
        declarations = DeclaredInterest.objects.filter(
            Q(withdrawn_at__isnull=True) | Q(withdrawn_at__gt=review_round.closed_at),
            declared_at__lte=review_round.closed_at,
        )
    else:
        declarations = DeclaredInterest.objects.standing()
    interests = declarations.filter(**conditions)
    marks: dict[int, set[str]] = {}
    for version_id, name in interests.values_list(f"{via_reviews}__version_id", "organisation__name").distinct():
        marks.setdefault(version_id, set()).add(name)
    return {version_id: tuple(sorted(names)) for version_id, names in marks.items()}


def interest_marks(
    review_round: ReviewRound, groups: RoundGroups, version_ids=None, *, for_admin: bool
) -> dict[int, InterestMark]:
    """The declared-interest marks a person may see, by version. Programme admins, who keep the
    declarations, see every mark with the organisations' names, at any time. Analysts (and
    exports, shared files) see an unnamed mark only once the round has closed and only on a version
    reviewed by at least two organisations: a mark on a version only one organisation reviewed, or
    one that appeared the moment a review arrived, would point to that reviewer's organisation.
    One query (none for analysts while the round is open)."""
    if not (for_admin or groups.published):
        return {}
    names = declared_interest_names(review_round, version_ids)
    if for_admin:
        return {version_id: InterestMark(names=found) for version_id, found in names.items()}
    return {
        version_id: InterestMark() for version_id in names if groups.of(version_id).reviewed_by_several_organisations
    }
