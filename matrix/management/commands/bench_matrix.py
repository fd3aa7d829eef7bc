"""Measure the principle matrix (stored as rows) at growing round sizes, on synthetic data that
is deleted afterwards (docs/performance.md). Two parts:

- `--part matrix` (the default): one submit's recompute, the reviewer's summary page and a full
  recompute against the bare aggregate. The recorded figures are PostgreSQL's; on any other
  database the command still runs, for the test suite, and says its figures are not those.
- `--part submit`: a reviewer's submit through review_save on the embedded default (SQLite,
  Celery eager), in rounds of 200 and 2,000 use-case versions by default (matrix.submit_benchmark).
"""

import logging
import secrets
import statistics
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.models import F
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse
from django.utils import timezone

from audiences.models import Audience
from bold_portal.celery import app as celery_app
from matrix.models import Matrix, MatrixAgreement, MatrixCell, MatrixRow
from matrix.services.recompute import CHANGED_CELLS_MARK, matrix_recompute
from matrix.submit_benchmark import measure_submits, submit_report
from principles.models import Principle
from reviews.models import Assignment, Review, ReviewRound, RoundVersion, Verdict
from usecases.models import UseCase, UseCaseVersion

AUDIENCES = 4
MAX_SIZE = 100_000
PARTS = ("matrix", "submit")
DEFAULT_SIZES = {"matrix": "200,2000,10000", "submit": "200,2000"}
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
class BenchRound:
    """A synthetic round, and the version whose reviewer's page and recompute are measured."""

    round: ReviewRound
    size: int
    version: UseCaseVersion
    flip_verdict_id: int
    url: str


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


