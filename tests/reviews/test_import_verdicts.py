import codecs
import contextlib
import copy
import csv
import io
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from audiences.models import Membership
from bold_portal.models import AuditEvent
from matrix.models import MatrixCell
from matrix.selectors.cells import matrix_state
from matrix.selectors.exports import matrix_document
from reviews.imports.csv_file import COLUMN_LIMITS, COLUMNS
from reviews.imports.rows import verdict_rows_from_csv
from reviews.models import Review, ReviewRound, Verdict
from reviews.services.imports import ImportConflict, verdicts_import
from reviews.services.reviews import VerdictInput, review_save
from tests.database import shared_by_module
from tests.factories import (
    make_audience,
    make_organisation,
    make_principle,
    make_reviewer,
    make_round,
    make_user,
    make_version,
)
from tests.hostile import BYTE_ORDER_MARK, FULL_WIDTH, ODD_BUT_REAL, REFUSED, RIGHT_TO_LEFT

pytestmark = pytest.mark.django_db

HEADER = "reviewer_email,organisation,use_case,version,principle,verdict,reason,evidence\n"


@pytest.fixture(scope="module")
def shared_world(django_db_setup, django_db_blocker):
    """Built once for the module's tests that ask for it (tests/database.py)."""
    with shared_by_module(django_db_blocker):
        yield import_world()


@pytest.fixture
def world(shared_world, db):
    return copy.deepcopy(shared_world)


def import_world():
    """Crisis and Nacro; use cases housing (versions 1 and 2) and treatment (version 1); round
    spring holds housing v1 and treatment v1 under relevant and clear; impactful is not in it."""
    audience = make_audience(slug="homelessness")
    crisis = make_organisation(slug="crisis", name="Crisis", audiences=[audience])
    nacro = make_organisation(slug="nacro", name="Nacro", audiences=[audience])
    relevant = make_principle(slug="relevant", name="Relevant", order=1)
    clear = make_principle(slug="clear", name="Clear and informative", order=2)
    make_principle(slug="impactful", name="Impactful", order=3)
    housing_v1 = make_version(audience=audience, title="Housing after prison")
    housing_v2 = make_version(use_case=housing_v1.use_case, number=2, title="Housing after prison, revised")
    treatment = make_version(audience=audience, title="Treatment and housing")
    housing_v1.use_case.slug = "housing"
    housing_v1.use_case.save()
    treatment.use_case.slug = "treatment"
    treatment.use_case.save()
    spring = make_round(slug="spring", name="Spring", principles=[relevant, clear], versions=[housing_v1, treatment])
    ann = make_reviewer(email="ann@crisis.example", organisation=crisis)
    return {
        "crisis": crisis,
        "nacro": nacro,
        "relevant": relevant,
        "clear": clear,
        "housing_v1": housing_v1,
        "housing_v2": housing_v2,
        "treatment": treatment,
        "spring": spring,
        "ann": ann,
    }


def csv_file(tmp_path, text, *, bom=False, name="verdicts.csv"):
    path = tmp_path / name
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode())
    return path


