"""The embedded default (SQLite, `make run`) holds reviewers who submit at the same moment."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

DRILL = Path(__file__).with_name("sqlite_concurrency_drill.py")


@pytest.fixture
def sqlite_file_environment(tmp_path):
    environment = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'portal.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "bold_portal.settings_test",
        "PYTHONPATH": str(settings.BASE_DIR),
        "ALLOWED_HOSTS": "testserver",
    }
    environment.pop("CELERY_BROKER_URL", None)  # eager: the matrix recompute runs in each request too
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--no-input", "-v0"],
        cwd=settings.BASE_DIR,
        env=environment,
        check=True,
    )
    return environment


def test_twenty_reviewers_at_once_and_two_tabs_get_no_server_error(sqlite_file_environment):
    completed = subprocess.run(
        [sys.executable, str(DRILL)],
        cwd=settings.BASE_DIR,
        env=sqlite_file_environment,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    result = json.loads(completed.stdout.strip().splitlines()[-1])

    # Every reviewer lands on the "review submitted" page (a redirect), and every review is saved.
    assert result["many"] == [302] * 20
    # Two tabs posting the same new review: one is saved, the other gets the conflict page.
    assert result["two_tabs"] == [302, 409]
    assert result["two_tabs_reviews"] == 1
    assert result["submitted"] == 21
