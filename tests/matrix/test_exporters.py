"""The export formats (matrix.exporters), read back: the XLSX with openpyxl and the PDF with
pypdf, each compared cell by cell with matrix_document; spreadsheet-formula neutralisation in CSV
and XLSX; the verdicts sheet's limit and the CSV of verdicts."""

import copy
import csv
import io
import logging
import re
import urllib.request

import openpyxl
import pypdf
import pytest
from django.utils import timezone

from bold_portal.spreadsheet import neutralise
from matrix.exporters import pdf, xlsx
from matrix.exporters.base import cell_text
from matrix.exporters.registry import EXPORTERS
from matrix.models import Matrix
from matrix.selectors.cells import COUNT_KEYS
from matrix.selectors.exports import VERDICT_KEYS, matrix_document, matrix_table
from matrix.services.recompute import matrix_recompute
from matrix.wording import OUTCOME_SYMBOLS, counts_in_words, fragility_in_words, outcome_words
from reviews.models import Review, Verdict
from reviews.services.reviews import VerdictInput, review_save
from tests.database import shared_by_module
from tests.factories import make_audience, make_principle, make_reviewer, make_round, make_version

pytestmark = pytest.mark.django_db

TRIGGERS = ["=", "+", "-", "@", "\t", "\r"]
HYPERLINK = '=HYPERLINK("http://x","Click")'


class World:
    """Two audiences shown in the opposite order to their creation, principles whose order is
    not alphabetical, three reviewers (one reviewing both use cases), and a draft that must not
    be exported."""

    def __init__(self, *, housing_title="Housing after prison", reason="Because."):
        self.victims = make_audience(slug="victims", name="Victims", display_order=2)
        self.homelessness = make_audience(slug="homelessness", name="Homelessness", display_order=1)
        self.relevant = make_principle(slug="relevant", name="Relevant", order=1)
        self.clear = make_principle(slug="clear", name="Clear and informative", order=2)
        self.victims_case = make_version(audience=self.victims, title="Support after abuse")
        self.housing_case = make_version(audience=self.homelessness, title=housing_title)
        self.round = make_round(
            slug="spring",
            name="Spring round",
            principles=[self.relevant, self.clear],
            versions=[self.victims_case, self.housing_case],
        )
        self.ann, self.bo, self.cy = make_reviewer(), make_reviewer(), make_reviewer()
        self.reason = reason
        self.submit(self.ann, self.housing_case, "meets", "meets")
        self.submit(self.bo, self.housing_case, "meets", "does_not_meet")
        self.submit(self.ann, self.victims_case, "does_not_meet", "not_sure")
        self.submit(self.cy, self.victims_case, "does_not_meet", "meets", submit=False)  # a draft
        matrix_recompute(round_id=self.round.pk)

    def submit(self, reviewer, version, on_relevant, on_clear, *, submit=True):
        review_save(
            reviewer=reviewer,
            review_round=self.round,
            version=version,
            verdicts=[
                VerdictInput(
                    principle_id=principle.pk,
                    verdict=verdict,
                    reason="" if verdict == "meets" else self.reason,
                    evidence="Data flows section" if verdict != "meets" else "",
                    suggested_rewording="Say who receives the data." if verdict == "does_not_meet" else "",
                )
                for principle, verdict in ((self.relevant, on_relevant), (self.clear, on_clear))
            ],
            overall_comment="",
            expected_lock_version=0,
            submit=submit,
        )


@pytest.fixture(scope="module")
def shared_world(django_db_setup, django_db_blocker):
    """Built once for the module's tests that ask for it (tests/database.py)."""
    with shared_by_module(django_db_blocker):
        yield World()


@pytest.fixture
def world(shared_world, db):
    return copy.deepcopy(shared_world)


def workbook(review_round):
    return openpyxl.load_workbook(io.BytesIO(EXPORTERS["xlsx"].render(review_round)))


def pdf_text(review_round) -> tuple[pypdf.PdfReader, str]:
    reader = pypdf.PdfReader(io.BytesIO(EXPORTERS["pdf"].render(review_round)))
    return reader, " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def sheet_rows(sheet) -> list[tuple]:
    return list(sheet.iter_rows(values_only=True))


