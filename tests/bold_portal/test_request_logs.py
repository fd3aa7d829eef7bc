"""Logs as JSON lines naming their request, and error reports without personal data
(docs/deployment.md, "Logs and errors")."""

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bold_portal.error_reports import scrub_personal_data
from bold_portal.request_logs import JsonLinesFormatter, RequestIdFilter

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def json_lines():
    """What the portal logs while the test runs, formatted as LOG_FORMAT=json formats it."""
    lines = []

    class Collect(logging.Handler):
        def emit(self, record):
            lines.append(json.loads(self.format(record)))

    handler = Collect()
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonLinesFormatter())
    logging.getLogger().addHandler(handler)
    yield lines
    logging.getLogger().removeHandler(handler)


@pytest.mark.django_db
def test_every_line_logged_while_answering_names_the_request_and_the_response_says_it(client, json_lines):
    response = client.get("/no-such-page/")
    other = client.get("/no-such-page/")

    line = next(line for line in json_lines if line["logger"] == "django.request")
    assert line["message"] == "Not Found: /no-such-page/"
    assert line["level"] == "WARNING"
    assert line["request_id"] == response["X-Request-ID"] != other["X-Request-ID"]
    assert len(response["X-Request-ID"]) == 32


@pytest.mark.django_db
def test_a_plain_request_id_from_the_proxy_is_kept_anything_else_replaced(client):
    assert client.get("/login/", HTTP_X_REQUEST_ID="proxy-1234abcd")["X-Request-ID"] == "proxy-1234abcd"
    forged = client.get("/login/", HTTP_X_REQUEST_ID='x" "level": "ERROR')["X-Request-ID"]
    assert forged != 'x" "level": "ERROR' and len(forged) == 32


def test_outside_a_request_the_id_is_a_dash_and_a_traceback_stays_in_its_line(json_lines):
    try:
        raise ValueError("bad\nvalue")
    except ValueError:
        logging.getLogger("bold_portal").exception("Failed.")

    [line] = json_lines
    assert line["request_id"] == "-"
    assert line["exception"].startswith("Traceback") and line["exception"].endswith("ValueError: bad\nvalue")


@pytest.mark.slow
def test_log_format_json_makes_the_portals_logs_json_lines():
    run = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django, logging; django.setup(); logging.getLogger('portal').warning('Hé')",
        ],
        cwd=ROOT,
        env={**os.environ, "LOG_FORMAT": "json", "DJANGO_SETTINGS_MODULE": "bold_portal.settings"},
        capture_output=True,
        text=True,
        check=True,
    )
    [line] = run.stderr.splitlines()
    assert json.loads(line) | {"time": None} == {
        "time": None,
        "level": "WARNING",
        "logger": "portal",
        "message": "Hé",
        "request_id": "-",
    }

    wrong = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env={**os.environ, "LOG_FORMAT": "xml", "DJANGO_SETTINGS_MODULE": "bold_portal.settings"},
        capture_output=True,
        text=True,
    )
    assert wrong.returncode != 0
    assert "LOG_FORMAT is 'xml': set it to text or json." in wrong.stderr


def test_error_reports_keep_no_personal_data():
    event = {
        "request": {
            "url": "https://bold.example.org/join/abc/?email=sam@example.org",
            "method": "POST",
            "query_string": "email=sam@example.org",
            "data": {"password": "hunter2", "reason": "I am sam@example.org"},
            "cookies": {"sessionid": "s"},
            "headers": {"Cookie": "sessionid=s", "Authorization": "Bearer t", "User-Agent": "Firefox"},
            "env": {"REMOTE_ADDR": "192.0.2.1"},
        },
        "user": {"id": 42, "email": "sam@example.org", "ip_address": "192.0.2.1"},
        "logentry": {"message": "No account for %s", "params": ["sam@example.org"], "formatted": "For sam@example.org"},
        "exception": {
            "values": [
                {
                    "type": "ValidationError",
                    "value": "sam@example.org is taken",
                    "stacktrace": {"frames": [{"function": "save", "vars": {"email": "sam@example.org"}}]},
                }
            ]
        },
        "breadcrumbs": {"values": [{"message": "Invited sam@example.org", "data": {"to": "sam@example.org"}}]},
        "extra": {"form": {"email": "sam@example.org"}},
    }

    scrubbed = scrub_personal_data(event, {})

    assert "sam@example.org" not in json.dumps(scrubbed)
    assert "192.0.2.1" not in json.dumps(scrubbed) and "hunter2" not in json.dumps(scrubbed)
    assert scrubbed["request"] == {
        "url": "https://bold.example.org/join/abc/",
        "method": "POST",
        "headers": {"User-Agent": "Firefox"},
    }
    assert scrubbed["user"] == {"id": 42}
    assert scrubbed["exception"]["values"][0]["value"] == "[email] is taken"
    assert scrubbed["exception"]["values"][0]["stacktrace"]["frames"] == [{"function": "save"}]
    assert scrubbed["breadcrumbs"]["values"] == [{"message": "Invited [email]"}]


SENTRY_STAND_IN = """
import json, sys, types
calls = []
sys.modules["sentry_sdk"] = types.SimpleNamespace(init=lambda **options: calls.append(options))
import django
django.setup()
[options] = calls or [{}]
before_send = options.pop("before_send", None)
print(json.dumps({**options, "before_send": before_send and before_send.__module__ + "." + before_send.__name__}))
"""


@pytest.mark.slow
@pytest.mark.parametrize("dsn", ["", "https://key@errors.example.org/1"])
def test_sentry_starts_only_with_a_dsn_and_without_personal_data(dsn):
    # A stand-in for the SDK, which the test machines do not install: what the settings ask of it.
    run = subprocess.run(
        [sys.executable, "-c", SENTRY_STAND_IN],
        cwd=ROOT,
        env={**os.environ, "SENTRY_DSN": dsn, "DJANGO_SETTINGS_MODULE": "bold_portal.settings"},
        capture_output=True,
        text=True,
        check=True,
    )

    options = json.loads(run.stdout)
    if not dsn:
        assert options == {"before_send": None}
        return
    assert options == {
        "dsn": dsn,
        "environment": "production",
        "send_default_pii": False,
        "traces_sample_rate": 0,
        "before_send": "bold_portal.error_reports.scrub_personal_data",
    }
