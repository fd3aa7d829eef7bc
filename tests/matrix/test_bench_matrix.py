from io import StringIO

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import connection

pytestmark = pytest.mark.django_db


def row_counts() -> dict[str, int]:
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


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
