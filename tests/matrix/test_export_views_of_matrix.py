"""Exports of the matrix page's view ("these N use cases") beside the whole round: the page offers
both for every format that can hold a view; the view travels with the request (validated there and
again by the task); each file holds exactly the page's rows in the page's order and says which
view it is; bad filter values give the page's errors and no export; the task's queries stay flat."""

import csv
import io
import json
import re
from urllib.parse import urlencode

import openpyxl
import pypdf
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bold_portal.models import AuditEvent
from matrix.models import MatrixExport
from matrix.services.exports import ExportViewInvalid, matrix_export_request, matrix_export_run
from matrix.services.recompute import matrix_bring_up_to_date
from reviews.models import RoundVersion
from tests.factories import make_analyst
from tests.matrix.analyst_support import make_large_round
from tests.matrix.test_matrix_spreadsheet import rows_of, title_of
from tests.pages import main_content

pytestmark = pytest.mark.django_db

FORMATS = ["csv", "json", "xlsx", "pdf"]
# Views of the demo round: a search under three audiences sorted by principles met, highest first;
# an audience with a mark filter and an outcome for one principle; a sort by margin.
VIEWS = [
    {"search": "prison", "sort": "met", "direction": "desc"},
    {"mark": ["fragile"], "sort": "margin"},
    {"outcome": "cross", "principle": "relevant"},
]


@pytest.fixture
def analyst():
    return make_analyst(email="analyst@bold.example")


@pytest.fixture
def analyst_client(client, analyst):
    client.force_login(analyst)
    return client


def matrix_page(client, review_round, query) -> str:
    response = client.get(reverse("matrix:round_matrix", args=[review_round.slug]), query)
    assert response.status_code == 200
    return main_content(response)


def view_link(page: str, identifier: str) -> str:
    links = [
        href.replace("&amp;", "&")
        for href in re.findall(r'<a class="govuk-link" href="([^"]+)" data-export-view>', page)
    ]
    return next(link for link in links if f"/export/{identifier}/?" in link)


def export_through_the_pages(client, url: str, capture) -> tuple[MatrixExport, bytes]:
    """Open the start page at url, press "Create the file", download it."""
    assert client.get(url).status_code == 200
    with capture(execute=True):
        response = client.post(url)
    assert response.status_code == 302
    export = MatrixExport.objects.order_by("-pk").first()
    assert export.status == MatrixExport.Status.READY, export.error_message
    download = client.get(reverse("matrix:export_download", args=[export.round.slug, export.pk]))
    assert download.status_code == 200
    return export, download.content


def titles_in(identifier: str, content: bytes) -> tuple[list[str], str]:
    """The use case titles a file holds, in order, and the text that says which view it is."""
    if identifier == "csv":
        rows = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))
        return [row["title"] for row in rows], rows[0]["view"] if rows else ""
    if identifier == "json":
        data = json.loads(content)
        return [row["title"] for row in data["rows"]], data["view"]["description"]
    if identifier == "xlsx":
        book = openpyxl.load_workbook(io.BytesIO(content))
        data = list(book["Matrix data"].iter_rows(values_only=True))
        title = data[0].index("title")
        about = dict(book["About"].iter_rows(values_only=True))
        return [row[title] for row in data[1:]], about["Use cases"]
    reader = pypdf.PdfReader(io.BytesIO(content))
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    return text, text


def in_pdf_order(text: str, titles: list[str]) -> bool:
    positions = [text.find(" ".join(title.split())) for title in titles]
    return -1 not in positions and positions == sorted(positions)


@pytest.mark.parametrize("query", VIEWS, ids=["search-sorted", "marked-by-margin", "outcome-of-a-principle"])
@pytest.mark.parametrize("identifier", FORMATS)
def test_the_filtered_export_holds_exactly_the_pages_rows_in_the_pages_order(
    demo, analyst_client, django_capture_on_commit_callbacks, identifier, query
):
    page = matrix_page(analyst_client, demo, query)
    expected = [title_of(row) for row in rows_of(page)]
    assert 0 < len(expected) < RoundVersion.objects.filter(round=demo).count()

    export, content = export_through_the_pages(
        analyst_client, view_link(page, identifier), django_capture_on_commit_callbacks
    )

    assert export.view_query
    titles, about_view = titles_in(identifier, content)
    if identifier == "pdf":
        assert in_pdf_order(titles, expected)
        others = RoundVersion.objects.filter(round=demo).values_list("version__title", flat=True)
        assert not any(" ".join(t.split()) in titles for t in others if t not in expected)
    else:
        assert titles == expected
    assert f"These {len(expected)} use cases" in about_view or "Filtered:" in about_view or "Sorted by:" in about_view


def test_the_file_says_which_view_it_holds(demo, analyst_client, django_capture_on_commit_callbacks):
    page = matrix_page(analyst_client, demo, VIEWS[0])
    count = len(rows_of(page))
    words = "Filtered: search “prison”. Sorted by: Principles met, highest first."

    for identifier in FORMATS:
        _export, content = export_through_the_pages(
            analyst_client, view_link(page, identifier), django_capture_on_commit_callbacks
        )
        _titles, about_view = titles_in(identifier, content)
        assert words in about_view, identifier
        if identifier in ("xlsx", "pdf"):
            assert f"These {count} use cases of the matrix page" in about_view


def test_the_whole_round_export_is_unchanged_and_says_so(demo, analyst_client, django_capture_on_commit_callbacks):
    url = reverse("matrix:export_start", args=[demo.slug, "json"])
    export, content = export_through_the_pages(analyst_client, url, django_capture_on_commit_callbacks)
    data = json.loads(content)
    assert export.view_query == "" and data["view"] is None
    assert len(data["rows"]) == RoundVersion.objects.filter(round=demo).count()
    _export, csv_content = export_through_the_pages(
        analyst_client, reverse("matrix:export_start", args=[demo.slug, "csv"]), django_capture_on_commit_callbacks
    )
    assert "view" not in csv_content.decode("utf-8-sig").splitlines()[0].split(",")


