"""The security checks of docs/deployment.md: bandit in make lint with every silenced finding
explained, and make audit failing, never passing, when it cannot reach a vulnerability database."""

import os
import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APPS = ["accounts", "audiences", "bold_portal", "matrix", "principles", "reviews", "usecases"]


def test_make_lint_runs_bandit_with_the_projects_configuration():
    lint = (ROOT / "Makefile").read_text().split("\nlint:", 1)[1].split("\n\n", 1)[0]

    assert "$(VENV)/bin/bandit -c pyproject.toml --quiet --recursive ." in lint
    assert "[tool.bandit]" in (ROOT / "pyproject.toml").read_text()
    assert "skips" not in (ROOT / "pyproject.toml").read_text().split("[tool.bandit]", 1)[1]


def test_every_finding_bandit_is_told_to_ignore_says_why():
    for path in (path for app in APPS for path in (ROOT / app).rglob("*.py")):
        text = path.read_text()
        if re.search(r"#\s*nosec\b", text):
            assert "nosec comment" in text, f"{path.relative_to(ROOT)}: a nosec without a comment saying why"


@pytest.mark.slow
def test_make_audit_fails_saying_it_could_not_check_when_offline():
    nowhere = "http://127.0.0.1:9"  # nothing listens on port 9
    offline = {
        **os.environ,
        "HTTPS_PROXY": nowhere,
        "HTTP_PROXY": nowhere,
        "https_proxy": nowhere,
        "http_proxy": nowhere,
        "npm_config_registry": f"{nowhere}/",
        "npm_config_fetch_retries": "0",
    }

    run = subprocess.run([ROOT / ".ci/audit"], cwd=ROOT, env=offline, capture_output=True, text=True, timeout=300)

    assert run.returncode != 0
    assert "No known vulnerabilities" not in run.stdout + run.stderr
    assert run.stderr.count("COULD NOT CHECK") == 3
    assert run.stderr.endswith(
        "make audit failed:\n"
        "  - pip-audit (pinned requirements): could not check\n"
        "  - pip-audit (the virtualenv as installed): could not check\n"
        "  - npm audit (package-lock.json): could not check\n"
    )


@pytest.mark.django_db
def test_the_content_security_policy_has_no_report_endpoint(client):
    policy = client.get("/login/")["Content-Security-Policy"]

    assert "report-uri" not in policy and "report-to" not in policy
