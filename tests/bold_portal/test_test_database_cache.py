"""The SQLite test database copied from a cached file is the one the migrations build
(tests/schema_cache.py), and the file's name changes with whatever the migrations depend on."""

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from tests import schema_cache


def contents(path: Path) -> tuple[list, dict]:
    """The schema and every row of a SQLite file; for applied migrations, which and not when."""
    with sqlite3.connect(path) as database:
        schema = sorted(database.execute("SELECT type, name, tbl_name, sql FROM sqlite_master"))
        rows = {}
        for (table,) in database.execute("SELECT name FROM sqlite_master WHERE type = 'table'"):
            query = (
                "SELECT app, name FROM django_migrations"
                if table == "django_migrations"
                else f'SELECT * FROM "{table}"'
            )
            rows[table] = sorted(database.execute(query), key=repr)
    return schema, rows


@pytest.mark.slow
def test_the_cached_test_database_is_what_the_migrations_build(tmp_path):
    if connection.vendor != "sqlite":
        pytest.skip("the test database is cached on SQLite only")
    cached = schema_cache.CACHE_DIRECTORY / f"{schema_cache.schema_key()}.sqlite3"
    assert cached.is_file(), "this run's test database was neither saved to nor copied from the cache"
    environment = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'migrated.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "bold_portal.settings_test",
    }
    migrated = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--no-input", "--run-syncdb", "-v0"],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    assert migrated.returncode == 0, migrated.stderr

    assert contents(cached) == contents(tmp_path / "migrated.sqlite3")


def test_the_cache_follows_the_migrations_the_modules_they_import_and_the_settings_they_read():
    files, settings_read = schema_cache.schema_sources()
    names = {str(path.relative_to(schema_cache.PROJECT)) for path in files if schema_cache.PROJECT in path.parents}

    assert "reviews/migrations/0001_initial.py" in names
    assert "accounts/management/commands/migrate.py" in names
    # Imported by migrations, and by what those import.
    assert {"bold_portal/audit_database.py", "bold_portal/db.py", "accounts/recovery_codes.py"} <= names
    assert any("django/contrib/auth/migrations/0001_initial.py" in str(path) for path in files)
    assert {"AUTH_USER_MODEL", "RETENTION_AUDIT_DAYS"} <= settings_read


def test_the_cache_file_is_named_by_the_settings_the_migrations_read(settings):
    before = schema_cache.schema_key()
    settings.RETENTION_AUDIT_DAYS += 1

    assert schema_cache.schema_key() != before
