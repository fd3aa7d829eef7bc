"""Recomputing the principle matrix from submitted verdicts, in SQL.

One path serves both a single use case version (after a review changes) and a whole round (the
sweep, a change of the round's rule, the command): the same two statements, with or without a
version filter, so the incremental and the full recompute cannot disagree.

1. Claim rows: copy each version's change counter from reviews.RoundVersion into its matrix
   row, tagged with this run's batch number, but only where the stored (rule version, change
   count) pair is older. The counter is read before the verdicts are aggregated, so the cells
   written under it are at least that new; a slower, older run claims nothing and writes nothing.
2. Write the claimed rows' cells from one grouped query over their submitted verdicts, with the
   outcome from principles.rule, skipping cells whose values did not change.

Only matrix tables are written and locked here: a reviewer's save never waits for a recompute.
"""

import datetime
import functools
import logging
import secrets
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from bold_portal.models import audit
from matrix.exporters import EXPORTERS
from matrix.models import Matrix, MatrixCell, MatrixExport, MatrixRow
from matrix.selectors import matrix_export_content
from principles.rule import outcome_sql, outcome_sql_params
from reviews.models import Review, ReviewRound, RoundVersion, Verdict

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RecomputeResult:
    round_id: int
    version_id: int | None
    rows_claimed: int
    cells_written: int


def _tables() -> dict[str, str]:
    return {
        "row": MatrixRow._meta.db_table,
        "cell": MatrixCell._meta.db_table,
        "round_version": RoundVersion._meta.db_table,
        "round_principle": ReviewRound.principles.through._meta.db_table,
        "review": Review._meta.db_table,
        "verdict": Verdict._meta.db_table,
    }


def _claim_rows(cursor, *, review_round: ReviewRound, version_id: int | None, batch: int, now) -> int:
    t = _tables()
    version_filter = "AND rv.version_id = %s" if version_id is not None else ""
    cursor.execute(
        f"""
        INSERT INTO {t["row"]} (round_id, version_id, change_count, rule_version, computed_at, batch)
        SELECT rv.round_id, rv.version_id, rv.change_count, %s, %s, %s
        FROM {t["round_version"]} rv
        WHERE rv.round_id = %s {version_filter}
        ON CONFLICT (round_id, version_id) DO UPDATE SET
            change_count = excluded.change_count,
            rule_version = excluded.rule_version,
            computed_at = excluded.computed_at,
            batch = excluded.batch
        WHERE ({t["row"]}.rule_version, {t["row"]}.change_count) < (excluded.rule_version, excluded.change_count)
        """,
        [
            review_round.rule_version,
            connection.ops.adapt_datetimefield_value(now),
            batch,
            review_round.pk,
            *([version_id] if version_id is not None else []),
        ],
    )
    return cursor.rowcount


