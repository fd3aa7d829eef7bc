"""Rounds side by side.

Two rounds compared use case by use case (whatever version each reviewed) and principle by
principle (matched by the principle's slug, its code). The summary, the caveats, the "only what
changed" filter, the order and the paging are SQL over both rounds' stored cells; only the use
cases on the page are built in Python. The summary and the caveats count every use case of both
rounds in one pass; on PostgreSQL a page of every use case, or of one, reads only the use cases up
to its last, in matrix order, by an index (the "only what changed" page reads the shared ones).

Each cell of the comparison is one of four kinds: improved (a cross became a tick), worsened (a
tick became a cross), unchanged (the same tick or cross in both), or not comparable (a round did
not review the use case or does not have the principle, or has not enough reviews yet). Only the
first two are changes."""

from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import Q

from audiences.models import Audience
from matrix.models import Matrix, MatrixCell, MatrixRow
from matrix.wording import being_updated_change_in_words, outcome_change_in_words
from principles.rule import CROSS, INSUFFICIENT, TICK
from reviews.models import ReviewRound, RoundVersion
from usecases.models import UseCase, UseCaseVersion

# Bandit's B608 (SQL built from strings) is silenced by a nosec comment where a statement below is
# built: only table names from the models, the columns and round parameter names of this module's
# own SQL are formatted into it; every value is a query parameter.

COMPARISON_ROWS_PER_PAGE = 50

IMPROVED = "improved"
WORSENED = "worsened"
UNCHANGED = "unchanged"
NOT_COMPARABLE = "not-comparable"
CHANGE_KINDS = (IMPROVED, WORSENED, UNCHANGED, NOT_COMPARABLE)


@dataclass(frozen=True)
class CellCounts:
    """A round's stored totals for one cell (every reviewer of the version, never a group of them)."""

    meets: int
    does_not_meet: int
    not_sure: int


@dataclass(frozen=True)
class ComparedCell:
    """One principle of one use case in both rounds. An outcome is None where the round did not
    review the use case or does not have the principle; counts are None there and where the cell
    has not been computed yet."""

    principle_slug: str
    principle_name: str
    outcome_a: str | None
    outcome_b: str | None
    counts_a: CellCounts | None = None
    counts_b: CellCounts | None = None
    # The round's stored cell is behind the version's reviews (MatrixState.behind_version_ids): its
    # outcome is not shown, and the cell is not compared until it is current.
    updating_a: bool = False
    updating_b: bool = False

    @property
    def kind(self) -> str:
        if self.outcome_a is None or self.outcome_b is None or self.updating_a or self.updating_b:
            return NOT_COMPARABLE
        if INSUFFICIENT in (self.outcome_a, self.outcome_b):
            return NOT_COMPARABLE
        if self.outcome_a == self.outcome_b:
            return UNCHANGED
        return IMPROVED if (self.outcome_a, self.outcome_b) == (CROSS, TICK) else WORSENED

    @property
    def changed(self) -> bool:
        """Improved or worsened: "not in this round" and "not enough reviews yet" are no change."""
        return self.kind in (IMPROVED, WORSENED)

    @property
    def change_in_words(self) -> str:
        if self.updating_a or self.updating_b:
            return being_updated_change_in_words(first=self.updating_a)
        return outcome_change_in_words(self.outcome_a, self.outcome_b)


@dataclass(frozen=True)
class ComparedUseCase:
    audience_name: str
    use_case_slug: str
    title: str
    # The version each round reviewed (the newest, if a round holds more than one); None: not in it.
    number_a: int | None
    number_b: int | None
    cells: tuple[ComparedCell, ...]

    @property
    def changed(self) -> bool:
        return any(cell.changed for cell in self.cells)

    @property
    def changed_count(self) -> int:
        return sum(1 for cell in self.cells if cell.changed)


@dataclass(frozen=True)
class RoundCaveat:
    """Why one round's outcomes may not be final: it is not closed yet, or some of its use cases
    have fewer reviews than its minimum (their cells show "not enough reviews yet")."""

    round: ReviewRound
    still_open: bool
    below_minimum: int  # use cases of the round with fewer reviews than its minimum
    use_cases: int  # use cases of the round

    @property
    def any(self) -> bool:
        return self.still_open or self.below_minimum > 0


