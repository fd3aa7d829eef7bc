"""The matrix, its cell page and every export mark the cells that include a review from an
organisation that declared an interest in the use case: by a symbol and words, never colour alone;
the organisation is named to programme admins only, never in an export; analysts and exports see
the mark once the round has closed, on use cases reviewed by at least two organisations
(docs/analysts.md, "The anonymity rule")."""

import csv
import io
import json

import openpyxl
import pypdf
import pytest
from django.urls import reverse

from matrix.disclosure import declared_interest_names
from matrix.exporters.registry import EXPORTERS
from matrix.services.recompute import matrix_recompute
from reviews.services.interests import interest_declare, interest_override, interest_withdraw
from tests.factories import (
    close_round,
    make_admin,
    make_analyst,
    make_assignment,
    make_organisation,
    make_reviewer,
    make_version,
)
from tests.matrix.analyst_support import small_world, submit
from tests.pages import main_content

pytestmark = pytest.mark.django_db

WORDS = "includes a review from an organisation that declared an interest"


class World:
    """Crisis and Nacro each review one use case; Nacro declared an interest in it, which an admin
    overrode; another use case is reviewed by Crisis alone. The round is open until close()."""

    def __init__(self):
        audience, self.crisis, self.relevant, self.clear, self.round = small_world()
        self.nacro = make_organisation(name="Nacro", audiences=[audience])
        self.admin = make_admin()
        self.marked = make_version(audience=audience, title="Prison leavers and housing")
        self.plain = make_version(audience=audience, title="Repeat homelessness")
        self.interest = interest_declare(
            organisation=self.nacro, use_case=self.marked.use_case, reason="A contract.", actor=self.admin
        )
        interest_override(interest=self.interest, reason="Agreed by the board.", actor=self.admin)
        crisis_reviewer, nacro_reviewer = (
            make_reviewer(organisation=self.crisis),
            make_reviewer(organisation=self.nacro),
        )
        for version in (self.marked, self.plain):
            make_assignment(review_round=self.round, version=version, organisation=self.crisis)
            submit(crisis_reviewer, self.round, version, {self.relevant: "meets", self.clear: "meets"})
        make_assignment(review_round=self.round, version=self.marked, organisation=self.nacro)
        submit(nacro_reviewer, self.round, self.marked, {self.relevant: "meets", self.clear: "does_not_meet"})
        matrix_recompute(round_id=self.round.pk)

    def close(self):
        self.round = close_round(self.round)


@pytest.fixture
def world():
    return World()


def test_the_selector_marks_versions_with_such_a_review_until_the_declaration_is_withdrawn(world):
    assert declared_interest_names(world.round) == {world.marked.pk: ("Nacro",)}
    assert declared_interest_names(world.round, [world.plain.pk]) == {}
    interest_withdraw(interest=world.interest, actor=world.admin)
    assert declared_interest_names(world.round) == {}


def test_a_member_who_also_reviewed_another_use_case_does_not_mark_it(world):
    """The declaring organisation's reviewer reviews the plain use case too: only the use case
    declared about is marked, whether the whole round is read or one page of it."""
    nacro_reviewer = world.nacro.memberships.get().user
    make_assignment(review_round=world.round, version=world.plain, organisation=world.nacro)
    submit(nacro_reviewer, world.round, world.plain, {world.relevant: "meets", world.clear: "meets"})

    assert declared_interest_names(world.round) == {world.marked.pk: ("Nacro",)}
    assert declared_interest_names(world.round, [world.plain.pk]) == {}
    assert declared_interest_names(world.round, [world.plain.pk, world.marked.pk]) == {world.marked.pk: ("Nacro",)}


def test_the_matrix_page_names_the_organisation_to_admins_only(client, world):
    url = reverse("matrix:round_matrix", args=[world.round.slug])
    client.force_login(world.admin)  # programme admins keep the declarations: marked at once
    page = main_content(client.get(url))
    assert page.count("data-declared-interest") == 1 + 2  # the row's note and its two cells
    assert f"{WORDS}: Nacro" in page
    assert "‡" in page

    client.force_login(make_analyst())
    assert "data-declared-interest" not in main_content(client.get(url)), "not while the round is open"
    world.close()
    page = main_content(client.get(url))
    assert page.count("data-declared-interest") == 3
    assert WORDS in page
    assert "Nacro" not in page


