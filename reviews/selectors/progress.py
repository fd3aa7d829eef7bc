"""A round's progress dashboard (docs/admin-rounds.md): submitted out of expected per use case
version, per organisation and per person. Counts come from grouped SQL, one page at a time, never
from a query per row."""

import datetime
import functools
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Count
from django.utils import timezone

from audiences.models import Audience, Membership, Organisation
from reviews.models import (
    Assignment,
    AssignmentRequest,
    ClosedRoundFigure,
    GroupProgressCount,
    Review,
    ReviewRound,
    RoundProgressCount,
    RoundVersion,
    VersionProgressCount,
    VersionProgressOrder,
)
from reviews.selectors.expected import expected_reviewers
from reviews.selectors.progress_counts import (
    STORED_GROUP_PROGRESS,
    STORED_VERSION_PROGRESS,
    progress_ordered_today,
    progress_stored,
    stored_group_count,
)
from reviews.selectors.requests import declined
from usecases.models import UseCase, UseCaseVersion

# Bandit's B608 (SQL built from strings) is silenced by a nosec comment where a statement below ends:
# only table names from the models and this module's own SQL fragments are formatted into the SQL;
# every value is a query parameter.

PROGRESS_ROWS_PER_PAGE = 25


@dataclass(frozen=True)
class Progress:
    """Submitted out of expected for a use case version, an organisation or a person. Expected: as
    reviews.selectors.expected says; someone given a version both ways is expected once, by the
    earlier due date."""

    expected: int
    submitted: int
    overdue: int

    @property
    def outstanding(self) -> int:
        return self.expected - self.submitted


@dataclass(frozen=True)
class VersionProgressRow:
    version_id: int
    title: str
    number: int
    audience: str
    due_on: datetime.date | None
    progress: Progress
    # Who the version is given to, whether or not anyone there can review it: with nobody
    # expected, the table says "3 organisations, nobody to review" rather than "not given".
    organisations: int = 0
    people: int = 0


@dataclass(frozen=True)
class GroupProgressRow:
    """An organisation (its organisation-wide assignments) or a person (their assignments in person)."""

    kind: str  # "organisation" or "person"
    key: str  # the organisation's slug, or the person's email
    name: str
    versions: int
    progress: Progress


class _SqlPage:
    """Rows of one page from SQL, with the total count, shaped for Django's Paginator."""

    def __init__(self, count: int, fetch):
        self._count, self._fetch = count, fetch

    def count(self) -> int:
        return self._count

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, key: slice):
        return self._fetch(key.start or 0, (key.stop or self._count) - (key.start or 0))


def _tables() -> dict[str, str]:
    return {
        "assignment": Assignment._meta.db_table,
        "request": AssignmentRequest._meta.db_table,
        "membership": Membership._meta.db_table,
        "user": get_user_model()._meta.db_table,
        "review": Review._meta.db_table,
        "round_version": RoundVersion._meta.db_table,
        "version": UseCaseVersion._meta.db_table,
        "use_case": UseCase._meta.db_table,
        "audience": Audience._meta.db_table,
        "organisation": Organisation._meta.db_table,
        "figure": ClosedRoundFigure._meta.db_table,
        "stored_version": VersionProgressCount._meta.db_table,
        "stored_group": GroupProgressCount._meta.db_table,
        "stored_round": RoundProgressCount._meta.db_table,
        "stored_order": VersionProgressOrder._meta.db_table,
    }


# Every (version, person) the round expects a review from, with the due date of the assignment
# that asks them (reviews.selectors.expected): not through a declined assignment. Its SQL is
# Django's; its parameters come first (_expected_params).
_EXPECTED = "{expected}"


def _expected_query(round_id: int):
    assignments = Assignment.objects.filter(round_id=round_id).exclude(declined())
    return expected_reviewers(assignments).query.sql_with_params()


# Counting, over rows p with a due_on, joined to their review r. Parameter: today.
_COUNTS = """
    COUNT(*) AS expected,
    SUM(CASE WHEN r.status = 'submitted' THEN 1 ELSE 0 END) AS submitted,
    SUM(CASE WHEN (r.status IS NULL OR r.status <> 'submitted') AND p.due_on < %s THEN 1 ELSE 0 END) AS overdue
"""


@functools.cache
def _expected_sql(vendor: str) -> str:
    """The expected reviewers' SQL for one kind of database: the same for every round (only its
    parameters differ), so it is compiled once, not for every statement that counts progress."""
    return _expected_query(0)[0]


