"""Helpers for tests of what the database itself enforces, and for worlds shared by a module's tests."""

from contextlib import contextmanager

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from bold_portal.celery import app as celery_app


@contextmanager
def refused(exception=IntegrityError):
    """Expect the database to refuse the statement, inside a savepoint so the test can go on."""
    with pytest.raises(exception), transaction.atomic():
        yield


def triggers_on(table: str) -> set[str]:
    """The names of the user-defined, enabled triggers on table, from the database's own catalogue
    (sqlite_master on SQLite, pg_trigger on PostgreSQL)."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s", [table])
        elif connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal AND tgenabled <> 'D'",
                [table],
            )
        else:
            pytest.skip(f"no trigger catalogue query for {connection.vendor}")
        return {name for (name,) in cursor.fetchall()}


def tables_containing(text: str) -> list[str]:
    """The tables with a row in which some column's value contains text (to show a secret is kept
    nowhere in clear)."""
    found = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            if any(text in str(value) for row in cursor.fetchall() for value in row):
                found.append(table)
    return found


@contextmanager
def shared_by_module(django_db_blocker):
    """For a module-scoped fixture named shared_*: what it builds inside this block is built once
    for its module's tests, in a transaction rolled back at the module's end; each test runs in a
    savepoint inside it, so whatever a test writes is rolled back before the next. The tests that
    ask for a shared_* fixture run after the module's other tests (tests/conftest.py), so no other
    test finds these rows. Hand each test a copy of any object it may change (copy.deepcopy, as
    Django's setUpTestData does)."""
    celery_app.conf.task_always_eager = True  # tests/conftest.py sets it for each test, after this
    with django_db_blocker.unblock(), transaction.atomic():
        yield
        transaction.set_rollback(True)


def migrate_to(*targets: tuple[str, str]) -> None:
    """Migrate the test database to these migrations (app label, name); with none, to the latest."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(list(targets) or executor.loader.graph.leaf_nodes())
