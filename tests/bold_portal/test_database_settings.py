"""On PostgreSQL the portal's connections compile no statement with JIT (bold_portal/settings.py):
an operator's own options in DATABASE_URL are kept, and their own jit setting wins."""

import json
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.db import connection, transaction

PRINT_OPTIONS = (
    "import json, django; django.setup(); from django.conf import settings; "
    "print(json.dumps(settings.DATABASES['default'].get('OPTIONS', {})))"
)


def options_for(database_url: str) -> dict:
    """The default database's OPTIONS, as the portal's settings make them from this DATABASE_URL."""
    child = subprocess.run(
        [sys.executable, "-c", PRINT_OPTIONS],
        cwd=settings.BASE_DIR,
        env=os.environ | {"DJANGO_SETTINGS_MODULE": "bold_portal.settings", "DATABASE_URL": database_url},
        capture_output=True,
        text=True,
        check=False,
    )
    assert child.returncode == 0, child.stderr
    return json.loads(child.stdout)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("query", "options"),
    [
        ("", "-c jit=off"),
        ("?options=-c%20statement_timeout%3D5000", "-c statement_timeout=5000 -c jit=off"),
        ("?options=-c%20jit%3Don", "-c jit=on"),
    ],
    ids=["default", "operator's options kept", "operator's jit kept"],
)
def test_postgresql_connections_turn_jit_off_unless_the_operator_set_it(query, options):
    assert options_for(f"postgres://bold@db.example:5432/bold{query}")["options"] == options


@pytest.mark.slow
def test_sqlite_connections_get_no_postgresql_options():
    assert "options" not in options_for("sqlite:///portal.sqlite3")


@pytest.mark.django_db
def test_a_statement_past_every_jit_threshold_is_not_compiled():
    if connection.vendor != "postgresql":
        pytest.skip("JIT is PostgreSQL's")
    with transaction.atomic(), connection.cursor() as cursor:
        # With JIT on, these thresholds would compile, inline and optimise even this statement.
        for setting in ("jit_above_cost", "jit_inline_above_cost", "jit_optimize_above_cost"):
            cursor.execute(f"SET LOCAL {setting} = 0")
        cursor.execute("EXPLAIN (ANALYZE) SELECT sum(n) FROM generate_series(1, 1000) AS n")
        plan = "\n".join(row[0] for row in cursor.fetchall())

    assert "JIT:" not in plan
