"""Recomputing the principle matrix from submitted verdicts, in SQL.

One path serves both some use case versions (after reviews change) and a whole round (the
sweep, a change of the round's rule, the command): the same statements, with or without a
version filter, so the incremental and the full recompute cannot disagree.

1. Lock the round's header: shared (FOR KEY SHARE) for some versions, exclusive for the whole
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

Only matrix tables are written and locked here: a reviewer's save never waits for a recompute."""

import logging
import secrets
from collections.abc import Collection
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from matrix.models import Matrix, MatrixCell, MatrixRow
from matrix.selectors.cells import matrix_state
from matrix.services.agreement import matrix_agreement_refresh
from principles.models import Principle
from principles.rule import outcome_sql, outcome_sql_params
from reviews.models import Review, ReviewRound, RoundVersion, Verdict

# Bandit's B608 (SQL built from strings) is silenced by a nosec comment where a statement below ends:
# only table names from the models and this module's own SQL fragments are formatted into the SQL;
# every value is a query parameter.

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RecomputeResult:
    round_id: int
    version_ids: tuple[int, ...] | None  # None: the whole round
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
    postgresql = connection.vendor == "postgresql"
    lock = f"FOR {'UPDATE' if whole_round else 'KEY SHARE'} OF m" if postgresql else ""
    cursor.execute(
        f"""
        SELECT m.rule_version, r.threshold, r.min_reviews, r.rule_version
        FROM {t["matrix"]} m JOIN {t["round"]} r ON r.id = m.round_id
        WHERE m.id = %s {lock}
        """,  # nosec
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


def _versions_filter(column: str, version_ids: Collection[int] | None) -> tuple[str, list[int]]:
    """SQL that keeps the rows of these versions (with None, every row; with none, no row), and its
    parameters."""
    if version_ids is None:
        return "", []
    if not version_ids:
        return "AND 1 = 0", []
    return f"AND {column} IN ({', '.join(['%s'] * len(version_ids))})", list(version_ids)


@dataclass(frozen=True)
class Claimed:
    rows: int
    # Every version of the round got its first row from this claim: the round's first computation,
    # so no cell is stored either (on PostgreSQL a cell cannot outlive its row, matrixcell_row_fk).
    round_was_empty: bool = False


def _claim_rows(cursor, *, review_round: ReviewRound, version_ids: Collection[int] | None, batch: int, now) -> Claimed:
    """Claim the rows that are missing or older than their version's change counter.

    The rows already up to date are left out before the upsert, not only by its WHERE: PostgreSQL
    locks every conflicting row an upsert meets, even one its WHERE then leaves alone, so a whole
    round's run after a change of rule would otherwise lock (and write a lock into) all its rows.
    The upsert's WHERE still decides: a row claimed by another run since this statement's snapshot
    is compared with its newest counter. A whole round's run on PostgreSQL needs neither
    (_claim_round_rows)."""
    t = _tables()
    params = [connection.ops.adapt_datetimefield_value(now), batch, review_round.pk]
    if version_ids is None and connection.vendor == "postgresql":
        return _claim_round_rows(cursor, params=params, round_id=review_round.pk)
    version_filter, version_params = _versions_filter("rv.version_id", version_ids)
    cursor.execute(
        f"""
        INSERT INTO {t["row"]} (round_id, version_id, change_count, computed_at, batch)
        SELECT rv.round_id, rv.version_id, rv.change_count, %s, %s
        FROM {t["round_version"]} rv
        LEFT JOIN {t["row"]} stored ON stored.round_id = rv.round_id AND stored.version_id = rv.version_id
        WHERE rv.round_id = %s {version_filter}
            AND (stored.id IS NULL OR stored.change_count < rv.change_count)
        ON CONFLICT (round_id, version_id) DO UPDATE SET
            change_count = excluded.change_count,
            computed_at = excluded.computed_at,
            batch = excluded.batch
        WHERE {t["row"]}.change_count < excluded.change_count
        """,  # nosec
        [*params, *version_params],
    )
    return Claimed(rows=cursor.rowcount)


def _claim_round_rows(cursor, *, params: list, round_id: int) -> Claimed:
    """A whole round's claim on PostgreSQL: the rows behind updated by id, the missing ones
    inserted plainly in key order, in one statement.

    No other run can claim a row meanwhile: a whole round's run holds the header against every
    other run (_lock_header_read_rule), and this statement's snapshot is taken once it does. An
    upsert inserts each row speculatively (a lock and a second write per row): it took about 1.8
    times as long to claim a round's first 10,000 rows (docs/performance.md)."""
    t = _tables()
    cursor.execute(
        f"""
        WITH offered AS (
            SELECT rv.round_id, rv.version_id, rv.change_count, stored.id AS stored_id,
                %s::timestamptz AS computed_at, %s::bigint AS batch
            FROM {t["round_version"]} rv
            LEFT JOIN {t["row"]} stored ON stored.round_id = rv.round_id AND stored.version_id = rv.version_id
            WHERE rv.round_id = %s AND (stored.id IS NULL OR stored.change_count < rv.change_count)
        ), updated AS (
            UPDATE {t["row"]} mr SET change_count = o.change_count, computed_at = o.computed_at, batch = o.batch
            FROM offered o
            WHERE o.stored_id IS NOT NULL AND mr.id = o.stored_id
            RETURNING 1
        ), inserted AS (
            INSERT INTO {t["row"]} (round_id, version_id, change_count, computed_at, batch)
            SELECT round_id, version_id, change_count, computed_at, batch
            FROM offered
            WHERE stored_id IS NULL
            ORDER BY version_id
            RETURNING 1
        )
        SELECT (SELECT count(*) FROM updated), (SELECT count(*) FROM inserted),
            (SELECT count(*) FROM {t["round_version"]} WHERE round_id = %s)
        """,  # nosec
        [*params, round_id],
    )
    updated, inserted, versions = cursor.fetchone()
    return Claimed(rows=updated + inserted, round_was_empty=updated == 0 and inserted == versions > 0)


# Names the statement in logs and lets the benchmark EXPLAIN it.
CHANGED_CELLS_MARK = "/* matrix: changed cells */"


# The changed cells' columns, in the order _write_cells reads them; stored_id is the stored cell's
# id, or None for a cell that is not stored yet.
CELL_COLUMNS = ("version_id", "principle_id", "meets", "does_not_meet", "not_sure", "carried", "outcome", "stored_id")


@dataclass(frozen=True)
class ChangedCells:
    """What _changed_cells found, as _write_cells writes it: how many cells, and on PostgreSQL each
    of CELL_COLUMNS as the text of an array, which the database reads back as it wrote it (a round's
    first computation is 40,000 cells: turned into Python values and back, they cost a tenth of its
    time); elsewhere the cells as tuples of CELL_COLUMNS' values."""

    count: int
    values: list


def _changed_cells(
    cursor,
    *,
    review_round: ReviewRound,
    version_ids: Collection[int] | None,
    batch: int | None,
    cells_stored: bool,
) -> ChangedCells:
    """The cells whose counts or outcome differ from what is stored (or that are missing), for
    the rows claimed by batch, or with batch None for every row of the round. With cells_stored
    False the round has no cell stored yet (its first computation): every cell is missing, and
    the stored cells are not looked up, which would be one probe of their index per cell."""
    t = _tables()
    outcome = outcome_sql("meets", "does_not_meet", "not_sure")
    submitted = Review.Status.SUBMITTED
    choice = Verdict.Choice
    version_filter, version_params = _versions_filter("r.version_id", version_ids)
    batch_filter = "AND mr.batch = %s" if batch is not None else ""
    stored_cell = (
        "mc.round_id = mr.round_id AND mc.version_id = mr.version_id AND mc.principle_id = rp.principle_id"
        if cells_stored
        else "1 = 0"
    )
    # The verdicts are counted on their own, then joined to the rows, the round's principles and
    # the stored cells: for one version a few index entries, for the whole round one grouped pass
    # that the planner can hash-join, never one probe per review.
    columns = ", ".join(CELL_COLUMNS)
    if connection.vendor == "postgresql":
        # Counted in one row over the changed cells, which PostgreSQL still finds with parallel workers.
        arrays = ", ".join(f"array_agg({column})::text" for column in CELL_COLUMNS)
        select, end = f"SELECT count(*), {arrays} FROM (SELECT {columns} FROM (", ") changed"  # nosec
    else:
        select, end = f"SELECT {columns} FROM (", ""  # nosec
    cursor.execute(
        f"""
        {CHANGED_CELLS_MARK}
        {select}
            SELECT counts.*, {outcome} AS outcome
            FROM (
                SELECT mr.version_id AS version_id, rp.principle_id AS principle_id,
                    COALESCE(c.meets, 0) AS meets,
                    COALESCE(c.does_not_meet, 0) AS does_not_meet,
                    COALESCE(c.not_sure, 0) AS not_sure,
                    COALESCE(c.carried, 0) AS carried,
                    mc.id AS stored_id, mc.meets AS stored_meets, mc.does_not_meet AS stored_does_not_meet,
                    mc.not_sure AS stored_not_sure, mc.carried AS stored_carried, mc.outcome AS stored_outcome
                FROM {t["row"]} mr
                JOIN {t["round_principle"]} rp ON rp.reviewround_id = mr.round_id
                LEFT JOIN (
                    SELECT r.version_id AS version_id, v.principle_id AS principle_id,
                        SUM(CASE WHEN v.verdict = '{choice.MEETS}' THEN 1 ELSE 0 END) AS meets,
                        SUM(CASE WHEN v.verdict = '{choice.DOES_NOT_MEET}' THEN 1 ELSE 0 END) AS does_not_meet,
                        SUM(CASE WHEN v.verdict = '{choice.NOT_SURE}' THEN 1 ELSE 0 END) AS not_sure,
                        SUM(CASE WHEN v.carried_from_id IS NOT NULL THEN 1 ELSE 0 END) AS carried
                    FROM {t["review"]} r
                    JOIN {t["verdict"]} v ON v.review_id = r.id
                    WHERE r.round_id = %s AND r.status = '{submitted}' {version_filter}
                    GROUP BY r.version_id, v.principle_id
                ) c ON c.version_id = mr.version_id AND c.principle_id = rp.principle_id
                LEFT JOIN {t["cell"]} mc ON {stored_cell}
                WHERE mr.round_id = %s {batch_filter}
            ) counts
        ) computed
        WHERE stored_id IS NULL OR stored_meets <> meets OR stored_does_not_meet <> does_not_meet
            OR stored_not_sure <> not_sure OR stored_carried <> carried OR stored_outcome <> outcome
        {end}
        """,  # nosec
        [
            *outcome_sql_params(threshold=review_round.threshold, min_reviews=review_round.min_reviews),
            review_round.pk,
            *version_params,
            review_round.pk,
            *([batch] if batch is not None else []),
        ],
    )
    if connection.vendor == "postgresql":
        # One row always, unless the benchmark read the statement's EXPLAIN in its place (matrix_part).
        count, *arrays = cursor.fetchone() or (0,)
        return ChangedCells(count=count, values=arrays)
    rows = cursor.fetchall()
    return ChangedCells(count=len(rows), values=rows)


def _write_cells(cursor, *, round_id: int, cells: ChangedCells) -> int:
    """Write the changed cells: on PostgreSQL one statement over arrays, whatever their number, that
    updates the stored cells by id and inserts the others in key order; on SQLite one prepared
    upsert run per cell.

    PostgreSQL inserts the new cells plainly, not as an upsert: an upsert inserts each row
    speculatively (a lock and a second write per row), which made the insert of a round's first
    computation about twice as slow. No other run can have stored one of these cells since they
    were read: a version's run writes only the cells of the rows it claimed, which it holds
    locked, and a whole round's run holds the header against every other run (_lock_header_read_rule).
    Key order keeps the unique index's inserts, and the foreign-key checks at commit, on neighbouring
    pages."""
    if not cells.count:
        return 0
    table = _tables()["cell"]
    if connection.vendor == "postgresql":
        cursor.execute(
            f"""
            WITH changed AS (
                SELECT * FROM unnest(%s::integer[], %s::integer[], %s::integer[], %s::integer[],
                    %s::integer[], %s::integer[], %s::varchar[], %s::bigint[]) AS c ({", ".join(CELL_COLUMNS)})
            ), updated AS (
                UPDATE {table} mc SET meets = c.meets, does_not_meet = c.does_not_meet,
                    not_sure = c.not_sure, carried = c.carried, outcome = c.outcome
                FROM changed c
                WHERE c.stored_id IS NOT NULL AND mc.id = c.stored_id
            )
            INSERT INTO {table} (round_id, version_id, principle_id, meets, does_not_meet, not_sure, carried, outcome)
            SELECT %s, version_id, principle_id, meets, does_not_meet, not_sure, carried, outcome
            FROM changed
            WHERE stored_id IS NULL
            ORDER BY version_id, principle_id
            """,  # nosec
            [*cells.values, round_id],
        )
    else:
        cursor.executemany(
            f"""
            INSERT INTO {table} (round_id, version_id, principle_id, meets, does_not_meet, not_sure, carried, outcome)
            VALUES (%s, %s, %s, %s, %s, %s, %s, %s)
            ON CONFLICT (round_id, version_id, principle_id) DO UPDATE SET
                meets = excluded.meets,
                does_not_meet = excluded.does_not_meet,
                not_sure = excluded.not_sure,
                carried = excluded.carried,
                outcome = excluded.outcome
            """,  # nosec
            [(round_id, *cell[:-1]) for cell in cells.values],
        )
    return cells.count


def _drop_leftovers(review_round: ReviewRound) -> int:
    """Delete the rows and cells of versions or principles that have left the round; return how many.

    Usually nothing has left, and finding that out never passes over the round's cells: the
    versions that left are the round's rows without a version in the round (one anti-join of two
    indexes), the principles that might have are the few the round does not have. The cells of
    either are then found through their indexes, which begin with the round."""
    in_round = RoundVersion.objects.filter(round=review_round).values("version_id")
    left_versions = list(
        MatrixRow.objects.filter(round=review_round)
        .exclude(version_id__in=in_round)
        .values_list("version_id", flat=True)
    )
    round_principles = ReviewRound.principles.through.objects.filter(reviewround=review_round).values("principle_id")
    other_principles = list(Principle.objects.exclude(pk__in=round_principles).values_list("pk", flat=True))
    if not (left_versions or other_principles):
        return 0
    cells, _by_model = MatrixCell.objects.filter(
        Q(version_id__in=left_versions) | Q(principle_id__in=other_principles), round=review_round
    ).delete()
    if not left_versions:
        return cells
    rows, _by_model = MatrixRow.objects.filter(round=review_round, version_id__in=left_versions).delete()
    return rows + cells


# A whole-round run that writes this many cells (a round's first computation, or a change of rule
# that turns many outcomes) has changed the tables' statistics enough for plans to go wrong: the
# agreement refresh that follows a round's first computation read the cells about 7 times slower
# before PostgreSQL's autovacuum got round to analysing them. So the run analyses them itself.
ANALYZE_AFTER_CELLS = 1_000

# The sample of that ANALYZE, as PostgreSQL's statistics target: 3,000 rows of each table, not the
# default 30,000. What went wrong was the tables' size and each round's share of them, which a small
# sample gives as well: the agreement refresh after it read the cells as fast as after the default
# sample, and the ANALYZE took 17 ms in place of 100 at 10,000 use cases (docs/performance.md).
# Autovacuum's own analyses, at the default target, replace these statistics as the tables change.
ANALYZE_STATISTICS_TARGET = 10


def _analyse_matrix_tables() -> None:
    """Update PostgreSQL's statistics of the matrix's rows and cells (a sample of each table, a
    few milliseconds); SQLite plans without them."""
    if connection.vendor != "postgresql":
        return
    t = _tables()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT set_config('default_statistics_target', %s, true)", [str(ANALYZE_STATISTICS_TARGET)])
        cursor.execute(f"ANALYZE {t['row']}, {t['cell']}")  # nosec
        # Back to the server's target at once, should a caller's transaction still be open.
        cursor.execute("SET LOCAL default_statistics_target TO DEFAULT")


def matrix_recompute(*, round_id: int, version_ids: Collection[int] | None = None) -> RecomputeResult | None:
    """Recompute these versions' cells in a round, or with version_ids None every version's.

    Rows already computed from a version's newest change are left alone, and cells whose values
    did not change are not rewritten, so a duplicate or late task costs a few cheap statements.
    A run of some versions becomes a whole round's when the round's rule has moved on since the
    matrix was last computed (the first run included), and reports version_ids None. Returns None
    when the round no longer exists.
    """
    rule_version = ReviewRound.objects.filter(pk=round_id).values_list("rule_version", flat=True).first()
    if rule_version is None:
        return None
    version_ids = None if version_ids is None else tuple(sorted(set(version_ids)))
    batch = secrets.randbits(62)
    now = timezone.now()
    with transaction.atomic():
        matrix, _created = Matrix.objects.get_or_create(round_id=round_id)
        if matrix.rule_version < rule_version:
            version_ids = None
        with connection.cursor() as cursor:
            # The rule is read under the lock: a whole round's run sees every change committed before it.
            computed_rule, review_round = _lock_header_read_rule(cursor, matrix=matrix, whole_round=version_ids is None)
            rule_moved_on = version_ids is None and computed_rule < review_round.rule_version
            dropped = _drop_leftovers(review_round) if version_ids is None else 0
            claimed = _claim_rows(cursor, review_round=review_round, version_ids=version_ids, batch=batch, now=now)
            cells = (
                _changed_cells(
                    cursor,
                    review_round=review_round,
                    version_ids=version_ids,
                    batch=None if rule_moved_on else batch,
                    cells_stored=not claimed.round_was_empty,
                )
                if claimed.rows or rule_moved_on
                else ChangedCells(count=0, values=[])
            )
            written = _write_cells(cursor, round_id=round_id, cells=cells)
        counter = "round_recomputes" if version_ids is None else "version_recomputes"
        header = {"computed_at": now, counter: F(counter) + 1}
        # A claimed row means the version's verdicts changed, even where its counts did not (who
        # decided counts towards agreement): the agreement figures are now behind.
        agreement_inputs_changed = bool(claimed.rows or written or dropped)
        if agreement_inputs_changed:
            header["generation"] = F("generation") + 1
        if version_ids is None:
            header["rule_version"] = review_round.rule_version
        Matrix.objects.filter(pk=matrix.pk).update(**header)
    if version_ids is None and written >= ANALYZE_AFTER_CELLS:
        _analyse_matrix_tables()
    logger.info(
        "Matrix of round %s recomputed (%s): %s rows claimed, %s cells written.",
        round_id,
        "whole round" if version_ids is None else f"versions {', '.join(map(str, version_ids))}",
        claimed.rows,
        written,
    )
    return RecomputeResult(
        round_id=round_id,
        version_ids=version_ids,
        rows_claimed=claimed.rows,
        cells_written=written,
        agreement_inputs_changed=agreement_inputs_changed,
    )


def matrix_bring_up_to_date(*, review_round: ReviewRound) -> None:
    """Recompute the round's behind rows and measure its agreement again if it is behind, now, for
    exports that must not hand out a stale matrix (an analyst's or a command's request, never a
    reviewer's)."""
    state = matrix_state(review_round)
    if state.computed_at is None or state.is_updating:
        matrix_recompute(round_id=review_round.pk)
        state = matrix_state(review_round)
    if state.agreement_behind:
        matrix_agreement_refresh(round_id=review_round.pk)