def _write_cells(cursor, *, review_round: ReviewRound, batch: int, version_id: int | None = None) -> int:
    t = _tables()
    outcome = outcome_sql("meets", "does_not_meet", "not_sure")
    submitted = Review.Status.SUBMITTED
    choice = Verdict.Choice
    version_filter = "AND r.version_id = %s" if version_id is not None else ""
    # The verdicts are counted on their own, then joined to the claimed rows and the round's
    # principles: for one version that reads a few index entries, for the whole round one
    # grouped pass that the planner can hash-join, never one probe per review.
    cursor.execute(
        f"""
        INSERT INTO {t["cell"]} (round_id, version_id, principle_id, meets, does_not_meet, not_sure, outcome)
        SELECT round_id, version_id, principle_id, meets, does_not_meet, not_sure, {outcome}
        FROM (
            SELECT mr.round_id AS round_id, mr.version_id AS version_id, rp.principle_id AS principle_id,
                COALESCE(c.meets, 0) AS meets,
                COALESCE(c.does_not_meet, 0) AS does_not_meet,
                COALESCE(c.not_sure, 0) AS not_sure
            FROM {t["row"]} mr
            JOIN {t["round_principle"]} rp ON rp.reviewround_id = mr.round_id
            LEFT JOIN (
                SELECT r.version_id AS version_id, v.principle_id AS principle_id,
                    SUM(CASE WHEN v.verdict = '{choice.MEETS}' THEN 1 ELSE 0 END) AS meets,
                    SUM(CASE WHEN v.verdict = '{choice.DOES_NOT_MEET}' THEN 1 ELSE 0 END) AS does_not_meet,
                    SUM(CASE WHEN v.verdict = '{choice.NOT_SURE}' THEN 1 ELSE 0 END) AS not_sure
                FROM {t["review"]} r
                JOIN {t["verdict"]} v ON v.review_id = r.id
                WHERE r.round_id = %s AND r.status = '{submitted}' {version_filter}
                GROUP BY r.version_id, v.principle_id
            ) c ON c.version_id = mr.version_id AND c.principle_id = rp.principle_id
            WHERE mr.round_id = %s AND mr.batch = %s
        ) counts
        WHERE true
        ON CONFLICT (round_id, version_id, principle_id) DO UPDATE SET
            meets = excluded.meets,
            does_not_meet = excluded.does_not_meet,
            not_sure = excluded.not_sure,
            outcome = excluded.outcome
        WHERE {t["cell"]}.meets <> excluded.meets OR {t["cell"]}.does_not_meet <> excluded.does_not_meet
            OR {t["cell"]}.not_sure <> excluded.not_sure OR {t["cell"]}.outcome <> excluded.outcome
        """,
        [
            *outcome_sql_params(threshold=review_round.threshold, min_reviews=review_round.min_reviews),
            review_round.pk,
            *([version_id] if version_id is not None else []),
            review_round.pk,
            batch,
        ],
    )
    return cursor.rowcount


def _drop_leftovers(review_round: ReviewRound) -> None:
    """Rows and cells of versions or principles that have left the round."""
    versions = RoundVersion.objects.filter(round=review_round).values("version_id")
    principles = ReviewRound.principles.through.objects.filter(reviewround=review_round).values("principle_id")
    MatrixRow.objects.filter(round=review_round).exclude(version_id__in=versions).delete()
    MatrixCell.objects.filter(round=review_round).exclude(version_id__in=versions).delete()
    MatrixCell.objects.filter(round=review_round).exclude(principle_id__in=principles).delete()


def matrix_recompute(*, round_id: int, version_id: int | None = None) -> RecomputeResult | None:
    """Recompute one version's cells in a round, or with version_id None every version's.

    Rows already computed from the version's newest change under the round's current rule are
    left alone, so a duplicate or late task costs two cheap statements. Returns None when the
    round no longer exists.
    """
    review_round = (
        ReviewRound.objects.only("pk", "threshold", "min_reviews", "rule_version").filter(pk=round_id).first()
    )
    if review_round is None:
        return None
    batch = secrets.randbits(62)
    now = timezone.now()
    with transaction.atomic():
        matrix, _created = Matrix.objects.get_or_create(round=review_round)
        if version_id is None:
            _drop_leftovers(review_round)
        with connection.cursor() as cursor:
            claimed = _claim_rows(cursor, review_round=review_round, version_id=version_id, batch=batch, now=now)
            written = (
                _write_cells(cursor, review_round=review_round, batch=batch, version_id=version_id) if claimed else 0
            )
        counter = "round_recomputes" if version_id is None else "version_recomputes"
        Matrix.objects.filter(pk=matrix.pk).update(computed_at=now, **{counter: F(counter) + 1})
    logger.info(
        "Matrix of round %s recomputed (%s): %s rows claimed, %s cells written.",
        round_id,
        "whole round" if version_id is None else f"version {version_id}",
        claimed,
        written,
    )
    return RecomputeResult(round_id=round_id, version_id=version_id, rows_claimed=claimed, cells_written=written)


def matrix_bring_up_to_date(*, review_round: ReviewRound) -> None:
    """Recompute the round's behind rows now, for exports that must not hand out a stale matrix
    (an analyst's or a command's request, never a reviewer's)."""
    from matrix.selectors import matrix_state

    state = matrix_state(review_round)
    if state.computed_at is None or state.is_updating:
        matrix_recompute(round_id=review_round.pk)


# ---------------------------------------------------------------------------------------------
# Exports: an analyst asks for one (matrix_export_request), a Celery task makes it after the
# commit (matrix_export_run), the analyst downloads it (matrix_export_download).