# The registry


def test_the_registry_has_every_format_and_says_which_are_binary():
    assert list(EXPORTERS) == ["csv", "json", "xlsx", "pdf", "verdicts-csv"]
    assert {identifier for identifier, exporter in EXPORTERS.items() if exporter.binary} == {"xlsx", "pdf"}
    assert all(exporter.permission == "matrix.view_matrix" for exporter in EXPORTERS.values())


# XLSX


def test_the_xlsx_has_the_four_sheets(world):
    assert workbook(world.round).sheetnames == ["Matrix", "Matrix data", "Verdicts", "About"]


def test_the_xlsx_matrix_sheet_is_the_reports_table_cell_by_cell(world):
    document = matrix_document(world.round)
    sheet = workbook(world.round)["Matrix"]
    rows = sheet_rows(sheet)

    assert rows[0] == (
        "Use case",
        "Version",
        "Relevant (meets / does not meet / not sure)",
        "Clear and informative (meets / does not meet / not sure)",
        "Principles met",
    )
    expected = []
    audiences = {"homelessness": "Homelessness", "victims": "Victims"}
    for row in document["rows"]:
        cells = [row["cells"][slug] for slug in document["principles"]]
        heading = (audiences[row["audience"]], None, None, None, None)
        if heading not in expected:
            expected.append(heading)
        expected.append(
            (
                row["title"],
                row["version"],
                *(
                    f"{OUTCOME_SYMBOLS[c['outcome']]} {outcome_words(c['outcome'])} "
                    f"({c['meets']} / {c['does_not_meet']} / {c['not_sure']})"
                    + (f"; ⚠ Fragile: {fragility_in_words(c['would_become'])}" if c["fragile"] else "")
                    for c in cells
                ),
                sum(c["outcome"] == "tick" for c in cells),
            )
        )
    assert rows[1:-1] == expected
    assert rows[2][2:] == (
        "✓ Meets (2 / 0 / 0); ⚠ Fragile: would become a cross if one reviewer changed their mind",
        "✗ Does not meet (1 / 1 / 0); ⚠ Fragile: would become a tick if one reviewer changed their mind",
        1,
    )
    none = OUTCOME_SYMBOLS["insufficient"]
    assert rows[4][2:] == (f"{none} Not enough reviews (0 / 1 / 0)", f"{none} Not enough reviews (0 / 0 / 1)", 0)
    # Per principle, how many use cases meet it.
    assert rows[-1] == ("Use cases that meet the principle", None, 1, 0, None)
    # Audience headings are merged rows across the table; the header row and titles stay in view.
    assert sorted(str(merged) for merged in sheet.merged_cells.ranges) == ["A2:E2", "A4:E4"]
    assert sheet.freeze_panes == "B2"
    assert sheet.column_dimensions["A"].width == 48
    assert sheet.column_dimensions["C"].width == 26


def test_the_xlsx_matrix_data_sheet_is_the_csv_table_with_numbers_for_sorting(world):
    document = matrix_document(world.round)
    header, rows = matrix_table(document, text_booleans=False)
    sheet = workbook(world.round)["Matrix data"]
    read = sheet_rows(sheet)

    assert list(read[0]) == [*header, "principles_met"]
    # An empty text (such as no flagged principles) is an empty spreadsheet cell.
    assert [list(row) for row in read[1:]] == [
        [*(value if value != "" else None for value in row), met] for row, met in zip(rows, [1, 0], strict=True)
    ]
    assert all(isinstance(value, int) for value in read[1][5:8])  # counts are numbers, not text
    # Yes-or-no columns are booleans a filter offers as TRUE and FALSE, not the text "true".
    yes_no = [header.index(name) for name in header if name.endswith("_fragile")]
    assert yes_no and all(isinstance(row[index], bool) for row in read[1:] for index in yes_no)
    assert sheet.freeze_panes == "A2"
    # A filter on every column, principles_met (the last) included.
    assert sheet.auto_filter.ref == f"A1:{openpyxl.utils.get_column_letter(len(header) + 1)}3"


