from io import StringIO

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import connection

from bold_portal.celery import app as celery_app
from matrix.benchmarks.pages_part import CLOSED_PAGES, PAGES

pytestmark = pytest.mark.django_db


def row_counts() -> dict[str, int]:
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


@pytest.mark.slow  # runs the benchmark at each size: about 1 CPU-second; its option checks stay in the loop
def test_the_benchmark_reports_each_size_and_leaves_no_data_behind():
    before = row_counts()
    output = StringIO()

    call_command(
        "bench_matrix", sizes="3,6", reviews=3, principles=2, baseline=2, other_size=4, repeat=1, stdout=output
    )

    text = output.getvalue()
    rows = {line.split()[0]: line.split() for line in text.splitlines() if "|" in line and line.split()[0].isdigit()}
    assert list(rows) == ["2", "3", "6"]
    # Versions, verdicts (3 reviews x 2 principles each), then (a) and (b) each begin with a query count.
    assert [row[1] for row in rows.values()] == ["12", "18", "36"]
    assert all(row[3].isdigit() and row[8].isdigit() for row in rows.values())
    # Every full recompute left the cells equal to the bare aggregate.
    assert all(row[-1] == "yes" for row in rows.values())
    if connection.vendor != "postgresql":
        assert "NOT THE RECORDED FIGURES" in text
    assert row_counts() == before


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"sizes": "12,many"}, "--sizes must be whole numbers"),
        ({"sizes": "0"}, "--sizes must each be between 1"),
        ({"sizes": "200,200"}, "--sizes must not repeat"),
        ({"reviews": "0"}, "--reviews must be between 1"),
        ({"reviews": "lots"}, "--reviews must be a whole number"),
        ({"repeat": "0"}, "--repeat must be between 1"),
        ({"other_size": "-1"}, "--other-size must be between 0"),
    ],
)
def test_bad_options_are_refused_with_a_clear_message(options, message):
    before = row_counts()

    with pytest.raises(CommandError, match=message):
        call_command("bench_matrix", **options, stdout=StringIO())

    assert row_counts() == before


# Committed for real, as a request's submit is: its recompute runs after the commit.
@pytest.mark.slow  # runs the benchmark, committing its data
@pytest.mark.django_db(transaction=True)
def test_the_submit_part_times_a_submit_in_each_round_and_compares_the_largest_with_the_smallest():
    before = row_counts()
    output = StringIO()

    call_command(
        "bench_matrix", part="submit", sizes="3,6", reviews=3, principles=2, other_size=4, repeat=2, stdout=output
    )

    text = output.getvalue()
    rows = {line.split()[0]: line.split() for line in text.splitlines() if "|" in line and line.split()[0].isdigit()}
    assert list(rows) == ["3", "6"]
    # Versions, verdicts, then the submit's query count: the same in both rounds.
    assert [row[1] for row in rows.values()] == ["18", "36"]
    assert rows["3"][3] == rows["6"][3] and rows["3"][3].isdigit()
    assert "A submit into 6 use-case versions takes" in text and "times one into 3" in text
    # Each round: a submit to warm up, one counted, two timed; each leaves its audit row and keeps
    # the account that made it (the audit trail is append-only). Nothing else is left.
    after = row_counts()
    assert after.pop("bold_portal.AuditEvent") == before.pop("bold_portal.AuditEvent") + 8
    assert after.pop("accounts.User") == before.pop("accounts.User") + 1
    assert after == before
    assert "Kept: the synthetic account that submitted, without its roles, and its 8 audit rows" in text


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"part": "everything"}, "--part must be matrix, submit, pages or exports, not 'everything'"),
        ({"part": "submit", "baseline": "12"}, "--baseline applies to the matrix and pages parts only"),
        ({"part": "submit", "sizes": "200"}, "--sizes must give at least two sizes for the submit part"),
    ],
)
def test_bad_options_of_the_submit_part_are_refused_with_a_clear_message(options, message):
    before = row_counts()

    with pytest.raises(CommandError, match=message):
        call_command("bench_matrix", **options, stdout=StringIO())

    assert row_counts() == before


