"""/health/ (database and cache, for the web container and load balancers) and /health/?checks=worker
(broker and a worker): docs/deployment.md, "Health check"."""

import re
from unittest import mock

import pytest
from django.urls import reverse

from bold_portal.celery import app as celery_app
from tests.factories import make_reviewer, make_user
from tests.two_factor import force_login_password_only

pytestmark = pytest.mark.django_db

NO_BROKER = "redis://127.0.0.1:1/0"  # nothing listens on port 1


def health(client, **query):
    return client.get(reverse("health_check"), query)


@pytest.fixture
def a_worker_answers():
    """One worker replies to the ping (whatever broker the test's Celery app names)."""
    with (
        mock.patch.object(celery_app.control, "ping", return_value=[{"celery@worker": {"ok": "pong"}}]) as ping,
        mock.patch.object(celery_app.control, "inspect") as inspect,
    ):
        inspect.return_value.active_queues.return_value = {"celery@worker": [{"name": "celery"}]}
        yield ping


def test_health_check_tells_anonymous_callers_only_the_overall_status(client, settings, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        response = health(client, format="json")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response["Cache-Control"].startswith("max-age=0")
    assert health(client, format="text").text == "ok\n"
    assert health(client, format="openmetrics").text == "ok\n"


def test_the_web_health_check_asks_the_database_and_cache_not_the_broker(client, settings):
    settings.CELERY_BROKER_URL = NO_BROKER

    assert health(client, format="json").json() == {"status": "ok"}


def test_the_worker_check_fails_when_the_broker_does_not_answer(client, settings, a_worker_answers):
    settings.CELERY_BROKER_URL = NO_BROKER
    a_worker_answers.side_effect = ConnectionRefusedError("Connection refused")

    response = health(client, checks="worker", format="json")

    assert response.status_code == 500
    assert response.json() == {"status": "error"}


def test_the_worker_check_fails_when_no_worker_answers_the_ping(client, settings, a_worker_answers):
    settings.CELERY_BROKER_URL = settings.REDIS_URL or pytest.skip("needs Redis (REDIS_URL)")
    a_worker_answers.return_value = []
    admin = make_user(is_superuser=True)
    client.force_login(admin)

    response = health(client, checks="worker", format="json")

    assert response.status_code == 500
    [error] = [value for name, value in response.json().items() if name.startswith("Ping")]
    assert error == "Unavailable: Celery workers unavailable"
    a_worker_answers.assert_called_once_with(timeout=2.0, limit=None)


def test_the_worker_check_passes_when_the_broker_and_a_worker_answer(client, settings, a_worker_answers):
    settings.CELERY_BROKER_URL = settings.REDIS_URL or pytest.skip("needs Redis (REDIS_URL)")

    response = health(client, checks="worker", format="json")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_without_a_broker_there_is_no_worker_to_ask(client, settings):
    settings.CELERY_BROKER_URL = ""  # eager: tasks run in the web process

    assert health(client, checks="worker", format="json").json() == {"status": "ok"}


def test_an_unknown_check_is_refused_with_what_to_ask_for(client):
    response = health(client, checks="everything")

    assert response.status_code == 400
    assert response.text == "Unknown checks: ask for /health/ or /health/?checks=worker.\n"


def test_health_check_hides_which_service_failed_and_where_from_anyone_but_admins(client, settings, a_worker_answers):
    settings.CELERY_BROKER_URL = NO_BROKER
    a_worker_answers.side_effect = ConnectionRefusedError("Connection refused")

    anonymous = health(client, checks="worker", format="json")
    page = health(client, checks="worker")
    client.force_login(make_reviewer())
    reviewer = health(client, checks="worker", format="text")

    assert anonymous.status_code == page.status_code == reviewer.status_code == 500
    assert anonymous.json() == {"status": "error"}
    assert reviewer.text == "error\n"
    for response in (anonymous, page, reviewer):
        assert "127.0.0.1" not in response.text and "Redis" not in response.text and "Ping" not in response.text
    assert "Something is not working" in page.text


def test_health_check_gives_admins_past_two_factor_the_details(client, settings, a_worker_answers):
    settings.CELERY_BROKER_URL = NO_BROKER
    a_worker_answers.side_effect = ConnectionRefusedError("Connection refused")
    admin = make_user(is_superuser=True)
    force_login_password_only(client, admin)
    assert health(client, checks="worker", format="json").json() == {"status": "error"}

    client.force_login(admin)  # and the code step
    response = health(client, checks="worker", format="json")
    page = health(client, checks="worker")
    web = health(client, format="json")

    assert response.status_code == 500
    [broker] = [name for name in response.json() if name.startswith("Redis")]
    assert response.json()[broker] != "OK"
    assert response.json()[next(name for name in response.json() if name.startswith("Ping"))] == "Unavailable: IOError"
    assert "Not working:" in page.text and "Redis" in page.text
    assert web.json()["Database(alias='default')"] == "OK"


def test_health_page_passes_the_content_security_policy(client):
    response = client.get(reverse("health_check"), HTTP_ACCEPT="text/html")

    assert response.status_code == 200
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert "<style" not in response.text and " style=" not in response.text
    nonce = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"]).group(1)
    assert all(f'nonce="{nonce}"' in script for script in re.findall(r"<script\b[^>]*>", response.text))
    assert "The service is working." in response.text


def test_health_check_is_not_redirected_to_https(client, settings):
    settings.SECURE_SSL_REDIRECT = True

    assert client.get(reverse("health_check")).status_code == 200
    assert client.get(reverse("login")).status_code == 301
