"""State changes of the core: the audit trail's own download record, its retention purge, and giving
the trail to an owner role the portal does not log in as (audit_trail_lock)."""

import datetime
import logging
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bold_portal.audit_database import (
    AUDIT_TABLE,
    PURGE_FUNCTION,
    PURGE_SIGNATURE,
    RETENTION_TABLE,
    TRIGGER_FUNCTION,
    audit_schema,
    quote_identifier,
)
from bold_portal.audit_selectors import AuditFilters
from bold_portal.models import AuditEvent, AuditRetention, audit

logger = logging.getLogger(__name__)


def audit_trail_download_record(*, actor, filters: AuditFilters, person_id: int | None) -> AuditEvent:
    """Record that actor downloaded the audit trail with these filters. The person filter is
    kept as the account's id (person_id, None when no account has that address), never as the
    address itself: audit rows hold no personal data."""
    with transaction.atomic():
        return audit(
            actor=actor,
            action="audit_downloaded",
            obj=None,
            filters={
                "person": person_id if filters.email else None,
                "object_type": filters.object_type,
                "object_id": filters.object_id,
                "action": filters.action,
                "date_from": filters.date_from.isoformat() if filters.date_from else None,
                "date_to": filters.date_to.isoformat() if filters.date_to else None,
            },
        )


def audit_rows_purge(*, before: datetime.datetime) -> int:
    """Delete the audit rows written before `before` (the retention period's start), but never one
    younger than the retention floor stored in the database: a later cutoff is clamped to now minus
    the floor, so `before` in the year 2999 deletes only what retention allows. Returns how many.
    On PostgreSQL the purge function does it, the only deletion the audit table's trigger lets
    through (bold_portal.audit_database); on SQLite the same rule is applied here."""
    with transaction.atomic():
        floor_days = AuditRetention.objects.values_list("days", flat=True).get()
        floor_cutoff = timezone.now() - datetime.timedelta(days=floor_days)
        if before > floor_cutoff:
            logger.warning(
                "Audit rows are kept for at least %s days (the retention floor in the database); "
                "the purge asked for rows before %s deletes only those before %s.",
                floor_days,
                before.isoformat(),
                floor_cutoff.isoformat(),
            )
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT {PURGE_FUNCTION}(%s)", [before])
                return cursor.fetchone()[0]
        deleted, _by_model = AuditEvent.objects.filter(created_at__lt=min(before, floor_cutoff)).delete()
    return deleted


class AuditLockdownRefused(Exception):
    """audit_trail_lock changed nothing; the message says why and what to do."""


@dataclass(frozen=True)
class AuditObject:
    kind: str  # "table", "sequence" or "function", as ALTER ... OWNER TO and GRANT name them
    name: str  # schema-qualified and quoted as SQL needs it
    owner_before: str
    portal_may: tuple[str, ...]  # what the portal's role may do with it after the lockdown


@dataclass(frozen=True)
class AuditLockdown:
    """What audit_trail_lock did: who owned each object before (all are the owner's now), what the
    portal's role may do with it afterwards (checked against the catalogue), and the retention floor."""

    owner: str
    portal_role: str
    objects: list[AuditObject]
    retention_days_before: int | None
    retention_days: int


_OWNER_QUERIES = {
    "table": "SELECT pg_get_userbyid(relowner) FROM pg_class WHERE oid = to_regclass(%s)",
    "sequence": "SELECT pg_get_userbyid(relowner) FROM pg_class WHERE oid = to_regclass(%s)",
    "function": "SELECT pg_get_userbyid(proowner) FROM pg_proc WHERE oid = to_regprocedure(%s)",
}
_PRIVILEGES = {
    "table": ["SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER"],
    "sequence": ["USAGE", "SELECT", "UPDATE"],
    "function": ["EXECUTE"],
}


