import csv
import io
import json
import os
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from bold_portal.models import AuditEvent
from matrix.models import Matrix, MatrixCell
from matrix.selectors.cells import stale_round_ids
from matrix.services.recompute import matrix_recompute
from reviews.services.reviews import VerdictInput, review_save
from reviews.services.rounds import round_rule_change
from tests.factories import make_audience, make_principle, make_reviewer, make_round, make_version

pytestmark = pytest.mark.django_db


@pytest.fixture
def matrix_round():
    """Two audiences shown in the opposite order to their creation, and principles whose order
    is not alphabetical, so that any lost ordering shows."""
    later = make_audience(slug="victims", display_order=2)
    first = make_audience(slug="homelessness", display_order=1)
    relevant = make_principle(slug="relevant", name="Relevant", order=1)
    clear = make_principle(slug="clear", name="Clear and informative", order=2)
    victims_case = make_version(audience=later, title="Support after abuse")
    housing_case = make_version(audience=first, title="Housing after prison")
    review_round = make_round(
        slug="spring", name="Spring round", principles=[relevant, clear], versions=[victims_case, housing_case]
    )
    verdicts = {
        housing_case: [("meets", "meets"), ("meets", "does_not_meet")],
        victims_case: [("does_not_meet", "not_sure")],
    }
    for version, reviews in verdicts.items():
        for on_relevant, on_clear in reviews:
            submit(review_round, version, relevant=(relevant, on_relevant), clear=(clear, on_clear))
    return review_round, housing_case, victims_case


def submit(review_round, version, **verdicts):
    review_save(
        reviewer=make_reviewer(),
        review_round=review_round,
        version=version,
        verdicts=[
            VerdictInput(principle_id=principle.pk, verdict=verdict, reason="Because.")
            for principle, verdict in verdicts.values()
        ],
        overall_comment="",
        expected_lock_version=0,
        submit=True,
    )