def _rows(sql: str, params: list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql.format(**_tables(), expected=_expected_sql(connection.vendor)), params)
        return cursor.fetchall()


def _as_date(value) -> datetime.date | None:
    if value is None or isinstance(value, datetime.date):
        return value
    return datetime.date.fromisoformat(str(value))


def _expected_params(review_round: ReviewRound) -> list:
    return list(_expected_query(review_round.pk)[1])


def frozen(review_round: ReviewRound) -> bool:
    """Whether the round's progress figures were stored when it closed: its pages read those, as
    at closing, and nothing that happens later moves them."""
    return review_round.status == ReviewRound.Status.CLOSED and review_round.figures_frozen


def round_progress_totals(review_round: ReviewRound) -> Progress:
    """The whole round: every expected review once (as at closing for a closed round). One query."""
    if frozen(review_round):
        figure = ClosedRoundFigure.objects.filter(round=review_round, scope=ClosedRoundFigure.Scope.ROUND).first()
        if figure is not None:
            return Progress(expected=figure.expected, submitted=figure.submitted, overdue=figure.overdue)
        return Progress(expected=0, submitted=0, overdue=0)
    if progress_stored(review_round):
        # The round's rows (one per due date), not its versions': the same sums, read in a few rows.
        sql = """
            SELECT SUM(expected), SUM(submitted), SUM(CASE WHEN due_on < %s THEN expected - submitted ELSE 0 END)
            FROM {stored_round} WHERE round_id = %s AND scope = 'version'
        """
        expected, submitted, overdue = _rows(sql, [timezone.localdate(), review_round.pk])[0]
        return Progress(expected=expected or 0, submitted=submitted or 0, overdue=overdue or 0)
    return live_round_progress_totals(review_round)


def live_round_progress_totals(review_round: ReviewRound, *, on: datetime.date | None = None) -> Progress:
    """The whole round counted now, from its assignments, memberships and reviews, overdue as at
    the day on (today unless given). One query."""
    sql = f"""
        WITH expected AS ({_EXPECTED}),
        pairs AS (SELECT version_id, user_id, MIN(due_on) AS due_on FROM expected GROUP BY version_id, user_id)
        SELECT {_COUNTS}
        FROM pairs p
        LEFT JOIN {{review}} r ON r.round_id = %s AND r.version_id = p.version_id AND r.reviewer_id = p.user_id
    """  # nosec
    params = _live_params(review_round, on=on)
    expected, submitted, overdue = _rows(sql, params)[0]
    return Progress(expected=expected or 0, submitted=submitted or 0, overdue=overdue or 0)


# A CTE chain ending in "progress": per version of the round, its earliest due date and counts.
_LIVE_VERSION_PROGRESS = f"""
    WITH expected AS ({_EXPECTED}),
    pairs AS (SELECT version_id, user_id, MIN(due_on) AS due_on FROM expected GROUP BY version_id, user_id),
    progress AS (
        SELECT p.version_id, MIN(p.due_on) AS due_on, {_COUNTS}
        FROM pairs p
        LEFT JOIN {{review}} r ON r.round_id = %s AND r.version_id = p.version_id AND r.reviewer_id = p.user_id
        GROUP BY p.version_id
    )
"""  # nosec
_FROZEN_VERSION_PROGRESS = """
    WITH progress AS (
        SELECT version_id, due_on, expected, submitted, overdue FROM {figure}
        WHERE round_id = %s AND scope = 'version'
    )
"""

# A CTE chain ending in "progress": per organisation and per person given use cases in person, how
# many (versions) and its counts (NULL where nobody is expected). Parameters: _live_params, then
# the round twice.
_LIVE_GROUP_PROGRESS = f"""
    WITH expected AS ({_EXPECTED}),
    counted AS (
        SELECT p.kind, p.group_id, {_COUNTS}
        FROM expected p
        LEFT JOIN {{review}} r ON r.round_id = %s AND r.version_id = p.version_id AND r.reviewer_id = p.user_id
        GROUP BY p.kind, p.group_id
    ),
    given AS (
        SELECT 'organisation' AS kind, organisation_id AS group_id, COUNT(*) AS versions FROM {{assignment}}
        WHERE round_id = %s AND organisation_id IS NOT NULL GROUP BY organisation_id
        UNION ALL
        SELECT 'person', reviewer_id, COUNT(*) FROM {{assignment}}
        WHERE round_id = %s AND reviewer_id IS NOT NULL GROUP BY reviewer_id
    ),
    progress AS (
        SELECT g.kind, g.group_id, g.versions, c.expected, c.submitted, c.overdue
        FROM given g LEFT JOIN counted c ON c.kind = g.kind AND c.group_id = g.group_id
    )
"""  # nosec
# The same columns, as frozen at closing: a few rows, whatever the size of the round.
_FROZEN_GROUP_PROGRESS = """
    WITH progress AS (
        SELECT scope AS kind, COALESCE(organisation_id, reviewer_id) AS group_id, versions,
               expected, submitted, overdue
        FROM {figure}
        WHERE round_id = %s AND scope IN ('organisation', 'person')
    )
"""


