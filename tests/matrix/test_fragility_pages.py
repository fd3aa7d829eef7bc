"""Fragility on the analysts' pages: a cell that one reviewer changing their mind would flip says
so on the matrix page (a symbol and words, and in the sentence a screen reader hears) and on its
cell page; a robust cell says nothing on the matrix and "not fragile" on its page."""

import html
import re

import pytest
from django.urls import reverse

from matrix.services.recompute import matrix_recompute
from tests.factories import make_analyst, make_assignment, make_reviewer, make_version
from tests.matrix.analyst_support import small_world, submit
from tests.pages import main_content

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(client, db):
    audience, organisation, relevant, clear, review_round = small_world()
    version = make_version(audience=audience, title="Repeat homelessness")
    make_assignment(review_round=review_round, version=version, organisation=organisation)
    # Relevant: 3 of 5 meet (one change makes it 2 of 5, a cross). Clear: 5 of 5 (robust).
    for answer in ("meets", "meets", "meets", "does_not_meet", "does_not_meet"):
        submit(make_reviewer(organisation=organisation), review_round, version, {relevant: answer, clear: "meets"})
    matrix_recompute(round_id=review_round.pk)
    client.force_login(make_analyst())
    return review_round, version


def cell_html(page: str, principle: str) -> str:
    return re.search(rf'<td[^>]*data-principle="{principle}".*?</td>', page, re.S).group(0)


def test_the_matrix_marks_a_fragile_cell_by_symbol_and_words(client, world):
    review_round, _ = world

    page = main_content(client.get(reverse("matrix:round_matrix", args=[review_round.slug])))

    relevant = cell_html(page, "relevant")
    assert "data-fragile" in relevant
    assert "⚠" in relevant and "Fragile</span>" in relevant
    assert (
        "Relevant: meets; 3 meet, 2 do not meet, 0 not sure; fragile: would become a cross if one reviewer "
        "changed their mind"
    ) in re.sub(r"\s+", " ", relevant)
    clear = cell_html(page, "clear")
    assert "data-fragile" not in clear and "Fragile" not in clear and "fragile" not in clear
    # The key above the table says what the mark means.
    assert "data-fragile-key" in page


def test_the_cell_page_says_what_one_change_would_do(client, world):
    review_round, version = world

    def fragility(principle: str) -> str:
        url = reverse("matrix:cell", args=[review_round.slug, version.use_case.slug, 1, principle])
        page = main_content(client.get(url))
        match = re.search(r'<dd[^>]*data-fragility="(\w+)">(.*?)</dd>', page, re.S)
        return match.group(1), html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", match.group(2))).strip())

    assert fragility("relevant") == (
        "fragile",
        "⚠︎ Fragile: would become a cross if one reviewer changed their mind.",
    )
    assert fragility("clear") == (
        "robust",
        "Not fragile: no single reviewer changing their mind would change it.",
    )
