"""The exports part of the benchmark (`bench_matrix --part exports`): each export format of each
synthetic round, made as the export task makes it, in a process of its own (so that its peak
resident memory is its own), against PostgreSQL writing the same data with COPY ... TO STDOUT
into a file in the same run (docs/performance.md, "Exports")."""

import json
import os
import statistics
import subprocess  # nosec B404: runs this interpreter on the benchmark's own module, no shell
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.contrib.auth import get_user_model

from audiences.models import Audience
from matrix.benchmarks.data import BenchRound, SyntheticData
from matrix.models import MatrixCell
from matrix.wording import OUTCOME_SYMBOLS, outcome_words
from principles.models import Principle
from reviews.models import Review, ReviewRound, RoundVersion, Verdict
from usecases.models import UseCase, UseCaseVersion

# Bandit's findings are silenced by a nosec comment where each applies, saying why there: the SQL
# is built from the models' table names and integer ids only, and the subprocess is this
# interpreter running the benchmark's own module, without a shell.

# Each format, what PostgreSQL writes for the comparison ("matrix": one row per use case with each
# principle's outcome and counts; "workbook": that, then the Matrix sheet's table of cells in words,
# the two tables of the XLSX; "verdicts": one row per verdict, pseudonymised), and the most the
# export may take against it (None: not a target, shown for the record).
FORMATS = (
    ("csv", "matrix", 3),
    ("json", "matrix", 3),
    ("xlsx", "workbook", 5),
    ("verdicts-csv", "verdicts", 3),
    ("pdf", "matrix", None),
)
PEAK_MEMORY_LIMIT_MB = 300
MB = 1024  # the child reports its peak resident memory in kB


@dataclass
class ExportResult:
    size: int
    identifier: str
    seconds: float
    psql_seconds: float
    target: float | None
    started_mb: float
    peak_mb: float
    file_bytes: int
    note: str = ""

    @property
    def ratio(self) -> float:
        return self.seconds / self.psql_seconds if self.psql_seconds else float("inf")

    @property
    def within(self) -> bool:
        ratio_ok = self.target is None or self.ratio <= self.target
        return ratio_ok and self.peak_mb < PEAK_MEMORY_LIMIT_MB


def _tables() -> dict[str, str]:
    return {
        "audience": Audience._meta.db_table,
        "use_case": UseCase._meta.db_table,
        "version": UseCaseVersion._meta.db_table,
        "round_version": RoundVersion._meta.db_table,
        "cell": MatrixCell._meta.db_table,
        "review": Review._meta.db_table,
        "verdict": Verdict._meta.db_table,
        "principle": Principle._meta.db_table,
        "round": ReviewRound._meta.db_table,
        "user": get_user_model()._meta.db_table,
    }


def matrix_copy_sql(review_round: ReviewRound) -> str:
    """The CSV export's table in one statement: one row per use case in matrix order, each
    principle's outcome and three counts, and the round's columns."""
    t = _tables()
    round_id = int(review_round.pk)
    columns = []
    for principle_id, slug in review_round.principles.order_by("order", "name").values_list("pk", "slug"):
        for field in ("outcome", "meets", "does_not_meet", "not_sure"):
            columns.append(
                f'max(c.{field}) FILTER (WHERE c.principle_id = {int(principle_id)}) AS "{slug}_{field}"'  # nosec B608
            )
    return f"""
        SELECT a.slug AS audience, uc.slug AS use_case, v.title, v.number AS version, {", ".join(columns)},
            r.slug AS round, r.threshold, r.min_reviews
        FROM {t["round_version"]} rv
        JOIN {t["round"]} r ON r.id = rv.round_id
        JOIN {t["version"]} v ON v.id = rv.version_id
        JOIN {t["use_case"]} uc ON uc.id = v.use_case_id
        JOIN {t["audience"]} a ON a.id = uc.audience_id
        LEFT JOIN {t["cell"]} c ON c.round_id = rv.round_id AND c.version_id = rv.version_id
        WHERE rv.round_id = {round_id}
        GROUP BY a.display_order, a.name, a.slug, uc.display_order, uc.slug, v.number, v.title, r.slug,
            r.threshold, r.min_reviews
        ORDER BY a.display_order, a.name, uc.display_order, uc.slug, v.number
    """  # nosec B608: table names from the models, ids that are integers