def _live_params(review_round: ReviewRound, *, on: datetime.date | None = None) -> list:
    return [*_expected_params(review_round), on or timezone.localdate(), review_round.pk]


def _version_progress_cte(review_round: ReviewRound) -> tuple[str, list]:
    if frozen(review_round):
        return _FROZEN_VERSION_PROGRESS, [review_round.pk]
    if progress_stored(review_round):
        return STORED_VERSION_PROGRESS, [timezone.localdate(), review_round.pk]
    return _LIVE_VERSION_PROGRESS, _live_params(review_round)


def _version_order(alias: str) -> str:
    """Overdue first, then the most outstanding, then by title, over version_progress's columns."""
    return f"{alias}.overdue DESC, {alias}.expected - {alias}.submitted DESC, {alias}.title, {alias}.version_id"


def _version_page(review_round: ReviewRound, *, offset: int, limit: int) -> tuple[str, list]:
    """A CTE chain ending in "page": one page of the round's versions in the dashboard's order, with
    their counts. From the stored order rows when they are counted as at today: the page is then
    the next entries of their index, whatever the size of the round. Otherwise every version of
    the round is counted (or its stored counts summed) and sorted."""
    if not frozen(review_round) and progress_ordered_today(review_round):
        sql = f"""
            WITH page AS (
                SELECT c.round_id, c.version_id, c.title, c.due_on, c.expected, c.submitted, c.overdue
                FROM {{stored_order}} c WHERE c.round_id = %s
                ORDER BY {_version_order("c")} LIMIT %s OFFSET %s
            )
        """  # nosec
        return sql, [review_round.pk, limit, offset]
    cte, cte_params = _version_progress_cte(review_round)
    sql = f"""
        {cte},
        counted AS (
            SELECT rv.round_id, rv.version_id, v.title, pr.due_on,
                   COALESCE(pr.expected, 0) AS expected, COALESCE(pr.submitted, 0) AS submitted,
                   COALESCE(pr.overdue, 0) AS overdue
            FROM {{round_version}} rv
            JOIN {{version}} v ON v.id = rv.version_id
            LEFT JOIN progress pr ON pr.version_id = rv.version_id
            WHERE rv.round_id = %s
        ),
        page AS (SELECT * FROM counted c ORDER BY {_version_order("c")} LIMIT %s OFFSET %s)
    """  # nosec
    return sql, [*cte_params, review_round.pk, limit, offset]


def version_progress(review_round: ReviewRound) -> _SqlPage:
    """Per use case version of the round, overdue first, then the most outstanding, then by title.
    Paginate it: each page is one grouped query (plus one count). The page's versions are chosen
    from the counts and titles alone; their audiences and assignments are read for those alone."""
    count = RoundVersion.objects.filter(round=review_round).count()

    def fetch(offset: int, limit: int) -> list[VersionProgressRow]:
        page, params = _version_page(review_round, offset=offset, limit=limit)
        sql = f"""
            {page}
            SELECT p.version_id, p.title, v.number, au.name, p.due_on, p.expected, p.submitted, p.overdue,
                   (SELECT COUNT(*) FROM {{assignment}} a
                    WHERE a.round_id = p.round_id AND a.version_id = p.version_id AND a.organisation_id IS NOT NULL),
                   (SELECT COUNT(*) FROM {{assignment}} a
                    WHERE a.round_id = p.round_id AND a.version_id = p.version_id AND a.reviewer_id IS NOT NULL)
            FROM page p
            JOIN {{version}} v ON v.id = p.version_id
            JOIN {{use_case}} uc ON uc.id = v.use_case_id
            JOIN {{audience}} au ON au.id = uc.audience_id
            ORDER BY {_version_order("p")}
        """  # nosec
        return [
            VersionProgressRow(
                version_id=row[0],
                title=row[1],
                number=row[2],
                audience=row[3],
                due_on=_as_date(row[4]),
                progress=Progress(expected=row[5], submitted=row[6], overdue=row[7]),
                organisations=row[8],
                people=row[9],
            )
            for row in _rows(sql, params)
        ]

    return _SqlPage(count, fetch)


