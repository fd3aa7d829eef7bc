"""Recomputing the principle matrix from submitted verdicts, in SQL.

One path serves both a single use case version (after a review changes) and a whole round (the
sweep, a change of the round's rule, the command): the same statements, with or without a
version filter, so the incremental and the full recompute cannot disagree.

1. Lock the round's header: shared (FOR KEY SHARE) for one version, exclusive for the whole
   round, so a whole-round run never interleaves with a version's; then read the round's rule.
2. Claim rows: copy each version's change counter from reviews.RoundVersion into its matrix
   row, tagged with this run's batch number, but only where the stored count is older. The
   counter is read before the verdicts are aggregated, so the cells written under it are at
   least that new; a slower, older run claims nothing and writes nothing.
3. Find the cells that differ: one read-only grouped query over the claimed rows' submitted
   verdicts (every row's, when the round's rule moved on), compared with the stored cells, with
   the outcome from principles.rule. Being read-only, PostgreSQL may run it in parallel workers,
   which it never does for a statement that writes.
4. Write only those cells.

Only matrix tables are written and locked here: a reviewer's save never waits for a recompute.
"""

import datetime
import functools
import logging
import secrets
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from bold_portal.models import audit, audit_many
from bold_portal.roles import is_analyst
from matrix.agreement import nominal_alpha
from matrix.exporters import EXPORTERS
from matrix.models import ApiToken, Matrix, MatrixAgreement, MatrixCell, MatrixExport, MatrixRow
from matrix.selectors import agreement_reviewer_counts, api_token_hash, matrix_export_content, round_decided_counts
from principles.rule import outcome_sql, outcome_sql_params
from reviews.models import Review, ReviewRound, RoundVersion, Verdict

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RecomputeResult:
    round_id: int
    version_id: int | None
    rows_claimed: int
    cells_written: int
    # The header's generation moved on: the agreement figures are behind.
    agreement_inputs_changed: bool


def _tables() -> dict[str, str]:
    return {
        "matrix": Matrix._meta.db_table,
        "round": ReviewRound._meta.db_table,
        "row": MatrixRow._meta.db_table,
        "cell": MatrixCell._meta.db_table,
        "round_version": RoundVersion._meta.db_table,
        "round_principle": ReviewRound.principles.through._meta.db_table,
        "review": Review._meta.db_table,
        "verdict": Verdict._meta.db_table,
    }


def _lock_header_read_rule(cursor, *, matrix: Matrix, whole_round: bool) -> tuple[int, ReviewRound]:
    """Lock the round's header for this run; return the rule its cells were computed under and
    the round's current rule, read under the lock.

    A version's run takes FOR KEY SHARE, which any number of them hold together and which still
    lets each update the header's timestamp; a whole round's run takes FOR UPDATE, which waits
    for those in progress and holds the next off until it commits, so a version's cells are never
    written under an older rule than the round's. SQLite serialises writing transactions."""
    t = _tables()
    lock = f"FOR {'UPDATE' if whole_round else 'KEY SHARE'} OF m" if connection.vendor == "postgresql" else ""
    cursor.execute(
        f"""
        SELECT m.rule_version, r.threshold, r.min_reviews, r.rule_version
        FROM {t["matrix"]} m JOIN {t["round"]} r ON r.id = m.round_id
        WHERE m.id = %s {lock}
        """,
        [matrix.pk],
    )
    computed_rule, threshold, min_reviews, rule_version = cursor.fetchone()
    review_round = ReviewRound(
        pk=matrix.round_id,
        # SQLite hands back the stored decimal as a float: through str it is the exact decimal again.
        threshold=Decimal(str(threshold)),
        min_reviews=min_reviews,
        rule_version=rule_version,
    )
    return computed_rule, review_round


def _claim_rows(cursor, *, review_round: ReviewRound, version_id: int | None, batch: int, now) -> int:
    t = _tables()
    version_filter = "AND rv.version_id = %s" if version_id is not None else ""
    cursor.execute(
        f"""
        INSERT INTO {t["row"]} (round_id, version_id, change_count, computed_at, batch)
        SELECT rv.round_id, rv.version_id, rv.change_count, %s, %s
        FROM {t["round_version"]} rv
        WHERE rv.round_id = %s {version_filter}
        ON CONFLICT (round_id, version_id) DO UPDATE SET
            change_count = excluded.change_count,
            computed_at = excluded.computed_at,
            batch = excluded.batch
        WHERE {t["row"]}.change_count < excluded.change_count
        """,
        [
            connection.ops.adapt_datetimefield_value(now),
            batch,
            review_round.pk,
            *([version_id] if version_id is not None else []),
        ],
    )
    return cursor.rowcount


