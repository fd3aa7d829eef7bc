"""A real Celery worker, on the real broker, the shared cache and the committed test database,
turns submitted reviews into the version's matrix cells and the round's progress counts. CI runs this with
BOLD_REQUIRE_SERVICES=1, where a missing service fails the test; elsewhere it is skipped unless
CELERY_BROKER_URL and REDIS_URL are set and the tests run on PostgreSQL."""

import os
import subprocess
import sys
import time
import uuid
from urllib.parse import quote

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.db import connection

from bold_portal.celery import app as celery_app
from bold_portal.roles import ANALYSTS
from matrix.exporters.data import CSV_BOM
from matrix.models import Matrix, MatrixCell, MatrixExport, MatrixRow
from matrix.selectors.cells import matrix_state
from matrix.services.exports import matrix_export_request
from matrix.services.recompute import matrix_recompute
from matrix.tasks import PENDING_KEY
from reviews.models import ProgressHeader, RoundVersion, Verdict
from reviews.selectors.progress_counts import progress_being_updated, round_counts
from reviews.services.progress_counts import progress_counts_refresh
from tests.factories import (
    make_assignment,
    make_principle,
    make_round,
    make_submitted_review,
    make_user,
    make_version,
)

pytestmark = [pytest.mark.worker, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

WAIT_SECONDS = 60


def require_broker_and_shared_database():
    problems = []
    if not settings.CELERY_BROKER_URL:
        problems.append("CELERY_BROKER_URL is not set")
    if not settings.REDIS_URL:
        problems.append("REDIS_URL is not set (the worker must clear the recompute flag this process sets)")
    if connection.vendor != "postgresql":
        problems.append("the test database is not PostgreSQL (a worker process cannot see SQLite's in-memory one)")
    if problems:
        reason = "The worker test needs a real broker and a shared database: " + "; ".join(problems) + "."
        if os.environ.get("BOLD_REQUIRE_SERVICES") == "1":
            pytest.fail(reason)
        pytest.skip(reason)


def committed_database_url() -> str:
    """The URL of the database this test committed to, for the worker process."""
    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    return f"postgres://{credentials}@{host}/{quote(db['NAME'], safe='')}"


@pytest.fixture
def worker_queue():
    """A queue of our own, so that no other worker on the same broker takes the message."""
    queue = f"bold-test-{uuid.uuid4().hex[:12]}"
    celery_app.conf.task_always_eager = False  # conftest's autouse fixture turns it back on
    previous_queue = celery_app.conf.task_default_queue
    celery_app.conf.task_default_queue = queue
    yield queue
    celery_app.conf.task_default_queue = previous_queue


@pytest.fixture
def worker(worker_queue, tmp_path):
    yield from _worker(worker_queue, tmp_path / "worker.log")


@pytest.fixture
def export_worker(worker_queue, tmp_path):
    """A worker of the exports queue only, as docker-compose.yml runs it (the queue named ours)."""
    queue = f"{worker_queue}-exports"
    previous_routes = celery_app.conf.task_routes

    def route(routes):
        celery_app.conf.task_routes = routes
        # Celery keeps the router it made from the routes it first read: make it again.
        celery_app.amqp.flush_routes()
        celery_app.amqp.__dict__.pop("router", None)

    route({"matrix.tasks.run_matrix_export": {"queue": queue}})
    try:
        yield from _worker(queue, tmp_path / "export-worker.log")
    finally:
        route(previous_routes)


def worker_environment() -> dict[str, str]:
    """This test process's environment, with its database, broker and cache, for a worker. The
    worker is not a test process: without PYTEST_XDIST_WORKER, the test settings take REDIS_URL (this
    process's own cache database already) as it is, and do not count down from it a second time."""
    env = {name: value for name, value in os.environ.items() if name != "PYTEST_XDIST_WORKER"}
    return env | {
        "DATABASE_URL": committed_database_url(),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "REDIS_URL": settings.REDIS_URL,
    }


def _worker(worker_queue, log):
    require_broker_and_shared_database()
    env = worker_environment()
    command = [sys.executable, "-m", "celery", "-A", "bold_portal", "worker", "--queues", worker_queue]
    command += ["--pool", "solo", "--loglevel", "INFO", "--without-gossip", "--without-mingle", "--without-heartbeat"]
    with log.open("w") as output:
        process = subprocess.Popen(command, cwd=settings.BASE_DIR, env=env, stdout=output, stderr=subprocess.STDOUT)
    try:
        yield process, log
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_for_cells(review_round, version, *, process, log, change_count: int) -> list[MatrixCell]:
    """The version's cells, once the worker has computed them from its newest change."""
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        row = MatrixRow.objects.filter(round=review_round, version=version).first()
        if row and row.change_count >= change_count:
            return list(MatrixCell.objects.filter(round=review_round, version=version))
        if process.poll() is not None:
            pytest.fail(f"The worker stopped with exit code {process.returncode}:\n{log.read_text()}")
        time.sleep(0.25)
    pytest.fail(f"No matrix row at change {change_count} after {WAIT_SECONDS} s. Worker log:\n{log.read_text()}")


def test_a_worker_recomputes_the_versions_cells_after_reviews_are_submitted(worker):
    process, log = worker
    principle = make_principle(slug="relevant")
    version, other_version = make_version(), make_version()
    review_round = make_round(principles=[principle], versions=[version, other_version])
    # The round's first computation covers every version (its header learns the rule); after
    # that a submit recomputes only its own version.
    matrix_recompute(round_id=review_round.pk)
    other_row = MatrixRow.objects.values("batch", "computed_at").get(round=review_round, version=other_version)

    for verdict in (Verdict.Choice.MEETS, Verdict.Choice.DOES_NOT_MEET):
        make_submitted_review(review_round=review_round, version=version, principle=principle, verdict=verdict)
    change_count = RoundVersion.objects.get(round=review_round, version=version).change_count

    cells = wait_for_cells(review_round, version, process=process, log=log, change_count=change_count)

    assert [(c.principle_id, c.meets, c.does_not_meet, c.not_sure, c.outcome) for c in cells] == [
        (principle.pk, 1, 1, 0, "cross")
    ]
    assert not matrix_state(review_round, version_ids=[version.pk]).is_updating
    # The worker cleared the flag this process set when it queued the recompute: they share the
    # cache, so the next submit queues the next recompute.
    assert cache.get(PENDING_KEY.format(round_id=review_round.pk, version_id=version.pk)) is None
    # Per version: the other version of the round was not recomputed.
    assert MatrixRow.objects.values("batch", "computed_at").get(round=review_round, version=other_version) == other_row
    matrix = Matrix.objects.get(round=review_round)
    assert matrix.version_recomputes >= 1 and matrix.round_recomputes == 1


def test_the_changes_of_versions_waiting_for_a_refresh_are_counted_by_one(worker_queue, tmp_path):
    require_broker_and_shared_database()
    principle = make_principle(slug="relevant")
    versions = [make_version() for _ in range(3)]
    review_round = make_round(principles=[principle], versions=versions)
    reviewers = [make_user() for _ in versions]
    for version, reviewer in zip(versions, reviewers, strict=True):
        make_assignment(review_round=review_round, version=version, reviewer=reviewer)
    progress_counts_refresh(round_id=review_round.pk)
    assert ProgressHeader.objects.get(round=review_round).refreshes == 0

    # No worker yet: each submit's refresh waits, and joins the one already queued.
    for version, reviewer in zip(versions, reviewers, strict=True):
        make_submitted_review(review_round=review_round, version=version, principle=principle, reviewer=reviewer)
    assert progress_being_updated(review_round.pk)

    worker = _worker(worker_queue, tmp_path / "worker.log")
    process, log = next(worker)
    try:
        deadline = time.monotonic() + WAIT_SECONDS
        while progress_being_updated(review_round.pk):
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"The counts were not refreshed in {WAIT_SECONDS} s. Worker log:\n{log.read_text()}")
            time.sleep(0.25)
    finally:
        worker.close()

    # One refresh, of every version waiting.
    assert ProgressHeader.objects.get(round=review_round).refreshes == 1
    count = round_counts([review_round.pk])[review_round.pk]
    assert (count.expected, count.submitted) == (3, 3)