@dataclass(frozen=True)
class ShortVersion:
    """A version given to someone, but expecting fewer reviews than the round's minimum."""

    version_id: int
    title: str
    number: int
    expected: int


@dataclass(frozen=True)
class ShortVersions:
    count: int
    first: list[ShortVersion]


def versions_short_of_reviewers(review_round: ReviewRound, *, limit: int = 50) -> ShortVersions:
    """The round's versions that are given to someone yet expect fewer reviews than its minimum
    (organisations with no active member expect none), fewest first: how many, and the first
    limit of them. One query whatever the size of the round."""
    sql = f"""
        WITH expected AS ({_EXPECTED}),
        people AS (SELECT version_id, COUNT(DISTINCT user_id) AS n FROM expected GROUP BY version_id),
        short AS (
            SELECT rv.version_id, v.title, v.number, COALESCE(p.n, 0) AS n
            FROM {{round_version}} rv
            JOIN {{version}} v ON v.id = rv.version_id
            LEFT JOIN people p ON p.version_id = rv.version_id
            WHERE rv.round_id = %s AND COALESCE(p.n, 0) < %s
              AND EXISTS (SELECT 1 FROM {{assignment}} a
                          WHERE a.round_id = rv.round_id AND a.version_id = rv.version_id)
        )
        SELECT version_id, title, number, n, COUNT(*) OVER () FROM short
        ORDER BY n, title, version_id
        LIMIT %s
    """  # nosec
    rows = _rows(sql, [*_expected_params(review_round), review_round.pk, review_round.min_reviews, limit])
    return ShortVersions(
        count=rows[0][4] if rows else 0,
        first=[ShortVersion(version_id=r[0], title=r[1], number=r[2], expected=r[3]) for r in rows],
    )


def group_progress(review_round: ReviewRound) -> _SqlPage:
    """Per organisation (its organisation-wide assignments) and per person given use cases in
    person, overdue first, then the most outstanding, then by name. Paginate it: each page is one
    query (plus one count), from the figures frozen at closing, the stored counts or live."""
    if frozen(review_round):
        count = ClosedRoundFigure.objects.filter(
            round=review_round, scope__in=[ClosedRoundFigure.Scope.ORGANISATION, ClosedRoundFigure.Scope.PERSON]
        ).count()
        return _group_page(_FROZEN_GROUP_PROGRESS, [review_round.pk], count)
    if progress_stored(review_round):
        return _group_page(
            STORED_GROUP_PROGRESS, [timezone.localdate(), review_round.pk], stored_group_count(review_round)
        )
    counts = Assignment.objects.filter(round=review_round).aggregate(
        organisations=Count("organisation", distinct=True), people=Count("reviewer", distinct=True)
    )
    return _group_page(
        _LIVE_GROUP_PROGRESS,
        [*_live_params(review_round), review_round.pk, review_round.pk],
        counts["organisations"] + counts["people"],
    )


def _group_rows(sql: str, params: list) -> list[GroupProgressRow]:
    return [
        GroupProgressRow(
            kind=row[0],
            key=row[1],
            name=row[2],
            versions=row[3],
            progress=Progress(expected=row[4], submitted=row[5], overdue=row[6]),
        )
        for row in _rows(sql, params)
    ]


