"""The comparison's SQL over both rounds' stored cells: the summary with the caveats, and one page
of use cases in matrix order."""

from django.db import connection

from audiences.models import Audience
from matrix.models import Matrix, MatrixCell, MatrixRow
from reviews.models import ReviewRound, RoundVersion
from usecases.models import UseCase, UseCaseVersion

# Bandit's B608 (SQL built from strings) is silenced by a nosec comment where a statement below is
# built: only table names from the models, the columns and round parameter names of this module's
# own SQL are formatted into it; every value is a query parameter.


def tables() -> dict[str, str]:
    return {
        "round": ReviewRound._meta.db_table,
        "round_version": RoundVersion._meta.db_table,
        "round_principle": ReviewRound.principles.through._meta.db_table,
        "header": Matrix._meta.db_table,
        "row": MatrixRow._meta.db_table,
        "cell": MatrixCell._meta.db_table,
        "version": UseCaseVersion._meta.db_table,
        "use_case": UseCase._meta.db_table,
        "audience": Audience._meta.db_table,
    }


# enough: the versions with a cell of as many verdicts as the round's minimum (reviews enough, as
# the cells count them). held: one row per use case of either round, with each round's newest
# version of it as twice its number, plus one if it has reviews enough (NULL: not in the round), so
# that one pass over both rounds' versions gives every count; each round's figure is the newest
# version's. shared: the use cases both rounds hold, with each round's version, found by key
# (materialized: planned as one join with the cells', its planning took longer than its run).
# compared: the cells that compare (the principle in both rounds, both cells current and decided),
# with their two outcomes; current as matrix.selectors.cells.matrix_state says: the round's matrix
# computed under its rule, and the version's row computed since the version's last change. Only
# the shared use cases are joined to their cells. Parameters: a, b, insufficient.
_WITH = """
    WITH enough AS (
        SELECT DISTINCT c.round_id, c.version_id
        FROM {cell} c JOIN {round} r ON r.id = c.round_id
        WHERE c.round_id IN (%(a)s, %(b)s) AND c.meets + c.does_not_meet + c.not_sure >= r.min_reviews
    ),
    held AS (
        SELECT v.use_case_id,
            MAX(CASE WHEN rv.round_id = %(a)s THEN 2 * v.number + {has_enough} END) AS newest_a,
            MAX(CASE WHEN rv.round_id = %(b)s THEN 2 * v.number + {has_enough} END) AS newest_b
        FROM {round_version} rv JOIN {version} v ON v.id = rv.version_id
        LEFT JOIN enough e ON e.round_id = rv.round_id AND e.version_id = rv.version_id
        WHERE rv.round_id IN (%(a)s, %(b)s)
        GROUP BY v.use_case_id
    ),
    shared AS MATERIALIZED (
        SELECT h.use_case_id, va.id AS version_a, vb.id AS version_b
        FROM held h
        JOIN {version} va ON va.use_case_id = h.use_case_id AND va.number = h.newest_a / 2
        JOIN {version} vb ON vb.use_case_id = h.use_case_id AND vb.number = h.newest_b / 2
    ),
    compared AS (
        SELECT p.use_case_id, ca.outcome AS outcome_a, cb.outcome AS outcome_b
        FROM shared p
        JOIN {cell} ca ON ca.round_id = %(a)s AND ca.version_id = p.version_a
        JOIN {cell} cb ON cb.round_id = %(b)s AND cb.version_id = p.version_b AND cb.principle_id = ca.principle_id
        WHERE ca.outcome <> %(insufficient)s AND cb.outcome <> %(insufficient)s
            AND EXISTS (
                SELECT 1 FROM {round_principle} pa WHERE pa.reviewround_id = %(a)s AND pa.principle_id = ca.principle_id
            )
            AND EXISTS (
                SELECT 1 FROM {round_principle} pb WHERE pb.reviewround_id = %(b)s AND pb.principle_id = ca.principle_id
            )
            -- In a CASE, so that the planner keeps these as per-row checks instead of joining them in.
            AND CASE WHEN {compared_current} THEN 1 ELSE 0 END = 1
    )
"""


def _current(side: str, version: str) -> str:
    """Whether round `side`'s stored cells of the version in column `version` are current: its
    matrix computed under its rule, and the version's row computed since the version's last change."""
    return f"""(
        EXISTS (
            SELECT 1 FROM {{header}} m JOIN {{round}} r ON r.id = m.round_id
            WHERE m.round_id = %({side})s AND m.rule_version >= r.rule_version
        ) AND EXISTS (
            SELECT 1 FROM {{row}} w
            JOIN {{round_version}} wv ON wv.round_id = w.round_id AND wv.version_id = w.version_id
            WHERE w.round_id = %({side})s AND w.version_id = {version} AND w.change_count >= wv.change_count
        )
    )"""  # nosec B608: a round's parameter name and a column of this module's SQL


def _newest(side: str) -> str:
    """The newest version of the shown use case that round `side` holds (NULL: none)."""
    return f"""(
        SELECT v.id FROM {{version}} v JOIN {{round_version}} rv ON rv.version_id = v.id
        WHERE rv.round_id = %({side})s AND v.use_case_id = sh.use_case_id
        ORDER BY v.number DESC LIMIT 1
    )"""  # nosec B608: a round's parameter name