# Names the statement in logs and lets the benchmark EXPLAIN it.
CHANGED_CELLS_MARK = "/* matrix: changed cells */"


def _changed_cells(cursor, *, review_round: ReviewRound, version_id: int | None, batch: int | None) -> list[tuple]:
    """The cells whose counts or outcome differ from what is stored (or that are missing), for
    the rows claimed by batch, or with batch None for every row of the round, as (version,
    principle, meets, does not meet, not sure, outcome)."""
    t = _tables()
    outcome = outcome_sql("meets", "does_not_meet", "not_sure")
    submitted = Review.Status.SUBMITTED
    choice = Verdict.Choice
    version_filter = "AND r.version_id = %s" if version_id is not None else ""
    batch_filter = "AND mr.batch = %s" if batch is not None else ""
    # The verdicts are counted on their own, then joined to the rows, the round's principles and
    # the stored cells: for one version a few index entries, for the whole round one grouped pass
    # that the planner can hash-join, never one probe per review.
    cursor.execute(
        f"""
        {CHANGED_CELLS_MARK}
        SELECT version_id, principle_id, meets, does_not_meet, not_sure, outcome
        FROM (
            SELECT counts.*, {outcome} AS outcome
            FROM (
                SELECT mr.version_id AS version_id, rp.principle_id AS principle_id,
                    COALESCE(c.meets, 0) AS meets,
                    COALESCE(c.does_not_meet, 0) AS does_not_meet,
                    COALESCE(c.not_sure, 0) AS not_sure,
                    mc.id AS stored_id, mc.meets AS stored_meets, mc.does_not_meet AS stored_does_not_meet,
                    mc.not_sure AS stored_not_sure, mc.outcome AS stored_outcome
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
                LEFT JOIN {t["cell"]} mc
                    ON mc.round_id = mr.round_id AND mc.version_id = mr.version_id AND mc.principle_id = rp.principle_id
                WHERE mr.round_id = %s {batch_filter}
            ) counts
        ) computed
        WHERE stored_id IS NULL OR stored_meets <> meets OR stored_does_not_meet <> does_not_meet
            OR stored_not_sure <> not_sure OR stored_outcome <> outcome
        """,
        [
            *outcome_sql_params(threshold=review_round.threshold, min_reviews=review_round.min_reviews),
            review_round.pk,
            *([version_id] if version_id is not None else []),
            review_round.pk,
            *([batch] if batch is not None else []),
        ],
    )
    return cursor.fetchall()


def _write_cells(cursor, *, round_id: int, cells: list[tuple]) -> int:
    """Upsert cells given as (version, principle, meets, does not meet, not sure, outcome): on
    PostgreSQL one statement over arrays, whatever their number; on SQLite one prepared statement
    run per cell."""
    if not cells:
        return 0
    upsert = """
        ON CONFLICT (round_id, version_id, principle_id) DO UPDATE SET
            meets = excluded.meets,
            does_not_meet = excluded.does_not_meet,
            not_sure = excluded.not_sure,
            outcome = excluded.outcome
    """
    columns = "(round_id, version_id, principle_id, meets, does_not_meet, not_sure, outcome)"
    table = _tables()["cell"]
    if connection.vendor == "postgresql":
        cursor.execute(
            f"""
            INSERT INTO {table} {columns}
            SELECT %s, * FROM unnest(%s::integer[], %s::integer[], %s::integer[], %s::integer[],
                %s::integer[], %s::varchar[])
            {upsert}
            """,
            [round_id, *(list(column) for column in zip(*cells, strict=True))],
        )
    else:
        cursor.executemany(
            f"INSERT INTO {table} {columns} VALUES (%s, %s, %s, %s, %s, %s, %s) {upsert}",
            [(round_id, *cell) for cell in cells],
        )
    return len(cells)


def _drop_leftovers(review_round: ReviewRound) -> int:
    """Delete the rows and cells of versions or principles that have left the round; return how many."""
    versions = RoundVersion.objects.filter(round=review_round).values("version_id")
    principles = ReviewRound.principles.through.objects.filter(reviewround=review_round).values("principle_id")
    rows, _by_model = MatrixRow.objects.filter(round=review_round).exclude(version_id__in=versions).delete()
    cells, _by_model = MatrixCell.objects.filter(round=review_round).exclude(version_id__in=versions).delete()
    principle_cells, _by_model = (
        MatrixCell.objects.filter(round=review_round).exclude(principle_id__in=principles).delete()
    )
    return rows + cells + principle_cells