def run_import(path, *args):
    out, err = io.StringIO(), io.StringIO()
    call_command("import_verdicts", str(path), *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def counts():
    return {
        "reviews": Review.objects.count(),
        "verdicts": Verdict.objects.count(),
        "users": get_user_model().objects.count(),
        "memberships": Membership.objects.count(),
        "rounds": ReviewRound.objects.count(),
        "audit": AuditEvent.objects.filter(action="verdicts_imported").count(),
    }


def failed_import(path, *args):
    """Run an import that must fail; return what it printed on stderr after checking it changed nothing."""
    before = counts()
    err = io.StringIO()
    with pytest.raises(CommandError, match="Nothing was imported") as error:
        call_command("import_verdicts", str(path), *args, stdout=io.StringIO(), stderr=err)
    assert error.value.returncode == 1
    assert counts() == before
    printed = err.getvalue()
    problems = len(printed.splitlines())
    assert f"{problems} problem{'s' if problems > 1 else ''} in {path}" in str(error.value)
    return printed


GOOD_ROWS = (
    # Verdicts in any case and with spaces around; organisations by slug and by exact name.
    "ann@crisis.example,crisis,housing,1,relevant, Meets ,,\n"
    "ann@crisis.example,crisis,housing,1,clear,DOES_NOT_MEET,Does not say who receives the data,Section 3\n"
    "bob@nacro.example,Nacro,housing,1,relevant,meets,,\n"
    "bob@nacro.example,Nacro,housing,1,clear,Not_Sure ,Unsure what linking means here,\n"
    "bob@nacro.example,Nacro,treatment,1,relevant,does_not_meet,Assumes people have offended,\n"
    "bob@nacro.example,Nacro,treatment,1,clear,meets,,\n"
)


@pytest.mark.parametrize("bom", [False, True], ids=["no-bom", "bom"])
def test_import_into_an_existing_round(world, tmp_path, bom, django_capture_on_commit_callbacks):
    before = counts()

    with django_capture_on_commit_callbacks(execute=True):
        out, err = run_import(csv_file(tmp_path, HEADER + GOOD_ROWS, bom=bom), "--round", "spring")

    assert err == ""
    assert counts() == {
        **before,
        "reviews": before["reviews"] + 3,
        "verdicts": before["verdicts"] + 6,
        "users": before["users"] + 1,
        "memberships": before["memberships"] + 1,
        "audit": 1,
    }
    assert "Imported 3 reviews with 6 verdicts into round spring (open)." in out
    assert "housing version 1 (Housing after prison): 2 reviews with 4 verdicts" in out
    assert "treatment version 1 (Treatment and housing): 1 review with 2 verdicts" in out
    assert "New reviewers, each emailed a link to create a password: bob@nacro.example" in out

    bob = get_user_model().objects.get(email="bob@nacro.example")
    assert not bob.has_usable_password()
    assert list(bob.memberships.values_list("organisation__slug", "role")) == [("nacro", "reviewer")]
    anns = Review.objects.get(reviewer=world["ann"])
    assert (anns.status, anns.organisation, anns.version) == ("submitted", world["crisis"], world["housing_v1"])
    assert anns.submitted_at is not None
    assert {(v.principle.slug, v.verdict, v.reason, v.evidence) for v in anns.verdicts.all()} == {
        ("relevant", "meets", "", ""),
        ("clear", "does_not_meet", "Does not say who receives the data", "Section 3"),
    }
    assert Review.objects.get(reviewer=bob, version=world["housing_v1"]).verdicts.get(
        principle=world["clear"]
    ).verdict == ("not_sure")

    world["spring"].refresh_from_db()
    # The matrix is recomputed after the import commits (by the task, here in-process).
    assert "The round's matrix is being brought up to date with these reviews." in out
    assert not matrix_state(world["spring"]).is_updating
    housing, treatment = matrix_document(world["spring"])["rows"]
    assert housing["cells"]["relevant"] == {
        "outcome": "tick",
        "meets": 2,
        "does_not_meet": 0,
        "not_sure": 0,
        "fragile": True,
        "would_become": ["cross"],
        "carried": 0,
    }
    # One decided verdict: it turning to "meets" makes a tick, to "not sure" leaves nobody decided.
    assert housing["cells"]["clear"] == {
        "outcome": "cross",
        "meets": 0,
        "does_not_meet": 1,
        "not_sure": 1,
        "fragile": True,
        "would_become": ["tick", "insufficient"],
        "carried": 0,
    }
    assert treatment["cells"]["relevant"]["outcome"] == "insufficient"


def test_create_round_holds_the_file_versions_and_principles(world, tmp_path, django_capture_on_commit_callbacks):
    rows = (
        "ann@crisis.example,crisis,housing,2,impactful,meets,,\n"
        "carol@crisis.example,Crisis,housing,2,impactful,meets,,\n"
        "dan@nacro.example,nacro,housing,2,impactful,does_not_meet,Too vague about outcomes,\n"
    )

    with django_capture_on_commit_callbacks(execute=True):
        out, _ = run_import(
            csv_file(tmp_path, HEADER + rows),
            "--round",
            "workshop-2026",
            "--create-round",
            "Workshop, March 2026",
            "--threshold",
            "0.6",
            "--min-reviews",
            "3",
        )

    workshop = ReviewRound.objects.get(slug="workshop-2026")
    assert (workshop.name, workshop.status, workshop.threshold, workshop.min_reviews) == (
        "Workshop, March 2026",
        "closed",
        Decimal("0.60"),
        3,
    )
    assert list(workshop.versions.all()) == [world["housing_v2"]]
    assert [p.slug for p in workshop.principles.all()] == ["impactful"]
    assert "into round workshop-2026 (closed, created now)" in out
    assert "New reviewers, each emailed a link to create a password: carol@crisis.example, dan@nacro.example" in out
    cell = matrix_document(workshop)["rows"][0]["cells"]["impactful"]
    # 2 of 3 is 0.67 > 0.6: a tick.
    assert cell == {
        "outcome": "tick",
        "meets": 2,
        "does_not_meet": 1,
        "not_sure": 0,
        "fragile": True,
        "would_become": ["cross"],
        "carried": 0,
    }


def test_create_round_defaults_and_evidence_column_left_out(world, tmp_path):
    text = (
        "verdict,principle,reviewer_email,organisation,use_case,version,reason\n"
        "meets,relevant,ann@crisis.example,crisis,treatment,1,\n"
    )

    run_import(csv_file(tmp_path, text), "--round", "offline", "--create-round", "Offline")

    offline = ReviewRound.objects.get(slug="offline")
    assert (offline.threshold, offline.min_reviews) == (Decimal("0.50"), 2)
    assert Verdict.objects.get(review__round=offline).evidence == ""


ROW = "ann@crisis.example,crisis,housing,1,{principle},{verdict},{reason},\n"
ANN_COMPLETE = ROW.format(principle="relevant", verdict="meets", reason="") + ROW.format(
    principle="clear", verdict="meets", reason=""
)


def with_ann(extra_row):
    """Ann's complete review, then one more row on line 4."""
    return HEADER + ANN_COMPLETE + extra_row


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            with_ann("ann@crisis.example,crisis,housing-first,1,relevant,meets,,\n"),
            "Line 4: No use case has the slug “housing-first”. Check the slug",
            id="unknown-use-case",
        ),
        pytest.param(
            with_ann("bob@nacro.example,Shelter,treatment,1,relevant,meets,,\n"),
            "Line 4: No organisation has the slug or name “Shelter”. Give the organisation's slug",
            id="unknown-organisation",
        ),
        pytest.param(
            with_ann("ann@crisis.example,crisis,housing,9,relevant,meets,,\n"),
            "Line 4: Use case housing has no version 9. Its versions are 1, 2: correct the version number.",
            id="version-does-not-exist",
        ),
        pytest.param(
            with_ann("ann@crisis.example,crisis,housing,v1,relevant,meets,,\n"),
            "Line 4: “v1” is not a version number. Give the version as a whole number, such as 1.",
            id="version-not-a-number",
        ),
        pytest.param(
            with_ann("ann@crisis.example,crisis,housing,1,impactful,meets,,\n"),
            "Line 4: Principle “impactful” is not one of round spring's principles. Use one of: relevant, clear.",
            id="principle-not-in-round",
        ),
        pytest.param(
            with_ann("ann@crisis.example,crisis,housing,1,realism,meets,,\n"),
            "Line 4: Principle “realism” is not one of round spring's principles.",
            id="unknown-principle",
        ),
        pytest.param(
            with_ann("ann@crisis.example,crisis,treatment,1,relevant,yes,,\n"),
            "Line 4: “yes” is not a verdict. Write meets, does_not_meet or not_sure in the verdict column.",
            id="bad-verdict",
        ),
        pytest.param(
            with_ann("ann@crisis.example,crisis,treatment,1,relevant,not_sure,  ,\n"),
            "Line 4: Give a reason when the use case does not meet the principle or you are not sure. "
            "Fill in the reason column",
            id="missing-reason",
        ),
        pytest.param(
            with_ann("ann at crisis,crisis,treatment,1,relevant,meets,,\n"),
            "Line 4: “ann at crisis” is not an email address. Check reviewer_email for typos",
            id="bad-email",
        ),
        pytest.param(
            with_ann(",crisis,treatment,1,relevant,meets,,\n"),
            "Line 4: reviewer_email is empty. Give the reviewer's email address.",
            id="empty-email",
        ),
        pytest.param(
            with_ann("ANN@crisis.example,crisis,housing,1,relevant,does_not_meet,Changed my mind,\n"),
            "Line 4: This repeats the verdict on line 2: the same reviewer, use case version and principle. "
            "Keep only one of the two rows.",
            id="duplicate-reviewer-version-principle",
        ),
        pytest.param(
            with_ann("ann@crisis.example,crisis,housing,2,relevant,meets,,\n"),
            "Line 4: Version 2 of housing is not part of round spring. Ask an admin to add it to the round first",
            id="version-not-in-round",
        ),
        pytest.param(
            with_ann("ann@crisis.example,crisis,treatment,1,relevant,meets,,\n"),
            "Line 4: ann@crisis.example's review of treatment version 1 has no verdict for: clear. "
            "Add a row for each principle",
            id="incomplete-review",
        ),
        pytest.param(
            with_ann("ann@crisis.example,nacro,treatment,1,relevant,meets,,\n"),
            "Line 4: ann@crisis.example is given organisation nacro here but crisis on line 2. "
            "Give one organisation per reviewer",
            id="two-organisations",
        ),
        pytest.param(
            with_ann("ann@crisis.example,crisis,treatment,1,relevant,meets\n"),
            "Line 4: This row has 6 values but the header has 8 columns. Check for a missing or extra comma",
            id="short-row",
        ),
        pytest.param(
            HEADER.replace(",reason", "") + "ann@crisis.example,crisis,housing,1,relevant,meets,\n",
            "Line 1: Missing columns: reason. The header row names these columns, in any order: reviewer_email,",
            id="missing-column",
        ),
        pytest.param(
            HEADER.replace("evidence", "evidence,comments") + "ann@crisis.example,crisis,housing,1,relevant,meets,,,\n",
            "Line 1: Unexpected columns: comments. The header row names these columns",
            id="unexpected-column",
        ),
        pytest.param("", "Line 1: The file is empty. Give a header row naming the columns", id="empty-file"),
        pytest.param(
            HEADER + "\n,,,,,,,\n",
            "Line 2: There are no verdict rows after the header. Add one row per reviewer",
            id="no-data-rows",
        ),
        pytest.param(
            with_ann('ann@crisis.example,crisis,treatment,1,relevant,not_sure,"unclosed quote,\n'),
            "Line 4: This line cannot be read as CSV",
            id="unreadable-csv",
        ),
    ],
)
def test_bad_row_imports_nothing_and_names_the_line(world, tmp_path, text, expected):
    printed = failed_import(csv_file(tmp_path, text), "--round", "spring")

    assert expected in printed


