"""Every trigger the migrations install exists once they have all run, on SQLite and PostgreSQL;
and no migration can lose one on SQLite, where altering a table rebuilds it and drops its triggers
(docs/architecture.md, "Integrity in the database")."""

import pytest
from django.apps import apps
from django.db import connection, models
from django.db.migrations import operations as ops
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.state import ProjectState
from django.db.utils import ConnectionHandler

from bold_portal.db import TriggerInstall, TriggersKept
from tests.database import triggers_on

# Operations after which SQLite may have rebuilt the table (Django's SQLite schema editor copies
# the table to alter a field or a constraint). Indexes are made in place.
REBUILDING = (
    ops.AddField,
    ops.RemoveField,
    ops.AlterField,
    ops.RenameField,
    ops.AddConstraint,
    ops.RemoveConstraint,
    ops.AlterUniqueTogether,
    ops.AlterOrderWithRespectTo,
)


def _plan():
    """Every migration of the project, in the order migrate applies them."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    graph = loader.graph
    plan = []
    for leaf in graph.leaf_nodes():
        plan += [key for key in graph.forwards_plan(leaf) if key not in plan]
    return [graph.nodes[key] for key in plan]


def _operations(operations, kept_for: str | None = None):
    """(operation, the table whose triggers an enclosing TriggersKept keeps) for every operation,
    looking inside TriggersKept."""
    for operation in operations:
        if isinstance(operation, TriggersKept):
            yield from _operations(operation.operations, kept_for=operation.table)
        else:
            yield operation, kept_for


def _table(app_label: str, model_name: str) -> str:
    try:
        return apps.get_model(app_label, model_name)._meta.db_table
    except LookupError:  # a model since removed: Django's default table name
        return f"{app_label}_{model_name.lower()}"


def _installed_triggers() -> list[tuple[str, str]]:
    found = []
    for migration in _plan():
        for operation, _kept in _operations(migration.operations):
            if isinstance(operation, TriggerInstall) and (operation.table, operation.trigger) not in found:
                found.append((operation.table, operation.trigger))
    return found


TRIGGERS = _installed_triggers()


def test_the_migrations_install_the_triggers_the_docs_name():
    assert {trigger for _table_name, trigger in TRIGGERS} >= {
        "usecases_usecaseversion_immutable",
        "reviews_review_immutable",
        "bold_portal_auditevent_append_only",
    }


@pytest.mark.django_db
@pytest.mark.parametrize(("table", "trigger"), TRIGGERS, ids=[trigger for _table, trigger in TRIGGERS])
def test_every_trigger_exists_after_all_the_migrations(table, trigger):
    assert trigger in triggers_on(table), f"{trigger} is missing on {connection.vendor}"


def test_every_operation_that_may_rebuild_a_table_with_triggers_keeps_them():
    """A field or constraint change on a table that has a trigger by then must sit inside
    bold_portal.db.TriggersKept for that table: on SQLite it rebuilds the table."""
    guarded: set[str] = set()
    unguarded = []
    for migration in _plan():
        for operation, kept_for in _operations(migration.operations):
            if isinstance(operation, TriggerInstall):
                guarded.add(operation.table)
            elif isinstance(operation, REBUILDING):
                model_name = getattr(operation, "model_name", None) or operation.name
                table = _table(migration.app_label, model_name)
                if table in guarded and kept_for != table:
                    unguarded.append(f"{migration.app_label}.{migration.name}: {operation.describe()}")
    assert not unguarded, "Wrap these in TriggersKept(table, [...]):\n" + "\n".join(unguarded)


def test_triggers_kept_re_creates_the_triggers_a_sqlite_rebuild_drops(django_db_blocker):
    """What the rule above guards against, on a scratch SQLite database: a rebuild drops the
    table's trigger, unless it runs inside TriggersKept."""
    connection = ConnectionHandler({"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}})["default"]
    create = ops.CreateModel("Note", [("id", models.AutoField(primary_key=True)), ("text", models.TextField())])
    shorter = ops.AlterField("Note", "text", models.CharField(max_length=10))
    longer = ops.AlterField("Note", "text", models.CharField(max_length=20))
    trigger = "CREATE TRIGGER scratch_note_immutable BEFORE UPDATE ON scratch_note BEGIN SELECT RAISE(ABORT, 'no'); END"

    def apply(operation, state):
        new_state = state.clone()
        operation.state_forwards("scratch", new_state)
        with connection.schema_editor() as editor:
            operation.database_forwards("scratch", editor, state, new_state)
        return new_state

    def triggers():
        with connection.cursor() as cursor:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
            return [name for (name,) in cursor.fetchall()]

    with django_db_blocker.unblock():  # a database of its own, not the tests' database
        state = apply(create, ProjectState())
        with connection.cursor() as cursor:
            cursor.execute(trigger)

        state = apply(TriggersKept("scratch_note", [shorter]), state)
        assert triggers() == ["scratch_note_immutable"]

        apply(longer, state)
        assert triggers() == []
        connection.close()