def audit_trail_lock(*, owner: str, retention_days: int, portal_role: str | None = None) -> AuditLockdown:
    """Give the audit trail to `owner`, a role the portal does not log in as (PostgreSQL only): the
    audit table and its sequence, the retention table, the append-only trigger's function and the
    purge function become the owner's, and the portal's role (portal_role; by default the owner of
    Django's migrations table, the role that migrated) may then only read and add audit rows, read
    the retention floor and run the purge function; PUBLIC may do nothing. The floor becomes
    retention_days. Run as a superuser (or a role with the rights to do all this). Creates no role;
    one transaction, so a refusal changes nothing; running it again changes nothing more."""
    if connection.vendor != "postgresql":
        raise AuditLockdownRefused(
            _(
                "audit_lockdown is for PostgreSQL only: this database is %(vendor)s, which has no roles to give "
                "the audit trail to. Nothing was changed."
            )
            % {"vendor": connection.display_name}
        )
    try:
        AuditRetention(days=retention_days).full_clean(validate_unique=False)  # the one row is replaced
    except ValidationError as error:
        raise AuditLockdownRefused(
            _("The retention period must be a whole number of days, at least 1 (not %(days)s). Nothing was changed.")
            % {"days": retention_days}
        ) from error
    with transaction.atomic(), connection.cursor() as cursor:
        objects = _audit_objects(cursor)
        portal_role = portal_role or _owner(cursor, "table", "django_migrations")
        _check_roles(cursor, owner=owner, portal_role=portal_role)
        owner_sql, portal_sql = quote_identifier(owner), quote_identifier(portal_role)
        for item in objects:
            # A table's sequence changes owner with the table (and cannot be given away alone).
            if item.owner_before != owner and item.kind != "sequence":
                cursor.execute(f"ALTER {item.kind} {item.name} OWNER TO {owner_sql}")
        for item in objects:
            cursor.execute(f"REVOKE ALL ON {item.kind} {item.name} FROM PUBLIC, {portal_sql}")
            if item.portal_may:
                cursor.execute(f"GRANT {', '.join(item.portal_may)} ON {item.kind} {item.name} TO {portal_sql}")
        _check_portal_privileges(cursor, objects, portal_role)
        retention_days_before = AuditRetention.objects.filter(pk=1).values_list("days", flat=True).first()
        AuditRetention.objects.update_or_create(pk=1, defaults={"days": retention_days})
        audit(
            actor=None,
            action="audit_trail_locked",
            obj=None,
            owner=owner,
            portal_role=portal_role,
            before={"retention_days": retention_days_before},
            after={"retention_days": retention_days},
        )
    return AuditLockdown(
        owner=owner,
        portal_role=portal_role,
        objects=objects,
        retention_days_before=retention_days_before,
        retention_days=retention_days,
    )


def _owner(cursor, kind: str, name: str) -> str | None:
    cursor.execute(_OWNER_QUERIES[kind], [name])
    row = cursor.fetchone()
    return row[0] if row else None


def _audit_objects(cursor) -> list[AuditObject]:
    """The objects that make up the audit trail in the database, with their owners now."""
    schema = audit_schema(cursor)
    if schema is None:
        raise AuditLockdownRefused(
            _("This database has no audit table yet: run manage.py migrate first. Nothing was changed.")
        )
    cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [f"{schema}.{AUDIT_TABLE}"])
    (sequence,) = cursor.fetchone()
    wanted = [
        ("table", f"{schema}.{AUDIT_TABLE}", ("SELECT", "INSERT")),
        ("sequence", sequence, ("USAGE",)),
        ("table", f"{schema}.{RETENTION_TABLE}", ("SELECT",)),
        ("function", f"{schema}.{TRIGGER_FUNCTION}()", ()),
        ("function", f"{schema}.{PURGE_SIGNATURE}", ("EXECUTE",)),
    ]
    objects = []
    for kind, name, portal_may in wanted:
        owner = _owner(cursor, kind, name) if name else None
        if owner is None:
            raise AuditLockdownRefused(
                _("This database has no %(kind)s %(name)s: run manage.py migrate first. Nothing was changed.")
                % {"kind": kind, "name": name or f"{AUDIT_TABLE}_id_seq"}
            )
        objects.append(AuditObject(kind=kind, name=name, owner_before=owner, portal_may=portal_may))
    return objects


