"""The cell page shows the use case's text that the principle asks about (Principle.reads_sections):
the demo's "Clear and informative" cell shows the data flows and what BOLD will and will not do,
its "Relevant" cell the title, why this matters and the research questions; a principle that reads
no section shows none. The query count stays that of the page."""

import re

import pytest
from django.urls import reverse

from principles.models import Principle
from tests.factories import make_analyst
from tests.pages import main_content
from usecases.models import UseCaseVersion

pytestmark = pytest.mark.django_db


@pytest.fixture
def analyst_client(client, demo):
    client.force_login(make_analyst(email="analyst@bold.example"))
    return client


def cell_page(client, review_round, principle: str) -> str:
    url = reverse("matrix:cell", args=[review_round.slug, "repeat-homelessness", 1, principle])
    return main_content(client.get(url))


def test_the_demo_principles_read_the_reports_sections(demo):
    assert dict(Principle.objects.values_list("slug", "reads_sections")) == {
        "relevant": ["title", "impact_statement", "research_questions"],
        "impactful": ["impact_statement", "will_do"],
        "clear": ["data_flows", "will_do", "wont_do"],
        "non-stigmatising": ["title", "impact_statement", "research_questions", "will_do", "wont_do"],
    }


def test_the_clear_cell_shows_the_data_flows_and_what_bold_will_and_will_not_do(demo, analyst_client):
    version = UseCaseVersion.objects.get(use_case__slug="repeat-homelessness", number=1)
    page = cell_page(analyst_client, demo, "clear")

    assert re.findall(r'data-use-case-section="(\w+)"', page) == ["data_flows", "will_do", "wont_do"]
    assert "What the use case says" in page
    for flow in version.data_flows:
        assert f'<th scope="row" class="govuk-table__header">{flow["information"]}</th>' in page
    for point in version.will_do_list + version.wont_do_list:
        assert f"<li>{point}</li>" in page.replace("&#x27;", "'")
    # Before what reviewers said, which quotes it.
    assert page.index("What the use case says") < page.index("What reviewers said")


def test_the_relevant_cell_shows_why_this_matters_and_the_research_questions(demo, analyst_client):
    version = UseCaseVersion.objects.get(use_case__slug="repeat-homelessness", number=1)
    page = cell_page(analyst_client, demo, "relevant")

    assert re.findall(r'data-use-case-section="(\w+)"', page) == ["title", "impact_statement", "research_questions"]
    assert version.impact_statement.splitlines()[0].replace("'", "&#x27;") in page
    assert "data_flows" not in page


def test_a_principle_that_reads_no_section_shows_none(demo, analyst_client):
    Principle.objects.filter(slug="relevant").update(reads_sections=[])
    page = cell_page(analyst_client, demo, "relevant")
    assert "data-use-case-section" not in page and "What the use case says" not in page