def test_undecodable_bytes_name_the_line(world, tmp_path):
    path = csv_file(tmp_path, with_ann("ann@crisis.example,crisis,treatment,1,relevant,not_sure,Café,\n"), bom=False)
    path.write_bytes(path.read_bytes().replace("Café".encode(), "Café".encode("latin-1")))

    printed = failed_import(path, "--round", "spring")

    assert printed.startswith("Line 4: The file is not UTF-8 text")
    assert "Save it from your spreadsheet as “CSV UTF-8" in printed


def test_reviewer_who_already_reviewed_the_version(world, tmp_path):
    review_save(
        reviewer=world["ann"],
        review_round=world["spring"],
        version=world["housing_v1"],
        verdicts=[VerdictInput(principle_id=world["relevant"].pk, verdict="meets")],
        overall_comment="",
        expected_lock_version=0,
        submit=False,
    )

    printed = failed_import(csv_file(tmp_path, HEADER + ANN_COMPLETE), "--round", "spring")

    assert "Line 2: ann@crisis.example already has a review (draft) of housing version 1 in this round." in printed
    assert "Remove this reviewer's rows for that version" in printed


def test_existing_account_outside_the_organisation(world, tmp_path):
    make_user(email="eve@example.org")
    text = (
        HEADER + "eve@example.org,nacro,treatment,1,relevant,meets,,\neve@example.org,nacro,treatment,1,clear,meets,,\n"
    )

    printed = failed_import(csv_file(tmp_path, text), "--round", "spring")

    assert "Line 2: eve@example.org has an account but is not a reviewer of Nacro." in printed


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        pytest.param(
            ["--round", "autumn"],
            "Options: There is no review round with the slug autumn (rounds that exist: spring). "
            "Correct --round, or add --create-round NAME",
            id="unknown-round",
        ),
        pytest.param(
            ["--round", "spring", "--create-round", "Spring again"],
            "Options: A round with the slug spring already exists. Choose a new slug for --create-round",
            id="create-existing-round",
        ),
        pytest.param(
            ["--round", "new", "--create-round", "New", "--threshold", "1"],
            "Options: The threshold 1 is outside the range 0 to 1. Give --threshold as at least 0 and less than 1",
            id="threshold-too-high",
        ),
        pytest.param(
            ["--round", "new", "--create-round", "New", "--threshold", "-0.1"],
            "Options: The threshold -0.1 is outside the range 0 to 1.",
            id="threshold-negative",
        ),
        pytest.param(
            ["--round", "new", "--create-round", "New", "--min-reviews", "0"],
            "Options: The minimum number of reviews 0 is less than 1. Give --min-reviews as a whole number",
            id="min-reviews-zero",
        ),
        pytest.param(
            ["--round", "new", "--create-round", "New", "--threshold", "0.555"],
            "Options: Ensure that there are no more than 2 decimal places. Correct --threshold.",
            id="threshold-three-decimals",
        ),
        pytest.param(
            ["--round", "Spring 2026", "--create-round", "New"],
            "Options: Enter a valid “slug” consisting of letters, numbers, underscores or hyphens. Correct --round.",
            id="new-round-slug-invalid",
        ),
        pytest.param(
            ["--round", "spring", "--threshold", "0.6"],
            "Options: --threshold and --min-reviews set the rule of a new round only.",
            id="rule-for-existing-round",
        ),
    ],
)
def test_bad_options_import_nothing(world, tmp_path, args, expected):
    printed = failed_import(csv_file(tmp_path, HEADER + ANN_COMPLETE), *args)

    assert expected in printed