def test_the_changes_of_versions_waiting_for_a_recompute_are_written_by_one(worker_queue, tmp_path):
    require_broker_and_shared_database()
    principle = make_principle(slug="relevant")
    versions = [make_version() for _ in range(3)]
    review_round = make_round(principles=[principle], versions=versions)
    matrix_recompute(round_id=review_round.pk)

    # No worker yet: each submit's version waits, and joins the recompute already queued.
    for version in versions:
        make_submitted_review(review_round=review_round, version=version, principle=principle)
    assert matrix_state(review_round).is_updating

    worker = _worker(worker_queue, tmp_path / "worker.log")
    process, log = next(worker)
    try:
        deadline = time.monotonic() + WAIT_SECONDS
        while matrix_state(review_round).is_updating:
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"The matrix was not recomputed in {WAIT_SECONDS} s. Worker log:\n{log.read_text()}")
            time.sleep(0.25)
    finally:
        worker.close()

    # One recompute, of every version waiting.
    assert Matrix.objects.values_list("version_recomputes", "round_recomputes").get(round=review_round) == (1, 1)
    assert set(MatrixCell.objects.filter(round=review_round).values_list("version_id", "meets")) == {
        (version.pk, 1) for version in versions
    }


def test_a_worker_started_from_any_test_process_uses_that_processs_cache(monkeypatch):
    require_broker_and_shared_database()
    # The second test process has its own cache database, one below the first's.
    monkeypatch.setenv("PYTEST_XDIST_WORKER", "gw1")
    command = [sys.executable, "-c", "import django; django.setup(); from django.conf import settings; "]
    command[-1] += "print(settings.CACHES['default']['LOCATION'])"

    child = subprocess.run(command, cwd=settings.BASE_DIR, env=worker_environment(), capture_output=True, text=True)

    assert child.returncode == 0, child.stderr
    assert child.stdout.strip() == settings.CACHES["default"]["LOCATION"]