def matrix_recompute(*, round_id: int, version_id: int | None = None) -> RecomputeResult | None:
    """Recompute one version's cells in a round, or with version_id None every version's.

    Rows already computed from the version's newest change are left alone, and cells whose values
    did not change are not rewritten, so a duplicate or late task costs a few cheap statements.
    A version's run becomes a whole round's when the round's rule has moved on since the matrix
    was last computed (the first run included), and reports version_id None. Returns None when
    the round no longer exists.
    """
    rule_version = ReviewRound.objects.filter(pk=round_id).values_list("rule_version", flat=True).first()
    if rule_version is None:
        return None
    batch = secrets.randbits(62)
    now = timezone.now()
    with transaction.atomic():
        matrix, _created = Matrix.objects.get_or_create(round_id=round_id)
        if matrix.rule_version < rule_version:
            version_id = None
        with connection.cursor() as cursor:
            # The rule is read under the lock: a whole round's run sees every change committed before it.
            computed_rule, review_round = _lock_header_read_rule(cursor, matrix=matrix, whole_round=version_id is None)
            rule_moved_on = version_id is None and computed_rule < review_round.rule_version
            dropped = _drop_leftovers(review_round) if version_id is None else 0
            claimed = _claim_rows(cursor, review_round=review_round, version_id=version_id, batch=batch, now=now)
            cells = (
                _changed_cells(
                    cursor, review_round=review_round, version_id=version_id, batch=None if rule_moved_on else batch
                )
                if claimed or rule_moved_on
                else []
            )
            written = _write_cells(cursor, round_id=round_id, cells=cells)
        counter = "round_recomputes" if version_id is None else "version_recomputes"
        header = {"computed_at": now, counter: F(counter) + 1}
        # A claimed row means the version's verdicts changed, even where its counts did not (who
        # decided counts towards agreement): the agreement figures are now behind.
        agreement_inputs_changed = bool(claimed or written or dropped)
        if agreement_inputs_changed:
            header["generation"] = F("generation") + 1
        if version_id is None:
            header["rule_version"] = review_round.rule_version
        Matrix.objects.filter(pk=matrix.pk).update(**header)
    logger.info(
        "Matrix of round %s recomputed (%s): %s rows claimed, %s cells written.",
        round_id,
        "whole round" if version_id is None else f"version {version_id}",
        claimed,
        written,
    )
    return RecomputeResult(
        round_id=round_id,
        version_id=version_id,
        rows_claimed=claimed,
        cells_written=written,
        agreement_inputs_changed=agreement_inputs_changed,
    )


def matrix_bring_up_to_date(*, review_round: ReviewRound) -> None:
    """Recompute the round's behind rows and measure its agreement again if it is behind, now, for
    exports that must not hand out a stale matrix (an analyst's or a command's request, never a
    reviewer's)."""
    from matrix.selectors import matrix_state

    state = matrix_state(review_round)
    if state.computed_at is None or state.is_updating:
        matrix_recompute(round_id=review_round.pk)
        state = matrix_state(review_round)
    if state.agreement_behind:
        matrix_agreement_refresh(round_id=review_round.pk)


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


# ---------------------------------------------------------------------------------------------
# Agreement between reviewers: Krippendorff's alpha, refreshed after a recompute (matrix.tasks).


def matrix_agreement_refresh(*, round_id: int) -> list[MatrixAgreement] | None:
    """Store the round's agreement (Krippendorff's alpha, matrix.agreement) per principle and for
    the whole round, from the stored cells: the units are (use case version, principle) cells,
    the values meets and does not meet, "not sure" no answer. Replaces the round's previous
    figures in one transaction and notes on the round's header the generation they were measured
    at, read before the cells, so figures measured from older cells never pass for current ones.
    Like a recompute, it is the system's bookkeeping, not anybody's decision, so it is not
    audited. Returns None when the round or its matrix does not exist, or when figures measured
    from newer cells were stored meanwhile (then this refresh writes nothing)."""
    review_round = ReviewRound.objects.filter(pk=round_id).first()
    header = Matrix.objects.filter(round_id=round_id).values("pk", "generation").first()
    if review_round is None or header is None:
        return None
    principle_ids = list(review_round.principles.order_by("order", "name").values_list("pk", flat=True))
    cells = round_decided_counts(review_round)
    # Columns: version id, principle id, meets, does not meet (one row per pairable cell).
    table = np.array(cells, dtype=np.int64).reshape(-1, 4)
    reviewers, all_reviewers = agreement_reviewer_counts(review_round)
    now = timezone.now()
    figures = []
    for principle_id in principle_ids:
        alpha = nominal_alpha(table[table[:, 1] == principle_id][:, 2:])
        figures.append((principle_id, alpha.value, reviewers.get(principle_id, 0), alpha.use_cases))
    overall = nominal_alpha(table[:, 2:])
    figures.append((None, overall.value, all_reviewers, len(np.unique(table[:, 0]))))
    rows = [
        MatrixAgreement(
            matrix_id=header["pk"],
            principle_id=principle_id,
            alpha=alpha,
            reviewers=count,
            use_cases=use_cases,
            computed_at=now,
        )
        for principle_id, alpha, count, use_cases in figures
    ]
    with transaction.atomic():
        # Updating the header locks it, so two refreshes of one round take turns and neither sees
        # the other's half-written rows; the one that measured older cells than what is stored
        # (it read the generation earlier) updates nothing and writes nothing.
        not_newer = Q(agreement_generation__isnull=True) | Q(agreement_generation__lte=header["generation"])
        if not Matrix.objects.filter(not_newer, pk=header["pk"]).update(agreement_generation=header["generation"]):
            return None
        MatrixAgreement.objects.filter(matrix_id=header["pk"]).delete()
        # The foreign keys were just read from this round; the figures and their checks are validated.
        for row in rows:
            row.full_clean(exclude=["matrix", "principle"], validate_unique=False)
        MatrixAgreement.objects.bulk_create(rows)
    logger.info(
        "Agreement of round %s refreshed (generation %s): alpha %s over %s cells.",
        round_id,
        header["generation"],
        overall.value,
        len(table),
    )
    return rows