def test_the_submit_part_refuses_to_run_with_a_worker():
    celery_app.conf.task_always_eager = False  # as with CELERY_BROKER_URL set; conftest turns it back on

    with pytest.raises(CommandError, match="unset CELERY_BROKER_URL"):
        call_command("bench_matrix", part="submit", sizes="3,6", stdout=StringIO())


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the local database of `make run` is SQLite")
def test_the_submit_part_never_runs_on_the_local_database(settings, monkeypatch, tmp_path):
    settings.BASE_DIR = tmp_path
    monkeypatch.setitem(connection.settings_dict, "NAME", str(tmp_path / "db.sqlite3"))
    before = row_counts()

    with pytest.raises(CommandError, match=r"never runs on the local database db\.sqlite3"):
        call_command("bench_matrix", part="submit", sizes="3,6", stdout=StringIO())

    assert row_counts() == before


def test_the_exports_part_is_refused_except_on_postgresql():
    if connection.vendor == "postgresql":
        pytest.skip("On PostgreSQL the exports part runs: see the test below.")
    before = row_counts()

    with pytest.raises(CommandError, match="--part exports compares each export with PostgreSQL"):
        call_command("bench_matrix", part="exports", sizes="3", stdout=StringIO())

    assert row_counts() == before


@pytest.mark.slow  # makes every format in a process of its own, which reads the committed data
@pytest.mark.django_db(transaction=True)
def test_the_exports_part_reports_each_format_at_each_size_and_leaves_no_data_behind():
    if connection.vendor != "postgresql":
        pytest.skip("The exports part compares with PostgreSQL's COPY: it runs on PostgreSQL only.")
    before = row_counts()
    output = StringIO()

    call_command(
        "bench_matrix", part="exports", sizes="3", baseline=2, reviews=2, principles=2, repeat=1, stdout=output
    )

    text = output.getvalue()
    rows = [line.split() for line in text.splitlines() if line.split() and line.split()[0] in ("2", "3")]
    assert [(row[0], row[1]) for row in rows] == [
        (size, identifier) for size in ("2", "3") for identifier in ("csv", "json", "xlsx", "verdicts-csv", "pdf")
    ]
    # Seconds, PostgreSQL's seconds, the ratio and the peak memory are figures.
    assert all(float(row[2]) > 0 and float(row[3]) > 0 and row[4].endswith("x") and int(row[6]) > 0 for row in rows)
    assert "peak MB" in text
    assert row_counts() == before


@pytest.mark.slow  # builds rounds with an organisation each and reads every page of each: about 3 CPU-seconds
def test_the_pages_part_reads_every_page_of_each_round_and_leaves_no_data_behind():
    before = row_counts()
    output = StringIO()

    call_command(
        "bench_matrix",
        part="pages",
        sizes="3,6",
        reviews=3,
        principles=2,
        baseline=2,
        other_size=4,
        repeat=2,
        stdout=output,
    )

    text = output.getvalue()
    rows = [line for line in text.splitlines() if line.count("|") == 3]
    # One row per page, each with a reviewer's, lead's, admin's, analyst's or the API's page, then
    # the pages read once the rounds have closed.
    assert [row.split()[0] for row in rows[2:]] == [page.role for page in (*PAGES, *CLOSED_PAGES)]
    assert "progress, closed round" in rows[-1] and "closed the 3 rounds" in text
    for row in rows[2:]:
        for cell in row.split("|")[1:]:
            queries, median, p95, kilobytes, _ratio = cell.split()
            assert int(queries) > 0 and float(median.replace(",", "")) > 0 and float(kilobytes) > 0
            assert float(p95.replace(",", "")) >= float(median.replace(",", ""))
    assert "pages over 2 times the baseline:" in text and "Pages over 200 kB: none." in text
    if connection.vendor != "postgresql":
        assert "NOT THE RECORDED FIGURES" in text
    # Closing the three rounds leaves its audit rows, and keeps the admin who closed them without
    # the role (the audit trail is append-only). Nothing else is left.
    after = row_counts()
    assert after.pop("bold_portal.AuditEvent") == before.pop("bold_portal.AuditEvent") + 3
    assert after.pop("accounts.User") == before.pop("accounts.User") + 1
    assert after == before
    assert "Kept: the synthetic account that closed the rounds, without its roles, and its 3 audit rows" in text