def _group_page(cte: str, cte_params: list, count: int) -> _SqlPage:
    """group_progress's rows from a CTE chain ending in "progress" (kind, group_id, versions,
    expected, submitted, overdue), named and ordered."""

    def fetch(offset: int, limit: int) -> list[GroupProgressRow]:
        sql = f"""
            {cte}
            SELECT pr.kind, COALESCE(o.slug, u.email),
                   COALESCE(o.name, NULLIF(u.full_name, ''), u.email) AS name, pr.versions,
                   COALESCE(pr.expected, 0), COALESCE(pr.submitted, 0), COALESCE(pr.overdue, 0)
            FROM progress pr
            LEFT JOIN {{organisation}} o ON pr.kind = 'organisation' AND o.id = pr.group_id
            LEFT JOIN {{user}} u ON pr.kind = 'person' AND u.id = pr.group_id
            ORDER BY COALESCE(pr.overdue, 0) DESC, COALESCE(pr.expected, 0) - COALESCE(pr.submitted, 0) DESC,
                     name, pr.kind
            LIMIT %s OFFSET %s
        """  # nosec
        return _group_rows(sql, [*cte_params, limit, offset])

    return _SqlPage(count, fetch)


def versions_short_of_submitted_reviews(review_round: ReviewRound) -> int:
    """How many of the round's versions have fewer submitted reviews than its minimum: were the
    round to close now, their cells would show not enough reviews. One query."""
    sql = """
        SELECT COUNT(*) FROM {round_version} rv
        WHERE rv.round_id = %s AND (
            SELECT COUNT(*) FROM {review} r
            WHERE r.round_id = rv.round_id AND r.version_id = rv.version_id AND r.status = 'submitted'
        ) < %s
    """
    return _rows(sql, [review_round.pk, review_round.min_reviews])[0][0]


def expected_reviews_by_round(round_ids: list[int]) -> dict[int, int]:
    """Per round, how many reviews the analysts' rounds page expects: one per person and version
    (reviews.selectors.expected, with people asked in person who have left since). Someone expected
    twice for one version (in person and through an organisation, or through two organisations)
    counts once. One grouped query. Counted now: a
    closed round's pages read ClosedRoundFigure instead."""
    if not round_ids:
        return {}
    expected, params = expected_reviewers(
        Assignment.objects.filter(round_id__in=round_ids).exclude(declined()), with_people_who_left=True
    ).query.sql_with_params()
    sql = f"""
        SELECT round_id, COUNT(*) FROM (SELECT DISTINCT round_id, version_id, user_id FROM ({expected}) e) pairs
        GROUP BY round_id
    """  # nosec
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return dict(cursor.fetchall())


def round_figures_to_freeze(review_round: ReviewRound, *, on: datetime.date) -> list[ClosedRoundFigure]:
    """The round's progress counted now, as unsaved ClosedRoundFigure rows for round_close to
    store: the whole round (as the progress pages and as the rounds page count it), each version
    anyone is expected to review, each organisation and each person given use cases in person
    (with how many). Overdue: not submitted by the day on, the day it closed. Five queries whatever
    its size."""
    totals = live_round_progress_totals(review_round, on=on)
    figures = [
        ClosedRoundFigure(
            round=review_round,
            scope=ClosedRoundFigure.Scope.ROUND,
            expected=totals.expected,
            submitted=totals.submitted,
            overdue=totals.overdue,
        ),
        ClosedRoundFigure(
            round=review_round,
            scope=ClosedRoundFigure.Scope.SUMMARY,
            expected=expected_reviews_by_round([review_round.pk]).get(review_round.pk, 0),
            submitted=Review.objects.filter(round=review_round, status=Review.Status.SUBMITTED).count(),
        ),
    ]
    params = _live_params(review_round, on=on)
    for version_id, due_on, expected, submitted, overdue in _rows(
        _LIVE_VERSION_PROGRESS + " SELECT version_id, due_on, expected, submitted, overdue FROM progress",  # nosec
        params,
    ):
        figures.append(
            ClosedRoundFigure(
                round=review_round,
                scope=ClosedRoundFigure.Scope.VERSION,
                version_id=version_id,
                due_on=_as_date(due_on),
                expected=expected or 0,
                submitted=submitted or 0,
                overdue=overdue or 0,
            )
        )
    for kind, group_id, versions, expected, submitted, overdue in _rows(
        _LIVE_GROUP_PROGRESS + " SELECT kind, group_id, versions, expected, submitted, overdue FROM progress",  # nosec
        [*params, review_round.pk, review_round.pk],
    ):
        by_organisation = kind == ClosedRoundFigure.Scope.ORGANISATION
        figures.append(
            ClosedRoundFigure(
                round=review_round,
                scope=kind,
                organisation_id=group_id if by_organisation else None,
                reviewer_id=None if by_organisation else group_id,
                versions=versions,
                expected=expected or 0,
                submitted=submitted or 0,
                overdue=overdue or 0,
            )
        )
    return figures
