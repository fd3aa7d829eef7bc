"""What "My reviews" lists (docs/reviewer-journey.md#my-reviews): the reviewer's use cases grouped by
round, open rounds first, with where they are with each and what they asked for. Each round's
figures, the order of its use cases and the page of them shown come from one statement (from the
reviewer's stored items for an open round whose progress counts are stored, else counted live);
a second reads the use cases shown. Two queries, whatever the number of rounds, assignments and
requests."""

import datetime
from dataclasses import dataclass
from functools import reduce
from operator import or_

from django.core.paginator import Page
from django.db import connection
from django.db.models import BooleanField, Case, Exists, OuterRef, Q, Subquery, When
from django.db.models.expressions import RawSQL
from django.db.models.functions import Lower
from django.utils import timezone

from audiences.models import Membership
from bold_portal.pagination import paginate
from reviews.models import (
    Assignment,
    AssignmentRequest,
    ProgressHeader,
    Review,
    ReviewerItem,
    ReviewRound,
    cancellable_by,
)
from reviews.selectors.requests import declined
from usecases.models import UseCaseVersion

# Use cases shown at a time in each open round, and in the declined list.
ITEMS_PER_PAGE = 20
# How many items of recently closed rounds "My reviews" lists below the open ones.
RECENT_CLOSED_ITEMS = 10
# A page number past this is no page anyone was linked to: it shows the first.
_MAX_PAGE_NUMBER = 10**6


@dataclass(frozen=True)
class RequestState:
    """The newest decline or request for more time about an item's assignment."""

    kind: str
    state: str
    requested_at: datetime.datetime
    requested_due_on: datetime.date | None
    requested_by_id: int

    @property
    def is_open(self) -> bool:
        return self.state == AssignmentRequest.State.OPEN

    @property
    def state_label(self) -> str:
        return AssignmentRequest.State(self.state).label


@dataclass(frozen=True)
class ReviewItem:
    """A version to review in a round, where the reviewer is with it, and what they may ask."""

    round: ReviewRound
    version: UseCaseVersion
    due_on: datetime.date | None
    status: str  # the reviewer's review's status, or "not_started"
    # Every assignment that gives the reviewer this version was declined: nobody expects the review.
    is_declined: bool = False
    request: RequestState | None = None
    may_decline: bool = False
    may_ask_more_time: bool = False
    may_cancel_request: bool = False

    @property
    def is_submitted(self) -> bool:
        return self.status == Review.Status.SUBMITTED

    @property
    def is_overdue(self) -> bool:
        return (
            self.round.is_open
            and not self.is_declined
            and self.due_on is not None
            and self.due_on < timezone.localdate()
            and not self.is_submitted
        )


@dataclass(frozen=True)
class RoundFigures:
    """A round's use cases for the reviewer, counted in SQL: those expected of them (not declined),
    how many of those are submitted and overdue, and how many were declined."""

    listed: int
    submitted: int
    overdue: int
    declined: int


@dataclass(frozen=True)
class RoundGroup:
    """One round's figures and the page of its items shown: what is left to do (overdue first, then
    by due date), then what is submitted. page says which of the round's items they are."""

    round: ReviewRound
    items: list[ReviewItem]
    figures: RoundFigures
    page: Page


@dataclass(frozen=True)
class MyReviews:
    open_rounds: list[RoundGroup]
    declined: list[ReviewItem]
    declined_page: Page
    closed_rounds: list[RoundGroup]


