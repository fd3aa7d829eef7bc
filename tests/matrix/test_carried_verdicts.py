"""Carried-forward verdicts in every output that shows verdicts (docs/analysts.md, "Carried-forward
verdicts"): the matrix's cells, the cell page, the exports and the API say which were carried."""

import csv
import io
import json

import openpyxl
import pytest
from django.urls import reverse

from matrix.exporters.registry import EXPORTERS
from matrix.models import MatrixCell
from matrix.services.recompute import matrix_recompute
from reviews.services.carry import review_carry
from reviews.services.reviews import VerdictInput, review_save
from tests.factories import (
    close_round,
    make_analyst,
    make_assignment,
    make_organisation,
    make_principle,
    make_round,
    make_version,
)
from tests.matrix.analyst_support import make_reviewer, submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    organisation = make_organisation()
    impact = make_principle(name="Impact first", slug="impact-first", reads_sections=["impact_statement"])
    flows = make_principle(name="Flows clear", slug="flows-clear", reads_sections=["data_flows"])
    v1 = make_version(title="Repeat homelessness")
    v2 = make_version(
        use_case=v1.use_case,
        number=2,
        title=v1.title,
        impact_statement=v1.impact_statement,
        data_flows=[{"information": "Rent", "from": "A", "to": "B"}],
    )
    first = make_round(principles=[impact, flows], name="Autumn", slug="autumn")
    make_assignment(review_round=first, version=v1, organisation=organisation)
    reviewer = make_reviewer(organisation=organisation)
    submit(reviewer, first, v1, {impact: ("does_not_meet", "Whose impact?", "", ""), flows: "meets"})
    close_round(first)
    second = make_round(principles=[impact, flows], name="Spring", slug="spring")
    make_assignment(review_round=second, version=v2, organisation=organisation)
    review = review_carry(
        reviewer=reviewer,
        review_round=second,
        version=v2,
        principle_ids=[impact.pk],
        expected_lock_version=0,
        organisation=organisation,
    )
    submit_again = {impact: ("does_not_meet", "Whose impact?"), flows: ("meets", "")}
    # Submitted with the carried answer as it was: it stays carried.

    review_save(
        reviewer=reviewer,
        review_round=second,
        version=v2,
        verdicts=[VerdictInput(principle_id=p.pk, verdict=v[0], reason=v[1]) for p, v in submit_again.items()],
        overall_comment="",
        expected_lock_version=review.lock_version,
        submit=True,
    )
    other = make_reviewer(organisation=organisation)
    submit(other, second, v2, {impact: "meets", flows: "meets"})
    matrix_recompute(round_id=second.pk)
    return {"round": second, "v2": v2, "impact": impact, "flows": flows}


def test_the_stored_cell_counts_carried_verdicts(world):
    cells = {c.principle_id: c.carried for c in MatrixCell.objects.filter(round=world["round"], version=world["v2"])}
    assert cells == {world["impact"].pk: 1, world["flows"].pk: 0}


def test_the_matrix_and_the_cell_page_say_which_verdicts_were_carried(client, world):
    client.force_login(make_analyst())
    page = client.get(reverse("matrix:round_matrix", args=["spring"])).content.decode()
    assert 'data-carried="1"' in page
    assert page.count("1 carried forward") == 2  # the words read aloud, and the ones shown
    assert "data-carried-key" in page
    cell = client.get(
        reverse("matrix:cell", args=["spring", world["v2"].use_case.slug, 2, "impact-first"])
    ).content.decode()
    assert cell.count("data-carried") == 1
    assert "Carried forward unchanged from this reviewer's verdict on version 1 in Autumn" in cell
    other = client.get(reverse("matrix:cell", args=["spring", world["v2"].use_case.slug, 2, "flows-clear"]))
    assert "data-carried" not in other.content.decode()


def test_the_exports_say_which_verdicts_were_carried(world):
    review_round = world["round"]
    document = json.loads(EXPORTERS["json"].render(review_round))
    cells = document["rows"][0]["cells"]
    assert (cells["impact-first"]["carried"], cells["flows-clear"]["carried"]) == (1, 0)
    assert list(cells["impact-first"])[-1] == "carried"  # new keys only at the end

    verdicts = list(csv.DictReader(io.StringIO(EXPORTERS["verdicts-csv"].render(review_round).decode("utf-8-sig"))))
    carried = {(row["principle"], row["carried_from_version"], row["carried_from_round"]) for row in verdicts}
    assert carried == {("impact-first", "1", "autumn"), ("impact-first", "", ""), ("flows-clear", "", "")}

    book = openpyxl.load_workbook(io.BytesIO(EXPORTERS["xlsx"].render(review_round)))
    matrix_sheet = " ".join(str(value) for row in book.worksheets[0].iter_rows(values_only=True) for value in row)
    assert "↻ 1 carried forward" in matrix_sheet


def test_the_api_says_which_verdicts_were_carried(client, world):
    client.force_login(make_analyst())
    matrix = client.get(reverse("api:matrix", args=["spring"])).json()
    cells = {cell["principle"]: cell["carried"] for cell in matrix["results"][0]["cells"]}
    assert cells == {"impact-first": 1, "flows-clear": 0}
    body = client.get(reverse("api:cell", args=["spring", world["v2"].use_case.slug, 2, "impact-first"])).json()
    assert sorted(v["carried_from_version"] or 0 for v in body["verdicts"]) == [0, 1]
