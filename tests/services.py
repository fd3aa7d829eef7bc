"""Tests that need Redis: skipped without REDIS_URL, failed instead in CI (BOLD_REQUIRE_SERVICES=1)."""

import os

import pytest
from django.conf import settings


def require_redis(what: str) -> None:
    """Skip (or, with BOLD_REQUIRE_SERVICES=1, fail) unless the cache is Redis."""
    if not settings.REDIS_URL:
        reason = f"{what} are kept in Redis: REDIS_URL is not set."
        if os.environ.get("BOLD_REQUIRE_SERVICES") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