def page_number(value) -> int:
    """The page asked for in a query string; the first page for anything else."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return 1
    return number if 1 <= number <= _MAX_PAGE_NUMBER else 1


def _in_live_rounds():
    """For a queryset of assignments: its round is counted live, not read from stored items (it is
    not open, or has no ProgressHeader). On PostgreSQL the rounds are an array computed once, so
    that the person's assignments in other rounds are dropped as they are read (an IN over a
    subquery was planned as a join of every assignment of theirs with its version, then a filter)."""
    stored = Exists(ProgressHeader.objects.filter(round=OuterRef("pk")))
    live_rounds = ReviewRound.objects.filter(~Q(status=ReviewRound.Status.OPEN) | ~stored).values("pk")
    if connection.vendor != "postgresql":
        return Q(round__in=live_rounds)
    sql, params = live_rounds.query.sql_with_params()
    # Only Django's own SQL for the rounds and a column name from the model are formatted in (a
    # nosec comment, for bandit's finding on RawSQL); its values are parameters.
    column = f"{connection.ops.quote_name(Assignment._meta.db_table)}.{connection.ops.quote_name('round_id')}"
    return RawSQL(f"{column} = ANY(ARRAY({sql}))", params, output_field=BooleanField())  # nosec


def _given(user, round_id: int | None):
    """The user's assignments (with round_id, in that round only) in rounds counted live (see
    _PAGE_SQL), each with whether it was declined and its version's title in lower case: those
    given to them in person, then those given to an organisation they belong to. Two index scans
    rather than one OR across a join; the rounds' status is checked once the assignments are
    grouped."""
    fields = ("round_id", "version_id", "due_on", "is_declined", "title")
    assignments = (
        Assignment.objects.filter(Q(round_id=round_id) if round_id else Q(), _in_live_rounds())
        .annotate(is_declined=Case(When(declined(), then=1), default=0), title=Lower("version__title"))
        .order_by()
    )
    in_person = assignments.filter(reviewer=user).values(*fields)
    organisations = Membership.objects.filter(user=user).values("organisation_id")
    through_organisation = assignments.filter(organisation__in=organisations).values(*fields)
    return in_person.union(through_organisation, all=True)


# One row per item shown: the open rounds' pages (the round asked for at the page asked for, every
# other round at its first page), the declined list's page and the most recently closed rounds'
# first items, each with its round's figures. An item is a (round, version) given to the user: a
# version given in person and through their organisation is one item, due at the earlier date,
# and declined only when every assignment giving it is. An open round whose progress counts are
# stored (it has a ProgressHeader, as the lead's page asks) is read from the user's stored items
# (ReviewerItem, kept by the progress refresh): its page is the next entries of an index in the
# page's order, its figures a count of the user's entries of the round. Other rounds (an open one
# never refreshed, the closed ones) are counted live, from the user's assignments. Titles are
# ordered case-blind ({title} is in byte order on PostgreSQL, where the database's locale would
# compare each pair of thousands of titles by its rules). Only Django's own SQL for the
# assignments, the fragments below and table names from the models are formatted in; values are
# parameters.
_PAGE_SQL = """
WITH given AS ({given}),
items AS (
    SELECT g.round_id, g.version_id, MIN(g.due_on) AS due_on, MIN(g.is_declined) AS declined,
           COALESCE(MAX(r.status), 'not_started') AS status, MIN(g.title) AS title
    FROM given g
    LEFT JOIN {review} r ON r.reviewer_id = %s AND r.round_id = g.round_id AND r.version_id = g.version_id
    GROUP BY g.round_id, g.version_id
),
described AS (
    SELECT i.round_id, i.version_id, i.due_on, i.declined, i.status, i.title, rr.status AS round_status,
           CASE WHEN i.status = 'submitted' THEN 1 ELSE 0 END AS submitted,
           CASE WHEN rr.status = 'open' AND i.declined = 0 AND i.due_on < %s AND i.status <> 'submitted'
                THEN 1 ELSE 0 END AS overdue
    FROM items i JOIN {round} rr ON rr.id = i.round_id
    WHERE rr.status IN (%s, %s)
),
stored_rounds AS (
    SELECT rr.id AS round_id FROM {round} rr
    WHERE rr.status = 'open' {only_round} AND EXISTS (SELECT 1 FROM {header} h WHERE h.round_id = rr.id)
),
figures AS (
    SELECT d.round_id,
           SUM(1 - d.declined) AS listed,
           SUM(d.submitted * (1 - d.declined)) AS submitted,
           SUM(d.overdue) AS overdue,
           SUM(d.declined) AS declined
    FROM described d
    WHERE d.round_status = 'open'
    GROUP BY d.round_id
    UNION ALL
    -- A stored round with nothing but declined use cases shows no page, as a live one.
    SELECT s.round_id, COUNT(*), SUM(CASE WHEN s.submitted THEN 1 ELSE 0 END),
           SUM(CASE WHEN NOT s.submitted AND s.due_on < %s THEN 1 ELSE 0 END),
           (SELECT COUNT(*) FROM {item} x WHERE x.reviewer_id = %s AND x.round_id = s.round_id AND x.declined)
    FROM {item} s
    WHERE s.reviewer_id = %s AND NOT s.declined AND s.round_id IN (SELECT round_id FROM stored_rounds)
    GROUP BY s.round_id
),
open_rounds AS (
    -- Each open round's figures and where its page starts (a page past the last shows the last, as
    -- Django's Paginator.get_page does).
    SELECT f.*, CASE WHEN f.wanted < f.listed THEN f.wanted ELSE ((f.listed - 1) / %s) * %s END AS start
    FROM (
        SELECT g.*, CASE WHEN g.round_id = (SELECT id FROM {round} WHERE slug = %s) THEN %s ELSE 0 END AS wanted
        FROM figures g
    ) f
),
open_page AS ({open_page} UNION ALL {stored_page}),
declined_items AS (
    SELECT d.round_id, d.version_id, d.status, {title} AS title
    FROM described d
    WHERE d.round_status = 'open' AND d.declined = 1
    UNION ALL
    SELECT s.round_id, s.version_id, COALESCE(r.status, 'not_started'), {stored_title}
    FROM {item} s
    LEFT JOIN {review} r ON r.reviewer_id = s.reviewer_id AND r.round_id = s.round_id AND r.version_id = s.version_id
    WHERE s.reviewer_id = %s AND s.declined AND s.round_id IN (SELECT round_id FROM stored_rounds)
),
listed AS (
    -- The declined list, then the closed rounds' items (declined ones included, as they were when
    -- the round closed), each numbered in its order.
    SELECT 'declined' AS list, d.round_id, d.version_id, d.status, %s AS wanted, %s AS size,
           ROW_NUMBER() OVER (ORDER BY LOWER(rr.name), d.round_id, {title}, d.version_id) AS position,
           COUNT(*) OVER () AS list_size, 0 AS listed, 0 AS submitted, 0 AS overdue, 0 AS declined
    FROM declined_items d JOIN {round} rr ON rr.id = d.round_id
    UNION ALL
    SELECT 'closed', d.round_id, d.version_id, d.status, 0, %s,
           ROW_NUMBER() OVER (ORDER BY rr.closed_at DESC, rr.created_at DESC, d.round_id, {item_order}),
           COUNT(*) OVER (),
           SUM(1 - d.declined) OVER (PARTITION BY d.round_id),
           SUM(d.submitted * (1 - d.declined)) OVER (PARTITION BY d.round_id),
           0,
           SUM(d.declined) OVER (PARTITION BY d.round_id)
    FROM described d JOIN {round} rr ON rr.id = d.round_id
    WHERE d.round_status = 'closed'
),
paged AS (
    SELECT l.*, CASE WHEN wanted < list_size THEN wanted ELSE ((list_size - 1) / size) * size END AS start
    FROM listed l
)
SELECT 'open' AS list, round_id, version_id, status, listed AS list_size, listed, submitted, overdue, declined,
       position
