"""The drills. Each makes its own round, fails one part of the running portal, and returns what
it saw: the figures to record in docs/reliability.md, and the promises it found broken."""

import functools
import html
import os
import re
import signal
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

import psycopg
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connections
from psycopg import sql

from bold_portal.models import AuditEvent
from drills.harness import Postgres, Service, answers, child_pids, wait_until
from drills.world import World, at_once
from drills.world import answers as review_answers
from matrix.models import Matrix, MatrixCell, MatrixExport, MatrixRow
from matrix.selectors.cells import matrix_state
from matrix.tasks import enqueue_matrix_recompute
from reviews.models import Review, ReviewRound, Verdict

ERROR_PAGE_HEADING = "Sorry, there is a problem with the service"
RECOVERY_LIMIT_SECONDS = 30
SUBMIT_SPACING_SECONDS = 0.01
DATABASE = "bold_drills"


@dataclass
class Portal:
    """What the drills can fail: the services the harness started."""

    postgres: Postgres
    redis: Service
    processes: dict[str, Service]
    web_port: int
    folder: object


@dataclass
class Outcome:
    name: str
    figures: list[str] = field(default_factory=list)
    broken: list[str] = field(default_factory=list)

    def saw(self, text: str) -> None:
        self.figures.append(text)

    def promise(self, kept: bool, text: str) -> None:
        if not kept:
            self.broken.append(text)


def statuses(results) -> str:
    counts = Counter(status for status, _ in results)
    return ", ".join(f"{count} x {status or 'no answer'}" for status, count in sorted(counts.items()))


def failed(results) -> int:
    """Requests answered with a server error, or not answered at all."""
    return sum(1 for status, _ in results if status == 0 or status >= 500)


def updating_sentence(body: str) -> str:
    """The page's words saying the matrix is being updated, if it says so."""
    found = re.search(r">([^<>]*being updated[^<>]*)<", body)
    return html.unescape(" ".join(found.group(1).split())) if found else ""


def counts_match_reviews(review_round) -> bool:
    """Every cell's counts are those of the round's submitted verdicts."""
    for cell in MatrixCell.objects.filter(round=review_round):
        verdicts = Counter(
            Verdict.objects.filter(
                review__round=review_round,
                review__version_id=cell.version_id,
                review__status=Review.Status.SUBMITTED,
                principle_id=cell.principle_id,
            ).values_list("verdict", flat=True)
        )
        if (cell.meets, cell.does_not_meet, cell.not_sure) != (
            verdicts[Verdict.Choice.MEETS],
            verdicts[Verdict.Choice.DOES_NOT_MEET],
            verdicts[Verdict.Choice.NOT_SURE],
        ):
            return False
    return True


def matrix_current(review_round) -> bool:
    connections.close_all()  # each poll on a fresh connection: the database may have restarted
    return not matrix_state(review_round).is_updating and counts_match_reviews(review_round)


def backup_restored(portal: Portal) -> Outcome:
    """6. A pg_dump of the live database, restored into a new one, holds the same data."""
    outcome = Outcome("Backup restored")
    World.make(port=portal.web_port, versions=2, reviewers=3)
    dump = portal.folder / "backup.dump"
    # pg_dump reads one consistent snapshot while the portal runs; the worker and beat are stopped
    # only so that nothing changes between the dump and the comparison below.
    for name in ("beat", "worker"):
        portal.processes[name].stop()
    started = time.monotonic()
    portal.postgres.tool("pg_dump", "--format=custom", "--file", str(dump), DATABASE)
    dumped = time.monotonic()
    portal.postgres.tool("createdb", f"{DATABASE}_restored")
    portal.postgres.tool("pg_restore", "--no-owner", "--exit-on-error", "--dbname", f"{DATABASE}_restored", str(dump))
    restored = time.monotonic()
    outcome.saw(f"pg_dump {dumped - started:.1f} s ({dump.stat().st_size:,} bytes), restore {restored - dumped:.1f} s")
    models = (Matrix, MatrixRow, MatrixCell, AuditEvent, get_user_model(), Review, Verdict)
    tables = [model._meta.db_table for model in models]
    original = fingerprints(portal.postgres.url(DATABASE), tables)
    copy = fingerprints(portal.postgres.url(f"{DATABASE}_restored"), tables)
    for table in tables:
        outcome.saw(f"{table}: {original[table][0]} rows, {'same' if original[table] == copy[table] else 'DIFFERENT'}")
        outcome.promise(original[table] == copy[table], f"{table} differs after the restore")
    for name in ("worker", "beat"):
        portal.processes[name].start()
    return outcome


