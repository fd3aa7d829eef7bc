"""The submit benchmark of `make bench` (docs/performance.md): how long a reviewer's submit takes
on the embedded default (SQLite, Celery eager, so the tasks queued after its commit run inside
it), in rounds of different sizes built by the bench_matrix command. A submit must not wait for
work whose cost grows with the round: the largest round's median is compared with the smallest's."""

import dataclasses
import statistics
import time
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Subquery
from django.test.utils import CaptureQueriesContext

from matrix.benchmarks.data import BenchRound, SyntheticData
from matrix.models import MatrixRow
from reviews.models import Review, ReviewRound, RoundVersion, Verdict
from reviews.services.reviews import VerdictInput, review_save
from usecases.models import UseCaseVersion

# The target: a submit into the largest round takes at most this many times one into the smallest.
TARGET_RATIO = 1.5


@dataclass
class SubmitTimings:
    size: int
    queries: int = 0
    seconds: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)


def submit_once(*, review_round: ReviewRound, version: UseCaseVersion, reviewer, count: bool = False) -> float | int:
    """The reviewer changes one verdict of their submitted review of the version and submits it
    again through review_save, in autocommit as a request does, so everything queued after its
    commit (in eager mode, run there and then) is inside the measurement. Returns the time it
    took, or with count its number of queries; checks that the version's matrix row caught up."""
    review = Review.objects.filter(round=review_round, version=version, reviewer=reviewer).values("pk", "lock_version")
    review = review.get()
    verdicts = [
        VerdictInput(principle_id=v["principle_id"], verdict=v["verdict"], reason=v["reason"])
        for v in Verdict.objects.filter(review_id=review["pk"])
        .order_by("principle_id")
        .values("principle_id", "verdict", "reason")
    ]
    flipped = Verdict.Choice.DOES_NOT_MEET if verdicts[0].verdict == Verdict.Choice.MEETS else Verdict.Choice.MEETS
    verdicts[0] = dataclasses.replace(verdicts[0], verdict=flipped)

    def run():
        review_save(
            reviewer=reviewer,
            review_round=review_round,
            version=version,
            verdicts=verdicts,
            overall_comment="",
            expected_lock_version=review["lock_version"],
            submit=True,
        )

    if count:
        with CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as captured:
            run()
        measured = len(captured)
    else:
        started = time.perf_counter()
        run()
        measured = time.perf_counter() - started
    change_count = RoundVersion.objects.filter(round=review_round, version=version).values("change_count")
    if not MatrixRow.objects.filter(
        round=review_round, version=version, change_count__gte=Subquery(change_count)
    ).exists():
        raise CommandError(
            "The submit did not recompute its use case's matrix row: this benchmark measures the embedded "
            "default, where tasks run in the submitting process (CELERY_BROKER_URL unset)."
        )
    return measured


def measure_submits(rounds: dict[int, tuple[ReviewRound, UseCaseVersion]], *, reviewer, repeat: int):
    """Per size: one untimed submit to warm up, one to count queries, then `repeat` timed ones,
    the sizes taking turns so that other work on the machine slows them alike."""
    results = {size: SubmitTimings(size) for size in rounds}
    for size, (review_round, version) in rounds.items():
        submit_once(review_round=review_round, version=version, reviewer=reviewer)
        results[size].queries = submit_once(review_round=review_round, version=version, reviewer=reviewer, count=True)
    for _ in range(repeat):
        for size, (review_round, version) in rounds.items():
            results[size].seconds.append(submit_once(review_round=review_round, version=version, reviewer=reviewer))
    return list(results.values())


def submit_report(results: list[SubmitTimings], *, verdicts_per_version: int) -> list[str]:
    smallest = results[0]
    lines = [
        f"{'versions':>8} {'verdicts':>9} | {'q':>3} {'submit ms':>9} {'min ms':>8} {'max ms':>8} "
        f"{'x ' + format(smallest.size, ','):>8}",
        "-" * 62,
    ]
    for r in results:
        lines.append(
            f"{r.size:>8,} {r.size * verdicts_per_version:>9,} | {r.queries:>3} {r.median * 1000:>9,.1f} "
            f"{min(r.seconds) * 1000:>8,.1f} {max(r.seconds) * 1000:>8,.1f} {r.median / smallest.median:>8.2f}"
        )
    ratio = results[-1].median / smallest.median
    lines.append(
        f"A submit into {results[-1].size:,} use-case versions takes {ratio:.2f} times one into {smallest.size:,} "
        f"(median against median; target: at most {TARGET_RATIO}): {'met' if ratio <= TARGET_RATIO else 'NOT MET'}."
    )
    lines.append(
        "'submit ms': review_save of one reviewer changing one verdict of their submitted review, with what runs "
        "after its commit; 'q': its queries, from one further, untimed submit."
    )
    return lines


def run_submit(data: SyntheticData, rounds: dict[int, BenchRound], opts, *, repeat: int, stdout) -> None:
    """Time the submits in each round and write the report; the submitting account and its audit
    rows are kept (data.kept_user_ids)."""
    reviewer = get_user_model().objects.get(pk=data.user_ids[0])
    data.kept_user_ids = [reviewer.pk]
    results = measure_submits(
        {size: (bench.round, bench.version) for size, bench in sorted(rounds.items())},
        reviewer=reviewer,
        repeat=repeat,
    )
    stdout.write("")
    for line in submit_report(results, verdicts_per_version=opts["reviews"] * opts["principles"]):
        stdout.write(line)
    if data.connection.vendor != "sqlite":
        stdout.write(f"NOT THE RECORDED FIGURES ({data.connection.vendor}, not SQLite).")
