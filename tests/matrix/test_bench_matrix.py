from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from reviews.models import Review, ReviewRound, Verdict

pytestmark = pytest.mark.django_db


def test_the_benchmark_reports_each_size_and_leaves_no_data_behind():
    output = StringIO()

    call_command("bench_matrix", sizes="2,6", principles=2, reviewers=2, repeat=1, stdout=output)

    lines = output.getvalue().splitlines()
    rows = [line.split() for line in lines if "|" in line and line.split()[0] in {"2", "6"}]
    assert [(row[0], row[1], row[3], row[8]) for row in rows] == [("2", "8", "3", "11"), ("6", "24", "3", "11")]
    assert "2 -> 6 use cases (3x)" in output.getvalue()
    assert not ReviewRound.objects.exists()
    assert not Review.objects.exists()
    assert not Verdict.objects.exists()


@pytest.mark.parametrize(("option", "value"), [("sizes", "12,many"), ("sizes", "0"), ("reviewers", 0)])
def test_bad_options_are_refused_with_a_clear_message(option, value):
    with pytest.raises(CommandError, match="--sizes"):
        call_command("bench_matrix", **{option: value}, stdout=StringIO())

    assert not ReviewRound.objects.exists()
