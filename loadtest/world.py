"""The data `make load` runs on, in its throwaway database: the benchmark's synthetic round
(matrix.benchmarks.data: N use-case versions, each with 20 submitted reviews on 4 principles, its
matrix computed and analysed), then the people of the run: reviewers with their own use cases of
that round still to review, an analyst, an admin and people for the trivial page, each with a
session made before the measured part (as drills.world does). And the checks after the run."""

from dataclasses import dataclass

from django.contrib.auth.models import Group
from django.db import connection
from django.urls import reverse

from bold_portal.roles import ADMINS, ANALYSTS
from drills.world import signed_in
from matrix.benchmarks.data import SyntheticData
from matrix.models import MatrixCell
from matrix.selectors.cells import stale_round_ids
from matrix.services.recompute import matrix_recompute
from reviews.models import (
    Assignment,
    GroupProgressCount,
    ProgressHeader,
    Review,
    ReviewerItem,
    ReviewRound,
    RoundProgressCount,
    Verdict,
    VersionProgressCount,
    VersionProgressOrder,
)
from reviews.selectors.progress_counts import progress_being_updated
from reviews.services.progress_counts import progress_counts_refresh
from tests.factories import make_organisation, make_reviewer, make_user


@dataclass
class LoadWorld:
    document: dict  # what the locustfile and the saturation steps read
    round_id: int
    reviewer_ids: list[int]


def _person(port: int, user) -> dict:
    browser = signed_in(port, user)
    return {"id": user.pk, "session": browser.cookie.split(";")[0].split("=", 1)[1], "csrf": browser.csrf}


def _targets(review_round, versions) -> list[dict]:
    return [
        {
            "version": v.pk,
            "form": reverse("reviews:review", args=[review_round.slug, v.use_case.slug, v.number]),
            "summary": reverse("matrix:version_summary", args=[review_round.slug, v.use_case.slug, v.number]),
        }
        for v in versions
    ]


# The saturation part's own reviewers are at least this many, so that its arrivals are spread over
# several people as a round's reviewers would be.
SATURATION_REVIEWERS = 4