# This section's imports stay with it (the module's top is edited separately); move them up freely.


# Exports are deleted this long after they were requested, when their requester asks for another:
# each holds pseudonymised verdicts, which should not pile up in the database.
EXPORT_KEEP = datetime.timedelta(days=7)
# A "running" export whose worker has been silent this long is taken to have died with its worker:
# a redelivered task may start it again.
EXPORT_STALE_AFTER = datetime.timedelta(minutes=30)


class ExportNotAllowed(Exception):
    """This person may not use this export format (or it does not exist)."""


def matrix_export_request(*, review_round: ReviewRound, identifier: str, user) -> MatrixExport:
    """Record that user asked for the round's matrix in one format, and queue the task that makes
    it once this transaction commits (in eager mode it runs then, before the page answers)."""

    exporter = EXPORTERS.get(identifier)
    if exporter is None or not exporter.may_use(user):
        raise ExportNotAllowed(identifier)
    with transaction.atomic():
        MatrixExport.objects.filter(requested_by=user, created_at__lt=timezone.now() - EXPORT_KEEP).delete()
        export = MatrixExport(round=review_round, requested_by=user, exporter=identifier)
        export.full_clean()
        export.save()
        audit(actor=user, action="export_requested", obj=review_round, export_id=export.pk, format=identifier)
        transaction.on_commit(functools.partial(_enqueue_export, export.pk))
    return export


def _enqueue_export(export_id: int) -> None:
    from matrix.tasks import run_matrix_export

    try:
        run_matrix_export.delay(export_id)
    except Exception:
        logger.exception("Could not queue export %s.", export_id)
        MatrixExport.objects.filter(pk=export_id, status=MatrixExport.Status.PENDING).update(
            status=MatrixExport.Status.FAILED,
            finished_at=timezone.now(),
            error_message=str(_("The export could not be started. Try again in a few minutes.")),
        )


def matrix_export_run(*, export_id: int) -> MatrixExport | None:
    """Make the export's file: bring the round's matrix up to date, render it, store it. Never
    raises: a failure is recorded on the export, with a message for the person who asked, and
    logged. Returns None when the export is gone or already being made by another worker."""

    started_at = timezone.now()
    waiting = Q(status=MatrixExport.Status.PENDING) | Q(
        status=MatrixExport.Status.RUNNING, started_at__lt=started_at - EXPORT_STALE_AFTER
    )
    # Claiming is one conditional UPDATE: of two deliveries of the same task, one wins.
    if not MatrixExport.objects.filter(waiting, pk=export_id).update(
        status=MatrixExport.Status.RUNNING, started_at=started_at
    ):
        return None
    export = MatrixExport.objects.select_related("round").defer("content").get(pk=export_id)
    mine = MatrixExport.objects.filter(pk=export_id, started_at=started_at, status=MatrixExport.Status.RUNNING)
    try:
        # In the task, never in the request: a large round's recompute must not hold up a page.
        matrix_bring_up_to_date(review_round=export.round)
        content = EXPORTERS[export.exporter].render(export.round)
    except Exception:
        logger.exception("Export %s (%s of round %s) failed.", export_id, export.exporter, export.round.slug)
        mine.update(
            status=MatrixExport.Status.FAILED,
            finished_at=timezone.now(),
            error_message=str(
                _(
                    "Something went wrong while the file was being made. Start the export again. "
                    "If it goes wrong again, tell the BOLD programme team."
                )
            ),
        )
    else:
        mine.update(status=MatrixExport.Status.READY, content=content, size=len(content), finished_at=timezone.now())
        logger.info(
            "Export %s (%s of round %s) ready: %s bytes.", export_id, export.exporter, export.round, len(content)
        )
    export.refresh_from_db(fields=["status", "finished_at", "size", "error_message"])
    return export


def matrix_export_download(*, export: MatrixExport, user) -> bytes:
    """The ready export's file, with an audit row saying who downloaded which round in which format."""

    if export.status != MatrixExport.Status.READY:
        raise ValueError("Only a ready export can be downloaded.")
    with transaction.atomic():
        audit(
            actor=user,
            action="export_downloaded",
            obj=export.round,
            round=export.round.slug,
            format=export.exporter,
            export_id=export.pk,
        )
    return matrix_export_content(export)