def test_threshold_that_is_not_a_number(world, tmp_path):
    with pytest.raises(CommandError, match=r"“half” is not a number such as 0\.5"):
        run_import(
            csv_file(tmp_path, HEADER + ANN_COMPLETE), "--round", "x", "--create-round", "X", "--threshold", "half"
        )


def test_every_problem_is_reported_in_line_order(world, tmp_path):
    text = (
        HEADER
        + "ann@crisis.example,crisis,housing,1,relevant,maybe,,\n"  # 2: bad verdict
        + "ann@crisis.example,crisis,housing,1,clear,meets,,\n"  # 3: fine
        + 'bob@nacro.example,nacro,treatment,1,relevant,does_not_meet,"",\n'  # 4: no reason
        + "bob@nacro.example,nacro,treatment,1,clear,meets,,\n"  # 5: fine
        + "bob@nacro.example,nacro,housing,3,clear,meets,,\n"  # 6: no such version
    )

    printed = failed_import(csv_file(tmp_path, text), "--round", "autumn")

    lines = printed.splitlines()
    assert [line.split(":")[0] for line in lines] == ["Options", "Line 2", "Line 4", "Line 6"]
    assert "“maybe” is not a verdict" in lines[1]
    assert "Give a reason" in lines[2]
    assert "has no version 3" in lines[3]


