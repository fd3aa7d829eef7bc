"""The API against its own OpenAPI schema: schemathesis generates requests for every operation
from /api/schema/ and sends them, signed in with an API token, to the portal's WSGI application;
no answer may be a server error, and every answer must match the schema (status code, content type
and body). Half the requests name the world's real round, use case and principle, so that full
answers are checked too, not only "not found"."""

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from tests.factories import make_analyst
from tests.matrix.api_support import api_world, bearer_client, token_for

pytestmark = pytest.mark.django_db

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLES_PER_OPERATION = 30


@pytest.fixture
def wsgi_app():
    """The portal's WSGI application, with Django's end-of-request connection cleanup switched off
    (as its test client does) so that requests run inside the test's transaction."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield get_wsgi_application()
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def api(db):
    world = api_world()
    key = token_for(make_analyst())
    response = bearer_client(key).get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    first = world["first"]
    real = {
        "round_slug": world["round"].slug,
        "use_case_slug": first.use_case.slug,
        "number": first.number,
        "principle_slug": world["relevant"].slug,
    }
    return schemathesis.openapi.from_dict(response.json()), {"Authorization": f"Bearer {key}"}, real


def test_the_schema_lists_every_endpoint(api):
    schema, _, _ = api
    assert sorted(result.ok().label for result in schema.get_all_operations()) == [
        "GET /api/v1/rounds/",
        "GET /api/v1/rounds/{round_slug}/",
        "GET /api/v1/rounds/{round_slug}/agreement/",
        "GET /api/v1/rounds/{round_slug}/cells/{use_case_slug}/{number}/{principle_slug}/",
        "GET /api/v1/rounds/{round_slug}/matrix/",
    ]


@pytest.mark.slow  # schemathesis: hundreds of generated requests
def test_no_generated_request_gets_a_server_error_or_an_answer_outside_the_schema(api, wsgi_app):
    schema, headers, real = api
    for result in schema.get_all_operations():
        operation = result.ok()

        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy(), use_real=st.booleans())
        def check(case, use_real):
            if use_real and case.path_parameters:
                case.path_parameters = {**case.path_parameters, **{k: real[k] for k in case.path_parameters}}
            response = case.call(app=wsgi_app, headers=headers)
            case.validate_response(response, checks=CHECKS, headers=headers)

        check()