# --- API tokens (docs/api.md) ------------------------------------------------------------------


class TokenNotAllowed(Exception):
    """Only analysts and programme admins make API tokens."""


def _new_api_key() -> tuple[str, str]:
    """A new key and its visible prefix: "bold_" and 8 hex characters that name it in lists,
    then 43 random URL-safe characters (256 bits) that are never stored."""
    prefix = f"bold_{secrets.token_hex(4)}"
    return prefix, f"{prefix}_{secrets.token_urlsafe(32)}"


def api_token_create(*, owner, name: str, days: int) -> tuple[ApiToken, str]:
    """Make a token for owner's own tools, expiring in `days` days (at most API_TOKEN_MAX_DAYS).
    Returns the token and its key, which is shown once and never again: only its hash is kept."""
    if not owner.is_active or not is_analyst(owner):
        raise TokenNotAllowed
    if not 1 <= days <= settings.API_TOKEN_MAX_DAYS:
        raise ValidationError(
            {"days": _("A token expires in 1 to %(max)d days.") % {"max": settings.API_TOKEN_MAX_DAYS}}
        )
    prefix, key = _new_api_key()
    now = timezone.now()
    with transaction.atomic():
        token = ApiToken(
            owner=owner,
            name=name.strip(),
            prefix=prefix,
            key_hash=api_token_hash(key),
            created_at=now,
            expires_at=now + datetime.timedelta(days=days),
        )
        token.full_clean()
        token.save()
        audit(
            actor=owner,
            action="api_token_created",
            obj=token,
            after={"prefix": prefix, "expires_at": token.expires_at.isoformat()},
        )
    return token, key


def api_token_revoke(*, token: ApiToken, actor) -> ApiToken:
    """Revoke the token from now on. Revoking a revoked token changes nothing and records nothing."""
    with transaction.atomic():
        locked = ApiToken.objects.select_for_update(of=("self",)).get(pk=token.pk)
        if locked.revoked_at is None:
            locked.revoked_at = timezone.now()
            locked.save(update_fields=["revoked_at"])
            audit(
                actor=actor,
                action="api_token_revoked",
                obj=locked,
                before={"revoked_at": None},
                after={"revoked_at": locked.revoked_at.isoformat()},
            )
    return locked


def api_tokens_revoke_all(*, owner, actor, reason: str) -> int:
    """Revoke every token of owner still in use, because some of their access was taken away
    (reason: audiences.signals.ACCESS_WITHDRAWN_REASONS). One api_token_revoked row per token,
    with the reason and the admin who acted. Returns how many were revoked."""
    now = timezone.now()
    with transaction.atomic():
        tokens = list(
            ApiToken.objects.select_for_update(of=("self",))
            .filter(owner=owner, revoked_at__isnull=True, expires_at__gt=now)
            .order_by()
        )
        if not tokens:
            return 0
        ApiToken.objects.filter(pk__in=[token.pk for token in tokens]).update(revoked_at=now)
        audit_many(
            actor=actor,
            action="api_token_revoked",
            objects=tokens,
            before={"revoked_at": None},
            after={"revoked_at": now.isoformat()},
            reason=reason,
        )
    return len(tokens)


# A token's last use is noted at most this often: one write a minute, not one a request.
TOKEN_USE_RESOLUTION = datetime.timedelta(minutes=1)


def api_token_mark_used(*, token: ApiToken) -> None:
    """Note when the token was last used (bookkeeping shown on the tokens page, not audited)."""
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= TOKEN_USE_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