def test_quoted_values_spanning_lines_keep_the_line_numbers_of_the_file(world, tmp_path):
    text = (
        HEADER
        + 'ann@crisis.example,crisis,housing,1,relevant,not_sure,"First line\nsecond line",\n'  # lines 2-3
        + "ann@crisis.example,crisis,housing,1,clear,wrong,,\n"  # line 4
    )

    printed = failed_import(csv_file(tmp_path, text), "--round", "spring")

    assert printed.startswith("Line 4: “wrong” is not a verdict.")


def bulk_file(tmp_path, reviewers: int):
    rows = "".join(
        f"person{n}@nacro.example,nacro,{use_case},1,{principle},does_not_meet,Reason {n},\n"
        for n in range(reviewers)
        for use_case in ("housing", "treatment")
        for principle in ("relevant", "clear")
    )
    return csv_file(tmp_path, HEADER + ANN_COMPLETE + rows, name=f"{reviewers}.csv")


@pytest.mark.parametrize(
    ("args", "succeeds"),
    [(["--round", "spring"], True), (["--round", "spring", "--threshold", "0.6"], False)],
    ids=["imported", "refused"],
)
def test_queries_do_not_grow_with_the_number_of_rows(world, tmp_path, args, succeeds, django_assert_max_num_queries):
    # 1 reviewer (4 rows + Ann's 2), then 30 new reviewers (120 rows): the same queries.
    with CaptureQueriesContext(connection) as few, contextlib.suppress(CommandError):
        run_import(bulk_file(tmp_path, 1), *args)
    Review.objects.all().delete()  # so that the second file imports too

    with django_assert_max_num_queries(len(few)), contextlib.suppress(CommandError):
        run_import(bulk_file(tmp_path, 30), *args)

    assert Review.objects.filter(reviewer__email__startswith="person").count() == (60 if succeeds else 0)
    assert len(few) <= 40


