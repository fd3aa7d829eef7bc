"""Keep a round's stored progress counts (reviews.models.progress_counts) equal to the live count
of reviews.selectors.progress: recomputed from scratch for some versions of a round, or the whole
round, never incremented (docs/architecture.md, "Progress counts"). Run by the
refresh_progress_counts task after whatever changes them commits; running twice, late or out of
order gives the same rows."""

import datetime
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone

from audiences.models import Membership
from bold_portal.compiled_reads import CompiledRead
from reviews.models import (
    Assignment,
    GroupProgressCount,
    ProgressHeader,
    ProgressScope,
    Review,
    ReviewerItem,
    ReviewRound,
    RoundProgressCount,
    RoundVersion,
    VersionProgressCount,
    VersionProgressOrder,
)
from reviews.selectors.expected import expected_reviewers
from reviews.selectors.requests import declined
from reviews.services.rounds import round_read_shared
from usecases.models import UseCaseVersion

# Bandit's B608 (SQL built from strings) is silenced by a nosec comment where a statement below is
# built: only table names from the models, placeholders and Django's own SQL for the expected
# reviewers and the declined assignments are formatted into it; every value is a query parameter.


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _placeholders(values: Sequence) -> str:
    return ", ".join(["%s"] * len(values))


@dataclass
class _Tally:
    expected: int = 0
    submitted: int = 0


def _assignment_keys(round_id: int, version_ids: list[int] | None) -> dict:
    """The filter of the round's assignments (of these versions). A refresh after a submit is of
    one version: its keys are whole numbers, so the compiled reads below build and compile their
    SQL once per connection, not on every refresh."""
    if version_ids is None:
        return {"round_id": round_id}
    if len(version_ids) == 1:
        return {"round_id": round_id, "version_id": version_ids[0]}
    return {"round_id": round_id, "version_id__in": version_ids}


_EXPECTED = CompiledRead(
    lambda **keys: expected_reviewers(Assignment.objects.filter(**keys).exclude(declined()), with_people_who_left=True)
)
_GIVEN = CompiledRead(lambda **keys: Assignment.objects.filter(**keys).exclude(declined()).order_by().values("pk"))
_DECLINED = CompiledRead(lambda **keys: Assignment.objects.filter(**keys).filter(declined()).order_by().values("pk"))


def _expected_rows(round_id: int, version_ids: list[int] | None) -> list[tuple]:
    """Every assignment of the round (of these versions), declined or not, with each person it
    expects (people asked in person who have left since included, marked inactive), and whether
    that person has submitted a review of the version: one row per (assignment, person), or one
    row with no person for an assignment that expects nobody. Last, whether the assignment was
    declined, and the version's title. One query."""
    keys = _assignment_keys(round_id, version_ids)
    expected, params = _EXPECTED.statement(**keys)
    given, given_params = _GIVEN.statement(**keys)
    in_versions = "" if version_ids is None else f"AND a.version_id IN ({_placeholders(version_ids)})"
    sql = f"""
        SELECT a.id, a.version_id, a.organisation_id, a.reviewer_id, a.due_on, e.user_id, u.is_active,
               CASE WHEN r.status = 'submitted' THEN 1 ELSE 0 END,
               CASE WHEN a.id IN ({given}) THEN 0 ELSE 1 END, v.title
        FROM {_table(Assignment)} a
        JOIN {_table(UseCaseVersion)} v ON v.id = a.version_id
        LEFT JOIN ({expected}) e ON e.id = a.id
        LEFT JOIN {_table(get_user_model())} u ON u.id = e.user_id
        LEFT JOIN {_table(Review)} r
            ON r.round_id = a.round_id AND r.version_id = a.version_id AND r.reviewer_id = e.user_id
        WHERE a.round_id = %s {in_versions}
    """  # nosec
    with connection.cursor() as cursor:
        cursor.execute(sql, [*given_params, *params, round_id, *(version_ids or [])])
        return cursor.fetchall()


