"""Row locks name their table (docs/architecture.md, "Integrity in the database"): a scan of the
portal's source for select_for_update() without of=, and the check tests/conftest.py runs on every
locking statement on PostgreSQL, each shown to catch what it is for."""

import textwrap

import pytest
from django.conf import settings
from django.db import transaction

from reviews.models import RoundVersion
from tests.concurrency import require_postgresql
from tests.row_locks import portal_caller, portal_sources, row_lock_problem, row_lock_watch, unnamed_row_locks


def test_every_select_for_update_in_the_portal_names_its_table():
    scanned, found = [], {}
    for path in portal_sources(settings.BASE_DIR):
        relative = path.relative_to(settings.BASE_DIR).as_posix()
        scanned.append(relative)
        if lines := unnamed_row_locks(path.read_text(encoding="utf-8"), relative):
            found[relative] = lines

    assert found == {}, f'select_for_update() without of=("self",): {found}'
    # The scan read the services that lock rows, and nothing that is not the portal's own code.
    assert {
        "reviews/services/reviews.py",
        "audiences/services/memberships.py",
        "matrix/services/tokens.py",
        "usecases/services.py",
    } <= set(scanned)
    assert not [path for path in scanned if path.startswith(("tests/", ".venv/", "node_modules/"))]
    assert not [path for path in scanned if "/migrations/" in path]


def test_the_scan_finds_a_select_for_update_without_of():
    source = textwrap.dedent(
        """
        review = Review.objects.select_for_update().filter(round=review_round).first()
        named = Review.objects.select_for_update(of=("self",)).get(pk=1)
        waiting = (
            Assignment.objects.select_related("round")
            .select_for_update(nowait=True)
            .get(pk=2)
        )
        """
    )

    assert unnamed_row_locks(source) == [2, 6]


def test_the_statement_check_refuses_an_unnamed_or_ordered_lock_on_a_portal_table():
    # The statement the old review save ran: ordered by Review's default ordering, which joins
    # the round, version, use case and audience, and FOR UPDATE without OF locked them all.
    unnamed_and_ordered = (
        'SELECT "reviews_review"."id" FROM "reviews_review" INNER JOIN "reviews_reviewround" '
        'ON ("reviews_review"."round_id" = "reviews_reviewround"."id") WHERE "reviews_review"."round_id" = %s '
        'ORDER BY "reviews_reviewround"."created_at" DESC LIMIT 1 FOR UPDATE'
    )
    named_but_ordered_by_a_join = (
        'SELECT "reviews_review"."id" FROM "reviews_review" INNER JOIN "reviews_reviewround" '
        'ON ("reviews_review"."round_id" = "reviews_reviewround"."id") '
        'ORDER BY "reviews_reviewround"."created_at" DESC, "reviews_review"."id" ASC '
        'LIMIT 1 FOR UPDATE OF "reviews_review"'
    )
    unqualified_order_over_a_join = (
        'SELECT "reviews_review"."id" FROM "reviews_review" INNER JOIN "reviews_reviewround" '
        'ON ("reviews_review"."round_id" = "reviews_reviewround"."id") '
        'ORDER BY created_at FOR UPDATE OF "reviews_review"'
    )
    # Rows locked together are locked in the order of their own key, so that two such locks at once
    # cannot deadlock: ordering by the locked table's own columns joins nothing.
    ordered_by_own_key = (
        'SELECT "reviews_review"."id" FROM "reviews_review" WHERE "reviews_review"."id" IN (%s, %s) '
        'ORDER BY "reviews_review"."id" ASC FOR UPDATE OF "reviews_review"'
    )
    # Django's update_or_create and django-otp lock one table's row without OF: nothing else is read.
    unnamed_alone = (
        'SELECT "reviews_keptreviewpost"."id" FROM "reviews_keptreviewpost" '
        'WHERE "reviews_keptreviewpost"."person_id" = %s LIMIT 21 FOR UPDATE'
    )
    aliased_own_key = "SELECT m.id FROM matrix_matrix m WHERE m.round_id = %s ORDER BY m.id LIMIT 1 FOR UPDATE OF m"
    named = 'SELECT "reviews_review"."id" FROM "reviews_review" WHERE "id" = %s FOR UPDATE OF "reviews_review"'
    shared_raw = "SELECT * FROM reviews_reviewround WHERE id = %s FOR SHARE OF reviews_reviewround"
    header = (
        "\n  SELECT m.rule_version FROM matrix_matrix m JOIN reviews_reviewround r ON r.id = m.round_id"
        "\n  WHERE m.id = %s FOR KEY SHARE OF m"
    )
    library = 'SELECT "otp_totp_totpdevice"."id" FROM "otp_totp_totpdevice" ORDER BY "id" FOR UPDATE'
    not_locking = 'SELECT "reviews_review"."id" FROM "reviews_review" ORDER BY "reviews_review"."id"'

    assert "names no table" in row_lock_problem(unnamed_and_ordered)
    assert "ordered by another table's columns" in row_lock_problem(named_but_ordered_by_a_join)
    assert "ordered by another table's columns" in row_lock_problem(unqualified_order_over_a_join)
    allowed = (named, shared_raw, header, library, not_locking, ordered_by_own_key, aliased_own_key, unnamed_alone)
    assert [row_lock_problem(sql) for sql in allowed] == [None] * len(allowed)


def test_the_statement_check_holds_the_portal_to_the_rule_and_not_the_tests_own_setup():
    """A statement is checked when the portal's code made it; a test's own setup (such as Django's
    update_or_create, which locks without OF) is not the portal's."""
    made_by = {}
    for path in ("reviews/example.py", "tests/reviews/example.py"):
        code = compile("caller = portal_caller()", str(settings.BASE_DIR / path), "exec")
        namespace = {"portal_caller": portal_caller}
        exec(code, namespace)
        made_by[path] = namespace["caller"]

    assert made_by == {"reviews/example.py": "reviews/example.py:1", "tests/reviews/example.py": None}
    assert portal_caller() is None  # called from this test


@pytest.mark.own_row_lock_watch
@pytest.mark.django_db(transaction=True)
def test_the_watch_every_test_runs_under_catches_an_ordered_lock_made_by_the_portal():
    """What tests/conftest.py runs around every test on PostgreSQL: a lock ordered through a join
    that the portal's code makes (here, code compiled as if it were in reviews/) is reported with
    its line, and the same statement made by a test is not."""
    require_postgresql("Checking the locking statements PostgreSQL runs")
    ordered_lock = "list(RoundVersion.objects.select_for_update(of=('self',)).order_by('round__created_at'))"
    reported = {}
    for path in ("reviews/example.py", "tests/reviews/example.py"):
        code = compile(ordered_lock, str(settings.BASE_DIR / path), "exec")
        with transaction.atomic(), row_lock_watch() as problems:
            exec(code, {"RoundVersion": RoundVersion})
        reported[path] = problems

    assert len(reported["reviews/example.py"]) == 1
    assert reported["reviews/example.py"][0].startswith(
        "reviews/example.py:1: the locking query is ordered by another table's"
    )
    assert reported["tests/reviews/example.py"] == []
