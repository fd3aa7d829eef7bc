"""The matrix part of the benchmark (`bench_matrix --part matrix`): one submit's recompute, the
reviewer's summary page and a full recompute against the bare aggregate, in each synthetic round,
and the plans of the recompute's statement on PostgreSQL (docs/performance.md)."""

import statistics
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import CommandError
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import F
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings

from matrix.benchmarks.data import BenchRound, SyntheticData
from matrix.models import MatrixCell, MatrixRow
from matrix.services.recompute import CHANGED_CELLS_MARK, matrix_recompute
from reviews.models import Review, ReviewRound, RoundVersion, Verdict

# The bare aggregate a full recompute is compared with: the same counts, nothing stored.
BARE_AGGREGATE_SQL = """
    SELECT r.version_id, v.principle_id,
        SUM(CASE WHEN v.verdict = 'meets' THEN 1 ELSE 0 END),
        SUM(CASE WHEN v.verdict = 'does_not_meet' THEN 1 ELSE 0 END),
        SUM(CASE WHEN v.verdict = 'not_sure' THEN 1 ELSE 0 END)
    FROM {verdict} v JOIN {review} r ON r.id = v.review_id
    WHERE r.round_id = %s AND r.status = 'submitted'
    GROUP BY 1, 2
"""


@dataclass
class Timings:
    queries: int = 0
    seconds: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)


@dataclass
class SizeResult:
    size: int
    recompute: Timings
    recompute_baseline: Timings
    page: Timings
    page_baseline: Timings
    full: Timings
    first: Timings
    bare: Timings
    bare_serial: Timings
    cells_match: bool


def timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def count_queries(action: Callable[[], object]) -> int:
    with CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as captured:
        action()
    return len(captured)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.1f}"


