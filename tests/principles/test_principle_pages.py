"""The admin's principles pages and services: add one (such as the report's "realism"), change
its wording, stop offering it for new rounds; bad input changes nothing."""

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.urls import reverse

from bold_portal import roles
from bold_portal.models import AuditEvent
from principles.models import Principle
from principles.services import principle_create, principle_update
from tests.factories import make_principle, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def relevant():
    return make_principle(name="Relevant", slug="relevant", order=1, question="Is it relevant?")


def test_adding_realism_puts_it_last_and_offers_it(admin, relevant):
    principle = principle_create(name="Realistic", question="Can BOLD really do this with the data?", actor=admin)

    assert (principle.slug, principle.is_active) == ("realistic", True)
    assert principle.order > relevant.order
    assert AuditEvent.objects.get(action="principle_created").data["after"]["name"] == "Realistic"


def test_a_principle_name_is_unique_whatever_its_case(admin, relevant):
    with pytest.raises(ValidationError) as error:
        principle_create(name="RELEVANT", question="Again?", actor=admin)

    assert error.value.message_dict == {"name": ["There is already a principle called RELEVANT. Choose another name."]}
    assert Principle.objects.count() == 1


def test_a_principle_can_be_given_its_slug(admin, relevant):
    principle = principle_create(name="Clear and informative", slug="clear", question="Is it clear?", actor=admin)

    assert principle.slug == "clear"
    with pytest.raises(ValidationError) as error:
        principle_create(name="Realistic", slug=relevant.slug, question="Can BOLD do it?", actor=admin)
    assert set(error.value.message_dict) == {"slug"}


def test_stopping_a_principle_is_recorded_with_before_and_after(admin, relevant):
    principle_update(
        principle=relevant, name="Relevant", question="Is it relevant?", guidance="", is_active=False, actor=admin
    )

    relevant.refresh_from_db()
    assert not relevant.is_active
    assert AuditEvent.objects.get(action="principle_updated").data == {
        "before": {"is_active": True},
        "after": {"is_active": False},
    }


def test_the_pages_add_and_change_a_principle(client, admin, relevant):
    response = client.post(
        reverse("principles:add"), {"name": "Realistic", "question": "Is it realistic?", "guidance": ""}
    )
    assert response.status_code == 302
    assert "Realistic added." in client.get(response.url).text

    url = reverse("principles:edit", args=["realistic"])
    page = client.get(url).text
    assert 'name="is_active"' in page and "checked" in page
    client.post(url, {"name": "Realistic", "question": "Is it realistic?", "guidance": "Say what data exists."})
    realistic = Principle.objects.get(slug="realistic")
    assert not realistic.is_active and realistic.guidance == "Say what data exists."
    assert "Not offered for new rounds" in client.get(reverse("principles:list")).text


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"name": "", "question": "Q?"}, "name", "Enter the principle&#x27;s name"),
        ({"name": "Realistic", "question": ""}, "question", "Enter the question reviewers answer"),
        (
            {"name": "relevant", "question": "Q?"},
            "name",
            "There is already a principle called relevant. Choose another name.",
        ),
        ({"name": "x" * 101, "question": "Q?"}, "name", "Name must be 100 characters or fewer"),
        ({"name": "Realistic", "question": "Q" * 501}, "question", "Question must be 500 characters or fewer"),
        (
            {"name": "Realistic", "question": "Q?", "guidance": "x" * 1_048_576},
            "guidance",
            "What good looks like must be 5,000 characters or fewer",
        ),
        (
            {"name": "Realistic", "question": "Q?\x1b"},
            "question",
            "Question for reviewers contains a hidden control character (U+001B) that cannot be saved. Remove it",
        ),
        ({}, "name", "Enter the principle&#x27;s name"),
    ],
)
def test_bad_input_when_adding(client, admin, relevant, data, field, message):
    response = client.post(reverse("principles:add"), data)

    assert response.status_code == 200
    assert f'href="#id_{field}">{message}</a>' in response.text
    assert Principle.objects.count() == 1


def test_bad_input_when_changing(client, admin, relevant):
    response = client.post(
        reverse("principles:edit", args=["relevant"]), {"name": "Relevant", "question": "", "is_active": "on"}
    )

    assert 'href="#id_question">Enter the question reviewers answer</a>' in response.text
    relevant.refresh_from_db()
    assert relevant.question == "Is it relevant?"


def test_the_list_is_paginated(client, admin):
    for _ in range(27):
        make_principle()

    assert "Showing 1 to 25 of 27" in client.get(reverse("principles:list")).text


def test_nobody_but_admins_may_open_the_principles_pages(client, relevant):
    analyst = make_user()
    analyst.groups.add(Group.objects.get(name=roles.ANALYSTS))
    client.force_login(analyst)

    assert client.get(reverse("principles:list")).status_code == 404
    assert client.post(reverse("principles:add"), {"name": "X", "question": "Y"}).status_code == 404
    assert client.get(reverse("principles:edit", args=["relevant"])).status_code == 404
    assert Principle.objects.count() == 1
