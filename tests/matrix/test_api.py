"""The read API: who reaches it (analysts and admins, by token or two-factor session; everyone else
gets 401 or 403 on every endpoint), what each endpoint says (the pages' reads, the same pseudonyms
and anonymity rule), pagination, filters, and a query count that does not grow with the round."""

import copy
import csv
import io
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse

from matrix.exporters.registry import EXPORTERS
from matrix.selectors.matrix_page import MATRIX_ROWS_PER_PAGE
from tests.database import shared_by_module
from tests.factories import close_round, make_admin, make_analyst, make_author, make_reviewer, make_round, make_user
from tests.matrix.analyst_support import make_large_round, make_lead, submit
from tests.matrix.api_support import api_urls, api_world, bearer_client, token_for
from tests.two_factor import force_login_password_only

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def shared_world(django_db_setup, django_db_blocker):
    """Built once for the module's tests that ask for it (tests/database.py)."""
    with shared_by_module(django_db_blocker):
        yield api_world()


@pytest.fixture
def world(shared_world, db):
    return copy.deepcopy(shared_world)


@pytest.fixture
def analyst_client(client):
    client.force_login(make_analyst())
    return client


ROLES_WITHOUT_ACCESS = {
    "reviewer": lambda world: world["people"][0],
    "organisation lead": lambda world: make_lead(),
    "author": lambda world: make_author(),
    "signed in with no role": lambda world: make_user(),
}


def test_anonymous_callers_get_401_with_the_bearer_challenge(client, world):
    for url in api_urls(world):
        response = client.get(url)
        assert response.status_code == 401, url
        assert response["WWW-Authenticate"] == 'Bearer realm="api"'


@pytest.mark.parametrize("role", ROLES_WITHOUT_ACCESS)
def test_reviewers_leads_and_authors_get_403_everywhere(client, world, role):
    client.force_login(ROLES_WITHOUT_ACCESS[role](world))
    for url in [*api_urls(world), reverse("api:round", args=["no-such-round"])]:
        response = client.get(url)
        assert response.status_code == 403, url  # the same for a round that does not exist
        assert "Repeat homelessness" not in response.content.decode()


@pytest.mark.parametrize("make", [make_analyst, make_admin, lambda: make_user(is_superuser=True)])
def test_analysts_and_admins_reach_every_endpoint_by_session(client, world, make):
    client.force_login(make())
    for url in api_urls(world):
        assert client.get(url).status_code == 200, url


def test_a_session_that_has_not_passed_two_factor_counts_as_no_sign_in(client, world):
    force_login_password_only(client, make_analyst())
    for url in api_urls(world):
        assert client.get(url).status_code == 401, url


def test_the_api_is_read_only(analyst_client, world):
    for url in api_urls(world)[:-1]:
        assert analyst_client.post(url, {}, content_type="application/json").status_code == 405, url
        assert analyst_client.delete(url).status_code == 405, url


def test_rounds_are_listed_newest_first_with_their_rule_and_progress(analyst_client, world):
    older = world["round"]
    newer = make_round(name="Autumn", slug="autumn")

    body = analyst_client.get(reverse("api:rounds")).json()

    assert body["count"] == 2 and body["next"] is None and body["previous"] is None
    assert [r["slug"] for r in body["results"]] == [newer.slug, older.slug]
    spring = body["results"][1]
    assert spring["threshold"] == 0.5 and spring["status"] == "open"
    assert spring["use_cases"] == 2 and spring["submitted"] == 6


def test_rounds_are_paginated(analyst_client, db):
    for _ in range(26):
        make_round()

    first = analyst_client.get(reverse("api:rounds")).json()
    second = analyst_client.get(first["next"]).json()

    assert first["count"] == 26 and len(first["results"]) == 25
    assert len(second["results"]) == 1 and second["next"] is None
    assert second["previous"].endswith("?page=1")


def test_a_round_says_its_principles_and_when_it_was_computed(analyst_client, world):
    body = analyst_client.get(reverse("api:round", args=[world["round"].slug])).json()

    assert [p["slug"] for p in body["principles"]] == ["relevant", "clear"]
    assert body["computed_at"] is not None and body["is_updating"] is False