def _active_memberships(rows: list[tuple]) -> dict[int, set[int]]:
    """Per person these rows (_expected_rows) name, in person or as expected, the organisations
    they are an active member of. One query, if the rows name anyone."""
    people = {row[3] for row in rows if row[3] is not None} | {row[5] for row in rows if row[5] is not None}
    organisations: dict[int, set[int]] = defaultdict(set)
    if people:
        memberships = Membership.objects.filter(user__is_active=True, user_id__in=sorted(people))
        for user_id, organisation_id in memberships.values_list("user_id", "organisation_id"):
            organisations[user_id].add(organisation_id)
    return organisations


def _earlier(due_on, than):
    """The earlier of two due dates, no date being the latest."""
    return due_on if due_on is not None and (than is None or due_on < than) else than


def _lead_rows(round_id: int, rows: list[tuple], memberships: dict[int, set[int]]) -> list[VersionProgressCount]:
    """The rows an organisation's lead reads (reviews.selectors.organisations), counted as its page
    counts live: per (version, organisation, member) expected through the organisation's assignment
    or in person, the earliest due date and whether they submitted; per (version, organisation)
    given to it or in person to an active member of it (not declined), the sums of those."""
    members: dict[tuple[int, int, int], list] = {}  # (version, organisation, person): [due date, submitted]
    versions: set[tuple[int, int]] = set()
    titles: dict[int, str] = {}
    for _pk, version_id, organisation_id, reviewer_id, due_on, user_id, active, submitted, was_declined, title in rows:
        titles[version_id] = title
        if not was_declined:
            given_to = {organisation_id} if organisation_id else memberships.get(reviewer_id, set())
            versions.update((version_id, pk) for pk in given_to)
        if user_id is None or not active:
            continue
        member_of = memberships.get(user_id, set())
        for pk in (member_of & {organisation_id}) if organisation_id else member_of:
            pair = members.setdefault((version_id, pk, user_id), [due_on, submitted])
            pair[0] = _earlier(due_on, pair[0])
    sums: dict[tuple[int, int], list] = {key: [None, 0, 0] for key in versions}  # [earliest due, expected, submitted]
    for (version_id, organisation_id, _user_id), (due_on, submitted) in members.items():
        tally = sums[(version_id, organisation_id)]
        tally[0] = _earlier(due_on, tally[0])
        tally[1] += 1
        tally[2] += submitted
    return [
        VersionProgressCount(
            round_id=round_id,
            version_id=version_id,
            scope=ProgressScope.MEMBER,
            organisation_id=organisation_id,
            reviewer_id=user_id,
            due_on=due_on,
            expected=1,
            submitted=submitted,
        )
        for (version_id, organisation_id, user_id), (due_on, submitted) in members.items()
    ] + [
        VersionProgressCount(
            round_id=round_id,
            version_id=version_id,
            scope=ProgressScope.MEMBERS,
            organisation_id=organisation_id,
            due_on=due_on,
            title=titles[version_id],
            expected=expected,
            submitted=submitted,
        )
        for (version_id, organisation_id), (due_on, expected, submitted) in sums.items()
    ]


