"""Measure the principle matrix at growing sizes, on synthetic data that is rolled back afterwards."""

import itertools
import random
import secrets
import time
import tracemalloc
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.migrations.executor import MigrationExecutor
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from audiences.models import Audience
from matrix.selectors import round_matrix
from matrix.services import matrix_snapshot_refresh
from principles.models import Principle
from reviews.models import Review, ReviewRound, Verdict
from usecases.models import UseCase, UseCaseVersion

AUDIENCES = 4
# Roughly the report's mix: most verdicts tick, some cross, a few unsure.
VERDICT_WEIGHTS = {Verdict.Choice.MEETS: 6, Verdict.Choice.DOES_NOT_MEET: 3, Verdict.Choice.NOT_SURE: 1}


@dataclass
class Measurement:
    queries: int
    seconds: float
    peak_bytes: int


def measure(action, *, repeat: int) -> Measurement:
    """Best wall time and its query count over repeat runs, then peak memory in one more traced run
    (tracing slows Python down, so it is kept out of the timed runs)."""
    connection = connections[DEFAULT_DB_ALIAS]
    best, queries = float("inf"), 0
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            action()
            elapsed = time.perf_counter() - started
        if elapsed < best:
            best, queries = elapsed, len(captured)
    tracemalloc.start()
    try:
        action()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return Measurement(queries=queries, seconds=best, peak_bytes=peak)


class Rollback(Exception):
    """Raised to roll back every row the benchmark created."""


class Command(BaseCommand):
    help = (
        "Build synthetic rounds of growing size in the current database, inside a transaction that is "
        "rolled back, and print the query count, wall time and peak memory of round_matrix and "
        "matrix_snapshot_refresh for each."
    )

    def add_arguments(self, parser):
        parser.add_argument("--sizes", default="12,120,1200", help="Use-case versions per round, comma-separated.")
        parser.add_argument("--principles", type=int, default=4)
        parser.add_argument("--reviewers", type=int, default=5, help="Submitted reviews of every version.")
        parser.add_argument("--repeat", type=int, default=3, help="Timed runs per measurement; the best is shown.")

    def handle(self, *args, sizes, principles, reviewers, repeat, **options):
        try:
            sizes = [int(size) for size in sizes.split(",")]
        except ValueError as error:
            raise CommandError(f"--sizes must be whole numbers separated by commas, not {sizes!r}.") from error
        if min(sizes) < 1 or principles < 1 or reviewers < 1 or repeat < 1:
            raise CommandError("--sizes, --principles, --reviewers and --repeat must all be at least 1.")
        connection = connections[DEFAULT_DB_ALIAS]
        executor = MigrationExecutor(connection)
        if executor.migration_plan(executor.loader.graph.leaf_nodes()):
            raise CommandError("The database has unapplied migrations. Run `make migrate` first.")

        self.stdout.write(
            f"Database: {connection.vendor}. {principles} principles x {reviewers} submitted reviews per version; "
            f"best of {repeat} runs; synthetic data rolled back at the end."
        )
        results = {}
        try:
            with transaction.atomic():
                for size in sizes:
                    review_round = self.build_round(size=size, principles=principles, reviewers=reviewers)
                    results[size] = (
                        measure(lambda r=review_round: round_matrix(r, computed_at=timezone.now()), repeat=repeat),
                        measure(lambda r=review_round: matrix_snapshot_refresh(round_id=r.pk), repeat=repeat),
                    )
                raise Rollback
        except Rollback:
            pass
        self.report(results, verdicts_per_version=principles * reviewers)

    def build_round(self, *, size: int, principles: int, reviewers: int) -> ReviewRound:
        token = secrets.token_hex(4)
        chooser = random.Random(size)
        now = timezone.now()
        audiences = Audience.objects.bulk_create(
            Audience(name=f"Bench {token} audience {i}", slug=f"bench-{token}-{i}", display_order=i)
            for i in range(AUDIENCES)
        )
        use_cases = UseCase.objects.bulk_create(
            UseCase(audience=audiences[i % AUDIENCES], slug=f"bench-{token}-{i}", display_order=i) for i in range(size)
        )
        versions = UseCaseVersion.objects.bulk_create(
            UseCaseVersion(
                use_case=use_case,
                number=1,
                title=f"Synthetic use case {i}",
                impact_statement="Synthetic.",
                research_questions="Synthetic?",
                data_flows=[{"information": "Synthetic", "from": "A", "to": "B"}],
                will_do="Synthetic",
                wont_do="Synthetic",
            )
            for i, use_case in enumerate(use_cases)
        )
        principle_rows = Principle.objects.bulk_create(
            Principle(name=f"Bench {token} {i}", slug=f"bench-{token}-{i}", order=i, question="?")
            for i in range(principles)
        )
        people = get_user_model().objects.bulk_create(
            get_user_model()(email=f"bench-{token}-{i}@example.invalid", password="!") for i in range(reviewers)
        )
        review_round = ReviewRound.objects.create(
            name=f"Bench {token}", slug=f"bench-{token}", status=ReviewRound.Status.OPEN
        )
        review_round.principles.set(principle_rows)
        review_round.versions.set(versions)
        reviews = Review.objects.bulk_create(
            Review(
                round=review_round,
                version=version,
                reviewer=person,
                status=Review.Status.SUBMITTED,
                submitted_at=now,
            )
            for version in versions
            for person in people
        )
        Verdict.objects.bulk_create(
            (
                Verdict(
                    review=review,
                    principle=principle,
                    verdict=chooser.choices(list(VERDICT_WEIGHTS), weights=list(VERDICT_WEIGHTS.values()))[0],
                    reason="Synthetic",
                )
                for review in reviews
                for principle in principle_rows
            ),
            batch_size=2000,
        )
        return review_round

    def report(self, results: dict, *, verdicts_per_version: int):
        header = (
            f"{'use cases':>9} {'verdicts':>9} | {'matrix q':>8} {'ms':>9} {'ms/case':>8} {'peak MiB':>8} | "
            f"{'refresh q':>9} {'ms':>9} {'ms/case':>8} {'peak MiB':>8}"
        )
        self.stdout.write(header)
        self.stdout.write("-" * len(header))
        for size, (matrix, refresh) in results.items():
            self.stdout.write(
                f"{size:>9,} {size * verdicts_per_version:>9,} | "
                f"{matrix.queries:>8} {matrix.seconds * 1000:>9.1f} {matrix.seconds * 1000 / size:>8.3f} "
                f"{matrix.peak_bytes / 2**20:>8.2f} | "
                f"{refresh.queries:>9} {refresh.seconds * 1000:>9.1f} {refresh.seconds * 1000 / size:>8.3f} "
                f"{refresh.peak_bytes / 2**20:>8.2f}"
            )
        for smaller, larger in itertools.pairwise(results):
            growth = larger / smaller
            matrix_ratio = results[larger][0].seconds / results[smaller][0].seconds
            refresh_ratio = results[larger][1].seconds / results[smaller][1].seconds
            self.stdout.write(
                f"{smaller:,} -> {larger:,} use cases ({growth:g}x): matrix time x{matrix_ratio:.1f} "
                f"(per use case x{matrix_ratio / growth:.2f}), refresh time x{refresh_ratio:.1f} "
                f"(per use case x{refresh_ratio / growth:.2f})"
            )