def _check_roles(cursor, *, owner: str, portal_role: str | None) -> None:
    """Refuse unless both roles exist and the portal's role has no way round the lockdown: not
    the owner, not a superuser, no CREATEROLE, no membership of the owner, and no ownership of the
    database (which it could drop) or of the audit table's schema (whose owner may drop any table
    in it). Every problem is named at once."""
    cursor.execute(
        """
        SELECT r.rolname, r.rolsuper, r.rolcreaterole
        FROM pg_roles r WHERE r.rolname IN (%s, %s)
        """,
        [owner, portal_role],
    )
    roles = {name: (superuser, createrole) for name, superuser, createrole in cursor.fetchall()}
    problems = []
    if owner not in roles:
        problems.append(
            _("There is no role %(owner)s: create it first (CREATE ROLE %(owner)s NOLOGIN); this command creates none.")
            % {"owner": owner}
        )
    if portal_role not in roles:
        problems.append(
            _("There is no role %(role)s: name the portal's role with --portal-role.") % {"role": portal_role}
        )
    if owner == portal_role:
        problems.append(
            _("%(owner)s is the portal's own role: the owner must be a role the portal does not log in as.")
            % {"owner": owner}
        )
    if problems:
        raise AuditLockdownRefused(" ".join([*problems, str(_("Nothing was changed."))]))
    superuser, createrole = roles[portal_role]
    if superuser:  # which says it all
        raise AuditLockdownRefused(
            _(
                "The portal's role %(role)s is a superuser, so it could undo all of this: the portal must log in as an "
                "ordinary role (docs/deployment.md). Nothing was changed."
            )
            % {"role": portal_role}
        )
    if createrole:
        problems.append(
            _(
                "The portal's role %(role)s has CREATEROLE, so it could make itself a member of %(owner)s: "
                "ALTER ROLE %(role)s NOCREATEROLE."
            )
            % {"role": portal_role, "owner": owner}
        )
    cursor.execute(
        """
        SELECT pg_has_role(%(portal)s, %(owner)s, 'MEMBER'),
               pg_has_role(%(portal)s, d.datdba, 'MEMBER'), d.datname,
               pg_has_role(%(portal)s, n.nspowner, 'MEMBER')
                   -- on PostgreSQL 15 and later schema public is the database owner's: said once, above
                   AND pg_get_userbyid(n.nspowner) <> 'pg_database_owner',
               n.nspname
        FROM pg_database d, pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE d.datname = current_database() AND c.oid = to_regclass(%(table)s)
        """,
        {"portal": portal_role, "owner": owner, "table": AUDIT_TABLE},
    )
    member_of_owner, owns_database, database, owns_schema, schema = cursor.fetchone()
    if member_of_owner:
        problems.append(
            _(
                "The portal's role %(role)s is a member of %(owner)s, so it could act as the owner: "
                "REVOKE %(owner)s FROM %(role)s."
            )
            % {"role": portal_role, "owner": owner}
        )
    if owns_database:
        problems.append(
            _(
                "The portal's role %(role)s owns the database %(database)s, so it could drop it, audit trail and all: "
                "ALTER DATABASE %(database)s OWNER TO %(owner)s."
            )
            % {"role": portal_role, "database": database, "owner": owner}
        )
    if owns_schema:
        problems.append(
            _(
                "The portal's role %(role)s owns the schema %(schema)s, and a schema's owner may drop any table in it: "
                "ALTER SCHEMA %(schema)s OWNER TO %(owner)s, then GRANT USAGE, CREATE ON SCHEMA %(schema)s TO %(role)s."
            )
            % {"role": portal_role, "schema": schema, "owner": owner}
        )
    if problems:
        raise AuditLockdownRefused(" ".join([*problems, str(_("Nothing was changed."))]))


def _check_portal_privileges(cursor, objects: list[AuditObject], portal_role: str) -> None:
    """Read back what the portal's role may do with each object, counting grants to PUBLIC and to
    roles it belongs to, and refuse (undoing everything) if it is more than it should."""
    extra = []
    for item in objects:
        # item.kind is one of _PRIVILEGES' keys, never input, and values are parameters:
        # hence the nosec comment for bandit's B608.
        cursor.execute(
            f"SELECT privilege FROM unnest(%s::text[]) AS privilege WHERE has_{item.kind}_privilege(%s, %s, privilege)",  # nosec
            [_PRIVILEGES[item.kind], portal_role, item.name],
        )
        held = {privilege for (privilege,) in cursor.fetchall()}
        extra += [f"{privilege} ON {item.kind} {item.name}" for privilege in sorted(held - set(item.portal_may))]
    if extra:
        raise AuditLockdownRefused(
            _(
                "The portal's role %(role)s would still hold %(extra)s, through a role it belongs to: revoke it from "
                "that role, then run this again. Nothing was changed."
            )
            % {"role": portal_role, "extra": ", ".join(extra)}
        )