def fingerprints(url: str, tables: list[str]) -> dict[str, tuple[int, str]]:
    """Each table's row count and an md5 of all its rows, in a stable order."""
    query = "SELECT count(*), md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '')) FROM {} t"
    with psycopg.connect(url) as connection:
        return {
            table: tuple(connection.execute(sql.SQL(query).format(sql.Identifier(table))).fetchone())
            for table in tables
        }


def round_closed_while_reviewers_submit(portal: Portal) -> Outcome:
    """4. An admin closes the round while 20 reviewers submit at once."""
    outcome = Outcome("Round closed while 20 reviewers submit")
    world = World.make(port=portal.web_port, versions=1, reviewers=20)
    path = world.review_path(world.versions[0])
    data = review_answers(world.principles, verdict="meets")
    admin = world.browser(world.admin)

    def after(seconds: float, browser, path: str, data: dict):
        """The post, that long after the threads are released: the submits spread over 200 ms,
        the close in their middle, so that some land before it and some after, whatever the load."""
        time.sleep(seconds)
        return browser.post(path, data)

    submits = [
        functools.partial(after, index * SUBMIT_SPACING_SECONDS, world.browser(reviewer), path, data)
        for index, reviewer in enumerate(world.reviewers)
    ]
    close = functools.partial(after, len(submits) * SUBMIT_SPACING_SECONDS / 2, admin, world.close_path(), {})
    results = at_once([*submits, close])
    review_round = ReviewRound.objects.get(pk=world.review_round.pk)
    submitted = Review.objects.filter(round=review_round, status=Review.Status.SUBMITTED)
    late = submitted.filter(submitted_at__gt=review_round.closed_at).count() if review_round.closed_at else None
    outcome.saw(f"submits: {statuses(results[:-1])}; close: {results[-1][0]}")
    refused = [body for status, body in results[:-1] if status == 403]
    told = sum("This round closed on" in body for body in refused)
    outcome.saw(f"{submitted.count()} reviews accepted before the close, {late} after it")
    outcome.saw(f"{told} of {len(refused)} refused submits shown the review page saying the round has closed")
    outcome.promise(review_round.status == ReviewRound.Status.CLOSED, "the round was not closed")
    outcome.promise(late == 0, f"{late} reviews accepted after the close")
    outcome.promise(failed(results) == 0, f"{failed(results)} requests failed with a server error or no answer")
    outcome.promise(told == len(refused), f"{len(refused) - told} refused submits not told the round has closed")
    return outcome


def redis_stopped_while_reviews_are_submitted(portal: Portal) -> Outcome:
    """1. Redis (broker and cache) stopped while 10 reviewers submit; started again 15 s later."""
    outcome = Outcome("Redis stopped while reviews are submitted")
    world = World.make(port=portal.web_port, versions=2, reviewers=10)
    browsers = [world.browser(reviewer) for reviewer in world.reviewers]
    admin = world.browser(world.admin)
    portal.redis.stop()
    wait_until(lambda: not answers(portal.redis.port), seconds=10, what="Redis stopping")
    stopped = time.monotonic()
    results = []
    for index, browser in enumerate(browsers):
        version = world.versions[index % 2]
        verdict = ("meets", "does_not_meet")[index % 2]
        results.append(browser.post(world.review_path(version), review_answers(world.principles, verdict=verdict)))
    saved = Review.objects.filter(round=world.review_round, status=Review.Status.SUBMITTED).count()
    page_status, page = admin.get(world.matrix_path())
    sentence = updating_sentence(page)
    outcome.saw(f"submits with Redis stopped: {statuses(results)}; {saved} of {len(browsers)} saved")
    outcome.saw(f"matrix page: {page_status}, says: {sentence or '(nothing about updating)'}")
    outcome.promise(saved == len(browsers), f"{len(browsers) - saved} reviews lost")
    outcome.promise(failed(results) == 0, f"{failed(results)} submits failed")
    outcome.promise(page_status == 200 and bool(sentence), "the matrix page did not say it is being updated")
    time.sleep(max(0.0, 15 - (time.monotonic() - stopped)))
    portal.redis.start()
    wait_until(lambda: answers(portal.redis.port), seconds=10, what="Redis starting")
    back = time.monotonic()
    limit = max(90, settings.MATRIX_SWEEP_SECONDS + 30)
    try:
        wait_until(lambda: matrix_current(world.review_round), seconds=limit, what="The matrix being current")
        recovered = time.monotonic() - back
        outcome.saw(f"matrix current {recovered:.1f} s after Redis came back, without another submit")
        outcome.saw(f"worker restarted {portal.processes['worker'].restarts} times by the supervisor so far")
        outcome.promise(recovered <= RECOVERY_LIMIT_SECONDS, f"the matrix took {recovered:.0f} s to be current")
    except RuntimeError as error:
        outcome.promise(False, str(error))
    return outcome