class MatrixBenchmark:
    """Measures the synthetic rounds of data, writing its table and plans to stdout."""

    def __init__(self, data: SyntheticData, *, repeat: int, stdout):
        self.data = data
        self.connection = data.connection
        self.is_postgres = data.is_postgres
        self.repeat = repeat
        self.stdout = stdout

    def run(self, rounds: dict[int, "BenchRound"], opts):
        client = None
        try:
            with (
                warnings.catch_warnings(),
                override_settings(
                    ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"],
                    SECURE_SSL_REDIRECT=False,
                    STORAGES={
                        **settings.STORAGES,
                        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
                    },
                ),
            ):
                # WhiteNoise warns once that collectstatic has not run; the page does not need it.
                warnings.filterwarnings("ignore", message="No directory at")
                client = Client()
                client.force_login(get_user_model().objects.get(pk=self.data.user_ids[0]))
                results = self.measure(client, rounds, opts)
                self.report(results, opts)
                if self.is_postgres:
                    self.explain(rounds[max(opts["sizes"])])
        finally:
            if client is not None:
                client.logout()

    def submit_change(self, bench: BenchRound):
        """What a submit does to the matrix's inputs: one verdict changes and the version's change
        counter goes up (reviews.services.version_reviews_changed), here without queuing a task."""
        Verdict.objects.filter(pk=bench.flip_verdict_id).update(verdict=self._flipped(bench.flip_verdict_id))
        RoundVersion.objects.filter(round=bench.round, version=bench.version).update(change_count=F("change_count") + 1)

    def _flipped(self, verdict_id: int) -> str:
        current = Verdict.objects.filter(pk=verdict_id).values_list("verdict", flat=True).get()
        return Verdict.Choice.DOES_NOT_MEET if current == Verdict.Choice.MEETS else Verdict.Choice.MEETS

    def recompute_once(self, bench: BenchRound, *, count: bool = False) -> float | int:
        """One submit's recompute: the time it took, or with count its number of queries."""
        self.submit_change(bench)
        round_id, version_id = bench.round.pk, bench.version.pk
        result = None

        def run():
            nonlocal result
            result = matrix_recompute(round_id=round_id, version_ids=[version_id])

        measured = count_queries(run) if count else timed(run)
        if result is None or result.rows_claimed != 1 or result.cells_written < 1:
            raise CommandError(f"The recompute of one version did not write its cells: {result}.")
        return measured

    def page_once(self, client: Client, bench: BenchRound, *, count: bool = False) -> float | int:
        """One GET of the reviewer's summary page: the time it took, or with count its number of queries."""
        response = None

        def run():
            nonlocal response
            response = client.get(bench.url)

        measured = count_queries(run) if count else timed(run)
        if response.status_code != 200 or b"data-outcome=" not in response.content:
            raise CommandError(f"The summary page {bench.url} answered {response.status_code}, not the summary.")
        return measured

    def bump_rule(self, bench: BenchRound):
        ReviewRound.objects.filter(pk=bench.round.pk).update(rule_version=F("rule_version") + 1)

    def drop_rows(self, bench: BenchRound):
        MatrixCell.objects.filter(round=bench.round).delete()
        MatrixRow.objects.filter(round=bench.round).delete()

    def full_once(self, bench: BenchRound) -> float:
        self.bump_rule(bench)
        return timed(lambda: matrix_recompute(round_id=bench.round.pk))

    def first_once(self, bench: BenchRound) -> float:
        self.drop_rows(bench)
        return timed(lambda: matrix_recompute(round_id=bench.round.pk))

    def bare_sql(self) -> str:
        return BARE_AGGREGATE_SQL.format(verdict=Verdict._meta.db_table, review=Review._meta.db_table)

    def bare_rows(self, bench: BenchRound) -> list[tuple]:
        with self.connection.cursor() as cursor:
            cursor.execute(self.bare_sql(), [bench.round.pk])
            return cursor.fetchall()

    def bare_once(self, bench: BenchRound) -> float:
        return timed(lambda: self.bare_rows(bench))

    def bare_serial_once(self, bench: BenchRound) -> float:
        """The bare aggregate in one process, as the recompute's INSERT ... SELECT runs: PostgreSQL
        plans no parallel workers for a statement that writes."""
        with transaction.atomic():
            if self.is_postgres:
                with self.connection.cursor() as cursor:
                    cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
            return timed(lambda: self.bare_rows(bench))

    def cells_match(self, bench: BenchRound) -> bool:
        stored = {
            (c["version_id"], c["principle_id"]): (c["meets"], c["does_not_meet"], c["not_sure"])
            for c in MatrixCell.objects.filter(round=bench.round).values(
                "version_id", "principle_id", "meets", "does_not_meet", "not_sure"
            )
        }
        counted = {(row[0], row[1]): tuple(int(n) for n in row[2:]) for row in self.bare_rows(bench)}
        return stored == counted

    def measure(self, client: Client, rounds: dict[int, BenchRound], opts) -> list[SizeResult]:
        baseline = rounds[opts["baseline"]]
        # Warm up: the first request and the first statements of a connection pay one-off costs.
        for bench in rounds.values():
            self.page_once(client, bench)
            self.recompute_once(bench)
        results = []
        for size in [opts["baseline"], *(s for s in opts["sizes"] if s != opts["baseline"])]:
            bench = rounds[size]
            result = SizeResult(size, *(Timings() for _ in range(8)), cells_match=False)
            result.recompute.queries = self.recompute_once(bench, count=True)
            result.recompute_baseline.queries = self.recompute_once(baseline, count=True)
            result.page.queries = self.page_once(client, bench, count=True)
            result.page_baseline.queries = self.page_once(client, baseline, count=True)
            for _ in range(self.repeat):
                result.recompute_baseline.seconds.append(self.recompute_once(baseline))
                result.recompute.seconds.append(self.recompute_once(bench))
            for _ in range(self.repeat):
                result.page_baseline.seconds.append(self.page_once(client, baseline))
                result.page.seconds.append(self.page_once(client, bench))
            for _ in range(self.repeat):
                result.full.seconds.append(self.full_once(bench))
                result.bare.seconds.append(self.bare_once(bench))
                result.bare_serial.seconds.append(self.bare_serial_once(bench))
                result.first.seconds.append(self.first_once(bench))
            result.cells_match = self.cells_match(bench)
            results.append(result)
            self.stdout.write(f"  measured {size:,} use-case versions", ending="\n")
            self.stdout.flush()
        return results

    def report(self, results: list[SizeResult], opts):
        per_version = opts["reviews"] * opts["principles"]
        baseline = opts["baseline"]
        header = (
            f"{'versions':>8} {'verdicts':>9} | {'(a) submit recompute':^26} | {'(b) summary page':^26} | "
            f"{'(c) full recompute vs bare SQL':^66}"
        )
        header2 = (
            f"{'':>8} {'':>9} | {'q':>3} {'ms':>8} {'base ms':>7} {'x base':>6} | "
            f"{'q':>3} {'ms':>8} {'base ms':>7} {'x base':>6} | "
            f"{'full ms':>9} {'empty ms':>9} {'bare ms':>9} {'x bare':>6} {'empty x':>7} "
            f"{'serial ms':>9} {'x serial':>8} {'ok':>3}"
        )
        self.stdout.write("")
        self.stdout.write(header)
        self.stdout.write(header2)
        self.stdout.write("-" * len(header2))
        for r in results:
            self.stdout.write(
                f"{r.size:>8,} {r.size * per_version:>9,} | "
                f"{r.recompute.queries:>3} {ms(r.recompute.median):>8} {ms(r.recompute_baseline.median):>7} "
                f"{r.recompute.median / r.recompute_baseline.median:>6.2f} | "
                f"{r.page.queries:>3} {ms(r.page.median):>8} {ms(r.page_baseline.median):>7} "
                f"{r.page.median / r.page_baseline.median:>6.2f} | "
                f"{ms(r.full.median):>9} {ms(r.first.median):>9} {ms(r.bare.median):>9} "
                f"{r.full.median / r.bare.median:>6.2f} {r.first.median / r.bare.median:>7.2f} "
                f"{ms(r.bare_serial.median):>9} {r.full.median / r.bare_serial.median:>8.2f} "
                f"{'yes' if r.cells_match else 'NO':>3}"
            )
        self.stdout.write(
            f"(a) matrix_recompute(round_id, version_ids=[version_id]) after one verdict changed and the "
            f"change counter went up; "
            f"(b) GET of the summary page by a signed-in assigned reviewer who submitted; both as a ratio "
            f"('x base') to the same thing in the {baseline:,}-version round, measured interleaved with it. "
            f"(c) matrix_recompute(round_id) after the rule_version was bumped ('full') and after the round's rows "
            f"and cells were deleted ('empty'), as a ratio to the bare aggregate SQL fetched in full, as PostgreSQL "
            f"plans it ('x bare', parallel workers allowed) and in one process ('x serial', as a statement that "
            f"writes runs); 'ok': the stored cells equal the bare aggregate."
        )
        if not self.is_postgres:
            self.stdout.write(f"NOT THE RECORDED FIGURES ({self.connection.vendor}, not PostgreSQL).")

    def explain(self, bench: BenchRound):
        """EXPLAIN (ANALYZE, BUFFERS) of the statement matrix_recompute runs to find the changed
        cells, for one version and for the whole round, and of the bare aggregate, at the largest size."""
        plans: list[list[str]] = []

        def explain_cells(execute, sql, params, many, context):
            if not sql.lstrip().startswith(CHANGED_CELLS_MARK):
                return execute(sql, params, many, context)
            result = execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params, many, context)
            plans.append([row[0] for row in context["cursor"].fetchall()])
            return result

        sections = []
        self.submit_change(bench)
        with self.connection.execute_wrapper(explain_cells):
            matrix_recompute(round_id=bench.round.pk, version_ids=[bench.version.pk])
        sections.append(("the changed-cells statement for one version (after a submit)", plans[-1]))
        self.bump_rule(bench)
        with self.connection.execute_wrapper(explain_cells):
            matrix_recompute(round_id=bench.round.pk)
        sections.append(("the changed-cells statement for the whole round (rule_version bumped)", plans[-1]))
        with self.connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {self.bare_sql()}", [bench.round.pk])
            sections.append(("the bare aggregate", [row[0] for row in cursor.fetchall()]))
        for title, plan in sections:
            self.stdout.write(f"\nEXPLAIN (ANALYZE, BUFFERS) of {title}, {bench.size:,} versions:")
            self.stdout.write("\n".join(plan))
            self.stdout.write(f"Verdicts read by: {self._verdict_access(plan)}")

    def _verdict_access(self, plan: list[str]) -> str:
        table = Verdict._meta.db_table
        found = [
            line.strip().removeprefix("->").strip().split("  (")[0]
            for line in plan
            if f" on {table}" in line and "Scan" in line
        ]
        return "; ".join(found) or "no scan of the verdict table"
