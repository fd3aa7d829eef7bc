"""Use case versions are immutable, and the database itself enforces it (a trigger created by
usecases/migrations/0002_immutable_versions.py), so the rule holds for raw SQL, bulk updates and
the admin alike."""

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor

from tests.database import refused, triggers_on
from tests.factories import make_version
from usecases.models import UseCaseVersion

pytestmark = pytest.mark.django_db

VERSION_TRIGGER = "usecases_usecaseversion_immutable"


def test_every_migration_has_run():
    executor = MigrationExecutor(connection)

    assert executor.migration_plan(executor.loader.graph.leaf_nodes()) == []


def test_the_trigger_keeping_versions_immutable_exists_after_the_migrations():
    assert VERSION_TRIGGER in triggers_on(UseCaseVersion._meta.db_table)


def test_the_trigger_refuses_a_raw_sql_update_of_a_versions_title():
    version = make_version(title="As reviewed")

    with refused(), connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {UseCaseVersion._meta.db_table} SET title = %s WHERE id = %s", ["Quietly retitled", version.pk]
        )

    version.refresh_from_db()
    assert version.title == "As reviewed"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("title", "Quietly retitled"),
        ("impact_statement", "Rewritten"),
        ("data_flows", []),
        ("number", 7),
        # The sections authors write in the portal, frozen alike (migration 0004).
        ("consent", "Rewritten"),
        ("anonymity", "Rewritten"),
        ("individual_impact", "Rewritten"),
        ("security", "Rewritten"),
    ],
)
def test_a_use_case_version_cannot_be_updated(field, value):
    version = make_version(title="As reviewed")

    # A trigger's refusal is an integrity error on SQLite and PostgreSQL alike.
    with refused(DatabaseError):
        UseCaseVersion.objects.filter(pk=version.pk).update(**{field: value})

    version.refresh_from_db()
    assert version.title == "As reviewed"
    assert version.number == 1


def test_a_use_case_version_save_is_refused_before_the_database():
    version = make_version()
    version.title = "Changed"

    with pytest.raises(ValidationError, match="cannot be changed"):
        version.save()


def test_a_new_version_of_the_same_use_case_is_allowed():
    first = make_version()

    second = make_version(use_case=first.use_case, number=2, title="Revised")

    assert list(first.use_case.versions.values_list("number", flat=True)) == [1, 2]
    assert second.title == "Revised"


def test_a_versions_number_is_unique_per_use_case():
    first = make_version()

    with refused():
        make_version(use_case=first.use_case, number=1)