class Command(BaseCommand):
    help = (
        "Build synthetic review rounds of the given sizes (plus a round of other data), then measure. "
        "--part matrix (the default; with a 12-version baseline round): time one submit's recompute, the "
        "reviewer's summary page and a full recompute against the bare aggregate SQL; its recorded figures "
        "(docs/performance.md) are PostgreSQL's: run it with DATABASE_URL=postgres://... "
        "--part submit: time a reviewer's submit through review_save with Celery eager, as `make run` has "
        "it, in each round, and compare the largest with the smallest; its recorded figures are SQLite's. "
        "The synthetic data is deleted at the end (a submit's audit rows stay: the trail is append-only)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--part", default="matrix", help="What to measure: matrix (the default) or submit.")
        parser.add_argument(
            "--sizes",
            default=None,
            help="Use-case versions per measured round, comma-separated "
            "(default: 200,2000,10000 for the matrix part, 200,2000 for the submit part).",
        )
        parser.add_argument("--reviews", default="20", help="Submitted reviews of every version (one per reviewer).")
        parser.add_argument("--principles", default="4", help="Principles of every round.")
        parser.add_argument(
            "--baseline",
            default=None,
            help="Versions of the baseline round every ratio of the matrix part refers to (default 12).",
        )
        parser.add_argument(
            "--other-size",
            default=None,
            help="Versions of a further round of other data, never measured (default: the largest size; 0 for none).",
        )
        parser.add_argument("--repeat", default="5", help="Timed runs per measurement; the median is shown.")

    # Options ---------------------------------------------------------------------------------

    def _whole(self, name: str, value, *, low: int, high: int) -> int:
        try:
            number = int(str(value).replace("_", ""))
        except ValueError:
            raise CommandError(f"--{name} must be a whole number, not {value!r}.") from None
        if not low <= number <= high:
            raise CommandError(f"--{name} must be between {low:,} and {high:,}, not {number:,}.")
        return number

    def _options(self, options) -> dict:
        part = str(options["part"])
        if part not in PARTS:
            raise CommandError(f"--part must be matrix or submit, not {part!r}.")
        if part == "submit" and options["baseline"] is not None:
            raise CommandError(
                "--baseline applies to the matrix part only: the submit part compares its sizes with the smallest."
            )
        raw_sizes = str(options["sizes"] or DEFAULT_SIZES[part])
        try:
            sizes = [int(part.strip().replace("_", "")) for part in raw_sizes.split(",")]
        except ValueError:
            raise CommandError(
                f"--sizes must be whole numbers separated by commas, such as 200,2000, not {raw_sizes!r}."
            ) from None
        if any(not 1 <= size <= MAX_SIZE for size in sizes):
            raise CommandError(f"--sizes must each be between 1 and {MAX_SIZE:,}, not {raw_sizes!r}.")
        if len(set(sizes)) != len(sizes):
            raise CommandError(f"--sizes must not repeat a size: {raw_sizes!r}.")
        if part == "submit" and len(sizes) < 2:
            raise CommandError(
                f"--sizes must give at least two sizes for the submit part, such as 200,2000, not {raw_sizes!r}: "
                "it compares the largest round with the smallest."
            )
        other = options["other_size"]
        return {
            "part": part,
            "sizes": sorted(sizes),
            "reviews": self._whole("reviews", options["reviews"], low=1, high=200),
            "principles": self._whole("principles", options["principles"], low=1, high=20),
            "baseline": None
            if part == "submit"
            else self._whole("baseline", options["baseline"] or 12, low=1, high=MAX_SIZE),
            "other_size": max(sizes) if other is None else self._whole("other-size", other, low=0, high=MAX_SIZE),
            "repeat": self._whole("repeat", options["repeat"], low=1, high=100),
        }

    # Main ------------------------------------------------------------------------------------

    def handle(self, *args, **options):
        opts = self._options(options)
        self.connection = connections[DEFAULT_DB_ALIAS]
        executor = MigrationExecutor(self.connection)
        if executor.migration_plan(executor.loader.graph.leaf_nodes()):
            raise CommandError("The database has unapplied migrations. Run `make migrate` first.")
        self.is_postgres = self.connection.vendor == "postgresql"
        if opts["part"] == "submit":
            self._check_submit_setting()
        self.repeat = opts["repeat"]
        self.token = f"bench-{secrets.token_hex(4)}"
        self.round_ids: list[int] = []
        self.version_ids: list[int] = []
        self.use_case_ids: list[int] = []
        self.audience_ids: list[int] = []
        self.principle_ids: list[int] = []
        self.user_ids: list[int] = []
        self.emails: list[str] = []
        # Accounts with audit rows, which are never deleted (the audit trail is append-only).
        self.kept_user_ids: list[int] = []

        self.stdout.write(self._banner(opts))
        # Every recompute logs a line and every sign-in an axes line: thousands of them here; an
        # eager task logs a line too, and the first one kombu's warning that there is no broker.
        noisy = ("matrix.services", "axes", "celery.app.trace", "kombu.connection")
        quiet = {name: logging.getLogger(name) for name in noisy}
        levels = {name: logger.level for name, logger in quiet.items()}
        for logger in quiet.values():
            logger.setLevel(logging.ERROR)
        try:
            started = time.perf_counter()
            rounds = self.build(opts)
            self.stdout.write(
                f"Built {sum(r.size for r in rounds.values()) + opts['other_size']:,} round versions "
                f"({self._verdicts_in_database():,} verdicts in the database) in {time.perf_counter() - started:.1f} s."
            )
            if opts["part"] == "submit":
                self.run_submit(rounds, opts)
            else:
                self.run_matrix(rounds, opts)
        finally:
            started = time.perf_counter()
            self.clean_up()
            self.stdout.write(f"Synthetic data deleted in {time.perf_counter() - started:.1f} s.")
            if self.kept_user_ids:
                self.stdout.write(
                    f"Kept: the synthetic account that submitted and its {self._kept_audit_rows():,} audit rows "
                    "(the audit trail is append-only; `make bench` runs this part on a throwaway database)."
                )
            for name, logger in quiet.items():
                logger.setLevel(levels[name])

    def _check_submit_setting(self):
        """The submit part measures the embedded default: tasks run eagerly, in the submitting
        process. Its submits leave audit rows, so it never runs on `make run`'s own database."""
        if not celery_app.conf.task_always_eager:
            raise CommandError(
                "--part submit measures the embedded default, where Celery runs tasks in the submitting process: "
                "unset CELERY_BROKER_URL (`make bench` does)."
            )
        local = settings.BASE_DIR / "db.sqlite3"
        name = str(self.connection.settings_dict["NAME"])
        if self.connection.vendor == "sqlite" and name and Path(name).resolve() == local.resolve():
            raise CommandError(
                f"--part submit never runs on the local database {local.name}: its submits leave audit rows, which "
                "cannot be deleted. `make bench` runs it on a throwaway SQLite file; or set "
                "DATABASE_URL=sqlite:////tmp/<throwaway>.sqlite3 and run `manage.py migrate` first."
            )

    def _kept_audit_rows(self) -> int:
        from bold_portal.models import AuditEvent

        return AuditEvent.objects.filter(actor_id__in=self.kept_user_ids).count()

    def run_submit(self, rounds: dict[int, "BenchRound"], opts):
        reviewer = get_user_model().objects.get(pk=self.user_ids[0])
        self.kept_user_ids = [reviewer.pk]
        results = measure_submits(
            {size: (bench.round, bench.version) for size, bench in sorted(rounds.items())},
            reviewer=reviewer,
            repeat=self.repeat,
        )
        self.stdout.write("")
        for line in submit_report(results, verdicts_per_version=opts["reviews"] * opts["principles"]):
            self.stdout.write(line)
        if self.connection.vendor != "sqlite":
            self.stdout.write(f"NOT THE RECORDED FIGURES ({self.connection.vendor}, not SQLite).")

    def run_matrix(self, rounds: dict[int, "BenchRound"], opts):
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
                client.force_login(get_user_model().objects.get(pk=self.user_ids[0]))
                results = self.measure(client, rounds, opts)
                self.report(results, opts)
                if self.is_postgres:
                    self.explain(rounds[max(opts["sizes"])])
        finally:
            if client is not None:
                client.logout()

    def _banner(self, opts) -> str:
        if self.is_postgres:
            with self.connection.cursor() as cursor:
                cursor.execute("SHOW server_version")
                server = f"PostgreSQL {cursor.fetchone()[0]}"
            label = f"Database: {server}, {self.connection.settings_dict['NAME']!r}."
        else:
            label = f"Database: {self.connection.vendor}."
            if self.connection.vendor == "sqlite":
                version = self.connection.Database.sqlite_version
                label = f"Database: SQLite {version}, {self.connection.settings_dict['NAME']!s}."
        if opts["part"] == "submit":
            label += " Celery eager: the tasks a submit queues run in the submitting process, as in `make run`."
            if self.connection.vendor != "sqlite":
                label += " NOT THE RECORDED FIGURES: docs/performance.md records this part on SQLite."
            measured = "each size's runs taking turns with the other sizes'"
            baseline = ""
        else:
            if not self.is_postgres:
                label += (
                    " NOT THE RECORDED FIGURES: docs/performance.md records PostgreSQL"
                    " (DATABASE_URL=postgres://... make bench); this run only shows the command works."
                )
            measured = "each size's runs interleaved with its baseline's"
            baseline = f"baseline {opts['baseline']:,}; "
        other = f"a round of {opts['other_size']:,} versions" if opts["other_size"] else "none"
        return (
            f"{label}\n"
            f"Rounds of {', '.join(f'{s:,}' for s in opts['sizes'])} use-case versions ({baseline}"
            f"other data: {other}), each version with {opts['reviews']} submitted reviews x {opts['principles']} "
            f"principles.\nTimes: median of {opts['repeat']} runs, {measured}."
        )

    # Building --------------------------------------------------------------------------------

    def build(self, opts) -> dict[int, BenchRound]:
        """The versions (shared by every round, as later rounds review the same use cases), the
        reviewers, then one round per size: every version assigned to and reviewed by every
        reviewer, and its matrix computed. Reviews, assignments and verdicts are written by
        INSERT ... SELECT in the database."""
        measured = [size for size in [opts["baseline"], *opts["sizes"]] if size is not None]
        largest = max(opts["other_size"], *measured)
        now = timezone.now()
        with transaction.atomic():
            audiences = Audience.objects.bulk_create(
                Audience(name=f"{self.token} audience {i}", slug=f"{self.token}-{i}", display_order=i)
                for i in range(AUDIENCES)
            )
            self.audience_ids = [a.pk for a in audiences]
            use_cases = UseCase.objects.bulk_create(
                (
                    UseCase(audience=audiences[i % AUDIENCES], slug=f"{self.token}-{i}", display_order=i % 30_000)
                    for i in range(largest)
                ),
                batch_size=2000,
            )
            self.use_case_ids = [u.pk for u in use_cases]
            versions = UseCaseVersion.objects.bulk_create(
                (
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
                ),
                batch_size=2000,
            )
            self.version_ids = [v.pk for v in versions]
            principles = Principle.objects.bulk_create(
                Principle(name=f"{self.token} {i}", slug=f"{self.token}-p{i}", order=i, question="Synthetic?")
                for i in range(opts["principles"])
            )
            self.principle_ids = [p.pk for p in principles]
            self.emails = [f"{self.token}-{i}@example.invalid" for i in range(opts["reviews"])]
            people = get_user_model().objects.bulk_create(
                get_user_model()(email=email, password="!") for email in self.emails
            )
            self.user_ids = [p.pk for p in people]

        rounds = {}
        if opts["other_size"]:
            self.build_round("other", versions[: opts["other_size"]], principles, now)
        for size in measured:
            if size not in rounds:
                rounds[size] = self.build_round(str(size), versions[:size], principles, now)
        self.analyze(vacuum=True)
        return rounds

    def build_round(self, name: str, versions, principles, now) -> BenchRound:
        t = {
            "review": Review._meta.db_table,
            "verdict": Verdict._meta.db_table,
            "assignment": Assignment._meta.db_table,
            "round_version": RoundVersion._meta.db_table,
            "round_principle": ReviewRound.principles.through._meta.db_table,
            "user": get_user_model()._meta.db_table,
        }
        stamp = self.connection.ops.adapt_datetimefield_value(now)
        users = ", ".join(str(pk) for pk in self.user_ids)
        with transaction.atomic():
            review_round = ReviewRound.objects.create(
                name=f"{self.token} {name}", slug=f"{self.token}-{name}", status=ReviewRound.Status.OPEN
            )
            self.round_ids.append(review_round.pk)
            review_round.principles.set(principles)
            RoundVersion.objects.bulk_create(
                (RoundVersion(round=review_round, version=version) for version in versions), batch_size=5000
            )
            with self.connection.cursor() as cursor:
                cursor.execute(
                    f"""
                    INSERT INTO {t["assignment"]} (round_id, version_id, reviewer_id, created_at)
                    SELECT rv.round_id, rv.version_id, u.id, %s
                    FROM {t["round_version"]} rv CROSS JOIN {t["user"]} u
                    WHERE rv.round_id = %s AND u.id IN ({users})
                    """,
                    [stamp, review_round.pk],
                )
                cursor.execute(
                    f"""
                    INSERT INTO {t["review"]} (round_id, version_id, reviewer_id, status, overall_comment,
                        lock_version, created_at, updated_at, submitted_at)
                    SELECT rv.round_id, rv.version_id, u.id, 'submitted', '', 1, %s, %s, %s
                    FROM {t["round_version"]} rv CROSS JOIN {t["user"]} u
                    WHERE rv.round_id = %s AND u.id IN ({users})
                    """,
                    [stamp, stamp, stamp, review_round.pk],
                )
                # Roughly the report's mix: six in ten meet, three do not, one is not sure.
                cursor.execute(
                    f"""
                    INSERT INTO {t["verdict"]} (review_id, principle_id, verdict, reason, evidence,
                        suggested_rewording)
                    SELECT r.id, rp.principle_id,
                        CASE WHEN (r.id * 7 + rp.principle_id * 3) %% 10 < 6 THEN 'meets'
                             WHEN (r.id * 7 + rp.principle_id * 3) %% 10 < 9 THEN 'does_not_meet'
                             ELSE 'not_sure' END,
                        'A synthetic reason.', '', ''
                    FROM {t["review"]} r JOIN {t["round_principle"]} rp ON rp.reviewround_id = r.round_id
                    WHERE r.round_id = %s
                    """,
                    [review_round.pk],
                )
        # Statistics first, as autovacuum would have them: planned on the empty tables' statistics,
        # the round's first recompute can take minutes (docs/performance.md, "Statistics").
        self.analyze(vacuum=False)
        matrix_recompute(round_id=review_round.pk)
        version = versions[len(versions) // 2]
        flip = Verdict.objects.filter(
            review__round=review_round, review__version=version, review__reviewer_id=self.user_ids[0]
        ).values_list("pk", flat=True)[:1]
        return BenchRound(
            round=review_round,
            size=len(versions),
            version=version,
            flip_verdict_id=flip[0],
            url=reverse("matrix:version_summary", args=[review_round.slug, version.use_case.slug, version.number]),
        )

    def analyze(self, *, vacuum: bool):
        """Planner statistics, and with vacuum the visibility map, as autovacuum keeps them on a
        live database (VACUUM cannot run inside a transaction: then only ANALYZE)."""
        if not self.is_postgres:
            return
        command = "VACUUM (ANALYZE)" if vacuum and not self.connection.in_atomic_block else "ANALYZE"
        tables = [
            m._meta.db_table
            for m in (Review, Verdict, Assignment, RoundVersion, MatrixRow, MatrixCell, UseCaseVersion, UseCase)
        ]
        with self.connection.cursor() as cursor:
            for table in tables:
                cursor.execute(f"{command} {table}")

    def _verdicts_in_database(self) -> int:
        return Verdict.objects.count()

    # Measuring -------------------------------------------------------------------------------

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
            result = matrix_recompute(round_id=round_id, version_id=version_id)

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

    # Reporting -------------------------------------------------------------------------------

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
            f"(a) matrix_recompute(round_id, version_id) after one verdict changed and the change counter went up; "
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
            matrix_recompute(round_id=bench.round.pk, version_id=bench.version.pk)
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

    # Cleaning up ------------------------------------------------------------------------------

    def clean_up(self):
        """Delete every row the benchmark made, children first, in one transaction."""
        rounds, versions = self.round_ids, self.version_ids
        with transaction.atomic(), self.connection.cursor() as cursor:

            def delete(model, column: str, ids: list[int]):
                table = model._meta.db_table
                for start in range(0, len(ids), 5000):
                    chunk = ids[start : start + 5000]
                    marks = ", ".join(["%s"] * len(chunk))
                    cursor.execute(f"DELETE FROM {table} WHERE {column} IN ({marks})", chunk)

            if rounds:
                marks = ", ".join(["%s"] * len(rounds))
                cursor.execute(
                    f"DELETE FROM {Verdict._meta.db_table} WHERE review_id IN "
                    f"(SELECT id FROM {Review._meta.db_table} WHERE round_id IN ({marks}))",
                    rounds,
                )
                cursor.execute(
                    f"DELETE FROM {MatrixAgreement._meta.db_table} WHERE matrix_id IN "
                    f"(SELECT id FROM {Matrix._meta.db_table} WHERE round_id IN ({marks}))",
                    rounds,
                )
            for model in (Review, Assignment, MatrixCell, MatrixRow, Matrix, RoundVersion):
                delete(model, "round_id", rounds)
            delete(ReviewRound.principles.through, "reviewround_id", rounds)
            delete(ReviewRound, "id", rounds)
            delete(UseCaseVersion, "id", versions)
            delete(UseCase, "id", self.use_case_ids)
            delete(Audience, "id", self.audience_ids)
            delete(Principle, "id", self.principle_ids)
            if self.emails:
                from axes.models import AccessLog

                AccessLog.objects.filter(username__in=self.emails).delete()
            delete(get_user_model(), "id", [pk for pk in self.user_ids if pk not in self.kept_user_ids])
