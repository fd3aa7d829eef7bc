"""Settings for the test suite, in one place: the portal's own settings, with a fast password
hasher (Argon2 is slow on purpose, and the suite sets hundreds of passwords) and email kept in
memory. Everything else, including the database and broker, comes from the environment as usual."""

import os
from urllib.parse import urlsplit, urlunsplit

from django.core.exceptions import ImproperlyConfigured

from bold_portal.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Tests serve static files from the finders; the manifest exists only after collectstatic.
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405

# `make test` runs several test processes (pytest-xdist), and each empties the cache between tests
# (FLUSHDB on Redis): give each process a Redis database of its own, counting down from
# REDIS_URL's (away from the broker's, which CI puts above it).
_test_process = os.environ.get("PYTEST_XDIST_WORKER", "")
if REDIS_URL and _test_process.startswith("gw"):  # noqa: F405
    _parts = urlsplit(REDIS_URL)  # noqa: F405
    _database = int(_parts.path.strip("/") or 0) - int(_test_process[2:])
    if _database < 0:
        raise ImproperlyConfigured(
            f"REDIS_URL names Redis database {_parts.path.strip('/') or 0}: too low for one database per test "
            "process counting down from it. Name a higher one, such as /14."
        )
    REDIS_URL = urlunsplit(_parts._replace(path=f"/{_database}"))
    if REDIS_URL == CELERY_BROKER_URL:  # noqa: F405
        raise ImproperlyConfigured(
            f"Test process {_test_process} would use Redis database {_database} as its cache, and "
            "CELERY_BROKER_URL names the same one: emptying the cache between tests would delete the "
            "queued tasks. Name a broker database above REDIS_URL's, as .ci/run does (/15 and /14)."
        )
    CACHES = {"default": {**CACHES["default"], "LOCATION": REDIS_URL}}  # noqa: F405
