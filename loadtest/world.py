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
from reviews.models import Assignment, Review, ReviewRound, Verdict
from tests.factories import make_organisation, make_reviewer, make_user


@dataclass
class LoadWorld:
    document: dict  # what the locustfile and the saturation steps read
    round_id: int
    reviewer_ids: list[int]


def _person(port: int, user) -> dict:
    browser = signed_in(port, user)
    return {"id": user.pk, "session": browser.cookie.split(";")[0].split("=", 1)[1], "csrf": browser.csrf}


def build(*, port: int, versions: int, reviews: int, reviewers: int, baseline_people: int) -> LoadWorld:
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
        targets[person.pk] = [
            {
                "version": v.pk,
                "form": reverse("reviews:review", args=[review_round.slug, v.use_case.slug, v.number]),
                "summary": reverse("matrix:version_summary", args=[review_round.slug, v.use_case.slug, v.number]),
            }
            for v in mine
        ]
    Assignment.objects.bulk_create(assignments, batch_size=2000)
    analyst, admin = make_user(), make_user()
    analyst.groups.add(Group.objects.get(name=ANALYSTS))
    admin.groups.add(Group.objects.get(name=ADMINS))
    baseline = [make_user() for _ in range(baseline_people)]
    for person in baseline:
        person.groups.add(Group.objects.get(name=ANALYSTS))
    document = {
        "principles": principles,
        "reviewers": [{**_person(port, p), "targets": targets[p.pk]} for p in people],
        "analyst": _person(port, analyst),
        "admin": _person(port, admin),
        "baseline": [_person(port, p) for p in baseline],
        "matrix": reverse("matrix:round_matrix", args=[review_round.slug]),
        "dashboard": reverse("rounds:progress", args=[review_round.slug]),
        "trivial": reverse("home"),
    }
    return LoadWorld(document=document, round_id=review_round.pk, reviewer_ids=[p.pk for p in people])


def is_current(round_id: int) -> bool:
    return round_id not in stale_round_ids()


@dataclass(frozen=True)
class Check:
    told: int  # submits the portal confirmed
    stored: int  # the run's reviewers' submitted reviews in the database
    missing: int  # confirmed, but not stored as confirmed
    unexpected: int  # stored, but never confirmed
    cells_changed_by_a_fresh_recompute: int
    cells: int

    @property
    def passed(self) -> bool:
        return not self.missing and not self.unexpected and not self.cells_changed_by_a_fresh_recompute


def check(*, world: LoadWorld, told: list[dict]) -> Check:
    """The database holds exactly the verdicts the clients were told were saved (every submitted
    review of the run's reviewers, verdict by verdict), and the stored matrix equals a fresh
    recompute of the whole round (its rule's version moved on, so every cell is counted again and
    compared; none may change)."""
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
    return Check(
        told=len(told),
        stored=submitted,
        missing=len(expected - stored),
        unexpected=len(stored - expected),
        cells_changed_by_a_fresh_recompute=max(result.cells_written, len(before ^ after)),
        cells=len(after),
    )