def _counted(round_id: int, version_ids: list[int] | None) -> list[VersionProgressCount]:
    """The rows of these versions (every version of the round for None), counted from scratch
    exactly as reviews.selectors.progress and the lead's page (reviews.selectors.organisations)
    count live: three queries."""
    groups: dict[int, tuple] = {}
    group_tally: dict[int, _Tally] = defaultdict(_Tally)
    pairs: dict[tuple[int, int], list] = {}  # (version, person): [earliest due date, submitted]
    with_left: dict[int, set[int]] = defaultdict(set)
    expected_rows = _expected_rows(round_id, version_ids)
    for pk, version_id, organisation_id, reviewer_id, due_on, user_id, active, submitted, *_rest in expected_rows:
        groups[pk] = (version_id, organisation_id, reviewer_id, due_on)
        if user_id is None:
            continue
        with_left[version_id].add(user_id)
        if not active:
            continue
        group_tally[pk].expected += 1
        group_tally[pk].submitted += submitted
        pair = pairs.setdefault((version_id, user_id), [due_on, submitted])
        if due_on is not None and (pair[0] is None or due_on < pair[0]):
            pair[0] = due_on
    buckets: dict[tuple, _Tally] = defaultdict(_Tally)
    for (version_id, _user_id), (due_on, submitted) in pairs.items():
        buckets[(version_id, due_on)].expected += 1
        buckets[(version_id, due_on)].submitted += submitted
    reviews = Review.objects.filter(round_id=round_id, status=Review.Status.SUBMITTED)
    if version_ids is not None:
        reviews = reviews.filter(version_id__in=version_ids)
    reviewed = dict(reviews.order_by().values_list("version_id").annotate(n=Count("pk")).values_list("version_id", "n"))
    rows = [
        VersionProgressCount(
            round_id=round_id,
            version_id=version_id,
            scope=ProgressScope.VERSION,
            due_on=due_on,
            expected=tally.expected,
            submitted=tally.submitted,
        )
        for (version_id, due_on), tally in buckets.items()
    ]
    rows += [
        VersionProgressCount(
            round_id=round_id,
            version_id=version_id,
            scope=ProgressScope.SUMMARY,
            expected=len(with_left.get(version_id, ())),
            submitted=reviewed.get(version_id, 0),
        )
        for version_id in set(with_left) | set(reviewed)
    ]
    rows += [
        VersionProgressCount(
            round_id=round_id,
            version_id=version_id,
            scope=ProgressScope.ORGANISATION if organisation_id else ProgressScope.PERSON,
            organisation_id=organisation_id,
            reviewer_id=reviewer_id,
            due_on=due_on,
            expected=group_tally[pk].expected,
            submitted=group_tally[pk].submitted,
        )
        for pk, (version_id, organisation_id, reviewer_id, due_on) in groups.items()
    ]
    return rows + _lead_rows(round_id, expected_rows, _active_memberships(expected_rows))


GROUP_SCOPES = (ProgressScope.ORGANISATION, ProgressScope.PERSON, ProgressScope.MEMBER)


# Each scope's group in SQL, naming the columns it keys on (its others are null) so that each clause
# can read its own index.
GROUP_CLAUSES = {
    ProgressScope.ORGANISATION: "(scope = 'organisation' AND organisation_id = %s)",
    ProgressScope.PERSON: "(scope = 'person' AND reviewer_id = %s)",
    ProgressScope.MEMBER: "(scope = 'member' AND organisation_id = %s AND reviewer_id = %s)",
}


def _group_key(row) -> tuple[str, int | None, int | None]:
    return (row.scope, row.organisation_id, row.reviewer_id)


def _row_values(row: VersionProgressCount) -> tuple:
    return (row.version_id, _group_key(row), row.due_on, row.expected, row.submitted, row.title)


@dataclass
class _RowChanges:
    """What a refresh of some versions changes in their stored rows: the stored rows to delete, the
    counted rows to insert. A row equal in every value to a stored one is left as it is: a submit
    changes a few of a version's rows (2 of 22 in the load run's round), and each row is in twelve
    indexes."""

    gone: list[VersionProgressCount]
    added: list[VersionProgressCount]

    def groups(self) -> set[tuple]:
        """The organisations, people and members whose rows changed."""
        return {_group_key(row) for row in [*self.gone, *self.added] if row.scope in GROUP_SCOPES}