def test_the_xlsx_verdicts_sheet_has_each_submitted_verdict_pseudonymised(world):
    rows = sheet_rows(workbook(world.round)["Verdicts"])

    assert rows[0] == (
        "Round",
        "Audience",
        "Use case",
        "Title",
        "Version",
        "Principle",
        "Reviewer",
        "Verdict",
        "Reason",
        "Evidence",
        "Suggested rewording",
        "Carried forward from version",
        "Carried forward from round",
    )
    housing, victims = world.housing_case.use_case.slug, world.victims_case.use_case.slug
    home = ("spring", "homelessness", housing, "Housing after prison", 1)
    away = ("spring", "victims", victims, "Support after abuse", 1)
    meets, not_met = "Meets the principle", "Does not meet the principle"
    assert rows[1:] == [
        (*home, "relevant", "Reviewer 1", meets, None, None, None, None, None),
        (*home, "relevant", "Reviewer 2", meets, None, None, None, None, None),
        (*home, "clear", "Reviewer 1", meets, None, None, None, None, None),
        (
            *home,
            "clear",
            "Reviewer 2",
            not_met,
            "Because.",
            "Data flows section",
            "Say who receives the data.",
            None,
            None,
        ),
        # Ann is Reviewer 1 on every use case of the round; Cy's draft is not exported.
        (
            *away,
            "relevant",
            "Reviewer 1",
            not_met,
            "Because.",
            "Data flows section",
            "Say who receives the data.",
            None,
            None,
        ),
        (*away, "clear", "Reviewer 1", "Not sure", "Because.", "Data flows section", None, None, None),
    ]
    assert not any(world.cy.email in str(value) for row in rows for value in row)


def test_the_xlsx_about_sheet_has_the_round_rule_and_times(world):
    about = dict(sheet_rows(workbook(world.round)["About"]))

    assert about["Round"] == "Spring round"
    assert about["Round slug"] == "spring"
    assert about["Rule"].startswith("A principle is met (✓) when more than half of the reviewers who decided")
    assert about["Threshold"] == 0.5
    assert about["Minimum number of reviews"] == 2
    computed_at = Matrix.objects.get(round=world.round).computed_at
    assert about["Matrix computed at"].startswith(f"{timezone.localtime(computed_at):%d %B %Y, %H:%M}")
    assert re.match(r"\d\d \w+ \d{4}, \d\d:\d\d \w+", about["Export generated at"])


def test_more_verdicts_than_the_sheet_holds_points_to_the_csv_of_verdicts(world, monkeypatch):
    monkeypatch.setattr(xlsx, "VERDICT_SHEET_LIMIT", 5)  # the round has 6 submitted verdicts

    rows = sheet_rows(workbook(world.round)["Verdicts"])

    assert len(rows) == 1
    assert "This round has 6 verdicts, more than this sheet holds (5)" in rows[0][0]
    assert "Verdicts (CSV)" in rows[0][0]
    assert "--format verdicts-csv" in rows[0][0]


def test_exactly_as_many_verdicts_as_the_sheet_holds_are_all_listed(world, monkeypatch):
    monkeypatch.setattr(xlsx, "VERDICT_SHEET_LIMIT", 6)

    assert len(sheet_rows(workbook(world.round)["Verdicts"])) == 1 + 6


def test_an_empty_round_exports_an_empty_matrix(db):
    review_round = make_round(slug="empty")

    book = workbook(review_round)
    _, text = pdf_text(review_round)

    assert len(sheet_rows(book["Matrix"])) == 2  # the header and the totals row
    assert len(sheet_rows(book["Verdicts"])) == 1
    assert "This round has no use cases yet." in text


# PDF


def test_the_pdf_is_a4_landscape_with_the_round_rule_and_computed_at(world):
    reader, text = pdf_text(world.round)

    width, height = float(reader.pages[0].mediabox.width), float(reader.pages[0].mediabox.height)
    assert (round(width), round(height)) == (842, 595)  # A4, landscape, in points
    assert "Principle matrix: Spring round" in text
    assert "more than half of the reviewers who decided" in text
    computed_at = Matrix.objects.get(round=world.round).computed_at
    assert f"Computed at {timezone.localtime(computed_at):%d %B %Y, %H:%M}" in text


