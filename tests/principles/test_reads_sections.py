"""Which sections of a use case each principle reads (Principle.reads_sections, codes from
principles.sections): set by programme admins through principle_create and principle_update with an
audit row, checked (an unknown code is named, nothing changes), given the report's values by the
demo data and by migration 0003 on a database that already held the report's principles."""

import importlib
import re

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.urls import reverse

from bold_portal.models import AuditEvent
from principles.models import Principle
from principles.sections import SECTION_CODES
from principles.services import principle_create, principle_update
from tests.factories import make_principle

pytestmark = pytest.mark.django_db


@pytest.fixture
def relevant():
    return make_principle(name="Relevant", slug="relevant", order=1, question="Is it relevant?")


def update(principle, actor, **changes):
    values = {"name": principle.name, "question": principle.question, "guidance": "", "is_active": True}
    return principle_update(principle=principle, actor=actor, **{**values, **changes})


def test_the_sections_are_kept_in_the_use_cases_order_with_an_audit_row(admin, relevant):
    principle = update(relevant, admin, reads_sections=["wont_do", "title", "wont_do"][:2])

    assert principle.reads_sections == ["title", "wont_do"]
    event = AuditEvent.objects.get(action="principle_updated")
    assert event.data["before"] == {"reads_sections": []}
    assert event.data["after"] == {"reads_sections": ["title", "wont_do"]}
    created = principle_create(name="Realistic", question="Real?", reads_sections=["data_flows"], actor=admin)
    assert created.reads_sections == ["data_flows"]
    assert AuditEvent.objects.get(action="principle_created").data["after"]["reads_sections"] == ["data_flows"]


def test_leaving_the_sections_out_keeps_them(admin, relevant):
    update(relevant, admin, reads_sections=["title"])
    principle = update(Principle.objects.get(pk=relevant.pk), admin, guidance="More.")
    assert principle.reads_sections == ["title"]


def test_an_unknown_section_is_named_and_nothing_changes(admin, relevant):
    with pytest.raises(ValidationError) as error:
        update(relevant, admin, reads_sections=["title", "appendix"])

    assert error.value.message_dict["reads_sections"] == [
        f"appendix is not a section of a use case. Choose from: {', '.join(SECTION_CODES)}."
    ]
    relevant.refresh_from_db()
    assert relevant.reads_sections == []
    assert not AuditEvent.objects.filter(action="principle_updated").exists()


def checked_sections(page: str) -> list[str]:
    inputs = re.findall(r"<input[^>]*>", page, re.S)
    return [
        re.search(r'value="(\w+)"', tag).group(1)
        for tag in inputs
        if 'name="reads_sections"' in tag and "checked" in tag
    ]


def test_the_change_page_sets_the_sections_with_checkboxes(client, admin, relevant):
    url = reverse("principles:edit", args=["relevant"])
    page = client.get(url).text
    assert len(re.findall(r'name="reads_sections"', page)) == len(SECTION_CODES)
    assert checked_sections(page) == []

    data = {"name": "Relevant", "question": "Is it relevant?", "is_active": "on"}
    client.post(url, {**data, "reads_sections": ["research_questions", "impact_statement"]})
    relevant.refresh_from_db()
    assert relevant.reads_sections == ["impact_statement", "research_questions"]
    assert checked_sections(client.get(url).text) == ["impact_statement", "research_questions"]


def test_a_section_that_is_not_offered_is_refused_on_the_page(client, admin, relevant):
    url = reverse("principles:edit", args=["relevant"])
    response = client.post(
        url, {"name": "Relevant", "question": "Is it relevant?", "is_active": "on", "reads_sections": ["appendix"]}
    )

    assert response.status_code == 200
    assert 'href="#id_reads_sections">Choose sections from the list</a>' in response.text
    relevant.refresh_from_db()
    assert relevant.reads_sections == []


def test_migration_0003_gives_the_reports_principles_their_sections_and_leaves_others(admin):
    migration = importlib.import_module("principles.migrations.0003_reads_sections")
    clear = make_principle(name="Clear and informative", slug="clear", question="Clear?")
    chosen = make_principle(name="Non-stigmatising", slug="non-stigmatising", question="Kind?")
    Principle.objects.filter(pk=chosen.pk).update(reads_sections=["title"])
    other = make_principle(name="Realistic", slug="realistic", question="Real?")

    migration.demo_values(apps, None)

    assert Principle.objects.get(pk=clear.pk).reads_sections == ["data_flows", "will_do", "wont_do"]
    assert Principle.objects.get(pk=chosen.pk).reads_sections == ["title"]  # an admin's choice stays
    assert Principle.objects.get(pk=other.pk).reads_sections == []
