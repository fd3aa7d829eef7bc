"""Without SECRET_KEY the portal refuses to sign anything, yet schema commands still run."""

import os
import subprocess
import sys

import pytest
from django.conf import settings

# Each test starts Python and Django in a subprocess.
pytestmark = pytest.mark.slow


def _run(code: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG"}}
    env["DJANGO_SETTINGS_MODULE"] = "bold_portal.settings"
    return subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=settings.BASE_DIR, capture_output=True, text=True, timeout=60
    )


def test_signing_without_a_secret_key_fails_loudly():
    result = _run("import django; django.setup(); from django.core import signing; signing.dumps('x')")

    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_makemigrations_check_runs_without_a_secret_key():
    result = _run(
        "import django; django.setup(); from django.core.management import call_command; "
        "call_command('makemigrations', '--check', '--dry-run')"
    )

    assert result.returncode == 0, result.stderr