def test_the_pdf_shows_every_cell_in_symbol_and_words_with_its_counts(world):
    document = matrix_document(world.round)
    _, text = pdf_text(world.round)

    position = 0
    for audience, rows in (("Homelessness", document["rows"][:1]), ("Victims", document["rows"][1:])):
        position = text.index(audience, position)
        for row in rows:
            cells = [row["cells"][slug] for slug in document["principles"]]
            expected = " ".join(
                [
                    row["title"],
                    str(row["version"]),
                    *(
                        f"{OUTCOME_SYMBOLS[c['outcome']]} {outcome_words(c['outcome'])} "
                        f"{counts_in_words(c['meets'], c['does_not_meet'], c['not_sure'])}"
                        + (f" ⚠ Fragile: {fragility_in_words(c['would_become'])}" if c["fragile"] else "")
                        for c in cells
                    ),
                    f"{sum(c['outcome'] == 'tick' for c in cells)} of 2",
                ]
            )
            assert expected in text[position:], expected
            position = text.index(expected, position)
    assert (
        "✓ Meets 2 meet, 0 do not meet, 0 not sure ⚠ Fragile: would become a cross if one reviewer changed their mind "
        "✗ Does not meet 1 meets, 1 does not meet, 0 not sure ⚠ Fragile: would become a tick if one reviewer changed "
        "their mind"
    ) in text


def test_a_long_audience_group_runs_over_pages_with_its_header_repeated(world):
    for number in range(40):
        world.round.versions.add(make_version(audience=world.victims, title=f"Extra use case {number}"))
    matrix_recompute(round_id=world.round.pk)

    reader, _ = pdf_text(world.round)

    assert len(reader.pages) >= 3
    later_page = reader.pages[2].extract_text()
    assert "Use case" in later_page and "Clear and informative" in later_page


def test_the_pdf_fetches_nothing(world, monkeypatch, caplog):
    html = '<img src="http://example.org/x.png"><link rel="stylesheet" href="file:///etc/passwd">'
    monkeypatch.setattr(pdf, "render_to_string", lambda *args, **kwargs: html)

    def no_network(*args, **kwargs):
        raise AssertionError("the PDF export opened a URL")

    monkeypatch.setattr(urllib.request.OpenerDirector, "open", no_network)
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        EXPORTERS["pdf"].render(world.round)

    refused = [record.getMessage() for record in caplog.records if "fetches nothing" in record.getMessage()]
    assert len(refused) == 2


# Spreadsheet formulas


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (HYPERLINK, "'" + HYPERLINK),
        ("+44 20 7946 0000", "'+44 20 7946 0000"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("Housing", "Housing"),
        ("", ""),
        (-1, -1),
        (3, 3),
        (0.5, 0.5),
        (None, None),
    ],
)
def test_neutralise(value, expected):
    assert neutralise(value) == expected


@pytest.mark.parametrize("trigger", TRIGGERS)
def test_csv_neutralises_text_that_a_spreadsheet_would_run(db, trigger):
    title = f'{trigger}HYPERLINK("http://x","Click")'
    world = World(housing_title=title, reason=f"{trigger}cmd|' /C calc'!A0")

    matrix_rows = list(csv.reader(io.StringIO(EXPORTERS["csv"].render(world.round).decode())))
    verdict_rows = list(csv.reader(io.StringIO(EXPORTERS["verdicts-csv"].render(world.round).decode())))

    assert matrix_rows[1][2] == "'" + title
    assert matrix_rows[1][3] == "1"  # the version: a number, untouched
    assert matrix_rows[2][2] == "Support after abuse"
    reasons = {row[VERDICT_KEYS.index("reason")] for row in verdict_rows[1:]} - {""}
    # (A reason's surrounding spaces, tabs and line breaks are trimmed when a review is saved.)
    assert reasons == {f"'{trigger}cmd|' /C calc'!A0" if trigger.strip() else "cmd|' /C calc'!A0"}
    assert {row[VERDICT_KEYS.index("title")] for row in verdict_rows[1:]} == {"'" + title, "Support after abuse"}


