"""A database upgraded to reviews.0024_closed_figure_versions gives each closed round's frozen
organisations and people how many use cases they were given, and a figure of nothing expected to
those that had none (nobody in them was expected to review), so a closed round's progress page lists
them all from its frozen figures as it listed them from its assignments. On SQLite and PostgreSQL."""

import pytest
from django.db import connection

from reviews.models import ClosedRoundFigure
from reviews.selectors.progress import group_progress
from tests.database import migrate_to
from tests.factories import close_round, make_assignment, make_organisation, make_reviewer, make_round, make_version

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow, pytest.mark.usefixtures("latest_schema_after")]

BEFORE = ("reviews", "0023_progress_order")
VERSIONS = ("reviews", "0024_closed_figure_versions")


def _group_rows(review_round) -> list[tuple]:
    return [
        (row.kind, row.key, row.versions, row.progress.expected, row.progress.submitted)
        for row in group_progress(review_round)[0:50]
    ]


def test_the_migration_counts_the_use_cases_of_every_frozen_organisation_and_person():
    nobody, members = make_organisation(name="Nobody yet"), make_organisation(name="Members")
    make_reviewer(organisation=members)
    person = make_reviewer()
    closed, still_open = make_round(), make_round()
    versions = [make_version() for _ in range(3)]
    for version in versions:
        make_assignment(review_round=closed, version=version, organisation=members)
    make_assignment(review_round=closed, version=versions[0], organisation=nobody)
    make_assignment(review_round=closed, version=versions[1], reviewer=person)
    make_assignment(review_round=still_open, version=versions[0], reviewer=person)
    close_round(closed)
    listed = _group_rows(closed)
    assert sorted(row[:3] for row in listed) == sorted(
        [("organisation", members.slug, 3), ("organisation", nobody.slug, 1), ("person", person.email, 1)]
    )

    migrate_to(BEFORE)
    # Before 0024 a closed round froze only the groups somebody was expected to review for.
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {ClosedRoundFigure._meta.db_table} WHERE organisation_id = %s",  # nosec
            [nobody.pk],
        )
    migrate_to(VERSIONS)

    assert _group_rows(closed) == listed
    assert not ClosedRoundFigure.objects.filter(round=still_open).exists()
