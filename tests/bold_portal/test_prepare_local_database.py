"""`make run` on a machine with a db.sqlite3 from an older version of the portal."""

import os
import sqlite3
import subprocess
import sys

import pytest
from django.conf import settings

# Each test runs manage.py in subprocesses, migrating a database of its own.
pytestmark = pytest.mark.slow


def manage(*args, environment):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture
def environment(tmp_path):
    return {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "bold_portal.settings_test",
    }


def test_an_older_local_database_is_set_aside_and_rebuilt(tmp_path, environment):
    assert manage("migrate", "--no-input", "-v0", environment=environment).returncode == 0
    with sqlite3.connect(tmp_path / "db.sqlite3") as database:
        # A migration this version no longer has, as an older checkout leaves behind.
        database.execute(
            "INSERT INTO django_migrations (app, name, applied) VALUES ('audiences', '0002_invitation', '2026-01-01')"
        )

    prepared = manage("prepare_local_database", environment=environment)

    assert prepared.returncode == 0, prepared.stderr
    assert "made by an older version of the portal" in prepared.stdout
    assert not (tmp_path / "db.sqlite3").exists()
    assert len(list(tmp_path.glob("db.sqlite3.older-*"))) == 1
    assert manage("migrate", "--no-input", "-v0", environment=environment).returncode == 0


def test_a_current_database_is_left_alone(tmp_path, environment):
    assert manage("migrate", "--no-input", "-v0", environment=environment).returncode == 0

    prepared = manage("prepare_local_database", environment=environment)

    assert prepared.returncode == 0, prepared.stderr
    assert prepared.stdout == ""
    assert (tmp_path / "db.sqlite3").exists()
    assert not list(tmp_path.glob("db.sqlite3.older-*"))