def test_import_conflict_when_a_review_appears_after_the_check(world):
    rows, problems = verdict_rows_from_csv((HEADER + ANN_COMPLETE).encode(), review_round=world["spring"])
    assert problems == []
    review_save(
        reviewer=world["ann"],
        review_round=world["spring"],
        version=world["housing_v1"],
        verdicts=[],
        overall_comment="",
        expected_lock_version=0,
        submit=False,
    )
    before = counts()

    with pytest.raises(ImportConflict):
        verdicts_import(review_round=world["spring"], rows=rows, actor=None)

    assert counts() == before


def test_the_documented_example_file_imports(tmp_path, settings, django_capture_on_commit_callbacks):
    audience = make_audience(slug="homelessness")
    make_organisation(slug="crisis", name="Crisis", audiences=[audience])
    make_organisation(slug="nacro", name="Nacro", audiences=[audience])
    for order, slug in enumerate(["relevant", "impactful", "clear", "non-stigmatising"], start=1):
        make_principle(slug=slug, name=slug.title(), order=order)
    version = make_version(audience=audience, title="Housing after prison")
    version.use_case.slug = "housing-after-prison"
    version.use_case.save()

    with django_capture_on_commit_callbacks(execute=True):
        out, _ = run_import(
            settings.BASE_DIR / "docs" / "examples" / "workshop-verdicts.csv",
            "--round",
            "workshop-2026",
            "--create-round",
            "Workshop, March 2026",
        )

    assert "Imported 2 reviews with 8 verdicts into round workshop-2026 (closed, created now)." in out
    cells = matrix_document(ReviewRound.objects.get())["rows"][0]["cells"]
    assert {slug: cell["outcome"] for slug, cell in cells.items()} == {
        "relevant": "tick",
        "impactful": "tick",
        "clear": "cross",
        "non-stigmatising": "tick",
    }


