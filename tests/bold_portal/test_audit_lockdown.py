"""manage.py audit_lockdown (docs/deployment.md, "Locking the audit trail"): after it, the portal's
own database role can read and add audit rows and run the retention purge, and nothing else: no
UPDATE, DELETE, TRUNCATE or disabling the trigger, and the purge deletes nothing younger than the
retention floor however late a cutoff it is given. The main test makes real roles, locks the test
database's audit trail down, connects as the portal's role, then gives everything back."""

import datetime
import io
import uuid
from contextlib import contextmanager

import psycopg
import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection
from django.utils import timezone

from bold_portal.audit_database import AUDIT_TABLE, PURGE_FUNCTION, RETENTION_TABLE
from bold_portal.models import AuditEvent, AuditRetention, audit
from bold_portal.services import audit_rows_purge
from tests.concurrency import require_postgresql
from tests.database import refused
from tests.factories import make_user

postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="roles are PostgreSQL's")


def lockdown(**options) -> str:
    out = io.StringIO()
    call_command("audit_lockdown", stdout=out, **options)
    return out.getvalue()


def sql(statement: str, params=()) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchall() if cursor.description else []


def audit_owners() -> set[str]:
    """The owners of the audit table, the retention table and the purge function."""
    return {
        owner
        for (owner,) in sql(
            "SELECT pg_get_userbyid(relowner) FROM pg_class WHERE oid IN (to_regclass(%s), to_regclass(%s)) "
            "UNION ALL SELECT pg_get_userbyid(proowner) FROM pg_proc WHERE proname = %s",
            [AUDIT_TABLE, RETENTION_TABLE, PURGE_FUNCTION],
        )
    }


def unique_role(kind: str) -> str:
    return f"bold_test_{kind}_{uuid.uuid4().hex[:12]}"


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's answer")
def test_on_sqlite_the_lockdown_says_it_is_for_postgresql():
    with pytest.raises(CommandError, match="for PostgreSQL only: this database is SQLite"):
        lockdown(owner="bold_audit")


# --- Refusals: each changes nothing (roles made inside the test's transaction vanish with it) ------------


@pytest.fixture
def owner_and_portal(db):
    owner, portal = unique_role("owner"), unique_role("portal")
    sql(f'CREATE ROLE "{owner}" NOLOGIN')
    sql(f'CREATE ROLE "{portal}" LOGIN')
    return owner, portal


@postgresql_only
@pytest.mark.django_db
def test_an_owner_role_that_does_not_exist_is_named_and_not_created():
    owners = audit_owners()
    missing = unique_role("missing")

    with pytest.raises(CommandError, match=f"There is no role {missing}: create it first"):
        lockdown(owner=missing)

    assert audit_owners() == owners
    assert not sql("SELECT 1 FROM pg_roles WHERE rolname = %s", [missing])


@postgresql_only
def test_a_portal_role_that_is_a_superuser_is_refused(owner_and_portal):
    owner, _portal = owner_and_portal
    owners = audit_owners()
    # By default the portal's role is the one that migrated: here the test's own superuser.
    with pytest.raises(CommandError, match="is a superuser, so it could undo all of this"):
        lockdown(owner=owner)
    assert audit_owners() == owners


@postgresql_only
@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ('ALTER ROLE "{portal}" CREATEROLE', "has CREATEROLE"),
        ('GRANT "{owner}" TO "{portal}"', "is a member of {owner}, so it could act as the owner"),
        ('ALTER SCHEMA public OWNER TO "{portal}"', "owns the schema public"),
        ('ALTER DATABASE "{database}" OWNER TO "{portal}"', "owns the database {database}, so it could drop it"),
    ],
)
def test_a_portal_role_with_a_way_round_the_lockdown_is_refused(owner_and_portal, setup, message):
    owner, portal = owner_and_portal
    names = {"owner": owner, "portal": portal, "database": connection.settings_dict["NAME"]}
    sql(setup.format(**names))
    owners = audit_owners()

    with pytest.raises(CommandError, match=message.format(**names)):
        lockdown(owner=owner, portal_role=portal)

    assert audit_owners() == owners


@postgresql_only
def test_the_owner_cannot_be_the_portal_role_and_the_floor_is_at_least_a_day(owner_and_portal):
    owner, portal = owner_and_portal
    with pytest.raises(CommandError, match="the owner must be a role the portal does not log in as"):
        lockdown(owner=portal, portal_role=portal)
    with pytest.raises(CommandError, match="at least 1"):
        lockdown(owner=owner, portal_role=portal, retention_days=0)
    assert AuditRetention.objects.get().days >= 1


# --- The lockdown, seen from the portal's role ------------------------------------------------------------


@pytest.fixture
def roles(transactional_db):
    """A new owner role and a new portal role (with LOGIN), committed so that another connection can
    use them; afterwards everything they own goes back to the test's own role, which owned it
    before, and both are dropped, even when the test fails."""
    require_postgresql("The audit lockdown test")
    owner, portal = unique_role("owner"), unique_role("portal")
    (me,) = sql("SELECT current_user")[0]
    assert audit_owners() == {me}
    sql(f'CREATE ROLE "{owner}" NOLOGIN')
    sql(f'CREATE ROLE "{portal}" LOGIN')
    try:
        yield owner, portal
    finally:
        sql("RESET ROLE")
        sql(f'REASSIGN OWNED BY "{owner}", "{portal}" TO "{me}"')
        sql(f'DROP OWNED BY "{owner}", "{portal}"')
        sql(f'DROP ROLE "{owner}"')
        sql(f'DROP ROLE "{portal}"')
        assert audit_owners() == {me}