@dataclass(frozen=True)
class ChangeSummary:
    """How many cells of the comparison are of each kind, over every use case of both rounds."""

    improved: int
    worsened: int
    unchanged: int
    not_comparable: int

    @property
    def cells(self) -> int:
        return self.improved + self.worsened + self.unchanged + self.not_comparable


@dataclass(frozen=True)
class RoundComparison:
    round_a: ReviewRound
    round_b: ReviewRound
    # Every principle of either round, as (slug, name), in the order of the cells of each row.
    principles: tuple[tuple[str, str], ...]
    use_cases: tuple[ComparedUseCase, ...]
    page: Page
    # Over every use case of both rounds, not only this page's (or the one use case asked for).
    total_use_cases: int
    changed_use_cases: int
    summary: ChangeSummary
    caveats: tuple[RoundCaveat, ...]
    # The one use case asked for (its slug), or "" for every use case.
    use_case_slug: str = ""


# Only table names from the models and the fixed fragments below are formatted into the SQL; every
# value is a query parameter.


def _tables() -> dict[str, str]:
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
_SUMMARY = """,
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
_PAGE = """,
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
_ONLY_CHANGED = " AND u.id IN (SELECT use_case_id FROM compared WHERE outcome_a <> outcome_b)"
_ONE_USE_CASE = " AND u.slug = %(use_case_slug)s"


def _sql(page_sql: str, filter_sql: str = "") -> str:
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
    return sql.format(**_tables())


def _rows(sql: str, params: dict) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _side(version_id: int | None, number: int | None, title: str | None, behind: int | None) -> dict | None:
    """One round's side of a use case, from the page's statement (None: not in the round)."""
    if version_id is None:
        return None
    return {"version_id": version_id, "number": number, "title": title, "behind": bool(behind)}


class _ComparedPages:
    """The use cases the comparison shows, as the paginator asks for them: the count known from the
    summary, and each page read in one statement, then its cells in one query."""

    def __init__(self, *, count: int, build, params: dict, filter_sql: str):
        self._count = count
        self._build = build
        self._params = params
        self._filter = filter_sql

    def count(self) -> int:
        return self._count

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, key: slice) -> list[ComparedUseCase]:
        offset = key.start or 0
        limit = (key.stop if key.stop is not None else self._count) - offset
        params = {**self._params, "limit": limit, "offset": offset, "reach": offset + limit}
        return self._build(_rows(_sql(_PAGE, self._filter), params))