def export(*args) -> str:
    out = io.StringIO()
    call_command("export_matrix", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def recomputes(review_round) -> tuple[int, int]:
    """How often the round's matrix was recomputed: (one version, the whole round)."""
    matrix = Matrix.objects.filter(round=review_round).first()
    return (matrix.version_recomputes, matrix.round_recomputes) if matrix else (0, 0)


def test_json_has_the_documented_keys_in_order_and_the_counts(matrix_round):
    review_round, housing_case, victims_case = matrix_round
    matrix_recompute(round_id=review_round.pk)

    document = json.loads(export("--round", "spring"), object_pairs_hook=list)

    keys = [key for key, _ in document]
    # Keys added later go at the end: the ones here keep their order.
    documented = ["round", "name", "computed_at", "threshold", "min_reviews", "principles", "rows", "agreement"]
    assert keys[: len(documented)] == documented
    values = dict(document)
    assert values["round"] == "spring"
    assert values["name"] == "Spring round"
    assert values["computed_at"] == Matrix.objects.get(round=review_round).computed_at.isoformat()
    assert values["threshold"] == 0.5
    assert values["min_reviews"] == 2
    assert values["principles"] == ["relevant", "clear"]
    rows = [dict(row) for row in values["rows"]]
    assert [list(dict(row_pairs)) for row_pairs in values["rows"]] == [
        ["audience", "use_case", "title", "version", "cells", "declared_interest", "flagged", "decision"]
    ] * 2
    # Marks and flags about groups of reviewers are null until the round has closed.
    assert [(row["declared_interest"], row["flagged"]) for row in rows] == [(None, None), (None, None)]
    assert [(row["audience"], row["use_case"], row["title"], row["version"]) for row in rows] == [
        ("homelessness", housing_case.use_case.slug, "Housing after prison", 1),
        ("victims", victims_case.use_case.slug, "Support after abuse", 1),
    ]
    housing_cells = rows[0]["cells"]
    assert [slug for slug, _ in housing_cells] == ["relevant", "clear"]
    # Fragility after the counts: 2 of 2 becomes 1 of 2 (a tie, a cross) if one reviewer changes their mind.
    assert [dict(cell) for _, cell in housing_cells] == [
        {
            "outcome": "tick",
            "meets": 2,
            "does_not_meet": 0,
            "not_sure": 0,
            "fragile": True,
            "would_become": ["cross"],
            "carried": 0,
        },
        {
            "outcome": "cross",
            "meets": 1,
            "does_not_meet": 1,
            "not_sure": 0,
            "fragile": True,
            "would_become": ["tick"],
            "carried": 0,
        },
    ]
    assert [list(dict(cell)) for _, cell in housing_cells] == [
        ["outcome", "meets", "does_not_meet", "not_sure", "fragile", "would_become", "carried"]
    ] * 2
    # Too few reviews: one reviewer changing their mind does not add a review.
    robust = {"fragile": False, "would_become": [], "carried": 0}
    assert [dict(cell) for _, cell in rows[1]["cells"]] == [
        {"outcome": "insufficient", "meets": 0, "does_not_meet": 1, "not_sure": 0, **robust},
        {"outcome": "insufficient", "meets": 0, "does_not_meet": 0, "not_sure": 1, **robust},
    ]


def test_csv_has_one_row_per_use_case_with_outcome_and_count_columns(matrix_round):
    _, housing_case, victims_case = matrix_round

    rows = list(csv.reader(io.StringIO(export("--round", "spring", "--format", "csv"))))

    # Columns added later go at the end: the ones here keep their order.
    assert rows[0][:16] == [
        "audience",
        "use_case",
        "title",
        "version",
        "relevant",
        "relevant_meets",
        "relevant_does_not_meet",
        "relevant_not_sure",
        "clear",
        "clear_meets",
        "clear_does_not_meet",
        "clear_not_sure",
        # Added after every existing column.
        "relevant_fragile",
        "relevant_would_become",
        "clear_fragile",
        "clear_would_become",
    ]
    housing = ["homelessness", housing_case.use_case.slug, "Housing after prison", "1"]
    victims = ["victims", victims_case.use_case.slug, "Support after abuse", "1"]
    assert [row[:16] for row in rows[1:]] == [
        [*housing, "tick", "2", "0", "0", "cross", "1", "1", "0", "true", "cross", "true", "tick"],
        [*victims, "insufficient", "0", "1", "0", "insufficient", "0", "0", "1", "false", "", "false", ""],
    ]


def test_a_version_nobody_reviewed_is_exported_with_zero_counts(matrix_round):
    review_round, *_ = matrix_round
    unreviewed = make_version(audience=make_audience(slug="young-people", display_order=3), title="Nobody yet")
    review_round.versions.add(unreviewed)

    rows = list(csv.reader(io.StringIO(export("--round", "spring", "--format", "csv"))))
    data = json.loads(export("--round", "spring"))

    assert rows[-1][:16] == [
        "young-people",
        unreviewed.use_case.slug,
        "Nobody yet",
        "1",
        *(["insufficient", "0", "0", "0"] * 2),
        *(["false", ""] * 2),
    ]
    empty = {
        "outcome": "insufficient",
        "meets": 0,
        "does_not_meet": 0,
        "not_sure": 0,
        "fragile": False,
        "would_become": [],
        "carried": 0,
    }
    assert data["rows"][-1]["cells"] == {"relevant": empty, "clear": empty}
    # The export stored the cells it printed.
    assert MatrixCell.objects.filter(round=review_round, version=unreviewed).count() == 2


def test_a_matrix_never_computed_is_computed_before_export(matrix_round):
    review_round, *_ = matrix_round
    assert not Matrix.objects.exists()  # the fixture's commits were never followed by a recompute

    data = json.loads(export("--round", "spring"))

    assert recomputes(review_round) == (0, 1)
    assert data["computed_at"] == Matrix.objects.get(round=review_round).computed_at.isoformat()
    assert data["rows"][0]["cells"]["relevant"]["meets"] == 2
    assert MatrixCell.objects.filter(round=review_round).count() == 4
    assert stale_round_ids() == []


def test_a_stale_matrix_is_recomputed_before_export(matrix_round):
    review_round, _, victims_case = matrix_round
    matrix_recompute(round_id=review_round.pk)
    stale_at = Matrix.objects.get(round=review_round).computed_at
    relevant, clear = review_round.principles.order_by("order")
    submit(review_round, victims_case, relevant=(relevant, "does_not_meet"), clear=(clear, "not_sure"))
    assert stale_round_ids() == [review_round.pk]

    data = json.loads(export("--round", "spring"))

    assert data["rows"][1]["cells"]["relevant"] == {
        "outcome": "cross",
        "meets": 0,
        "does_not_meet": 2,
        "not_sure": 0,
        "fragile": False,  # one change makes a tie or 0 of 1: a cross either way
        "would_become": [],
        "carried": 0,
    }
    fresh_at = Matrix.objects.get(round=review_round).computed_at
    assert data["computed_at"] == fresh_at.isoformat() != stale_at.isoformat()
    assert stale_round_ids() == []


def test_a_matrix_behind_a_rule_change_is_recomputed_before_export(matrix_round):
    review_round, *_ = matrix_round
    matrix_recompute(round_id=review_round.pk)
    round_rule_change(review_round=review_round, threshold=Decimal("0.50"), min_reviews=1, actor=None)

    data = json.loads(export("--round", "spring"))

    assert data["min_reviews"] == 1
    # One review is now enough for the victims case: a cross on relevant.
    assert data["rows"][1]["cells"]["relevant"] == {
        "outcome": "cross",
        "meets": 0,
        "does_not_meet": 1,
        "not_sure": 0,
        "fragile": True,
        "would_become": ["tick", "insufficient"],
        "carried": 0,
    }


def test_a_current_matrix_is_exported_without_recomputing(matrix_round):
    review_round, *_ = matrix_round
    matrix_recompute(round_id=review_round.pk)
    computed_at = Matrix.objects.get(round=review_round).computed_at
    before = recomputes(review_round)
    audited = AuditEvent.objects.count()

    data = json.loads(export("--round", "spring"))

    assert recomputes(review_round) == before
    assert data["computed_at"] == computed_at.isoformat()
    assert Matrix.objects.get(round=review_round).computed_at == computed_at
    assert AuditEvent.objects.count() == audited


@pytest.mark.parametrize("output_format", ["json", "csv"])
def test_output_writes_the_file_and_prints_nothing(matrix_round, tmp_path, output_format):
    target = tmp_path / f"matrix.{output_format}"
    printed = export("--round", "spring", "--format", output_format, "--output", str(target))

    assert printed == ""
    # The file is the printed text; a CSV file also starts with the byte order mark, for Excel.
    assert target.read_text(encoding="utf-8-sig") == export("--round", "spring", "--format", output_format)
    assert target.read_bytes().startswith(b"\xef\xbb\xbf") is (output_format == "csv")
    assert os.listdir(tmp_path) == [target.name]


def test_output_into_a_missing_folder_is_a_clear_error(matrix_round, tmp_path):
    target = tmp_path / "no-such-folder" / "matrix.json"

    with pytest.raises(CommandError, match=r"Could not write .*matrix\.json.*Check that the folder exists"):
        export("--round", "spring", "--output", str(target))

    assert not target.parent.exists()


def test_output_onto_a_folder_is_a_clear_error_and_leaves_no_temporary_file(matrix_round, tmp_path):
    with pytest.raises(CommandError, match="Could not write"):
        export("--round", "spring", "--output", str(tmp_path))

    assert os.listdir(tmp_path) == []


def test_failed_write_keeps_the_previous_file_whole(matrix_round, tmp_path, monkeypatch):
    target = tmp_path / "matrix.json"
    target.write_text("previous export", encoding="utf-8")

    def disk_full(source, destination):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", disk_full)
    with pytest.raises(CommandError, match="No space left on device"):
        export("--round", "spring", "--output", str(target))

    assert target.read_text(encoding="utf-8") == "previous export"
    assert os.listdir(tmp_path) == ["matrix.json"]


def test_unknown_round_names_the_slug_and_the_rounds_that_exist(matrix_round):
    make_round(slug="autumn")

    with pytest.raises(CommandError) as error:
        export("--round", "sprnig")

    assert str(error.value) == "There is no review round with the slug sprnig. Rounds that exist: autumn, spring."


def test_unknown_round_when_there_are_no_rounds():
    with pytest.raises(CommandError, match="no review round with the slug spring; there are no review rounds yet"):
        export("--round", "spring")


# The binary formats and the CSV of verdicts (the formats themselves: tests/matrix/test_exporters.py)


@pytest.mark.parametrize("output_format", ["xlsx", "pdf"])
def test_binary_formats_need_an_output_file(matrix_round, output_format):
    with pytest.raises(CommandError) as error:
        export("--round", "spring", "--format", output_format)

    assert str(error.value) == (
        f"The {output_format} format is a binary file, which cannot be printed. "
        "Add --output PATH to write it to a file."
    )
    assert not Matrix.objects.exists()  # refused before anything was computed


def test_xlsx_output_is_a_workbook_of_the_current_matrix(matrix_round, tmp_path):
    import openpyxl

    target = tmp_path / "matrix.xlsx"
    printed = export("--round", "spring", "--format", "xlsx", "--output", str(target))

    assert printed == ""
    book = openpyxl.load_workbook(target)
    assert book.sheetnames == ["Matrix", "Matrix data", "Verdicts", "About"]
    data = list(book["Matrix data"].iter_rows(values_only=True))
    csv_rows = list(csv.reader(io.StringIO(export("--round", "spring", "--format", "csv"))))

    # (An empty text cell, such as a robust cell's would_become, reads back from the workbook as None;
    # yes-or-no columns are booleans in the workbook, "true" and "false" in the CSV.)
    def as_csv(value) -> str:
        if isinstance(value, bool):
            return "true" if value else "false"
        return "" if value is None else str(value)

    assert [[as_csv(value) for value in row[:-1]] for row in data] == csv_rows
    assert os.listdir(tmp_path) == ["matrix.xlsx"]


def test_pdf_output_is_a_pdf_of_the_current_matrix(matrix_round, tmp_path):
    import pypdf

    target = tmp_path / "matrix.pdf"
    export("--round", "spring", "--format", "pdf", "--output", str(target))

    text = " ".join(" ".join(page.extract_text() for page in pypdf.PdfReader(target).pages).split())
    assert "Principle matrix: Spring round" in text
    assert (
        "Housing after prison 1 ✓ Meets 2 meet, 0 do not meet, 0 not sure ⚠ Fragile: would become a cross if one "
        "reviewer changed their mind ✗ Does not meet 1 meets, 1 does not meet"
    ) in text


def test_verdicts_csv_prints_every_submitted_verdict(matrix_round):
    rows = list(csv.reader(io.StringIO(export("--round", "spring", "--format", "verdicts-csv"))))

    assert rows[0] == [
        "round",
        "audience",
        "use_case",
        "title",
        "version",
        "principle",
        "reviewer",
        "verdict",
        "reason",
        "evidence",
        "suggested_rewording",
        "carried_from_version",
        "carried_from_round",
    ]
    assert len(rows) == 1 + 6  # three reviews of two principles
    # Numbered within each use case version: two reviews of one, one of the other.
    assert sorted((row[2], row[5], row[6]) for row in rows[1:]) == sorted(
        (use_case, principle, f"Reviewer {number}")
        for use_case, numbers in ((rows[1][2], (1, 2)), (rows[-1][2], (1,)))
        for principle in ("relevant", "clear")
        for number in numbers
    )


def test_csv_neutralises_a_title_that_a_spreadsheet_would_run(matrix_round):
    review_round, housing_case, _ = matrix_round
    title = '=HYPERLINK("http://x","Click")'
    review_round.versions.add(make_version(audience=housing_case.use_case.audience, title=title))

    rows = list(csv.reader(io.StringIO(export("--round", "spring", "--format", "csv"))))

    assert ["'" + title, "1"] in [row[2:4] for row in rows]
