"""Row locks name their table (docs/architecture.md, "Integrity in the database"): a scan of the
portal's source for select_for_update() without of=, and the check tests/conftest.py runs on every
locking statement on PostgreSQL, each shown to catch what it is for."""

import textwrap

from django.conf import settings

from tests.row_locks import portal_caller, portal_sources, row_lock_problem, unnamed_row_locks


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
    named_but_ordered = (
        'SELECT "reviews_review"."id" FROM "reviews_review" ORDER BY "reviews_review"."id" ASC '
        'LIMIT 1 FOR UPDATE OF "reviews_review"'
    )
    named = 'SELECT "reviews_review"."id" FROM "reviews_review" WHERE "id" = %s FOR UPDATE OF "reviews_review"'
    shared_raw = "SELECT * FROM reviews_reviewround WHERE id = %s FOR SHARE OF reviews_reviewround"
    header = (
        "\n  SELECT m.rule_version FROM matrix_matrix m JOIN reviews_reviewround r ON r.id = m.round_id"
        "\n  WHERE m.id = %s FOR KEY SHARE OF m"
    )
    library = 'SELECT "otp_totp_totpdevice"."id" FROM "otp_totp_totpdevice" ORDER BY "id" FOR UPDATE'
    not_locking = 'SELECT "reviews_review"."id" FROM "reviews_review" ORDER BY "reviews_review"."id"'

    assert "names no table" in row_lock_problem(unnamed_and_ordered)
    assert "is ordered" in row_lock_problem(named_but_ordered)
    assert [row_lock_problem(sql) for sql in (named, shared_raw, header, library, not_locking)] == [None] * 5


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
