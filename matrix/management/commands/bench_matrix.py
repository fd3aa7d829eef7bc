"""Measure the principle matrix (stored as rows) at growing round sizes, on synthetic data that
is deleted afterwards (docs/performance.md). Three parts:

- `--part matrix` (the default): one submit's recompute, the reviewer's summary page and a full
  recompute against the bare aggregate. The recorded figures are PostgreSQL's; on any other
  database the command still runs, for the test suite, and says its figures are not those.
- `--part submit`: a reviewer's submit through review_save on the embedded default (SQLite,
  Celery eager), in rounds of 200 and 2,000 use-case versions by default (matrix.benchmarks.submit).
- `--part pages`: every page of a round (reviewer, organisation lead, admin, analyst, API) at
  2,000 and 10,000 use-case versions by default against the same page at 12
  (matrix.benchmarks.pages_part).
- `--part exports`: every export format of rounds of 12, 2,000 and 10,000 versions by default, each
  made in a process of its own (its time and peak memory) against PostgreSQL writing the same data
  (matrix.benchmarks.exports_part); PostgreSQL only.

The measuring lives in matrix.benchmarks: options, data (building and deleting the synthetic
rounds), matrix_part, submit and pages_part.
"""

import logging
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor

from matrix.benchmarks.data import SyntheticData
from matrix.benchmarks.exports_part import ExportsBenchmark
from matrix.benchmarks.matrix_part import MatrixBenchmark
from matrix.benchmarks.options import banner, bench_options, check_submit_setting
from matrix.benchmarks.pages_part import PagesBenchmark
from matrix.benchmarks.submit import run_submit


class Command(BaseCommand):
    help = (
        "Build synthetic review rounds of the given sizes (plus a round of other data), then measure. "
        "--part matrix (the default; with a 12-version baseline round): time one submit's recompute, the "
        "reviewer's summary page and a full recompute against the bare aggregate SQL; its recorded figures "
        "(docs/performance.md) are PostgreSQL's: run it with DATABASE_URL=postgres://... "
        "--part pages: time every page of a round, for each role, against the same page of the baseline round, "
        "with its query count and bytes. "
        "--part exports: make every export format of each round in a process of its own (time, peak memory) "
        "against PostgreSQL writing the same data; PostgreSQL only. "
        "--part submit: time a reviewer's submit through review_save with Celery eager, as `make run` has "
        "it, in each round, and compare the largest with the smallest; its recorded figures are SQLite's. "
        "The synthetic data is deleted at the end (a submit's audit rows stay: the trail is append-only)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--part", default="matrix", help="What to measure: matrix (the default), pages, submit or exports."
        )
        parser.add_argument(
            "--sizes",
            default=None,
            help="Use-case versions per measured round, comma-separated "
            "(default: 200,2000,10000 for the matrix part, 2000,10000 for the pages and exports parts, "
            "200,2000 for the submit part).",
        )
        parser.add_argument("--reviews", default="20", help="Submitted reviews of every version (one per reviewer).")
        parser.add_argument("--principles", default="4", help="Principles of every round.")
        parser.add_argument(
            "--baseline",
            default=None,
            help="Versions of the baseline round every ratio of the matrix and pages parts refers to (default 12).",
        )
        parser.add_argument(
            "--other-size",
            default=None,
            help="Versions of a further round of other data, never measured (default: the largest size; 0 for none).",
        )
        parser.add_argument("--repeat", default="5", help="Timed runs per measurement; the median is shown.")

    def handle(self, *args, **options):
        opts = bench_options(options)
        connection = connections[DEFAULT_DB_ALIAS]
        executor = MigrationExecutor(connection)
        if executor.migration_plan(executor.loader.graph.leaf_nodes()):
            raise CommandError("The database has unapplied migrations. Run `make migrate` first.")
        if opts["part"] == "submit":
            check_submit_setting(connection)
        if opts["part"] == "exports" and connection.vendor != "postgresql":
            raise CommandError(
                "--part exports compares each export with PostgreSQL writing the same data (COPY ... TO STDOUT): "
                "run it with DATABASE_URL=postgres://... on a throwaway database."
            )
        data = SyntheticData(connection)

        self.stdout.write(banner(opts, connection))
        # Every recompute logs a line and every sign-in an axes line: thousands of them here; an
        # eager task logs a line too, and the first one kombu's warning that there is no broker.
        noisy = ("matrix.services", "axes", "celery.app.trace", "kombu.connection")
        quiet = {name: logging.getLogger(name) for name in noisy}
        levels = {name: logger.level for name, logger in quiet.items()}
        for logger in quiet.values():
            logger.setLevel(logging.ERROR)
        try:
            started = time.perf_counter()
            rounds = data.build(opts)
            self.stdout.write(
                f"Built {sum(r.size for r in rounds.values()) + opts['other_size']:,} round versions "
                f"({data.verdicts_in_database():,} verdicts in the database) in {time.perf_counter() - started:.1f} s."
            )
            if opts["part"] == "submit":
                run_submit(data, rounds, opts, repeat=opts["repeat"], stdout=self.stdout)
            elif opts["part"] == "exports":
                ExportsBenchmark(data, repeat=opts["repeat"], stdout=self.stdout).run(rounds, opts)
            elif opts["part"] == "pages":
                PagesBenchmark(data, repeat=opts["repeat"], stdout=self.stdout).run(rounds, opts)
            else:
                MatrixBenchmark(data, repeat=opts["repeat"], stdout=self.stdout).run(rounds, opts)
        finally:
            started = time.perf_counter()
            data.clean_up()
            self.stdout.write(f"Synthetic data deleted in {time.perf_counter() - started:.1f} s.")
            if data.kept_user_ids:
                kept_for = "closed the rounds" if opts["part"] == "pages" else "submitted"
                self.stdout.write(
                    f"Kept: the synthetic account that {kept_for}, without its roles, and its "
                    f"{data.kept_audit_rows():,} audit rows (the audit trail is "
                    "append-only; `make bench` runs on throwaway databases)."
                )
            for name, logger in quiet.items():
                logger.setLevel(levels[name])