def test_the_import_leaves_the_matrix_to_the_task_after_commit(world, tmp_path, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        run_import(csv_file(tmp_path, HEADER + GOOD_ROWS), "--round", "spring")

    assert callbacks  # queued for after the commit...
    assert not MatrixCell.objects.filter(round=world["spring"]).exists()  # ...and not computed before it


def test_any_valid_address_imports_and_case_is_ignored(world, tmp_path, django_capture_on_commit_callbacks):
    sam = make_reviewer(email="sam@example.org", organisation=world["nacro"])
    rows = "".join(
        f"{email},{organisation},housing,1,{principle},meets,,\n"
        for email, organisation in (
            ("o'brien@example.org", "crisis"),
            ("ann#smith@example.org", "crisis"),
            ("Sam@Example.org", "nacro"),
        )
        for principle in ("relevant", "clear")
    )

    with django_capture_on_commit_callbacks(execute=True):
        out, err = run_import(csv_file(tmp_path, HEADER + rows), "--round", "spring")

    assert err == ""
    assert "Imported 3 reviews with 6 verdicts into round spring (open)." in out
    assert "New reviewers, each emailed a link to create a password: o'brien@example.org, ann#smith@example.org" in out
    # Sam's rows are Sam's: matched on the address whatever its letter case, no second account.
    assert get_user_model().objects.filter(email__iexact="sam@example.org").count() == 1
    assert Review.objects.get(reviewer=sam).organisation == world["nacro"]
    for email in ("o'brien@example.org", "ann#smith@example.org"):
        reviewer = get_user_model().objects.get(email=email)
        assert list(reviewer.memberships.values_list("organisation__slug", "role")) == [("crisis", "reviewer")]
    cell = matrix_document(world["spring"])["rows"][0]["cells"]["relevant"]
    assert cell == {
        "outcome": "tick",
        "meets": 3,
        "does_not_meet": 0,
        "not_sure": 0,
        "fragile": False,
        "would_become": [],
        "carried": 0,
    }


def test_an_address_too_long_for_an_account(world, tmp_path):
    email = "a" * 64 + "@" + ".".join(["b" * 63, "c" * 63, "d" * 63]) + ".org"  # valid, but 260 characters
    text = HEADER + "".join(f"{email},crisis,housing,1,{principle},meets,,\n" for principle in ("relevant", "clear"))

    printed = failed_import(csv_file(tmp_path, text), "--round", "spring")

    assert printed.splitlines() == [
        f"Line {line}, column reviewer_email: The email address is 260 characters long; the limit is 254. "
        "Check it: the portal keeps none longer."
        for line in (2, 3)
    ]


# Limits and hostile text: every column, every kind of text that has broken imports elsewhere


def rows_with(column: str, value: str) -> str:
    """Ann's complete review (lines 2 and 3), with value in column on line 2, as a spreadsheet
    would write it (quoted where it must be)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER.strip().split(","))
    values = ["ann@crisis.example", "crisis", "housing", "1", "relevant", "not_sure", "Unsure", ""]
    first = dict(zip(HEADER.strip().split(","), values, strict=True))
    first[column] = value
    writer.writerow(first.values())
    writer.writerow(["ann@crisis.example", "crisis", "housing", "1", "clear", "meets", "", ""])
    return out.getvalue()


@pytest.mark.parametrize(
    ("column", "length", "expected"),
    [
        (
            "reason",
            6_000,
            "Line 2, column reason: The reason is 6,000 characters long; the limit is 5,000. Shorten it.",
        ),
        ("reason", 100_000, "Line 2, column reason: The reason is 100,000 characters long; the limit is 5,000."),
        ("reason", 1_048_576, "Line 2, column reason: The reason is 1,048,576 characters long; the limit is 5,000."),
        ("evidence", 5_001, "Line 2, column evidence: The evidence is 5,001 characters long; the limit is 5,000."),
        (
            "organisation",
            201,
            "Line 2, column organisation: The organisation is 201 characters long; the limit is 200.",
        ),
        ("use_case", 81, "Line 2, column use_case: The use case's slug is 81 characters long; the limit is 80."),
        ("principle", 61, "Line 2, column principle: The principle's slug is 61 characters long; the limit is 60."),
        ("version", 5_000, "Line 2, column version: The version number is 5,000 characters long; the limit is 10."),
    ],
    ids=["reason-6000", "reason-100000", "reason-1mb", "evidence", "organisation", "use-case", "principle", "version"],
)
def test_a_value_over_its_columns_limit_imports_nothing_and_names_line_and_column(
    world, tmp_path, column, length, expected
):
    value = "1" * length if column == "version" else "x" * length

    printed = failed_import(csv_file(tmp_path, rows_with(column, value)), "--round", "spring")

    assert len(printed.splitlines()) == 1
    assert printed.startswith(expected)


def test_a_reason_at_the_limit_imports(world, tmp_path):
    run_import(csv_file(tmp_path, rows_with("reason", "é" * 5_000)), "--round", "spring")

    assert Verdict.objects.get(principle=world["relevant"]).reason == "é" * 5_000


@pytest.mark.parametrize("column", COLUMNS)
@pytest.mark.parametrize("character", ["\x00", "\x1b", "\x85"], ids=["nul", "escape", "c1"])
def test_a_control_character_in_any_column_imports_nothing_and_names_line_column_and_position(
    world, tmp_path, column, character
):
    printed = failed_import(csv_file(tmp_path, rows_with(column, f"ab{character}cd")), "--round", "spring")

    code = f"U+{ord(character):04X}"
    assert printed.splitlines() == [
        f"Line 2, column {column}: {COLUMN_LIMITS[column][1].capitalize()} has a hidden control character ({code}) "
        "at character 3. Remove it (it often comes with text copied from another program) and import the file again."
    ]


@pytest.mark.parametrize("bom", [b"", codecs.BOM_UTF16_LE], ids=["without-bom", "with-bom"])
def test_a_utf16_file_is_refused_with_a_clear_message(world, tmp_path, bom):
    path = tmp_path / "verdicts.csv"
    path.write_bytes(bom + (HEADER + ANN_COMPLETE).encode("utf-16-le"))

    printed = failed_import(path, "--round", "spring")

    assert printed == (
        "Line 1: The file is UTF-16 text, which the import cannot read. "
        "Save it from your spreadsheet as “CSV UTF-8 (comma delimited)” and import it again.\n"
    )


@pytest.mark.parametrize("text", [BYTE_ORDER_MARK, RIGHT_TO_LEFT, FULL_WIDTH, "Tab\tand\nnew line"])
def test_real_text_that_looks_odd_imports_as_written(world, tmp_path, text):
    run_import(csv_file(tmp_path, rows_with("reason", text), bom=True), "--round", "spring")

    assert Verdict.objects.get(principle=world["relevant"]).reason == text


@pytest.mark.parametrize("column", COLUMNS)
@pytest.mark.parametrize("value", [*REFUSED.values(), *ODD_BUT_REAL.values()], ids=[*REFUSED, *ODD_BUT_REAL])
def test_no_value_in_any_column_ends_in_a_traceback_or_a_partial_import(world, tmp_path, column, value):
    """Hostile text in every column: either the file imports whole, or nothing is imported and
    each problem names its line; never an exception other than the command's own error."""
    before = counts()
    try:
        run_import(csv_file(tmp_path, rows_with(column, value)), "--round", "spring")
    except CommandError as error:
        assert "Nothing was imported" in str(error)
        assert counts() == before
    else:
        assert value not in REFUSED.values()
        assert counts()["verdicts"] == before["verdicts"] + 2