# Parameters: tick, cross, and a and b. Each round's use cases and those below its minimum (an even
# newest_a or b), read from held in one pass; then the decided outcomes (a tick or a cross): two that
# differ are a change.
SUMMARY = """,
    figures AS (
        SELECT COUNT(*) AS use_cases,
            COUNT(newest_a) AS use_cases_a, SUM(CASE WHEN newest_a %% 2 = 0 THEN 1 ELSE 0 END) AS below_a,
            COUNT(newest_b) AS use_cases_b, SUM(CASE WHEN newest_b %% 2 = 0 THEN 1 ELSE 0 END) AS below_b
        FROM held
    )
    SELECT (SELECT use_cases FROM figures),
        COUNT(DISTINCT CASE WHEN outcome_a <> outcome_b THEN use_case_id END),
        COALESCE(SUM(CASE WHEN outcome_a = %(cross)s AND outcome_b = %(tick)s THEN 1 ELSE 0 END), 0),
        COALESCE(SUM(CASE WHEN outcome_a = %(tick)s AND outcome_b = %(cross)s THEN 1 ELSE 0 END), 0),
        COALESCE(SUM(CASE WHEN outcome_a = outcome_b THEN 1 ELSE 0 END), 0),
        (SELECT use_cases_a FROM figures), (SELECT COALESCE(below_a, 0) FROM figures),
        (SELECT use_cases_b FROM figures), (SELECT COALESCE(below_b, 0) FROM figures)
    FROM compared
"""

# One page of use cases in matrix order (audience, then use case), with both rounds' side of each.
# listed: the use cases either round holds ({held}), which {walk} reads in that order: on
# PostgreSQL each audience's first `reach` (offset and limit) by the use cases' index of that
# order, so that a page reads what it shows and the pages before it, not the round; elsewhere the
# plain join. Then each shown use case's newest version in each round, and whether its cells there
# are current, its number and title read by key (a join to the versions is planned as a scan of
# every version). Parameters: a, b, limit, offset, reach, and those of the filter.
PAGE = """,
    listed AS (
        SELECT u.id AS use_case_id, u.slug, u.display_order, au.name AS audience_name,
            au.display_order AS audience_order
        FROM {walk}
    ),
    shown AS (
        SELECT * FROM listed
        ORDER BY audience_order, audience_name, display_order, slug
        LIMIT %(limit)s OFFSET %(offset)s
    ),
    newest AS (
        SELECT sh.*, {newest_a} AS version_a, {newest_b} AS version_b
        FROM shown sh
    )
    SELECT n.slug, n.audience_name,
        n.version_a, {number_a}, {title_a}, CASE WHEN {current_a} THEN 0 ELSE 1 END,
        n.version_b, {number_b}, {title_b}, CASE WHEN {current_b} THEN 0 ELSE 1 END
    FROM newest n
    ORDER BY n.audience_order, n.audience_name, n.display_order, n.slug
"""
_HELD = """EXISTS (
    SELECT 1 FROM {round_version} held JOIN {version} hv ON hv.id = held.version_id
    WHERE hv.use_case_id = u.id AND held.round_id IN (%(a)s, %(b)s)
)"""
_WALK_BY_AUDIENCE = """{audience} au CROSS JOIN LATERAL (
    SELECT u.id, u.slug, u.display_order FROM {use_case} u
    WHERE u.audience_id = au.id AND {held}{filter}
    ORDER BY u.display_order, u.slug
    LIMIT %(reach)s
) u"""
_WALK_JOINED = "{audience} au JOIN {use_case} u ON u.audience_id = au.id WHERE {held}{filter}"
ONLY_CHANGED = " AND u.id IN (SELECT use_case_id FROM compared WHERE outcome_a <> outcome_b)"
ONE_USE_CASE = " AND u.slug = %(use_case_slug)s"


def comparison_sql(page_sql: str, filter_sql: str = "") -> str:
    """The CTEs, then the statement, with the fragments and the table names formatted in."""
    walk = _WALK_BY_AUDIENCE if connection.vendor == "postgresql" else _WALK_JOINED
    fragments = {
        "has_enough": "CASE WHEN e.version_id IS NULL THEN 0 ELSE 1 END",
        "walk": walk.replace("{held}", _HELD).replace("{filter}", filter_sql),
        "compared_current": f"{_current('a', 'p.version_a')} AND {_current('b', 'p.version_b')}",
        "current_a": _current("a", "n.version_a"),
        "current_b": _current("b", "n.version_b"),
        "newest_a": _newest("a"),
        "newest_b": _newest("b"),
        **{
            f"{column}_{side}": f"(SELECT {column} FROM {{version}} WHERE id = n.version_{side})"  # nosec B608
            for column in ("number", "title")
            for side in ("a", "b")
        },
    }
    sql = _WITH + page_sql
    for name, fragment in fragments.items():
        sql = sql.replace("{" + name + "}", fragment)
    return sql.format(**tables())


def fetch_rows(sql: str, params: dict) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()