@pytest.mark.parametrize("trigger", TRIGGERS)
def test_xlsx_neutralises_text_that_a_spreadsheet_would_run(db, trigger):
    title = f'{trigger}HYPERLINK("http://x","Click")'
    world = World(housing_title=title, reason=f"{trigger}1+1")

    book = workbook(world.round)

    matrix_title = book["Matrix"]["A3"]
    data_title = book["Matrix data"]["C2"]
    for cell in (matrix_title, data_title):
        # (XML turns a carriage return into a line feed when the file is read back.)
        assert cell.value == "'" + title.replace("\r", "\n")
        assert cell.data_type == "s"  # text, not a formula
    assert book["Matrix data"]["D2"].value == 1
    assert book["Matrix data"]["D2"].data_type == "n"
    verdicts = sheet_rows(book["Verdicts"])
    # (A reason's surrounding spaces, tabs and line breaks are trimmed when a review is saved.)
    assert {row[8] for row in verdicts[1:]} - {None} == {f"'{trigger}1+1" if trigger.strip() else "1+1"}
    assert not any(cell.data_type == "f" for sheet in book.worksheets for row in sheet.iter_rows() for cell in row), (
        "no formula anywhere"
    )


def test_the_json_export_keeps_text_exactly(db):
    """JSON is not a spreadsheet: its text stays exactly as written."""
    world = World(housing_title=HYPERLINK)

    assert matrix_document(world.round)["rows"][0]["title"] == HYPERLINK
    assert HYPERLINK.replace('"', '\\"') in EXPORTERS["json"].render(world.round).decode()


def test_xlsx_drops_control_characters_it_cannot_store_before_neutralising(db):
    # The portal refuses control characters in what people type; text saved before it did, or
    # written around its services, may still hold them.
    world = World(housing_title="\x0b=1+1", reason="Line one line two")
    Verdict.objects.filter(reason="Line one line two").update(reason="Line one\x0bline two")

    book = workbook(world.round)

    assert book["Matrix data"]["C2"].value == "'=1+1"
    assert "Line oneline two" in {row[8] for row in sheet_rows(book["Verdicts"])}


# The CSV of verdicts


def test_the_csv_of_verdicts_has_one_row_per_submitted_verdict(world):
    content = EXPORTERS["verdicts-csv"].render(world.round)
    assert content.startswith(b"\xef\xbb\xbf")  # the byte order mark, for Excel
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))

    assert rows[0] == list(VERDICT_KEYS)
    assert len(rows) == 1 + 6
    housing = world.housing_case.use_case.slug
    assert rows[4] == [
        "spring",
        "homelessness",
        housing,
        "Housing after prison",
        "1",
        "clear",
        "Reviewer 2",
        "does_not_meet",
        "Because.",
        "Data flows section",
        "Say who receives the data.",
        "",
        "",
    ]
    assert {row[6] for row in rows[1:]} == {"Reviewer 1", "Reviewer 2"}


def test_the_csv_of_verdicts_is_written_in_chunks(world, monkeypatch):
    exporter = EXPORTERS["verdicts-csv"]
    monkeypatch.setattr(type(exporter), "chunk_rows", 4)

    chunks = list(exporter.chunks(world.round))

    assert len(chunks) == 3  # the header, 4 rows, 2 rows
    assert b"".join(chunks) == exporter.render(world.round)
    assert all(chunk.endswith(b"\n") for chunk in chunks)


def test_withdrawn_reviews_are_not_exported(world):
    review = Review.objects.get(reviewer=world.bo)
    Review.objects.filter(pk=review.pk).update(status=Review.Status.WITHDRAWN)

    content = EXPORTERS["verdicts-csv"].render(world.round)
    assert content.startswith(b"\xef\xbb\xbf")  # the byte order mark, for Excel
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))

    assert {row[6] for row in rows[1:]} == {"Reviewer 1"}


def test_cell_text_names_the_outcome_and_the_counts():
    cell = {"outcome": "tick", **dict.fromkeys(COUNT_KEYS, 0), "meets": 4, "does_not_meet": 1, "fragility": ""}
    assert cell_text(cell) == "✓ Meets (4 / 1 / 0)"
    fragile = {**cell, "fragility": "would become a cross if one reviewer changed their mind"}
    assert cell_text(fragile) == (
        "✓ Meets (4 / 1 / 0); ⚠ Fragile: would become a cross if one reviewer changed their mind"
    )