def test_an_unknown_round_is_not_found(analyst_client, world):
    response = analyst_client.get(reverse("api:matrix", args=["no-such-round"]))
    assert response.status_code == 404
    assert response.json() == {"detail": "There is no round with this slug."}


def test_the_matrix_gives_each_row_its_cells(analyst_client, world):
    body = analyst_client.get(reverse("api:matrix", args=[world["round"].slug])).json()

    assert body["principles"] == ["relevant", "clear"]
    assert body["count"] == 2
    first = next(row for row in body["results"] if row["title"] == "Repeat homelessness")
    # The audience as every answer names one: slug and name.
    assert first["audience"] == {"slug": world["audience"].slug, "name": world["audience"].name}
    assert first["version"] == 1
    assert first["cells"][0] == {
        "principle": "relevant",
        "outcome": "cross",
        "meets": 2,
        "does_not_meet": 2,
        "not_sure": 1,
        # Added last, as in the JSON export: one reviewer changing their mind would make it a tick.
        "fragile": True,
        "would_become": ["tick"],
        "carried": 0,
    }
    assert first["cells"][1]["outcome"] == "tick"
    # Marks are published once the round has closed, as in the exports.
    assert (first["declared_interest"], first["flagged"]) == (None, None)


@pytest.mark.parametrize("closed", [False, True])
def test_the_matrix_has_the_json_exports_fields(analyst_client, world, closed):
    """The same rows, cells, fragility, marks and flags as the JSON export, whether or not the
    round has closed."""
    review_round = close_round(world["round"]) if closed else world["round"]
    body = analyst_client.get(reverse("api:matrix", args=[review_round.slug])).json()
    document = json.loads(EXPORTERS["json"].render(review_round))

    # The export brings the matrix up to date first: no row of it is being updated.
    assert [row.pop("is_updating") for row in body["results"]] == [False] * len(body["results"])
    answered = [
        {
            **row,
            "audience": row["audience"]["slug"],
            "cells": {cell.pop("principle"): cell for cell in row["cells"]},
        }
        for row in body["results"]
    ]
    # The programme's decisions are in the round's answer (api:round), not the matrix's rows.
    assert answered == [{key: value for key, value in row.items() if key != "decision"} for row in document["rows"]]


def test_the_matrix_as_csv_is_the_csv_exports_table(analyst_client, world):
    review_round = close_round(world["round"])
    url = reverse("api:matrix", args=[review_round.slug])

    response = analyst_client.get(url, {"format": "csv"})

    assert response.status_code == 200 and response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content == EXPORTERS["csv"].render(review_round)
    one = analyst_client.get(url, {"format": "csv", "audience": world["audience"].slug, "outcome": "cross"})
    rows = list(csv.DictReader(io.StringIO(one.content.decode("utf-8-sig"))))
    assert [row["title"] for row in rows] == ["Repeat homelessness"]
    # A filter that is not allowed is answered in JSON, which says what to send.
    bad = analyst_client.get(url, {"format": "csv", "outcome": "maybe"})
    assert bad.status_code == 400 and bad["Content-Type"] == "application/json"
    assert bad.json() == {"errors": {"outcome": ["Choose an outcome from the list"]}}


def test_the_matrix_filters_as_the_page_does(analyst_client, world):
    url = reverse("api:matrix", args=[world["round"].slug])

    crosses = analyst_client.get(url, {"outcome": "cross"}).json()
    ticks = analyst_client.get(url, {"outcome": "all-ticks", "principle": "clear"}).json()
    bad = analyst_client.get(url, {"outcome": "maybe", "audience": "nowhere"})

    assert [row["title"] for row in crosses["results"]] == ["Repeat homelessness"]
    assert [row["title"] for row in ticks["results"]] == ["Repeat homelessness"]  # one review is not enough
    assert bad.status_code == 400
    assert bad.json() == {
        "errors": {"audience": ["Choose audiences from the list"], "outcome": ["Choose an outcome from the list"]}
    }