def test_the_cell_page_marks_it_too(client, world):
    world.close()
    url = reverse("matrix:cell", args=[world.round.slug, world.marked.use_case.slug, 1, "clear"])
    client.force_login(make_analyst())
    page = main_content(client.get(url))
    assert WORDS in page and "Nacro" not in page
    client.force_login(world.admin)
    assert f"{WORDS}: Nacro" in main_content(client.get(url))
    plain = reverse("matrix:cell", args=[world.round.slug, world.plain.use_case.slug, 1, "clear"])
    assert "data-declared-interest" not in main_content(client.get(plain))


def test_csv_and_json_add_the_mark_last_and_never_name_the_organisation(world):
    world.close()
    rows = list(csv.reader(io.StringIO(EXPORTERS["csv"].render(world.round).decode("utf-8-sig"))))
    # The flag rule's "flagged" column was added after it, then the round's four columns.
    assert rows[0][-9:-7] == ["declared_interest", "flagged"]
    assert {row[2]: row[-9] for row in rows[1:]} == {
        "Prison leavers and housing": "true",
        "Repeat homelessness": "false",
    }
    document = json.loads(EXPORTERS["json"].render(world.round))
    assert sorted((row["title"], row["declared_interest"]) for row in document["rows"]) == [
        ("Prison leavers and housing", True),
        ("Repeat homelessness", False),
    ]
    assert all(list(row)[-3:] == ["declared_interest", "flagged", "decision"] for row in document["rows"])
    for identifier in ("csv", "json"):
        assert b"Nacro" not in EXPORTERS[identifier].render(world.round)


def test_xlsx_and_pdf_mark_the_cells_in_words(world):
    world.close()
    book = openpyxl.load_workbook(io.BytesIO(EXPORTERS["xlsx"].render(world.round)))
    texts = [str(value) for row in book["Matrix"].iter_rows(values_only=True) for value in row if value]
    assert sum("‡ Declared interest" in text for text in texts) == 2  # the marked use case's two cells
    about = " ".join(str(value) for row in book["About"].iter_rows(values_only=True) for value in row if value)
    assert "Declared interest marks the cells" in about
    assert "Nacro" not in " ".join(texts) + about

    reader = pypdf.PdfReader(io.BytesIO(EXPORTERS["pdf"].render(world.round)))
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    # The key (its heading and its sentence), then the marked use case's two cells.
    assert text.count("Declared interest") == 2 + 2
    assert "Nacro" not in text


def test_every_output_marks_only_the_use_case_declared_about(client, world):
    """Nacro's reviewer reviewed both use cases; Nacro declared an interest in one. The matrix
    page, both cell pages, every export and the API mark that one only (matrix.selectors.marks)."""
    nacro_reviewer = world.nacro.memberships.get().user
    make_assignment(review_round=world.round, version=world.plain, organisation=world.nacro)
    submit(nacro_reviewer, world.round, world.plain, {world.relevant: "meets", world.clear: "meets"})
    matrix_recompute(round_id=world.round.pk)
    world.close()
    client.force_login(make_analyst())
    slug = world.round.slug

    page = main_content(client.get(reverse("matrix:round_matrix", args=[slug])))
    assert page.count("data-declared-interest") == 3  # the marked row's note and its two cells
    for version, marked in ((world.marked, True), (world.plain, False)):
        for principle in ("relevant", "clear"):
            url = reverse("matrix:cell", args=[slug, version.use_case.slug, 1, principle])
            assert ("data-declared-interest" in main_content(client.get(url))) is marked, (version, principle)

    document = json.loads(EXPORTERS["json"].render(world.round))
    assert {row["title"]: row["declared_interest"] for row in document["rows"]} == {
        "Prison leavers and housing": True,
        "Repeat homelessness": False,
    }
    rows = list(csv.DictReader(io.StringIO(EXPORTERS["csv"].render(world.round).decode("utf-8-sig"))))
    assert {row["title"]: row["declared_interest"] for row in rows} == {
        "Prison leavers and housing": "true",
        "Repeat homelessness": "false",
    }
    book = openpyxl.load_workbook(io.BytesIO(EXPORTERS["xlsx"].render(world.round)))
    marked_rows = [
        row[0] for row in book["Matrix"].iter_rows(values_only=True) if any("‡" in str(value) for value in row)
    ]
    assert marked_rows == ["Prison leavers and housing"]
    data = list(book["Matrix data"].iter_rows(values_only=True))
    column = data[0].index("declared_interest")
    assert {row[2]: row[column] for row in data[1:]} == {
        "Prison leavers and housing": True,
        "Repeat homelessness": False,
    }
    reader = pypdf.PdfReader(io.BytesIO(EXPORTERS["pdf"].render(world.round)))
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    assert text.count("Declared interest") == 2 + 2  # the key, then the marked use case's two cells

    answer = client.get(reverse("api:matrix", args=[slug])).json()
    assert {row["title"]: row["declared_interest"] for row in answer["results"]} == {
        "Prison leavers and housing": True,
        "Repeat homelessness": False,
    }
    for version, marked in ((world.marked, True), (world.plain, False)):
        cell = client.get(reverse("api:cell", args=[slug, version.use_case.slug, 1, "clear"])).json()
        assert cell["declared_interest"] is marked
    assert "Nacro" not in json.dumps(answer)