def round_comparison(
    *,
    round_a: ReviewRound,
    round_b: ReviewRound,
    only_changed: bool = False,
    use_case_slug: str = "",
    page_number=None,
) -> RoundComparison | None:
    """The two rounds side by side: one entry per use case in either round, in matrix order
    (audience, then use case), with the title of the newest version reviewed; one cell per principle
    of either round, in round A's principle order then round B's. With use_case_slug, only that use
    case (None if neither round has it). The summary and the caveats are over every use case of
    both rounds, counted in SQL; only the page's use cases are built. Four queries (the rounds'
    principles, the summary with the caveats, the page and its cells), whatever the number of use
    cases."""
    round_ids = [round_a.pk, round_b.pk]
    principle_rows = list(
        ReviewRound.principles.through.objects.filter(reviewround_id__in=round_ids)
        .order_by("principle__order", "principle__name")
        .values_list("reviewround_id", "principle_id", "principle__slug", "principle__name")
    )
    principles: dict[str, str] = {}
    principle_slugs: dict[tuple[int, str], int] = {}
    for round_id in round_ids:
        for row_round, principle_id, slug, name in principle_rows:
            if row_round == round_id:
                principles.setdefault(slug, name)
                principle_slugs[(round_id, slug)] = principle_id
    params = {
        "a": round_a.pk,
        "b": round_b.pk,
        "insufficient": INSUFFICIENT,
        "tick": TICK,
        "cross": CROSS,
        "use_case_slug": use_case_slug,
    }
    [(total_use_cases, changed_use_cases, improved, worsened, unchanged, *caveat_counts)] = _rows(
        _sql(_SUMMARY), params
    )

    def build(rows: list[tuple]) -> list[ComparedUseCase]:
        """The page's use cases, from its statement's rows: each side's cells in one query."""
        sides = [(_side(*both[:4]), _side(*both[4:]), slug, audience_name) for slug, audience_name, *both in rows]
        wanted = Q(pk__in=[])
        for review_round, versions in (
            (round_a, [a for a, *_ in sides if a]),
            (round_b, [b for _, b, *_ in sides if b]),
        ):
            wanted |= Q(round_id=review_round.pk, version_id__in=[version["version_id"] for version in versions])
        cells_of = MatrixCell.objects.filter(wanted).values_list(
            "round_id", "version_id", "principle_id", "outcome", "meets", "does_not_meet", "not_sure"
        )
        stored = {
            (round_id, version_id, principle_id): (outcome, CellCounts(*counts))
            for round_id, version_id, principle_id, outcome, *counts in cells_of
        }

        def side(review_round: ReviewRound, version: dict | None, slug: str) -> tuple[str | None, CellCounts | None]:
            principle_id = principle_slugs.get((review_round.pk, slug))
            if version is None or principle_id is None:
                return None, None
            # A version not computed yet counts as not enough reviews, as on the matrix page.
            return stored.get((review_round.pk, version["version_id"], principle_id), (INSUFFICIENT, None))

        entries = []
        for a, b, case_slug, audience_name in sides:
            newest = max((v for v in (a, b) if v), key=lambda v: v["number"])
            cells = []
            for slug, name in principles.items():
                (outcome_a, counts_a), (outcome_b, counts_b) = side(round_a, a, slug), side(round_b, b, slug)
                cells.append(
                    ComparedCell(
                        slug,
                        name,
                        outcome_a,
                        outcome_b,
                        counts_a,
                        counts_b,
                        updating_a=outcome_a is not None and a["behind"],
                        updating_b=outcome_b is not None and b["behind"],
                    )
                )
            entries.append(
                ComparedUseCase(
                    audience_name=audience_name,
                    use_case_slug=case_slug,
                    title=newest["title"],
                    number_a=a["number"] if a else None,
                    number_b=b["number"] if b else None,
                    cells=tuple(cells),
                )
            )
        return entries

    if use_case_slug:
        shown, filter_sql = 1, _ONE_USE_CASE
    elif only_changed:
        shown, filter_sql = changed_use_cases, _ONLY_CHANGED
    else:
        shown, filter_sql = total_use_cases, ""
    pages = _ComparedPages(count=shown, build=build, params=params, filter_sql=filter_sql)
    page = Paginator(pages, COMPARISON_ROWS_PER_PAGE).get_page(page_number)
    if use_case_slug and not page.object_list:
        return None
    caveats = []
    for review_round, count, below in ((round_a, *caveat_counts[:2]), (round_b, *caveat_counts[2:])):
        caveats.append(
            RoundCaveat(
                round=review_round,
                still_open=review_round.status != ReviewRound.Status.CLOSED,
                below_minimum=below,
                use_cases=count,
            )
        )
    return RoundComparison(
        round_a=round_a,
        round_b=round_b,
        principles=tuple(principles.items()),
        use_cases=tuple(page.object_list),
        page=page,
        total_use_cases=total_use_cases,
        changed_use_cases=changed_use_cases,
        summary=ChangeSummary(
            improved=improved,
            worsened=worsened,
            unchanged=unchanged,
            not_comparable=total_use_cases * len(principles) - improved - worsened - unchanged,
        ),
        caveats=tuple(caveat for caveat in caveats if caveat.any),
        use_case_slug=use_case_slug,
    )


def comparison_round_choices() -> list[tuple[str, str]]:
    """Every round, newest first, as (slug, name) choices for the comparison form. One query."""
    return list(ReviewRound.objects.order_by("-created_at", "-pk").values_list("slug", "name"))
