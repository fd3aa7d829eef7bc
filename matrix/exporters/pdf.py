"""The PDF of the matrix, to print or share."""

import weasyprint
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone
from weasyprint.urls import URLFetcher

from matrix.exporters.base import Exporter, _local, _view_in_words, matrix_layout
from matrix.selectors.exports import (
    MatrixExportView,
)
from matrix.wording import (
    flag_in_words,
    fragile_in_words,
    interest_in_words,
    rule_in_words,
)
from reviews.models import ReviewRound


def _no_fetching():
    """A WeasyPrint URL fetcher that refuses every URL: the template is self-contained, and a
    link that slipped into it (or into a title) must never make the server fetch anything."""

    class NoFetching(URLFetcher):
        def fetch(self, url, headers=None):
            raise ValueError(f"The PDF export fetches nothing: refused {url}")

    return NoFetching()


class PdfExporter(Exporter):
    """A4 landscape: the round's name, rule and computed-at, then one table per audience group.
    At most settings.EXPORT_PDF_MAX_USE_CASES use cases: WeasyPrint lays out the whole document in
    memory, so a round of thousands would take a worker for minutes and gigabytes."""

    def use_case_limit(self) -> int | None:
        return settings.EXPORT_PDF_MAX_USE_CASES

    def render(self, review_round: ReviewRound, view: MatrixExportView | None = None) -> bytes:
        layout = matrix_layout(review_round, view)
        document = layout.document
        html = render_to_string(
            "matrix/export_pdf.html",
            {
                "review_round": review_round,
                "layout": layout,
                "rule": rule_in_words(threshold=document["threshold"], min_reviews=document["min_reviews"]),
                "computed_at": _local(document["computed_at"]),
                "view_in_words": _view_in_words(document),
                "generated_at": _local(timezone.now()),
                "fragile_in_words": fragile_in_words(),
                "interest_in_words": interest_in_words(published=layout.groups_published),
                "flag_in_words": flag_in_words(published=layout.groups_published),
            },
        )
        # PDF/UA: a tagged PDF (its headings, tables and header cells in a structure tree, with the
        # document's language and title), so that a screen reader reads the table as a table.
        return weasyprint.HTML(string=html, url_fetcher=_no_fetching()).write_pdf(pdf_variant="pdf/ua-1")