FROM open_page
UNION ALL
SELECT list, round_id, version_id, status, list_size, listed, submitted, overdue, declined, position
FROM paged
WHERE position > start AND position <= start + size
ORDER BY list, position
"""
# A round's items are in this order: what is left to do, then what is submitted, each by due date
# (undated last; in an open round every overdue item is due before any other), title and version.
_ITEM_ORDER = "d.submitted, d.due_on NULLS LAST, {title}, d.version_id"
# The same order of stored items: the order of their index (revieweritem_page_order).
_STORED_ORDER = "s.submitted, s.due_on NULLS LAST, {title}, s.version_id"
# Each open round's page of items: on PostgreSQL the first rows of each round's items in order (a
# top-N sort of the round's items, not a sort of all of them; of a stored round, the index's next
# entries); elsewhere every item numbered.
_OPEN_PAGE_LATERAL = """
    SELECT o.round_id, p.version_id, p.status, o.listed, o.submitted, o.overdue, o.declined,
           o.start + p.position AS position
    FROM open_rounds o CROSS JOIN LATERAL (
        SELECT d.version_id, d.status, ROW_NUMBER() OVER (ORDER BY {item_order}) AS position
        FROM (
            SELECT d.* FROM described d
            WHERE d.round_id = o.round_id AND d.declined = 0
            ORDER BY {item_order}
            LIMIT %s OFFSET o.start
        ) d
    ) p
"""
_OPEN_PAGE_NUMBERED = """
    SELECT o.round_id, n.version_id, n.status, o.listed, o.submitted, o.overdue, o.declined, n.position
    FROM open_rounds o JOIN (
        SELECT d.round_id, d.version_id, d.status,
               ROW_NUMBER() OVER (PARTITION BY d.round_id ORDER BY {item_order}) AS position
        FROM described d
        WHERE d.round_status = 'open' AND d.declined = 0
    ) n ON n.round_id = o.round_id
    WHERE n.position > o.start AND n.position <= o.start + %s