def test_the_cell_gives_the_same_pseudonyms_as_the_cell_page(analyst_client, world):
    first, relevant = world["first"], world["relevant"]
    url = reverse("api:cell", args=[world["round"].slug, first.use_case.slug, first.number, relevant.slug])

    body = analyst_client.get(url).json()

    # Numbered within the use case version, in the order its reviews were started.
    expected = {f"Reviewer {number}": f"Reason of {p.email}" for number, p in enumerate(world["people"], start=1)}
    assert {v["reviewer"]: v["reason"] for v in body["verdicts"]} == expected
    assert body["outcome"] == "cross" and body["principle"] == {"slug": "relevant", "name": "Relevant"}
    # The audience in the one form every answer uses; fragility and marks as in the matrix's rows.
    assert body["audience"] == {"slug": world["audience"].slug, "name": world["audience"].name}
    assert (body["fragile"], body["would_become"]) == (True, ["tick"])
    assert (body["declared_interest"], body["flagged"]) == (None, None)
    assert body["rule_in_words"] == "2 of 4 reviewers who decided said it meets; more than half is needed"
    assert all(p.email not in str(body).replace(f"Reason of {p.email}", "") for p in world["people"])
    assert "Name 0" not in str(body)


def test_the_cell_names_organisations_only_under_the_k_rule_once_the_round_has_closed(analyst_client, world):
    first, relevant = world["first"], world["relevant"]
    url = reverse("api:cell", args=[world["round"].slug, first.use_case.slug, first.number, relevant.slug])
    st_basils = world["people"][4].memberships.get().organisation
    submit(make_reviewer(organisation=st_basils), world["round"], first, {relevant: "meets", world["clear"]: "meets"})

    open_round = analyst_client.get(url).json()
    close_round(world["round"])
    body = analyst_client.get(url).json()
    with override_settings(ANONYMITY_MIN_GROUP=4):
        strict = analyst_client.get(url).json()

    assert (open_round["organisations"], open_round["group_figures_published"]) == (None, False)
    assert body["anonymity_min_group"] == 3 and body["group_figures_published"]
    # Crisis 3 alone; Nacro 1 and St Basils 2 together.
    assert body["organisations"] == [
        {"organisation": "Crisis", "reviewers": 3, "meets": 2, "does_not_meet": 1, "not_sure": 0},
        {"organisation": None, "reviewers": 3, "meets": 1, "does_not_meet": 1, "not_sure": 1},
    ]
    assert strict["organisations"] is None
    assert "Nacro" not in str(body) and "Crisis" not in str(strict)


def test_a_cell_outside_the_round_is_not_found(analyst_client, world):
    first = world["first"]
    url = reverse("api:cell", args=[world["round"].slug, first.use_case.slug, 7, "relevant"])
    assert analyst_client.get(url).status_code == 404


def test_the_agreement_is_the_stored_figures(analyst_client, world):
    body = analyst_client.get(reverse("api:agreement", args=[world["round"].slug])).json()

    assert set(body) == {"computed_at", "round", "principles", "is_updating"}
    assert {figure["principle"] for figure in body["principles"]} <= {"relevant", "clear"}


def matrix_queries(size: int) -> int:
    """How many queries one page of the matrix endpoint makes for a round of `size` use cases."""
    review_round, _, _ = make_large_round(size)
    client = bearer_client(token_for(make_analyst()))
    client.get(reverse("api:rounds"))  # the token's last use is noted once a minute: not in the count
    with CaptureQueriesContext(connection) as queries:
        body = client.get(reverse("api:matrix", args=[review_round.slug])).json()
    assert len(body["results"]) == min(size, MATRIX_ROWS_PER_PAGE)
    return len(queries)


def test_the_matrix_makes_the_same_queries_for_12_or_600_use_cases(db):
    # The endpoint reads through matrix_page, whose own count the matrix page's tests pin down.
    assert matrix_queries(12) == matrix_queries(600)