def test_the_page_offers_these_use_cases_beside_the_whole_round(demo, analyst_client):
    everything = matrix_page(analyst_client, demo, {})
    assert "data-export-view" not in everything and "data-export-whole" not in everything

    page = matrix_page(analyst_client, demo, {"search": "prison", "page": "1"})
    count = len(rows_of(page))
    total = RoundVersion.objects.filter(round=demo).count()
    assert page.count(f"Download these {count} use cases") == 4  # CSV, JSON, XLSX, PDF
    assert page.count(f"Download the whole round ({total} use cases)") == 5  # and the verdicts CSV
    assert "/export/verdicts-csv/?" not in page
    # The view is the page's filters, without the page number.
    link = view_link(page, "csv")
    assert "search=prison" in link and "page=" not in link


def test_the_start_page_says_which_use_cases_and_keeps_the_view(demo, analyst_client):
    url = reverse("matrix:export_start", args=[demo.slug, "xlsx"]) + "?" + urlencode(VIEWS[0])
    page = main_content(analyst_client.get(url))
    assert "The file holds the use cases you chose on the matrix page, in the page" in page
    assert "Filtered: search “prison”." in page
    # "Back to the matrix" and "Cancel" return to the same view.
    assert page.count(reverse("matrix:round_matrix", args=[demo.slug]) + "?search=prison&amp;sort=met") >= 1
    whole = main_content(analyst_client.get(reverse("matrix:export_start", args=[demo.slug, "xlsx"])))
    assert "The file holds the whole round." in whole


def test_the_audit_row_names_the_view(demo, analyst_client, django_capture_on_commit_callbacks):
    page = matrix_page(analyst_client, demo, VIEWS[0])
    export, _content = export_through_the_pages(
        analyst_client, view_link(page, "csv"), django_capture_on_commit_callbacks
    )
    event = AuditEvent.objects.filter(action="export_requested").latest("pk")
    assert event.data == {
        "export_id": export.pk,
        "format": "csv",
        "view": export.view_query,
        "object_name": export.round.name,  # the round, as it was named then
    }


# --- Bad input --------------------------------------------------------------------------------------


BAD_VIEWS = [
    ({"sort": "colour"}, "Choose a sort from the list"),
    ({"audience": "nobody"}, "Choose audiences from the list"),
    ({"mark": "sparkly"}, "Choose marks from the list"),
    ({"principle": "unknown"}, "Choose a principle from the list"),
    ({"search": "x" * 201}, "Enter 200 characters or fewer to search for (you entered 201)"),
]


@pytest.mark.parametrize("query, message", BAD_VIEWS)
def test_bad_filter_values_give_the_pages_error_and_no_export(
    demo, analyst_client, django_capture_on_commit_callbacks, query, message
):
    # The matrix page says so, and offers no view to export.
    page = matrix_page(analyst_client, demo, query)
    assert message in page and "data-export-view" not in page
    url = reverse("matrix:export_start", args=[demo.slug, "csv"]) + "?" + urlencode(query)

    shown = analyst_client.get(url)
    with django_capture_on_commit_callbacks(execute=True):
        posted = analyst_client.post(url)

    for response in (shown, posted):
        assert response.status_code == 400
        content = main_content(response)
        assert message in content and "govuk-error-summary" in content
        assert "Create the file" not in content
    assert not MatrixExport.objects.exists()
    assert not AuditEvent.objects.filter(action="export_requested").exists()


def test_the_service_refuses_a_bad_view_and_records_nothing(demo, analyst):
    with pytest.raises(ExportViewInvalid) as refused:
        matrix_export_request(review_round=demo, identifier="json", user=analyst, view_query="sort=colour")
    assert refused.value.errors == [("sort", "Choose a sort from the list")]
    assert not MatrixExport.objects.exists()


def test_the_task_validates_the_view_again(demo, analyst):
    # Valid when asked for; the principle has left the round by the time the task runs.
    export = MatrixExport.objects.create(
        round=demo, requested_by=analyst, exporter="csv", view_query="outcome=cross&principle=gone"
    )

    matrix_export_run(export_id=export.pk)

    export.refresh_from_db()
    assert export.status == MatrixExport.Status.FAILED
    assert "Choose a principle from the list" in export.error_message
    assert "no longer fit the round" in export.error_message
    assert export.content is None


# --- Query counts -----------------------------------------------------------------------------------


def task_queries(review_round, user, identifier: str, view_query: str) -> int:
    export = MatrixExport.objects.create(
        round=review_round, requested_by=user, exporter=identifier, view_query=view_query
    )
    with CaptureQueriesContext(connection) as queries:
        matrix_export_run(export_id=export.pk)
    export.refresh_from_db()
    assert export.status == MatrixExport.Status.READY, export.error_message
    return len(queries)


@pytest.mark.parametrize("identifier", FORMATS)
@pytest.mark.parametrize("view", ["sort=margin&mark=fragile", "outcome=cross&search=bulk"])
def test_the_export_tasks_queries_do_not_grow_with_the_round(analyst, identifier, view):
    counts = []
    for size in (6, 60):
        review_round, _audiences, principles = make_large_round(size)
        matrix_bring_up_to_date(review_round=review_round)
        view_query = f"{view}&principle={principles[0].slug}"
        counts.append(task_queries(review_round, analyst, identifier, view_query))
    assert counts[0] == counts[1]