def _row_changes(old: Iterable[VersionProgressCount], new: Iterable[VersionProgressCount]) -> _RowChanges:
    def unmatched(rows, others) -> list[VersionProgressCount]:
        left = Counter(_row_values(row) for row in others)
        kept = []
        for row in rows:
            values = _row_values(row)
            if left[values]:
                left[values] -= 1
            else:
                kept.append(row)
        return kept

    old, new = list(old), list(new)
    return _RowChanges(gone=unmatched(old, new), added=unmatched(new, old))


def _groups_refresh(round_id: int, groups: set[tuple] | None) -> None:
    """Sum each group's stored per-version rows into its round rows (every group's for None):
    two statements, choosing the groups by the same clauses."""
    chosen, params = "", []
    if groups is not None:
        if not groups:
            return
        keys = sorted(groups, key=lambda key: (key[0], key[1] or 0, key[2] or 0))
        chosen = "AND (" + " OR ".join(GROUP_CLAUSES[scope] for scope, *_ids in keys) + ")"
        params = [pk for _scope, *ids in keys for pk in ids if pk is not None]
    delete = f"""
        DELETE FROM {_table(GroupProgressCount)}
        WHERE round_id = %s AND scope IN ({_placeholders(GROUP_SCOPES)}) {chosen}
    """  # nosec
    insert = f"""
        INSERT INTO {_table(GroupProgressCount)}
            (round_id, scope, organisation_id, reviewer_id, due_on, versions, expected, submitted)
        SELECT round_id, scope, organisation_id, reviewer_id, due_on, COUNT(*), SUM(expected), SUM(submitted)
        FROM {_table(VersionProgressCount)}
        WHERE round_id = %s AND scope IN ({_placeholders(GROUP_SCOPES)}) {chosen}
        GROUP BY round_id, scope, organisation_id, reviewer_id, due_on
    """  # nosec
    with connection.cursor() as cursor:
        cursor.execute(delete, [round_id, *GROUP_SCOPES, *params])
        cursor.execute(insert, [round_id, *GROUP_SCOPES, *params])


def _round_totals_refresh(round_id: int) -> None:
    """Sum the round's stored per-version rows into its round rows, per scope and due date: two
    statements, each reading one covering index of the version rows."""
    RoundProgressCount.objects.filter(round_id=round_id).delete()
    versions = _table(VersionProgressCount)
    sql = f"""
        INSERT INTO {_table(RoundProgressCount)} (round_id, scope, due_on, expected, submitted)
        SELECT round_id, scope, due_on, SUM(expected), SUM(submitted)
        FROM {versions} WHERE round_id = %s AND scope = 'version'
        GROUP BY round_id, scope, due_on
        UNION ALL
        SELECT round_id, scope, NULL, SUM(expected), SUM(submitted)
        FROM {versions} WHERE round_id = %s AND scope = 'summary'
        GROUP BY round_id, scope
    """  # nosec
    with connection.cursor() as cursor:
        cursor.execute(sql, [round_id, round_id])


def _rows_delete(model, round_id: int, version_ids: list[int] | None, *, column: str) -> str:
    """Delete the round's (these versions') rows of a model that a refresh replaces whole. Returns
    the SQL condition that chooses the same versions by column (placeholders: version_ids), for
    the INSERT ... SELECT that replaces them."""
    rows = model.objects.filter(round_id=round_id)
    if version_ids is None:
        rows.delete()
        return ""
    rows.filter(version_id__in=version_ids).delete()
    return f"AND {column} IN ({_placeholders(version_ids)})"