"""
# A stored round's page, its review statuses read for the rows shown only.
_STORED_PAGE_LATERAL = """
    SELECT o.round_id, p.version_id, COALESCE(r.status, 'not_started'), o.listed, o.submitted, o.overdue,
           o.declined, o.start + p.position
    FROM open_rounds o JOIN stored_rounds sr ON sr.round_id = o.round_id CROSS JOIN LATERAL (
        SELECT s.version_id, ROW_NUMBER() OVER (ORDER BY {stored_order}) AS position
        FROM (
            SELECT s.* FROM {item} s
            WHERE s.reviewer_id = %s AND s.round_id = o.round_id AND NOT s.declined
            ORDER BY {stored_order}
            LIMIT %s OFFSET o.start
        ) s
    ) p
    LEFT JOIN {review} r ON r.reviewer_id = %s AND r.round_id = o.round_id AND r.version_id = p.version_id
"""
_STORED_PAGE_NUMBERED = """
    SELECT o.round_id, n.version_id, n.status, o.listed, o.submitted, o.overdue, o.declined, n.position
    FROM open_rounds o JOIN (
        SELECT s.round_id, s.version_id, COALESCE(r.status, 'not_started') AS status,
               ROW_NUMBER() OVER (PARTITION BY s.round_id ORDER BY {stored_order}) AS position
        FROM {item} s
        LEFT JOIN {review} r
            ON r.reviewer_id = s.reviewer_id AND r.round_id = s.round_id AND r.version_id = s.version_id
        WHERE s.reviewer_id = %s AND NOT s.declined AND s.round_id IN (SELECT round_id FROM stored_rounds)
    ) n ON n.round_id = o.round_id
    WHERE n.position > o.start AND n.position <= o.start + %s