def postgres_restarted_under_load(portal: Portal) -> Outcome:
    """5. PostgreSQL stopped for 5 s and started again while 10 reviewers load pages and submit."""
    outcome = Outcome("PostgreSQL restarted under load")
    world = World.make(port=portal.web_port, versions=1, reviewers=10)
    path = world.review_path(world.versions[0])
    data = review_answers(world.principles, verdict="not_sure")
    browsers = [world.browser(reviewer) for reviewer in world.reviewers]
    results, stop = [], threading.Event()

    def load(browser):
        while not stop.is_set():
            results.append((time.monotonic(), *browser.get(path)))
            results.append((time.monotonic(), *browser.post(path, data)))
            time.sleep(0.2)

    threads = [threading.Thread(target=load, args=(browser,)) for browser in browsers]
    for thread in threads:
        thread.start()
    time.sleep(3)
    connections.close_all()
    portal.postgres.stop("fast")
    down = time.monotonic()
    time.sleep(5)
    portal.postgres.start()
    up = time.monotonic()
    time.sleep(10)
    stop.set()
    for thread in threads:
        thread.join(timeout=120)
    during = [(status, body) for at, status, body in results if down <= at]
    errors = [(at, status, body) for at, status, body in results if status == 0 or status >= 500]
    not_the_portals = [status for _, status, body in errors if ERROR_PAGE_HEADING not in body]
    last_error = max((at for at, _, _ in errors), default=up)
    outcome.saw(f"{len(results)} requests: {statuses([(status, body) for _, status, body in results])}")
    outcome.saw(f"after the stop: {statuses(during)}; last failure {last_error - up:+.1f} s from the start again")
    outcome.promise(not not_the_portals, f"{len(not_the_portals)} failures without the portal's error page")
    outcome.promise(last_error - up <= RECOVERY_LIMIT_SECONDS, "requests still failed 30 s after the start")
    connections.close_all()
    half_written = [
        review.pk
        for review in Review.objects.filter(round=world.review_round, status=Review.Status.SUBMITTED)
        if review.verdicts.exclude(verdict="").count() != len(world.principles)
    ]
    outcome.saw(f"submitted reviews missing verdicts: {len(half_written)}")
    outcome.promise(not half_written, f"{len(half_written)} reviews half-written")
    outcome.promise(
        bool(wait_until(lambda: matrix_current(world.review_round), seconds=90, what="the matrix current")),
        "the matrix was not current",
    )
    return outcome


def behind_matrix_never_shown_as_current(portal: Portal) -> Outcome:
    """3. With Redis stopped, reviews turn a version's outcome round: what the matrix page and the
    cell page show for it while its cells are behind."""
    outcome = Outcome("A matrix behind is never shown as current")
    world = World.make(port=portal.web_port, versions=1, reviewers=6)
    version, principle = world.versions[0], world.principles[0]
    path = world.review_path(version)
    for reviewer in world.reviewers[:3]:
        world.browser(reviewer).post(path, review_answers(world.principles, verdict="meets"))
    wait_until(lambda: matrix_current(world.review_round), seconds=60, what="the matrix current before the fault")
    portal.redis.stop()
    for reviewer in world.reviewers[3:]:
        world.browser(reviewer).post(path, review_answers(world.principles, verdict="does_not_meet"))
    admin = world.browser(world.admin)
    _, page = admin.get(world.matrix_path())
    cells = re.findall(r'<td class="govuk-table__cell portal-matrix__cell"[^>]*>.*?</td>', page, re.S)
    # Marked in words, with no outcome of its own that could be read as current.
    unmarked = [cell for cell in cells if "being updated" not in cell.lower() or "data-outcome" in cell]
    _, cell_page = admin.get(f"{world.matrix_path()}{version.use_case.slug}/v{version.number}/{principle.slug}/")
    outcome.saw(f"matrix page says: {updating_sentence(page) or '(nothing about updating)'}")
    outcome.saw(f"{len(unmarked)} of {len(cells)} cells behind show an outcome with no mark of their own")
    outcome.saw(f"cell page says: {updating_sentence(cell_page) or '(nothing about updating)'}")
    outcome.promise(bool(updating_sentence(page)), "the matrix page did not say it is being updated")
    outcome.promise(not unmarked, f"{len(unmarked)} cells behind do not say they are being updated")
    outcome.promise(bool(updating_sentence(cell_page)), "the cell page did not say it is being updated")
    portal.redis.start()
    wait_until(lambda: matrix_current(world.review_round), seconds=90, what="the matrix current after the fault")
    return outcome