def test_the_worker_health_check_answers_while_a_worker_does(worker, client):
    process, log = worker

    def worker_health():
        return client.get("/health/", {"checks": "worker", "format": "json"})

    deadline = time.monotonic() + WAIT_SECONDS
    while worker_health().status_code != 200:  # the worker takes a few seconds to start
        if process.poll() is not None or time.monotonic() > deadline:
            pytest.fail(f"/health/?checks=worker never answered 200. Worker log:\n{log.read_text()}")
        time.sleep(0.5)

    process.terminate()
    process.wait(timeout=15)

    assert worker_health().status_code == 500
    assert client.get("/health/", {"format": "json"}).status_code == 200  # the web's own check is unaffected


def test_an_export_is_made_by_the_worker_of_the_exports_queue(export_worker, worker_queue):
    process, log = export_worker
    principle = make_principle(slug="relevant")
    review_round = make_round(principles=[principle], versions=[make_version()])
    analyst = make_user()
    # get_or_create: a transactional test's flush may have emptied the groups the migrations wrote.
    analyst.groups.add(Group.objects.get_or_create(name=ANALYSTS)[0])

    export = matrix_export_request(review_round=review_round, identifier="csv", user=analyst)

    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        export.refresh_from_db(fields=["status"])
        if export.status == MatrixExport.Status.READY:
            break
        if process.poll() is not None:
            pytest.fail(f"The export worker stopped with exit code {process.returncode}:\n{log.read_text()}")
        time.sleep(0.25)
    else:
        pytest.fail(f"The export was not made in {WAIT_SECONDS} s. Worker log:\n{log.read_text()}")
    # Nothing but the exports queue's worker was running: the task went to its queue, not the default one.
    assert f"{worker_queue}-exports" in log.read_text()
    assert bytes(MatrixExport.objects.values_list("content", flat=True).get(pk=export.pk)).startswith(CSV_BOM)


def worker_connections() -> set[int]:
    """The server processes of the connections to the test database other than this test's own."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return {pid for (pid,) in cursor.fetchall()}


def connections_after_the_task(seconds: float = 1.5) -> set[int]:
    """The worker's connections a moment after its task: whatever it closes at the task's end is gone by then."""
    time.sleep(seconds)
    return worker_connections()


def test_a_worker_keeps_its_connection_between_tasks_and_opens_another_once_the_database_closed_it(worker):
    process, log = worker
    principle = make_principle(slug="relevant")
    version = make_version()
    review_round = make_round(principles=[principle], versions=[version])
    matrix_recompute(round_id=review_round.pk)

    def submit_and_wait(verdict: str) -> list[MatrixCell]:
        make_submitted_review(review_round=review_round, version=version, principle=principle, verdict=verdict)
        change_count = RoundVersion.objects.get(round=review_round, version=version).change_count
        return wait_for_cells(review_round, version, process=process, log=log, change_count=change_count)

    submit_and_wait(Verdict.Choice.MEETS)
    kept = connections_after_the_task()
    submit_and_wait(Verdict.Choice.MEETS)
    # One connection (a solo pool), open after its tasks and the same one for the next submit's.
    assert len(kept) == 1
    assert connections_after_the_task() == kept

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [next(iter(kept))])
    cells = submit_and_wait(Verdict.Choice.DOES_NOT_MEET)

    assert [(c.meets, c.does_not_meet) for c in cells] == [(2, 1)]
    reopened = connections_after_the_task()
    assert len(reopened) == 1 and reopened != kept
    # Checked before its reuse, the closed connection failed no task.
    assert "raised unexpected" not in log.read_text()