def _marked_everywhere(client, world) -> dict[str, bool]:
    """Whether the marked use case carries the mark on the matrix page, its cell page, the JSON
    export and the API (matrix and cell), as an analyst sees them."""
    slug, use_case = world.round.slug, world.marked.use_case.slug
    client.force_login(make_analyst())
    document = json.loads(EXPORTERS["json"].render(world.round))
    answer = client.get(reverse("api:matrix", args=[slug])).json()
    cell = client.get(reverse("api:cell", args=[slug, use_case, 1, "clear"])).json()
    return {
        "matrix page": "data-declared-interest"
        in main_content(client.get(reverse("matrix:round_matrix", args=[slug]))),
        "cell page": WORDS in main_content(client.get(reverse("matrix:cell", args=[slug, use_case, 1, "clear"]))),
        "json": {row["title"]: row["declared_interest"] for row in document["rows"]}["Prison leavers and housing"],
        "api": {row["title"]: row["declared_interest"] for row in answer["results"]}["Prison leavers and housing"],
        "api cell": cell["declared_interest"],
    }


def test_a_closed_rounds_marks_are_those_as_at_its_closing(client, world):
    """Declared, reviewed, closed; then an admin withdraws the declaration with a reason: every
    output of the closed round still marks the use case (docs/declined-and-interests.md)."""
    world.close()
    assert all(_marked_everywhere(client, world).values())
    interest_withdraw(interest=world.interest, actor=world.admin, reason="Declared in error: no contract exists.")
    assert _marked_everywhere(client, world) == dict.fromkeys(
        ("matrix page", "cell page", "json", "api", "api cell"), True
    )
    assert declared_interest_names(world.round) == {world.marked.pk: ("Nacro",)}
    client.force_login(world.admin)
    page = main_content(client.get(reverse("matrix:round_matrix", args=[world.round.slug])))
    assert f"{WORDS}: Nacro" in page


def test_a_declaration_made_after_a_round_closed_does_not_mark_it(world):
    world.close()
    crisis_interest = interest_declare(
        organisation=world.crisis, use_case=world.plain.use_case, reason="A grant.", actor=world.admin
    )
    assert crisis_interest.declared_at > world.round.closed_at
    assert declared_interest_names(world.round) == {world.marked.pk: ("Nacro",)}


def test_an_open_round_loses_the_mark_when_the_declaration_is_withdrawn(client, world):
    client.force_login(world.admin)
    url = reverse("matrix:round_matrix", args=[world.round.slug])
    assert f"{WORDS}: Nacro" in main_content(client.get(url))
    interest_withdraw(interest=world.interest, actor=world.admin)
    assert "data-declared-interest" not in main_content(client.get(url))
    assert declared_interest_names(world.round) == {}
