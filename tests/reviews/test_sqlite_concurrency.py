"""The embedded default (SQLite, `make run`) holds reviewers who submit at the same moment."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

# A drill of twenty reviewers in subprocesses against a SQLite file, about 20 seconds.
pytestmark = pytest.mark.slow

DRILL = Path(__file__).with_name("sqlite_concurrency_drill.py")


@pytest.fixture(scope="module")
def drill_result(tmp_path_factory) -> dict:
    """The drill's findings, run once for this module's tests: it takes about 20 seconds."""
    environment = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path_factory.mktemp('drill') / 'portal.sqlite3'}",
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
    completed = subprocess.run(
        [sys.executable, str(DRILL)],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    return json.loads(completed.stdout.strip().splitlines()[-1])


def test_twenty_reviewers_at_once_and_two_tabs_get_no_server_error(drill_result):
    result = drill_result

    # Every reviewer lands on the "review submitted" page (a redirect), and every review is saved.
    assert result["many"] == [302] * 20
    # Two tabs posting the same new review: one is saved, the other gets the conflict page.
    assert result["two_tabs"] == [302, 409]
    assert result["two_tabs_reviews"] == 1
    assert result["submitted"] == 21


def test_saves_of_existing_reviews_at_once_end_in_success_or_the_conflict_page(drill_result):
    """The saves that deadlocked on PostgreSQL when a save locked its round exclusively (see
    tests/reviews/test_save_races.py) queue on SQLite, whose writers take turns."""
    result = drill_result

    assert result["changes"] == [302] * 20 and result["changed"] == 20
    assert result["drafts_submitted"] == [302] * 10
    assert result["two_tabs_of_a_submitted"] == [302, 409] and result["two_tabs_lock_version"] == 2
    assert result["withdraw_and_change"] == [302, 409] and result["withdraw_and_change_lock_version"] == 3
    assert result["finally_submitted"] == 31 - result["withdrawn"]