def layout_copy_sql(review_round: ReviewRound) -> str:
    """The XLSX's Matrix sheet in one statement: per use case its title, version, each principle's
    cell as text ("✓ Meets (4 / 1 / 0)") and how many principles it meets."""
    t = _tables()
    round_id = int(review_round.pk)
    words = {outcome: f"{OUTCOME_SYMBOLS[outcome]} {outcome_words(outcome)}" for outcome in OUTCOME_SYMBOLS}
    case = "CASE c.outcome " + " ".join(f"WHEN '{key}' THEN '{value}'" for key, value in words.items()) + " END"
    columns = [
        f"max({case} || ' (' || c.meets || ' / ' || c.does_not_meet || ' / ' || c.not_sure || ')') "
        f"FILTER (WHERE c.principle_id = {int(principle_id)})"
        for principle_id in review_round.principles.order_by("order", "name").values_list("pk", flat=True)
    ]
    return f"""
        SELECT v.title, v.number, {", ".join(columns)}, count(*) FILTER (WHERE c.outcome = 'tick') AS met
        FROM {t["round_version"]} rv
        JOIN {t["version"]} v ON v.id = rv.version_id
        JOIN {t["use_case"]} uc ON uc.id = v.use_case_id
        JOIN {t["audience"]} a ON a.id = uc.audience_id
        LEFT JOIN {t["cell"]} c ON c.round_id = rv.round_id AND c.version_id = rv.version_id
        WHERE rv.round_id = {round_id}
        GROUP BY a.display_order, a.name, uc.display_order, uc.slug, v.number, v.title
        ORDER BY a.display_order, a.name, uc.display_order, uc.slug, v.number
    """  # nosec B608: table names from the models, ids that are integers


def verdicts_copy_sql(review_round: ReviewRound) -> str:
    """The verdicts CSV in one statement: every submitted verdict in matrix order, its reviewer
    numbered within the use case version as the export numbers them."""
    t = _tables()
    round_id = int(review_round.pk)
    return f"""
        SELECT r.slug AS round, a.slug AS audience, uc.slug AS use_case, v.title, v.number AS version,
            p.slug AS principle, 'Reviewer ' || n.number AS reviewer, vd.verdict, vd.reason, vd.evidence,
            vd.suggested_rewording
        FROM {t["verdict"]} vd
        JOIN {t["review"]} rv ON rv.id = vd.review_id
        JOIN (
            SELECT id, row_number() OVER (PARTITION BY version_id ORDER BY id) AS number
            FROM {t["review"]} WHERE round_id = {round_id}
        ) n ON n.id = rv.id
        JOIN {t["round"]} r ON r.id = rv.round_id
        JOIN {t["version"]} v ON v.id = rv.version_id
        JOIN {t["use_case"]} uc ON uc.id = v.use_case_id
        JOIN {t["audience"]} a ON a.id = uc.audience_id
        JOIN {t["principle"]} p ON p.id = vd.principle_id
        WHERE rv.round_id = {round_id} AND rv.status = 'submitted' AND vd.verdict <> ''
        ORDER BY a.display_order, a.name, uc.display_order, uc.slug, v.number, p."order", p.name, rv.id
    """  # nosec B608: table names from the models, ids that are integers


