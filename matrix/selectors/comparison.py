"""Rounds side by side.

Two rounds compared use case by use case (whatever version each reviewed) and principle by
principle (matched by the principle's slug, its code). The summary, the caveats, the "only what
changed" filter, the order and the paging are SQL over both rounds' stored cells; only the use
cases on the page are built in Python, so the page costs the same for 12 use cases or 10,000.

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


# side: per round and use case, the newest version the round holds, and whether its stored cells
# are behind its reviews or the round's rule (as matrix.selectors.cells.matrix_state says).
# pair: per use case of either round, each round's side (NULL: not in the round), one row, so that
# the cells are joined to it by their indexes (a join of side to itself is estimated at one row,
# and nested over thousands). compared: the cells that compare (the use case in both rounds, the
# principle in both, both cells current and decided), with their two outcomes. reviewed: per side,
# the most verdicts on any of its cells (its reviews, as the cells count them).
# Parameters: a, b, insufficient.
_WITH = """
    WITH side AS (
        SELECT rv.round_id, v.use_case_id, rv.version_id,
            CASE WHEN current_rule.round_id IS NOT NULL AND w.change_count >= rv.change_count
                THEN 0 ELSE 1 END AS behind
        FROM {round_version} rv JOIN {version} v ON v.id = rv.version_id
        LEFT JOIN (
            SELECT m.round_id FROM {header} m JOIN {round} r ON r.id = m.round_id
            WHERE m.rule_version >= r.rule_version
        ) current_rule ON current_rule.round_id = rv.round_id
        LEFT JOIN {row} w ON w.round_id = rv.round_id AND w.version_id = rv.version_id
        WHERE rv.round_id IN (%(a)s, %(b)s) AND NOT EXISTS (
            SELECT 1 FROM {round_version} newer JOIN {version} nv ON nv.id = newer.version_id
            WHERE newer.round_id IN (%(a)s, %(b)s) AND newer.round_id = rv.round_id
                AND nv.use_case_id = v.use_case_id AND nv.number > v.number
        )
    ),
    pair AS (
        SELECT use_case_id,
            MAX(CASE WHEN round_id = %(a)s THEN version_id END) AS version_a,
            MAX(CASE WHEN round_id = %(a)s THEN behind END) AS behind_a,
            MAX(CASE WHEN round_id = %(b)s THEN version_id END) AS version_b,
            MAX(CASE WHEN round_id = %(b)s THEN behind END) AS behind_b
        FROM side GROUP BY use_case_id
    ),
    compared AS (
        SELECT p.use_case_id, ca.outcome AS outcome_a, cb.outcome AS outcome_b
        FROM pair p
        JOIN {cell} ca ON ca.round_id = %(a)s AND ca.version_id = p.version_a
        JOIN {cell} cb ON cb.round_id = %(b)s AND cb.version_id = p.version_b AND cb.principle_id = ca.principle_id
        WHERE p.behind_a = 0 AND p.behind_b = 0
            AND ca.outcome <> %(insufficient)s AND cb.outcome <> %(insufficient)s
            AND EXISTS (
                SELECT 1 FROM {round_principle} pa WHERE pa.reviewround_id = %(a)s AND pa.principle_id = ca.principle_id
            )
            AND EXISTS (
                SELECT 1 FROM {round_principle} pb WHERE pb.reviewround_id = %(b)s AND pb.principle_id = ca.principle_id
            )
    ),
    reviewed AS (
        SELECT s.round_id, COALESCE(counted.reviews, 0) AS reviews
        FROM side s
        LEFT JOIN (
            SELECT c.round_id, c.version_id, MAX(c.meets + c.does_not_meet + c.not_sure) AS reviews
            FROM {cell} c WHERE c.round_id IN (%(a)s, %(b)s)
            GROUP BY c.round_id, c.version_id
        ) counted ON counted.round_id = s.round_id AND counted.version_id = s.version_id
    )
"""

# Parameters: tick, cross, and a and b. Decided outcomes are a tick or a cross: two that differ
# are a change. Then for each round its use cases, and those whose version has no cell with as
# many verdicts as the round's minimum (or no cells yet): its reviews, as the cells count them.
_SUMMARY = """
    SELECT (SELECT COUNT(*) FROM pair),
        COUNT(DISTINCT CASE WHEN outcome_a <> outcome_b THEN use_case_id END),
        COALESCE(SUM(CASE WHEN outcome_a = %(cross)s AND outcome_b = %(tick)s THEN 1 ELSE 0 END), 0),
        COALESCE(SUM(CASE WHEN outcome_a = %(tick)s AND outcome_b = %(cross)s THEN 1 ELSE 0 END), 0),
        COALESCE(SUM(CASE WHEN outcome_a = outcome_b THEN 1 ELSE 0 END), 0),
        (SELECT COUNT(*) FROM reviewed WHERE round_id = %(a)s),
        (SELECT COUNT(*) FROM reviewed d JOIN {round} r ON r.id = d.round_id
            WHERE d.round_id = %(a)s AND d.reviews < r.min_reviews),
        (SELECT COUNT(*) FROM reviewed WHERE round_id = %(b)s),
        (SELECT COUNT(*) FROM reviewed d JOIN {round} r ON r.id = d.round_id
            WHERE d.round_id = %(b)s AND d.reviews < r.min_reviews)
    FROM compared
"""

# One page of use cases in matrix order (audience, then use case), with both rounds' side of each.
# Parameters: limit, offset, and those of the filter.
_PAGE = """,
    shown AS (
        SELECT p.*, u.slug, u.display_order, au.name AS audience_name, au.display_order AS audience_order
        FROM pair p
        JOIN {use_case} u ON u.id = p.use_case_id
        JOIN {audience} au ON au.id = u.audience_id
        WHERE 1 = 1{filter}
        ORDER BY au.display_order, au.name, u.display_order, u.slug
        LIMIT %(limit)s OFFSET %(offset)s
    )
    SELECT sh.slug, sh.audience_name,
        sh.version_a, va.number, va.title, sh.behind_a, sh.version_b, vb.number, vb.title, sh.behind_b
    FROM shown sh
    LEFT JOIN {version} va ON va.id = sh.version_a
    LEFT JOIN {version} vb ON vb.id = sh.version_b
    ORDER BY sh.audience_order, sh.audience_name, sh.display_order, sh.slug
"""
_ONLY_CHANGED = " AND p.use_case_id IN (SELECT use_case_id FROM compared WHERE outcome_a <> outcome_b)"
_ONE_USE_CASE = " AND u.slug = %(use_case_slug)s"


def _rows(sql: str, params: dict) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute((_WITH + sql).format(**_tables()), params)
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
        sql = _PAGE.replace("{filter}", self._filter)
        return self._build(_rows(sql, {**self._params, "limit": limit, "offset": offset}))


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
    [(total_use_cases, changed_use_cases, improved, worsened, unchanged, *caveat_counts)] = _rows(_SUMMARY, params)

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
