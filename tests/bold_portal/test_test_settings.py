"""Each test process empties its cache between tests, so it has a Redis database of its own, never
another process's and never the broker's (bold_portal/settings_test.py)."""

import os
import subprocess
import sys

from django.conf import settings

PRINT_CACHE = (
    "import django; django.setup(); from django.conf import settings; print(settings.CACHES['default']['LOCATION'])"
)


def read_test_settings(**environment: str) -> subprocess.CompletedProcess:
    """The test settings, read in a new process with the given environment."""
    return subprocess.run(
        [sys.executable, "-c", PRINT_CACHE],
        cwd=settings.BASE_DIR,
        env=os.environ | {"DJANGO_SETTINGS_MODULE": "bold_portal.settings_test", **environment},
        capture_output=True,
        text=True,
        check=False,
    )


def test_each_test_process_counts_down_from_the_cache_database_redis_url_names():
    locations = [
        read_test_settings(
            PYTEST_XDIST_WORKER=process, REDIS_URL="redis://127.0.0.1:6379/14", CELERY_BROKER_URL=""
        ).stdout.strip()
        for process in ("gw0", "gw1", "gw2")
    ]

    assert locations == [f"redis://127.0.0.1:6379/{database}" for database in (14, 13, 12)]


def test_a_test_process_whose_cache_database_would_be_the_brokers_is_refused():
    child = read_test_settings(
        PYTEST_XDIST_WORKER="gw1",
        REDIS_URL="redis://127.0.0.1:6379/15",
        CELERY_BROKER_URL="redis://127.0.0.1:6379/14",
    )

    assert child.returncode != 0
    assert "Test process gw1 would use Redis database 14 as its cache, and CELERY_BROKER_URL names the same one" in (
        child.stderr
    )


def test_a_cache_database_below_zero_is_refused():
    child = read_test_settings(PYTEST_XDIST_WORKER="gw1", REDIS_URL="redis://127.0.0.1:6379/0", CELERY_BROKER_URL="")

    assert child.returncode != 0
    assert "REDIS_URL names Redis database 0: too low for one database per test process" in child.stderr
