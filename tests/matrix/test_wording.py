"""Outcome words and symbols come from one module (matrix.wording): the pages (through the
matrix_words template tags), the exports and the API say the same about every cell."""

import html
import io
import json
import re

import openpyxl
import pypdf
import pytest
from django.urls import reverse

from matrix.exporters.base import cell_text
from matrix.exporters.registry import EXPORTERS
from matrix.selectors.exports import matrix_document
from matrix.wording import OUTCOME_SYMBOLS, counts_in_words, outcome_in_words, outcome_legend, outcome_words
from tests.factories import make_analyst
from tests.matrix.api_support import api_world
from tests.pages import main_content

pytestmark = pytest.mark.django_db


def one_line(text: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", text)).split())


def test_counts_agree_with_their_numbers():
    assert counts_in_words(0, 0, 0) == "0 meet, 0 do not meet, 0 not sure"
    assert counts_in_words(1, 1, 1) == "1 meets, 1 does not meet, 1 not sure"
    assert counts_in_words(4, 2, 0) == "4 meet, 2 do not meet, 0 not sure"


def test_every_outcome_has_a_symbol_and_words():
    assert outcome_legend() == "✓ Meets · ✗ Does not meet · \u2013 Not enough reviews"
    assert [outcome_in_words(outcome) for outcome in ("tick", "cross", "insufficient", None)] == [
        "meets",
        "does not meet",
        "not enough reviews",
        "not in the round",
    ]


@pytest.fixture
def world():
    return api_world()


def cells(world) -> list[tuple[dict, str, str, dict]]:
    """(row, principle slug, principle name, cell) of every cell of the round's export document."""
    document = matrix_document(world["round"])
    names = {world["relevant"].slug: world["relevant"].name, world["clear"].slug: world["clear"].name}
    return [(row, slug, names[slug], row["cells"][slug]) for row in document["rows"] for slug in document["principles"]]


def test_pages_exports_and_the_api_say_the_same_of_every_cell(client, world):
    client.force_login(make_analyst())
    review_round = world["round"]
    every = cells(world)
    # The world has counts of 0, 1 and more, and more than one outcome.
    assert {cell["outcome"] for *_, cell in every} >= {"tick", "cross"}
    assert {cell["does_not_meet"] for *_, cell in every} >= {0, 2}

    matrix_page = one_line(main_content(client.get(reverse("matrix:round_matrix", args=[review_round.slug]))))
    pdf = pypdf.PdfReader(io.BytesIO(EXPORTERS["pdf"].render(review_round)))
    pdf_text = " ".join(" ".join(page.extract_text() for page in pdf.pages).split())
    sheet = openpyxl.load_workbook(io.BytesIO(EXPORTERS["xlsx"].render(review_round)))["Matrix"]
    sheet_text = {value for row in sheet.iter_rows(values_only=True) for value in row if isinstance(value, str)}
    exported = json.loads(EXPORTERS["json"].render(review_round))

    for row, slug, name, cell in every:
        counts = counts_in_words(cell["meets"], cell["does_not_meet"], cell["not_sure"])
        words = outcome_words(cell["outcome"])
        # The matrix page: the sentence screen readers hear, and the words shown.
        assert f"{name}: {outcome_in_words(cell['outcome'])}; {counts}" in matrix_page
        assert f"{words} {counts}" in matrix_page
        # The PDF: symbol, words, counts.
        assert f"{OUTCOME_SYMBOLS[cell['outcome']]} {words} {counts}" in pdf_text
        # The XLSX: symbol and words.
        assert cell_text({**cell, "fragility": ""}).split(" (")[0] == f"{OUTCOME_SYMBOLS[cell['outcome']]} {words}"
        assert any(text.startswith(f"{OUTCOME_SYMBOLS[cell['outcome']]} {words} (") for text in sheet_text)
        # The JSON export and the API: the same outcome and counts.
        version = next(r for r in exported["rows"] if r["use_case"] == row["use_case"])
        assert version["cells"][slug] == cell
        api = client.get(reverse("api:cell", args=[review_round.slug, row["use_case"], row["version"], slug])).json()
        assert {key: api[key] for key in ("outcome", "meets", "does_not_meet", "not_sure")} == {
            key: cell[key] for key in ("outcome", "meets", "does_not_meet", "not_sure")
        }
        # The cell page and the API give the same reason in words.
        cell_page = one_line(
            main_content(
                client.get(reverse("matrix:cell", args=[review_round.slug, row["use_case"], row["version"], slug]))
            )
        )
        assert f"{api['rule_in_words'][0].upper()}{api['rule_in_words'][1:]}." in cell_page
        assert words in cell_page

    # Zero takes the plural, everywhere.
    for text in (matrix_page, pdf_text):
        assert "0 does not meet" not in text and "0 do not," not in text and "1 meet," not in text
    assert outcome_legend() in pdf_text