def _reviewer_items_refresh(round_id: int, version_ids: list[int] | None) -> None:
    """Replace the round's (these versions') rows of My reviews (ReviewerItem) with one per
    (version, person) given it in person or through an organisation they belong to, exactly as
    reviews.selectors.my_reviews counts live: the earliest due date, declined when every
    assignment giving it is, submitted when the person's review is, the title in lower case. Two
    statements."""
    in_versions = _rows_delete(ReviewerItem, round_id, version_ids, column="a.version_id")
    declined_ids, declined_params = _DECLINED.statement(**_assignment_keys(round_id, version_ids))
    sql = f"""
        INSERT INTO {_table(ReviewerItem)} (round_id, version_id, reviewer_id, due_on, declined, submitted, title)
        SELECT %s, g.version_id, g.person_id, MIN(g.due_on),
               MIN(CASE WHEN g.id IN ({declined_ids}) THEN 1 ELSE 0 END) = 1,
               COALESCE(MAX(CASE WHEN r.status = 'submitted' THEN 1 ELSE 0 END), 0) = 1,
               LOWER(v.title)
        FROM (
            SELECT a.id, a.version_id, a.reviewer_id AS person_id, a.due_on
            FROM {_table(Assignment)} a
            WHERE a.round_id = %s AND a.reviewer_id IS NOT NULL {in_versions}
            UNION ALL
            SELECT a.id, a.version_id, m.user_id, a.due_on
            FROM {_table(Assignment)} a JOIN {_table(Membership)} m ON m.organisation_id = a.organisation_id
            WHERE a.round_id = %s {in_versions}
        ) g
        JOIN {_table(UseCaseVersion)} v ON v.id = g.version_id
        LEFT JOIN {_table(Review)} r
            ON r.round_id = %s AND r.version_id = g.version_id AND r.reviewer_id = g.person_id
        GROUP BY g.version_id, g.person_id, v.title
    """  # nosec
    versions = version_ids or []
    with connection.cursor() as cursor:
        cursor.execute(sql, [round_id, *declined_params, round_id, *versions, round_id, *versions, round_id])


def _header_upsert(round_id: int, *, whole_round: bool) -> tuple[bool, datetime.date | None]:
    """The round's ProgressHeader, created by whichever refresh comes first and updated by the
    others: its row stays locked until the refresh commits, so refreshes of one round take turns,
    each summing its groups' rows with the others' already committed. Returns whether it was just
    created (the round has no counts yet), and the day its order rows count overdue as of: today
    for a whole-round refresh (or a round's first), else the day they were last counted. One
    statement."""
    table = _table(ProgressHeader)
    sql = f"""
        INSERT INTO {table} (round_id, refreshed_at, refreshes, ordered_on) VALUES (%s, %s, 0, %s)
        ON CONFLICT (round_id) DO UPDATE SET
            refreshed_at = CASE WHEN %s THEN excluded.refreshed_at ELSE {table}.refreshed_at END,
            ordered_on = CASE WHEN %s THEN excluded.ordered_on ELSE {table}.ordered_on END,
            refreshes = {table}.refreshes + 1
        RETURNING refreshes, ordered_on
    """  # nosec
    with connection.cursor() as cursor:
        cursor.execute(sql, [round_id, timezone.now(), timezone.localdate(), whole_round, whole_round])
        refreshes, ordered_on = cursor.fetchone()
    # to_python: SQLite returns the date as text.
    return refreshes == 0, ProgressHeader._meta.get_field("ordered_on").to_python(ordered_on)


def _order_refresh(round_id: int, version_ids: list[int] | None, *, on: datetime.date) -> None:
    """Replace the round's (these versions') VersionProgressOrder rows with one per version of the
    round: the sums of its stored rows of scope "version" (nothing expected for a version with
    none), overdue as at the day on, exactly as reviews.selectors.progress counts them. Two
    statements."""
    in_versions = _rows_delete(VersionProgressOrder, round_id, version_ids, column="rv.version_id")
    sql = f"""
        INSERT INTO {_table(VersionProgressOrder)} (round_id, version_id, title, due_on, expected, submitted, overdue)
        SELECT rv.round_id, rv.version_id, v.title, MIN(p.due_on), COALESCE(SUM(p.expected), 0),
               COALESCE(SUM(p.submitted), 0),
               COALESCE(SUM(CASE WHEN p.due_on < %s THEN p.expected - p.submitted ELSE 0 END), 0)
        FROM {_table(RoundVersion)} rv
        JOIN {_table(UseCaseVersion)} v ON v.id = rv.version_id
        LEFT JOIN {_table(VersionProgressCount)} p
            ON p.round_id = rv.round_id AND p.version_id = rv.version_id AND p.scope = 'version'
        WHERE rv.round_id = %s {in_versions}
        GROUP BY rv.round_id, rv.version_id, v.title
    """  # nosec
    with connection.cursor() as cursor:
        cursor.execute(sql, [on, round_id, *(version_ids or [])])


