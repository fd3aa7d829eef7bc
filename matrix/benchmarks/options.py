"""The bench_matrix command's options, the check that the submit part runs where it may, and the
banner that says what a run measures (docs/performance.md)."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import CommandError

from bold_portal.celery import app as celery_app

MAX_SIZE = 100_000
PARTS = ("matrix", "submit", "pages", "exports")
DEFAULT_SIZES = {"matrix": "200,2000,10000", "submit": "200,2000", "pages": "2000,10000", "exports": "2000,10000"}


def _whole(name: str, value, *, low: int, high: int) -> int:
    try:
        number = int(str(value).replace("_", ""))
    except ValueError:
        raise CommandError(f"--{name} must be a whole number, not {value!r}.") from None
    if not low <= number <= high:
        raise CommandError(f"--{name} must be between {low:,} and {high:,}, not {number:,}.")
    return number


def bench_options(options) -> dict:
    """The command's options, checked: a CommandError says what is wrong with one."""
    part = str(options["part"])
    if part not in PARTS:
        raise CommandError(f"--part must be matrix, submit, pages or exports, not {part!r}.")
    if part == "submit" and options["baseline"] is not None:
        raise CommandError(
            "--baseline applies to the matrix and pages parts only: "
            "the submit part compares its sizes with the smallest."
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
    if other is None and part == "exports":
        other = 0  # the exports read one round at a time: no round of other data by default
    return {
        "part": part,
        "sizes": sorted(sizes),
        "reviews": _whole("reviews", options["reviews"], low=1, high=200),
        "principles": _whole("principles", options["principles"], low=1, high=20),
        "baseline": None if part == "submit" else _whole("baseline", options["baseline"] or 12, low=1, high=MAX_SIZE),
        "other_size": max(sizes) if other is None else _whole("other-size", other, low=0, high=MAX_SIZE),
        "repeat": _whole("repeat", options["repeat"], low=1, high=100),
    }


def check_submit_setting(connection) -> None:
    """The submit part measures the embedded default: tasks run eagerly, in the submitting
    process. Its submits leave audit rows, so it never runs on `make run`'s own database."""
    if not celery_app.conf.task_always_eager:
        raise CommandError(
            "--part submit measures the embedded default, where Celery runs tasks in the submitting process: "
            "unset CELERY_BROKER_URL (`make bench` does)."
        )
    local = settings.BASE_DIR / "db.sqlite3"
    name = str(connection.settings_dict["NAME"])
    if connection.vendor == "sqlite" and name and Path(name).resolve() == local.resolve():
        raise CommandError(
            f"--part submit never runs on the local database {local.name}: its submits leave audit rows, which "
            "cannot be deleted. `make bench` runs it on a throwaway SQLite file; or set "
            "DATABASE_URL=sqlite:////tmp/<throwaway>.sqlite3 and run `manage.py migrate` first."
        )


def banner(opts, connection) -> str:
    """What the run measures, on which database, and whether its figures are the recorded ones."""
    is_postgres = connection.vendor == "postgresql"
    if is_postgres:
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            server = f"PostgreSQL {cursor.fetchone()[0]}"
        label = f"Database: {server}, {connection.settings_dict['NAME']!r}."
    else:
        label = f"Database: {connection.vendor}."
        if connection.vendor == "sqlite":
            version = connection.Database.sqlite_version
            label = f"Database: SQLite {version}, {connection.settings_dict['NAME']!s}."
    if opts["part"] == "exports":
        return (
            f"{label}\nExports of rounds of {', '.join(f'{s:,}' for s in [opts['baseline'], *opts['sizes']])} use-case "
            f"versions, each version with {opts['reviews']} submitted reviews x {opts['principles']} principles.\n"
            f"Times: median of {opts['repeat']} runs of each format in a process of its own, against PostgreSQL "
            "writing the same data (COPY ... TO STDOUT into a file) just before and after."
        )
    if opts["part"] == "submit":
        label += " Celery eager: the tasks a submit queues run in the submitting process, as in `make run`."
        if connection.vendor != "sqlite":
            label += " NOT THE RECORDED FIGURES: docs/performance.md records this part on SQLite."
        measured = "each size's runs taking turns with the other sizes'"
        baseline = ""
    else:
        if not is_postgres:
            label += (
                " NOT THE RECORDED FIGURES: docs/performance.md records PostgreSQL"
                " (DATABASE_URL=postgres://... make bench); this run only shows the command works."
            )
        measured = "each size's runs interleaved with its baseline's"
        if opts["part"] == "pages":
            measured += "; p95 the nearest-rank 95th percentile of the same runs"
        baseline = f"baseline {opts['baseline']:,}; "
    other = f"a round of {opts['other_size']:,} versions" if opts["other_size"] else "none"
    return (
        f"{label}\n"
        f"Rounds of {', '.join(f'{s:,}' for s in opts['sizes'])} use-case versions ({baseline}"
        f"other data: {other}), each version with {opts['reviews']} submitted reviews x {opts['principles']} "
        f"principles.\nTimes: median of {opts['repeat']} runs, {measured}."
    )