@contextmanager
def connected_as(role: str):
    """A connection of its own to the test database, logged in as role (trust authentication)."""
    settings = connection.settings_dict
    with psycopg.connect(
        host=settings["HOST"], port=settings["PORT"] or 5432, dbname=settings["NAME"], user=role, autocommit=True
    ) as other:
        yield other


@contextmanager
def acting_as(role: str):
    """Django's own connection, with the rights of role alone (SET ROLE), to run the portal's code."""
    sql(f'SET ROLE "{role}"')
    try:
        yield
    finally:
        sql("RESET ROLE")


def rows_dated(*ages: datetime.timedelta) -> list[AuditEvent]:
    user = make_user()
    now = timezone.now()
    rows = []
    for age in ages:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(timezone, "now", lambda age=age: now - age)
            rows.append(audit(actor=user, action="account_switched_on", obj=user))
    return rows


def as_if_the_portal_had_migrated(portal: str) -> None:
    """Give portal what a portal that ran its own migrations owns: the audit objects and Django's
    migrations table (which the lockdown takes as naming the portal's role)."""
    for kind, name in (
        ("TABLE", AUDIT_TABLE),
        ("TABLE", RETENTION_TABLE),
        ("TABLE", "django_migrations"),
        ("FUNCTION", f"{AUDIT_TABLE}_append_only()"),
        ("FUNCTION", f"{PURGE_FUNCTION}(timestamptz)"),
    ):
        sql(f'ALTER {kind} {name} OWNER TO "{portal}"')


@pytest.mark.slow  # a second connection, logged in as another role
def test_the_portal_role_may_only_read_add_and_purge_what_retention_allows(roles):
    owner, portal = roles
    floor = datetime.timedelta(days=30)
    outlived, young, recent = rows_dated(
        floor + datetime.timedelta(days=1), floor - datetime.timedelta(days=1), datetime.timedelta()
    )
    as_if_the_portal_had_migrated(portal)
    table = AUDIT_TABLE
    owner_only = (
        f"TRUNCATE {table}",
        f"ALTER TABLE {table} DISABLE TRIGGER USER",
        f"ALTER TABLE {table} DISABLE TRIGGER {table}_append_only",
        f"UPDATE {RETENTION_TABLE} SET days = 1",
    )
    with connected_as(portal) as app:  # before: the portal owns the trail, so it could empty it
        for statement in owner_only:
            with app.transaction(force_rollback=True):
                app.execute(statement)

    output = lockdown(owner=owner, retention_days=30)

    assert f"now belongs to {owner}" in output and f"The portal's role {portal} may now" in output
    assert "Retention floor: 30 days" in output
    assert audit_owners() == {owner}
    with connected_as(portal) as app:
        for statement in (
            *owner_only,
            f"ALTER TABLE {table} DISABLE TRIGGER ALL",
            f"UPDATE {table} SET action = 'review_withdrawn'",
            f"DELETE FROM {table}",
            f"DROP TABLE {table}",
            f'ALTER FUNCTION {PURGE_FUNCTION}(timestamptz) OWNER TO "{portal}"',
            f"CREATE OR REPLACE FUNCTION {table}_append_only() RETURNS trigger "
            "LANGUAGE plpgsql AS $$ BEGIN RETURN OLD; END $$",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                app.execute(statement)
        with pytest.raises(psycopg.errors.InsufficientPrivilege), app.transaction():  # the old way round
            app.execute("SELECT set_config('bold_portal.audit_purge_before', '2999-01-01', true)")
            app.execute(f"DELETE FROM {table}")
        # A table of its own in the place of the floor's is not read: the purge names the real one.
        app.execute(f"CREATE TEMPORARY TABLE {RETENTION_TABLE} (id integer, days integer)")
        app.execute(f"INSERT INTO {RETENTION_TABLE} VALUES (1, 0)")

        (added,) = app.execute(
            f"INSERT INTO {table} (actor_id, action, object_type, object_id, data, created_at) "
            "VALUES (%s, 'account_switched_off', '', '', '{}', now()) RETURNING id",
            [recent.actor_id],
        ).fetchone()
        assert app.execute(f"SELECT count(*) FROM {table} WHERE id = ANY(%s)", [[young.pk, added]]).fetchone() == (2,)
        assert app.execute(f"SELECT {PURGE_FUNCTION}('2999-01-01')").fetchone() == (1,)

    left = set(AuditEvent.objects.values_list("pk", flat=True))
    assert {young.pk, recent.pk, added} <= left and outlived.pk not in left
    with acting_as(owner), refused(DatabaseError):  # nor can the owner delete a young row by hand
        AuditEvent.objects.filter(pk=young.pk).delete()
    with acting_as(portal):  # the portal's own code works as before
        assert audit_rows_purge(before=timezone.now()) == 0
        audit(actor=None, action="audit_downloaded", obj=None)
    assert lockdown(owner=owner, retention_days=30).count("already its owner") == 5


@pytest.mark.slow  # migrates backwards and forwards
def test_after_the_lockdown_the_audit_migrations_run_as_a_superuser_then_the_lockdown_again(roles):
    owner, portal = roles
    as_if_the_portal_had_migrated(portal)
    lockdown(owner=owner, retention_days=30)

    # As docs/deployment.md says: bold_portal's migrations with the superuser's connection (here the
    # test's own), undone and done again, then the same lockdown.
    call_command("migrate", "bold_portal", "0004", verbosity=0)
    call_command("migrate", "bold_portal", verbosity=0)
    assert owner in audit_owners() and len(audit_owners()) > 1  # what the migration made is not the owner's
    output = lockdown(owner=owner, retention_days=30)

    assert audit_owners() == {owner}
    assert "was " in output
    with connected_as(portal) as app:
        assert app.execute(f"SELECT {PURGE_FUNCTION}(now())").fetchone() == (0,)
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            app.execute(f"TRUNCATE {AUDIT_TABLE}")