"""


@dataclass(frozen=True)
class _Row:
    list: str  # "open", "declined" or "closed"
    round_id: int
    version_id: int
    status: str
    list_size: int
    figures: RoundFigures


def _rows(user, round_id: int | None, shown_round: str, page: int, declined_page: int) -> list[_Row]:
    given_sql, given_params = _given(user, round_id).query.sql_with_params()
    on_postgresql = connection.vendor == "postgresql"
    title = 'd.title COLLATE "C"' if on_postgresql else "d.title"
    stored_title = 's.title COLLATE "C"' if on_postgresql else "s.title"
    open_page = _OPEN_PAGE_LATERAL if on_postgresql else _OPEN_PAGE_NUMBERED
    stored_page = _STORED_PAGE_LATERAL if on_postgresql else _STORED_PAGE_NUMBERED
    item_order = _ITEM_ORDER.format(title=title)
    tables = {
        "review": Review._meta.db_table,
        "round": ReviewRound._meta.db_table,
        "item": ReviewerItem._meta.db_table,
    }
    sql = _PAGE_SQL.format(
        given=given_sql,
        header=ProgressHeader._meta.db_table,
        title=title,
        stored_title=stored_title,
        item_order=item_order,
        only_round="AND rr.id = %s" if round_id else "",
        open_page=open_page.format(item_order=item_order),
        stored_page=stored_page.format(stored_order=_STORED_ORDER.format(title=stored_title), **tables),
        **tables,
    )
    today = timezone.localdate()
    # A personal link's session reads its round only, and only while it is open.
    statuses = [ReviewRound.Status.OPEN, ReviewRound.Status.OPEN if round_id else ReviewRound.Status.CLOSED]
    stored_page_params = [user.pk, ITEMS_PER_PAGE, user.pk] if on_postgresql else [user.pk, ITEMS_PER_PAGE]
    params = [
        *given_params,
        user.pk,
        today,
        *statuses,
        *([round_id] if round_id else []),
        today,
        user.pk,
        user.pk,
        ITEMS_PER_PAGE,
        ITEMS_PER_PAGE,
        shown_round,
        (page - 1) * ITEMS_PER_PAGE,
        ITEMS_PER_PAGE,
        *stored_page_params,
        user.pk,
        (declined_page - 1) * ITEMS_PER_PAGE,
        ITEMS_PER_PAGE,
        RECENT_CLOSED_ITEMS,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [
            _Row(
                list=row[0],
                round_id=row[1],
                version_id=row[2],
                status=row[3],
                list_size=row[4],
                figures=RoundFigures(*(int(n) for n in row[5:9])),
            )
            for row in cursor.fetchall()
        ]


def _latest_request(field: str) -> Subquery:
    newest = AssignmentRequest.objects.filter(assignment=OuterRef("pk")).order_by("-requested_at", "-pk")
    return Subquery(newest.values(field)[:1])


def _assignments(user, keys: set[tuple[int, int]]) -> list[Assignment]:
    """The user's assignments of these (round, version) items, each with whether it was declined,
    the newest request about it, and whether the user leads the organisation it was given to."""
    if not keys:
        return []
    assigned_to = Q(reviewer=user) | Q(organisation__memberships__user=user)
    shown = reduce(or_, (Q(round_id=round_id, version_id=version_id) for round_id, version_id in keys))
    return list(
        Assignment.objects.filter(assigned_to, shown)
        .select_related("round", "version__use_case__audience")
        .annotate(
            is_declined=declined(),
            request_kind=_latest_request("kind"),
            request_state=_latest_request("state"),
            request_at=_latest_request("requested_at"),
            request_due_on=_latest_request("requested_due_on"),
            request_by=_latest_request("requested_by_id"),
            leads_organisation=Exists(
                Membership.objects.filter(
                    user=user, organisation=OuterRef("organisation_id"), role=Membership.Role.LEAD
                )
            ),
        )
        .order_by("pk")
        .distinct()
    )


def _request_state(assignment: Assignment) -> RequestState | None:
    if assignment.request_kind is None:
        return None
    return RequestState(
        kind=assignment.request_kind,
        state=assignment.request_state,
        requested_at=assignment.request_at,
        requested_due_on=assignment.request_due_on,
        requested_by_id=assignment.request_by,
    )


def _item(user, assignments: list[Assignment], status: str) -> ReviewItem:
    """One line for the version, from every assignment that gives it to the user. Requests are made
    about the user's own assignment when there is one, else their organisation's (as on the use case
    page); the due date is the earliest."""
    asked_through = next((a for a in assignments if a.reviewer_id), assignments[0])
    request = _request_state(asked_through)
    dates = [a.due_on for a in assignments if a.due_on]
    submitted = status == Review.Status.SUBMITTED
    can_ask = asked_through.round.is_open and not submitted and not (request and request.is_open)
    return ReviewItem(
        round=asked_through.round,
        version=asked_through.version,
        due_on=min(dates) if dates else None,
        status=status,
        is_declined=all(a.is_declined for a in assignments),
        request=request,
        may_decline=can_ask and bool(asked_through.reviewer_id or asked_through.leads_organisation),
        may_ask_more_time=can_ask and asked_through.due_on is not None,
        may_cancel_request=bool(asked_through.round.is_open and request and cancellable_by(request, user)),
    )


def _grouped(rows: list[_Row], items: dict[tuple[int, int], ReviewItem], pages: dict[int, int]) -> list[RoundGroup]:
    """The rows' items by round, in the rows' order; each round at the page pages gives it (else 1)."""
    groups: dict[int, RoundGroup] = {}
    for row in rows:
        item = items[row.round_id, row.version_id]
        if row.round_id not in groups:
            page = paginate(range(row.figures.listed), pages.get(row.round_id, 1), per_page=ITEMS_PER_PAGE)
            groups[row.round_id] = RoundGroup(round=item.round, items=[], figures=row.figures, page=page)
        groups[row.round_id].items.append(item)
    return list(groups.values())


def my_reviews(
    user, round_id: int | None = None, *, shown_round: str = "", page: int = 1, declined_page: int = 1
) -> MyReviews:
    """The user's open rounds (closing soonest first), each with its figures and a page of its
    items (the round whose slug is shown_round at page, the others at their first); a page of the
    use cases they declined, in a list of their own; then the first items of the most recently
    closed rounds, for reading back. With round_id (a personal link's session), that open round's
    items only."""
    rows = _rows(user, round_id, shown_round, page, declined_page)
    by_key: dict[tuple[int, int], list[Assignment]] = {}
    for assignment in _assignments(user, {(row.round_id, row.version_id) for row in rows}):
        by_key.setdefault((assignment.round_id, assignment.version_id), []).append(assignment)
    # An assignment taken away between the two queries takes its row with it.
    rows = [row for row in rows if (row.round_id, row.version_id) in by_key]
    items = {
        (row.round_id, row.version_id): _item(user, by_key[row.round_id, row.version_id], row.status) for row in rows
    }
    lists = {name: [row for row in rows if row.list == name] for name in ("open", "declined", "closed")}
    open_rounds = _grouped(
        lists["open"],
        items,
        {row.round_id: page for row in lists["open"] if items[row.round_id, row.version_id].round.slug == shown_round},
    )
    declined_count = lists["declined"][0].list_size if lists["declined"] else 0
    return MyReviews(
        open_rounds=sorted(
            open_rounds,
            key=lambda g: (g.round.closes_on is None, g.round.closes_on or datetime.date.max, g.round.name.casefold()),
        ),
        declined=[items[row.round_id, row.version_id] for row in lists["declined"]],
        declined_page=paginate(range(declined_count), declined_page, per_page=ITEMS_PER_PAGE),
        closed_rounds=_grouped(lists["closed"], items, {}),
    )