class ExportsBenchmark:
    """Measures every format in every synthetic round, writing its table to stdout."""

    def __init__(self, data: SyntheticData, *, repeat: int, stdout):
        self.data = data
        self.connection = data.connection
        self.repeat = repeat
        self.stdout = stdout

    def copy_once(self, sql: str, path: Path) -> float:
        """PostgreSQL writing the statement's rows as CSV into a file (COPY ... TO STDOUT)."""
        started = time.perf_counter()
        statement = f"COPY ({sql}) TO STDOUT WITH (FORMAT csv, HEADER)"
        with self.connection.cursor() as cursor, path.open("wb") as file, cursor.cursor.copy(statement) as copy:
            for data in copy:
                file.write(data)
        return time.perf_counter() - started

    def database_url(self) -> str:
        """The database this process measures (a test run's own, say), for the export's process."""
        db = self.connection.settings_dict
        credentials = quote(db["USER"] or "", safe="")
        if db["PASSWORD"]:
            credentials += ":" + quote(db["PASSWORD"], safe="")
        host = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
        return f"postgres://{credentials}@{host}/{quote(db['NAME'], safe='')}"

    def child(self, bench: BenchRound, identifier: str, output: Path, first: int | None) -> dict:
        """The export made in a process of its own; its JSON line, and its peak resident memory."""
        command = [sys.executable, "-m", "matrix.benchmarks.export_child"]
        command += [bench.round.slug, identifier, str(self.repeat), str(output)]
        if first is not None:
            command.append(str(first))
        env = {**os.environ, "DATABASE_URL": self.database_url()}
        done = subprocess.run(  # nosec B603: this interpreter and arguments of the benchmark's own making
            command, cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, check=False
        )
        if done.returncode:
            raise RuntimeError(f"The export {identifier} of {bench.size:,} versions failed:\n{done.stderr[-3000:]}")
        return json.loads(done.stdout.strip().splitlines()[-1])

    def measure_one(self, bench: BenchRound, identifier: str, kind: str, target, folder: Path) -> ExportResult:
        first, note = None, ""
        limit = settings.EXPORT_PDF_MAX_USE_CASES if identifier == "pdf" else None
        if limit is not None and bench.size > limit:
            # Refused for the whole round: measured for the largest file the portal makes instead.
            first, note = limit, f"the first {limit:,} use cases (the whole round is refused)"
        statements = {
            "matrix": [matrix_copy_sql(bench.round)],
            "workbook": [matrix_copy_sql(bench.round), layout_copy_sql(bench.round)],
            "verdicts": [verdicts_copy_sql(bench.round)],
        }[kind]
        if first is not None:
            statements = [f"{sql} LIMIT {int(first)}" for sql in statements]

        def copy_all() -> float:
            return sum(self.copy_once(sql, folder / f"copy-{index}.csv") for index, sql in enumerate(statements))

        # The two take turns: PostgreSQL first (warm), then the export's process, then PostgreSQL again.
        psql = [copy_all() for _run in range(self.repeat)]
        made = self.child(bench, identifier, folder / f"export.{identifier}", first)
        psql += [copy_all() for _run in range(self.repeat)]
        return ExportResult(
            size=bench.size,
            identifier=identifier,
            seconds=statistics.median(made["seconds"]),
            psql_seconds=statistics.median(psql),
            target=target,
            started_mb=made["started_kb"] / MB,
            peak_mb=made["peak_kb"] / MB,
            file_bytes=made["bytes"],
            note=note,
        )

    def run(self, rounds: dict[int, BenchRound], opts) -> list[ExportResult]:
        results = []
        with tempfile.TemporaryDirectory(prefix="bench-exports-") as folder:
            for size in sorted(rounds):
                for identifier, kind, target in FORMATS:
                    result = self.measure_one(rounds[size], identifier, kind, target, Path(folder))
                    results.append(result)
                    self.stdout.write(f"  measured {identifier} at {size:,} use-case versions")
        self.report(results)
        return results

    def report(self, results: list[ExportResult]) -> None:
        header = (
            f"{'versions':>9} {'format':<13} {'export s':>9} {'psql s':>8} {'ratio':>6} {'target':>6} "
            f"{'peak MB':>8} {'start MB':>8} {'file MB':>8}  within"
        )
        self.stdout.write("")
        self.stdout.write(header)
        self.stdout.write("-" * len(header))
        for r in results:
            target = f"{r.target}x" if r.target is not None else "-"
            self.stdout.write(
                f"{r.size:>9,} {r.identifier:<13} {r.seconds:>9.3f} {r.psql_seconds:>8.3f} {r.ratio:>5.1f}x "
                f"{target:>6} {r.peak_mb:>8.0f} {r.started_mb:>8.0f} {r.file_bytes / 1e6:>8.2f}  "
                f"{'yes' if r.within else 'NO'}{f' ({r.note})' if r.note else ''}"
            )
        self.stdout.write(
            f"export s: median of the runs of one process making the file as the export task does; psql s: median "
            f"of PostgreSQL writing the same data with COPY ... TO STDOUT into a file, runs before and after; peak "
            f"MB: the export process's peak resident memory (start MB: once Django had started); targets: the "
            f"ratio, and peak memory under {PEAK_MEMORY_LIMIT_MB} MB."
        )
        if self.connection.vendor != "postgresql":
            self.stdout.write(f"NOT THE RECORDED FIGURES ({self.connection.vendor}, not PostgreSQL).")