def worker_killed_mid_recompute(portal: Portal) -> Outcome:
    """2. The worker's pool process killed (SIGKILL) while it computes a round of 300 use cases."""
    outcome = Outcome("Worker killed mid-recompute")
    world = World.make(port=portal.web_port, versions=300, reviewers=0, computed=False)
    log = portal.processes["worker"].log
    seen, lost_before = log.read_text().count("recompute_matrix["), log.read_text().count("WorkerLostError(")
    enqueue_matrix_recompute(world.review_round.pk)
    wait_until(lambda: log.read_text().count("recompute_matrix[") > seen, seconds=60, what="the recompute starting")
    pool = child_pids(portal.processes["worker"].process.pid)
    for pid in pool:
        os.kill(pid, signal.SIGKILL)
    killed = time.monotonic()
    try:
        wait_until(lambda: matrix_current(world.review_round), seconds=120, what="the matrix current")
    except RuntimeError as error:
        outcome.promise(False, str(error))
        return outcome
    settled = time.monotonic() - killed
    lost = log.read_text().count("WorkerLostError(") - lost_before
    outcome.saw(f"pool processes killed: {len(pool)}; WorkerLostError in the worker's log: {lost}")
    rows = MatrixRow.objects.filter(round=world.review_round).count()
    outcome.saw(f"matrix current ({rows} rows) {settled:.1f} s after the kill")
    outcome.promise(settled <= RECOVERY_LIMIT_SECONDS, f"the matrix took {settled:.0f} s to be current")
    return outcome


def worker_killed_mid_export(portal: Portal) -> Outcome:
    """2. The worker's pool process killed (SIGKILL) while it makes a PDF export."""
    outcome = Outcome("Worker killed mid-export")
    world = World.make(port=portal.web_port, versions=40, reviewers=3)
    admin = world.browser(world.admin)
    status, _ = admin.post(f"{world.matrix_path()}export/pdf/", {})
    export = MatrixExport.objects.filter(round=world.review_round).latest("pk")
    try:
        wait_until(lambda: state_of(export) != MatrixExport.Status.PENDING, seconds=60, what="the export starting")
    except RuntimeError as error:
        outcome.promise(False, str(error))
        return outcome
    caught = state_of(export) == MatrixExport.Status.RUNNING
    pool = child_pids(portal.processes["worker"].process.pid)
    for pid in pool:
        os.kill(pid, signal.SIGKILL)
    killed = time.monotonic()
    outcome.saw(f"export posted: {status}; pool processes killed: {len(pool)}, the export then {state_of(export)}")
    finished = (MatrixExport.Status.READY, MatrixExport.Status.FAILED)
    try:
        wait_until(lambda: state_of(export) in finished, seconds=120, what="the export finishing or failing")
    except RuntimeError as error:
        outcome.promise(False, str(error))
        return outcome
    settled = time.monotonic() - killed
    export.refresh_from_db()
    page_status, page = admin.get(f"/rounds/{world.review_round.slug}/exports/{export.pk}/")
    told = export.status == MatrixExport.Status.READY or "export was interrupted" in html.unescape(page)
    when = "while running" if caught else "after it had finished"
    outcome.saw(f"killed {when}: {export.status} {settled:.1f} s later")
    outcome.saw(f"status page {page_status}: {'says it was interrupted' if told else 'says nothing of it'}")
    outcome.promise(settled <= RECOVERY_LIMIT_SECONDS, f"the export settled only {settled:.0f} s after the kill")
    outcome.promise(told, "the person who asked was not told the export failed")
    return outcome


def state_of(export) -> str:
    connections.close_all()
    return MatrixExport.objects.values_list("status", flat=True).get(pk=export.pk)


# In the order they run: the backup last, when the other drills have filled the database.
DRILLS = {
    "close": round_closed_while_reviewers_submit,
    "redis": redis_stopped_while_reviews_are_submitted,
    "behind": behind_matrix_never_shown_as_current,
    "postgres": postgres_restarted_under_load,
    "recompute": worker_killed_mid_recompute,
    "export": worker_killed_mid_export,
    "backup": backup_restored,
}