def _forget(round_id: int) -> None:
    """A round whose figures were frozen at closing keeps no counts: were it opened again, it
    would be counted live until its refresh (queued by the change of status) has run."""
    for model in (
        ProgressHeader,
        GroupProgressCount,
        RoundProgressCount,
        VersionProgressCount,
        VersionProgressOrder,
        ReviewerItem,
    ):
        model.objects.filter(round_id=round_id).delete()


def progress_counts_refresh(*, round_id: int, version_ids: Sequence[int] | None = None) -> bool:
    """Recompute the round's stored progress counts and My reviews' rows from scratch: of these versions
    (and of the organisations and people whose rows in them changed), or with version_ids None of
    the whole round, and their places in the progress dashboard's order. One transaction; locks, in
    the project's order, the round FOR SHARE (as every change in a round does; closing it waits),
    then the round's ProgressHeader. A round's first refresh is always of the whole round. Returns
    False for a round that no longer exists, or whose figures were frozen when it closed (its counts
    are then deleted)."""
    with transaction.atomic():
        try:
            review_round = round_read_shared(round_id)
        except ReviewRound.DoesNotExist:
            return False
        if review_round.status == ReviewRound.Status.CLOSED and review_round.figures_frozen:
            _forget(round_id)
            return False
        ids = None if version_ids is None else sorted(set(version_ids))
        created, ordered_on = _header_upsert(round_id, whole_round=ids is None)
        if created:
            ids = None  # the round's first refresh counts all of it
        stored = VersionProgressCount.objects.filter(round_id=round_id)
        if ids is None:
            stored.delete()
            VersionProgressCount.objects.bulk_create(_counted(round_id, None), batch_size=5000)
            _groups_refresh(round_id, None)
        else:
            changes = _row_changes(stored.filter(version_id__in=ids), _counted(round_id, ids))
            if changes.gone:
                VersionProgressCount.objects.filter(pk__in=[row.pk for row in changes.gone]).delete()
            VersionProgressCount.objects.bulk_create(changes.added)
            _groups_refresh(round_id, changes.groups())
        _round_totals_refresh(round_id)
        _reviewer_items_refresh(round_id, ids)
        if ordered_on is not None:  # None: counted before the order rows existed, until a whole refresh
            _order_refresh(round_id, ids, on=ordered_on)
    return True


def progress_order_refresh(*, round_id: int) -> bool:
    """Count the round's VersionProgressOrder rows again as at today, when they were counted as at
    an earlier day (a day has passed: reviews due yesterday are now overdue). One transaction, taking
    the locks of progress_counts_refresh in its order, so that the two take turns. Returns whether
    it counted: not for a round that no longer exists, whose counts were never computed or were
    frozen at closing, or whose rows are already counted as at today."""
    today = timezone.localdate()
    with transaction.atomic():
        try:
            review_round = round_read_shared(round_id)
        except ReviewRound.DoesNotExist:
            return False
        if review_round.status == ReviewRound.Status.CLOSED and review_round.figures_frozen:
            return False
        header = ProgressHeader.objects.select_for_update(of=("self",)).filter(round_id=round_id).first()
        if header is None or header.ordered_on == today:
            return False
        _order_refresh(round_id, None, on=today)
        header.ordered_on = today
        header.full_clean()
        header.save(update_fields=["ordered_on"])
    return True
