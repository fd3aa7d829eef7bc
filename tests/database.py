"""Helpers for tests of what the database itself enforces."""

from contextlib import contextmanager

import pytest
from django.db import IntegrityError, connection, transaction


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
