"""The PDF export is a tagged PDF (PDF/UA, WeasyPrint's pdf/ua-1 variant) in the report's layout: a
screen reader finds the document's language and title, its headings, and one table per audience,
each with header cells, and a row for every use case."""

import collections
import io

import pypdf
import pytest

from matrix.exporters.registry import EXPORTERS
from reviews.models import ReviewRound
from tests.matrix.analyst_support import load_demo

pytestmark = pytest.mark.django_db


def structure_tags(node, found: collections.Counter) -> collections.Counter:
    node = node.get_object()
    if hasattr(node, "get"):
        if tag := node.get("/S"):
            found[str(tag)] += 1
        kids = node.get("/K")
        for kid in kids if isinstance(kids, list) else [] if kids is None else [kids]:
            if isinstance(kid, pypdf.generic.IndirectObject | pypdf.generic.DictionaryObject):
                structure_tags(kid, found)
    return found


def test_the_pdf_is_tagged_with_a_table_per_audience(django_capture_on_commit_callbacks):
    load_demo(django_capture_on_commit_callbacks)
    review_round = ReviewRound.objects.get(slug="fieldwork-2023")

    reader = pypdf.PdfReader(io.BytesIO(EXPORTERS["pdf"].render(review_round)))
    root = reader.trailer["/Root"]

    assert bool(root["/MarkInfo"]["/Marked"])
    assert root["/Lang"] == "en-GB"
    assert bool(root["/ViewerPreferences"]["/DisplayDocTitle"])
    assert "Principle matrix" in reader.metadata.title
    tags = structure_tags(root["/StructTreeRoot"], collections.Counter())
    # The report's four audiences, one table each (and the table about the round).
    assert tags["/H1"] == 1 and tags["/H2"] >= 4
    assert tags["/Table"] >= 5
    assert tags["/TH"] > 0 and tags["/THead"] >= 4
    # A header cell for each of the 12 use cases' rows at least, and cells for their outcomes.
    assert tags["/TR"] >= 12 + 4 and tags["/TD"] >= 12 * 4
