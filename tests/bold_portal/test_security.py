"""Security headers and the production checks."""

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

from tests.factories import make_reviewer

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def _directives(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    return dict(part.strip().split(" ", 1) for part in header.split(";"))


@pytest.mark.parametrize("signed_in", [False, True])
def test_every_page_sends_the_content_security_policy_with_the_scripts_nonce(client, signed_in):
    if signed_in:
        client.force_login(make_reviewer())

    response = client.get(reverse("login") if not signed_in else reverse("reviews:my_reviews"))

    directives = _directives(response)
    assert directives["default-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["form-action"] == "'self'"
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    [nonce] = re.findall(r"'nonce-([^']+)'", directives["script-src"])
    scripts = re.findall(r"<script\b[^>]*>", response.text)
    assert len(scripts) == 2
    assert all(f'nonce="{nonce}"' in script for script in scripts)


def test_each_response_gets_a_fresh_nonce(client):
    first, second = client.get(reverse("login")), client.get(reverse("login"))

    assert _directives(first)["script-src"] != _directives(second)["script-src"]


PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "k" + "x9Fq2-Lm7Rt4Zp8Wv3Yb6Nc1Hd5Js0Kg" * 2,
    "ALLOWED_HOSTS": "bold.example.org",
    "SECURE_COOKIES": "true",
}
HTTPS = {
    "SECURE_SSL_REDIRECT": "true",
    "SECURE_PROXY_SSL_HEADER": "true",
    "SECURE_HSTS_SECONDS": "31536000",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": "true",
    "SECURE_HSTS_PRELOAD": "true",
}


def _deploy_check(tmp_path, env) -> str:
    database = {"DATABASE_URL": f"sqlite:///{tmp_path / 'deploy-check.sqlite3'}", "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"],
        cwd=ROOT,
        env={**database, **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout + result.stderr


@pytest.mark.slow  # manage.py check --deploy in a subprocess
def test_deploy_check_is_clean_with_the_https_settings(tmp_path):
    """The settings docs/deployment.md gives for a portal served only over HTTPS."""
    assert "System check identified no issues" in _deploy_check(tmp_path, {**PRODUCTION, **HTTPS})


def _documented_production_settings() -> dict[str, str]:
    """The variables docs/deployment.md exports under "Without Docker"."""
    section = (ROOT / "docs" / "deployment.md").read_text().split("## Without Docker", 1)[1]
    block = section.split("```sh", 1)[1].split("```", 1)[0]
    export = block.split("export", 1)[1].split("\n")
    lines = [export[0]]
    while lines[-1].rstrip().endswith("\\"):
        lines.append(export[len(lines)])
    return dict(word.split("=", 1) for word in shlex.split(" ".join(line.rstrip(" \\") for line in lines)))


@pytest.mark.slow  # manage.py check --deploy in a subprocess
def test_deploy_check_is_clean_with_the_production_settings_the_deployment_guide_gives(tmp_path):
    documented = _documented_production_settings()
    assert documented["SECRET_KEY"] == "..." and documented["DATABASE_URL"].startswith("postgres://")
    assert {"ALLOWED_HOSTS", "CSRF_TRUSTED_ORIGINS", "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS"} <= set(documented)
    # The guide's key is a placeholder, and the check reads no database: a temporary SQLite one.
    env = {**documented, "SECRET_KEY": PRODUCTION["SECRET_KEY"]}
    del env["DATABASE_URL"]

    output = _deploy_check(tmp_path, env)

    assert "System check identified no issues (0 silenced)." in output, output


@pytest.mark.slow  # manage.py check --deploy in a subprocess
def test_deploy_check_without_https_settings_warns_only_about_https(tmp_path):
    """Where a proxy redirects to HTTPS and sends HSTS itself, docs/deployment.md explains these two."""
    output = _deploy_check(tmp_path, PRODUCTION)

    assert sorted(re.findall(r"\((security\.W\d+)\)", output)) == ["security.W004", "security.W008"]


def test_clickjacking_and_sniffing_headers(client):
    response = client.get(reverse("login"))

    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
