import gc
import itertools
import os
import sys

import hypothesis
import pytest
from django.conf import settings
from django.db import connection
from django.test import Client

from bold_portal.celery import app as celery_app
from tests import schema_cache
from tests.database import migrate_to
from tests.factories import make_admin
from tests.row_locks import row_lock_watch
from tests.two_factor import force_login_past_two_factor

# Byte code is kept from one run to the next (in __pycache__ folders, which git ignores) even where
# PYTHONDONTWRITEBYTECODE is set, as the Docker image sets it: compiling the test files, and rewriting
# their assertions, afresh on every run costs about 3 CPU seconds. This takes effect for everything
# imported from here on: the test files and the portal's modules Django did not load at start-up.
sys.dont_write_bytecode = False

# Property tests run on shared, busy machines: how long Hypothesis takes to make its examples says
# nothing about the portal, so its timing checks would only make the suite fail at random.
hypothesis.settings.register_profile(
    "portal",
    deadline=None,
    suppress_health_check=[hypothesis.HealthCheck.too_slow, hypothesis.HealthCheck.data_too_large],
)
hypothesis.settings.load_profile("portal")

# CI sets BOLD_REQUIRE_SERVICES=1: then a missing PostgreSQL or Redis fails the run instead of
# letting the suite fall back to SQLite or skip the worker test.
REQUIRE_SERVICES = os.environ.get("BOLD_REQUIRE_SERVICES") == "1"


def pytest_configure(config):
    # Django's setup and the collected tests are long-lived objects: keep the cyclic garbage
    # collector from walking them again and again, and let it run less often (about 5% of the run).
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)
    if REQUIRE_SERVICES and settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        raise pytest.UsageError("BOLD_REQUIRE_SERVICES=1 but DATABASE_URL is not PostgreSQL.")
    if REQUIRE_SERVICES and not settings.CELERY_BROKER_URL:
        raise pytest.UsageError("BOLD_REQUIRE_SERVICES=1 but CELERY_BROKER_URL is not set.")


def pytest_collection_finish(session):
    # The collected tests live as long as the run too (about 200,000 objects): freeze them as well,
    # so that neither the full collections during the run nor the five pytest makes at its end, to
    # find exceptions raised in finalizers, walk them again (about 0.6 CPU s at the end alone).
    gc.collect()
    gc.freeze()


def pytest_sessionfinish(session):
    # At its end pytest runs five full collections, in case finalizers leave more garbage, to report
    # any exception raised in one. Collect here until a collection finds nothing (then a further one
    # would find nothing either) and freeze what is left, so that pytest's five walk only what comes
    # after. Its hook still records every such exception: it stays in place until then.
    for _ in range(5):
        if not gc.collect():
            break
    gc.freeze()


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """pytest-django's fixture, run before it creates the test database: on SQLite, that database is
    copied from the one the same migrations built on an earlier run (tests/schema_cache.py)."""
    restore = schema_cache.install()
    yield
    restore()


# Module-scoped worlds (fixtures named shared_*, see tests/database.py) hold a transaction open until
# the end of their module, each test running in a savepoint inside it: the tests that ask for one
# run after the module's other tests, so that no test finds rows it did not ask for. (Only tests next
# to each other move, so pytest-django's order, which runs the tests that flush the database last,
# is kept.)


def pytest_collection_modifyitems(items):
    def module(item):
        marker = item.get_closest_marker("django_db")
        flushes = "transactional_db" in getattr(item, "fixturenames", ()) or bool(
            marker and marker.kwargs.get("transaction")
        )
        return item.nodeid.split("::")[0], flushes

    def shares(item):
        return any(name.startswith("shared_") for name in getattr(item, "fixturenames", ()))

    ordered = []
    for _, run in itertools.groupby(items, key=module):
        run = list(run)
        ordered += [item for item in run if not shares(item)] + [item for item in run if shares(item)]
    items[:] = ordered


@pytest.fixture(autouse=True)
def _eager_celery_and_clean_cache():
    """Tasks run in-process in tests, except the worker test, which switches this off."""
    celery_app.conf.task_always_eager = True
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def admin(client):
    """A programme admin, signed in on the test client."""
    person = make_admin(email="admin@bold.example", full_name="Ada Admin")
    client.force_login(person)
    return person


@pytest.fixture(autouse=True)
def _force_login_passes_two_factor(monkeypatch):
    """client.force_login(analyst or admin) also passes the two-factor step, as a real sign-in
    would, so that tests of staff pages need not repeat it; tests of the step itself use
    tests.two_factor.force_login_password_only."""
    monkeypatch.setattr(Client, "force_login", force_login_past_two_factor)


@pytest.fixture(autouse=True)
def _row_locks_name_their_table(request):
    """On PostgreSQL, every locking statement the portal's code runs on its own tables names them
    (OF) and is not ordered (tests/row_locks.py); the test fails at teardown otherwise, so that no
    code that catches errors can hide it."""
    if connection.vendor != "postgresql" or request.node.get_closest_marker("own_row_lock_watch"):
        yield
        return
    with row_lock_watch() as problems:
        yield
    assert not problems, "\n\n".join(problems)


@pytest.fixture
def latest_schema_after():
    """For a test that migrates the database back: the tests after it run on the latest schema
    again, whatever it stopped at."""
    yield
    migrate_to()