def build(
    *, port: int, versions: int, reviews: int, reviewers: int, baseline_people: int, saturation_arrivals: int
) -> LoadWorld:
    """The round and the run's people. The steady part's reviewers share the round's versions out
    between them; the saturation part has reviewers of its own, each given every version, enough of
    them for saturation_arrivals submits (each a person's first of a version): until 7 December 2026
    it took the steady reviewers' unused versions and ran out of them at 14 a second on a 2,000-version
    round before the submits had saturated."""
    opts = {
        "part": "matrix",
        "sizes": [versions],
        "reviews": reviews,
        "principles": 4,
        "baseline": None,
        "other_size": 0,
        "repeat": 1,
    }
    bench = SyntheticData(connection).build(opts)[versions]
    review_round = bench.round
    principles = list(review_round.principles.order_by("order").values_list("slug", flat=True))
    round_versions = list(review_round.versions.select_related("use_case").order_by("pk"))
    organisation = make_organisation()
    people = [make_reviewer(organisation=organisation) for _ in range(reviewers)]
    each = len(round_versions) // reviewers
    assignments, targets = [], {}
    for index, person in enumerate(people):
        mine = round_versions[index * each : (index + 1) * each]
        assignments += [Assignment(round=review_round, version=v, reviewer=person) for v in mine]
        targets[person.pk] = _targets(review_round, mine)
    needed = -(-saturation_arrivals // len(round_versions))  # rounded up
    saturation_people = [
        make_reviewer(organisation=organisation) for _ in range(max(needed, SATURATION_REVIEWERS) if needed else 0)
    ]
    all_targets = _targets(review_round, round_versions)
    assignments += [
        Assignment(round=review_round, version=v, reviewer=p) for p in saturation_people for v in round_versions
    ]
    Assignment.objects.bulk_create(assignments, batch_size=2000)
    # As the assignment services' refresh would: the stored counts and My reviews' items count the
    # run's people from the start (until 7 December 2026 they did not, so each version's first
    # refresh in the run added them, and the people's sums covered only the versions refreshed).
    progress_counts_refresh(round_id=review_round.pk)
    analyst, admin = make_user(), make_user()
    analyst.groups.add(Group.objects.get(name=ANALYSTS))
    admin.groups.add(Group.objects.get(name=ADMINS))
    baseline = [make_user() for _ in range(baseline_people)]
    for person in baseline:
        person.groups.add(Group.objects.get(name=ANALYSTS))
    # Arrival by arrival, the next person in turn, each starting at their own point of the round:
    # neighbouring arrivals are different people reviewing different versions.
    count = len(all_targets)
    starts = [index * count // len(saturation_people) for index in range(len(saturation_people))]
    saturation_order = [
        [index, all_targets[(start + step) % count]] for step in range(count) for index, start in enumerate(starts)
    ][:saturation_arrivals]
    document = {
        "principles": principles,
        "reviewers": [{**_person(port, p), "targets": targets[p.pk]} for p in people],
        "saturation_reviewers": [_person(port, p) for p in saturation_people],
        "saturation_order": saturation_order,
        "analyst": _person(port, analyst),
        "admin": _person(port, admin),
        "baseline": [_person(port, p) for p in baseline],
        "matrix": reverse("matrix:round_matrix", args=[review_round.slug]),
        "dashboard": reverse("rounds:progress", args=[review_round.slug]),
        "trivial": reverse("home"),
    }
    return LoadWorld(
        document=document, round_id=review_round.pk, reviewer_ids=[p.pk for p in [*people, *saturation_people]]
    )


def is_current(round_id: int) -> bool:
    return round_id not in stale_round_ids()


def progress_current(round_id: int) -> bool:
    return not progress_being_updated(round_id)


def progress_refreshes(round_id: int) -> int:
    """How many times the round's progress counts were refreshed after their first count: one per
    submit, unless submits waited together for one refresh (docs/architecture.md, "Progress counts")."""
    return ProgressHeader.objects.values_list("refreshes", flat=True).get(round_id=round_id)


@dataclass(frozen=True)
class Check:
    told: int  # submits the portal confirmed
    stored: int  # the run's reviewers' submitted reviews in the database
    missing: int  # confirmed, but not stored as confirmed
    unexpected: int  # stored, but never confirmed
    cells_changed_by_a_fresh_recompute: int
    cells: int
    progress_rows_changed_by_a_fresh_refresh: int
    progress_rows: int

    @property
    def passed(self) -> bool:
        return not (
            self.missing
            or self.unexpected
            or self.cells_changed_by_a_fresh_recompute
            or self.progress_rows_changed_by_a_fresh_refresh
        )


PROGRESS_MODELS = (VersionProgressCount, GroupProgressCount, RoundProgressCount, ReviewerItem, VersionProgressOrder)


def progress_rows(round_id: int) -> set[tuple]:
    """Every stored progress row of the round (the counts, the groups' and round's sums, My reviews'
    items, the dashboard's order), without their keys, which a refresh may renumber."""
    rows = set()
    for model in PROGRESS_MODELS:
        fields = [field.attname for field in model._meta.concrete_fields if not field.primary_key]
        rows |= {(model.__name__, *values) for values in model.objects.filter(round_id=round_id).values_list(*fields)}
    return rows


def check(*, world: LoadWorld, told: list[dict]) -> Check:
    """The database holds exactly the verdicts the clients were told were saved (every submitted
    review of the run's reviewers, verdict by verdict), and the stored matrix equals a fresh
    recompute of the whole round (its rule's version moved on, so every cell is counted again and
    compared; none may change), and the stored progress counts equal a fresh refresh of the whole
    round (the refreshes after the run's changes, some counted together, left nothing behind)."""
    expected = {
        (record["reviewer"], record["version"], slug, verdict)
        for record in told
        for slug, verdict in record["verdicts"].items()
    }
    stored = set(
        Verdict.objects.filter(
            review__round_id=world.round_id,
            review__reviewer_id__in=world.reviewer_ids,
            review__status=Review.Status.SUBMITTED,
        ).values_list("review__reviewer_id", "review__version_id", "principle__slug", "verdict")
    )
    submitted = Review.objects.filter(
        round_id=world.round_id, reviewer_id__in=world.reviewer_ids, status=Review.Status.SUBMITTED
    ).count()
    before = set(
        MatrixCell.objects.filter(round_id=world.round_id).values_list(
            "version_id", "principle_id", "meets", "does_not_meet", "not_sure", "outcome"
        )
    )
    review_round = ReviewRound.objects.get(pk=world.round_id)
    ReviewRound.objects.filter(pk=review_round.pk).update(rule_version=review_round.rule_version + 1)
    result = matrix_recompute(round_id=world.round_id)
    after = set(
        MatrixCell.objects.filter(round_id=world.round_id).values_list(
            "version_id", "principle_id", "meets", "does_not_meet", "not_sure", "outcome"
        )
    )
    progress_before = progress_rows(world.round_id)
    progress_counts_refresh(round_id=world.round_id)
    progress_after = progress_rows(world.round_id)
    return Check(
        told=len(told),
        stored=submitted,
        missing=len(expected - stored),
        unexpected=len(stored - expected),
        cells_changed_by_a_fresh_recompute=max(result.cells_written, len(before ^ after)),
        cells=len(after),
        progress_rows_changed_by_a_fresh_refresh=len(progress_before ^ progress_after),
        progress_rows=len(progress_after),
    )
