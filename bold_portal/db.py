"""Database-level guards that the ORM cannot express as constraints."""

import functools

from django.db import migrations
from django.db.migrations.operations.base import Operation


class TriggerInstall(migrations.RunPython):
    """A migration operation that installs the trigger named trigger on table (undone by dropping
    it). Tests read every one of them from the migrations to check that each trigger exists."""

    def __init__(self, *, table: str, trigger: str, code):
        super().__init__(code, functools.partial(_drop_trigger, table=table, trigger=trigger))
        self.table, self.trigger = table, trigger


class TriggersKept(Operation):
    """Schema operations on table, run so that its triggers survive them.

    SQLite cannot alter most of a table in place: Django rebuilds it (a new table, the rows
    copied, the old one dropped), and dropping the old table drops its triggers. Every operation
    that may rebuild a table with triggers (a field altered, added or removed, a constraint added
    or removed) goes inside this, which reads the table's triggers before and re-creates any that
    are gone after; a test fails for one that does not. PostgreSQL alters tables in place and keeps
    them, so there it only runs the operations."""

    reduces_to_sql = False

    def __init__(self, table: str, operations: list[Operation]):
        self.table, self.operations = table, operations

    def deconstruct(self):
        return (self.__class__.__qualname__, [self.table, self.operations], {})

    def state_forwards(self, app_label, state):
        for operation in self.operations:
            operation.state_forwards(app_label, state)

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        triggers = self._triggers(schema_editor)
        for operation in self.operations:
            to_state = from_state.clone()
            operation.state_forwards(app_label, to_state)
            operation.database_forwards(app_label, schema_editor, from_state, to_state)
            from_state = to_state
        self._recreate(schema_editor, triggers)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        triggers = self._triggers(schema_editor)
        states = [to_state]
        for operation in self.operations[:-1]:
            state = states[-1].clone()
            operation.state_forwards(app_label, state)
            states.append(state)
        later = from_state
        for operation, earlier in zip(reversed(self.operations), reversed(states), strict=True):
            operation.database_backwards(app_label, schema_editor, later, earlier)
            later = earlier
        self._recreate(schema_editor, triggers)

    def _triggers(self, schema_editor) -> dict[str, str]:
        if schema_editor.connection.vendor != "sqlite":
            return {}
        with schema_editor.connection.cursor() as cursor:
            cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s", [self.table])
            return dict(cursor.fetchall())

    def _recreate(self, schema_editor, triggers: dict[str, str]) -> None:
        missing = triggers.keys() - self._triggers(schema_editor).keys()
        for name in sorted(missing):
            schema_editor.execute(triggers[name])

    def describe(self):
        return f"Keep the triggers of {self.table} through: " + "; ".join(op.describe() for op in self.operations)

    @property
    def migration_name_fragment(self):
        return f"{self.table}_triggers_kept"


def forbid_column_updates(table: str, columns: list[str], message: str) -> migrations.RunPython:
    """A migration operation adding a trigger that refuses UPDATEs changing any of columns,
    on PostgreSQL and SQLite alike, so the rule holds even for raw SQL and bulk updates."""
    trigger = f"{table}_immutable"

    def forward(apps, schema_editor):
        changed = " OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in columns)
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(
                f"""
                CREATE OR REPLACE FUNCTION {trigger}() RETURNS trigger AS $$
                BEGIN
                    IF {changed} THEN
                        RAISE EXCEPTION '{message}' USING ERRCODE = 'integrity_constraint_violation';
                    END IF;
                    RETURN NEW;
                END $$ LANGUAGE plpgsql;
                """
            )
            schema_editor.execute(
                f"CREATE TRIGGER {trigger} BEFORE UPDATE ON {table} FOR EACH ROW EXECUTE FUNCTION {trigger}();"
            )
        elif schema_editor.connection.vendor == "sqlite":
            changed = changed.replace("IS DISTINCT FROM", "IS NOT")
            schema_editor.execute(
                f"CREATE TRIGGER {trigger} BEFORE UPDATE ON {table} FOR EACH ROW WHEN {changed} "
                f"BEGIN SELECT RAISE(ABORT, '{message}'); END;"
            )

    return TriggerInstall(table=table, trigger=trigger, code=forward)


def forbid_more_column_updates(table: str, columns: list[str], added: list[str], message: str) -> list:
    """Migration operations widening forbid_column_updates(table, columns) to the columns added
    too: the old trigger is dropped and the wider one installed (undone the other way round)."""
    narrower = forbid_column_updates(table, columns, message)
    wider = forbid_column_updates(table, [*columns, *added], message)
    drop = functools.partial(_drop_trigger, table=table, trigger=wider.trigger)
    return [migrations.RunPython(drop, narrower.code), wider]


AUDIT_ROW_REFUSED = "Audit rows cannot be changed or deleted: they are removed only by the retention purge."


def refuse_changes_function_sql(trigger: str, message: str) -> str:
    """PostgreSQL: the trigger function refusing every row it is fired for."""
    return f"""
        CREATE OR REPLACE FUNCTION {trigger}() RETURNS trigger AS $$
        BEGIN
            RAISE EXCEPTION '{message}' USING ERRCODE = 'integrity_constraint_violation';
        END $$ LANGUAGE plpgsql;
        """


def audit_append_only(table: str) -> migrations.RunPython:
    """A migration operation making the audit table append-only in the database. PostgreSQL refuses
    every UPDATE and DELETE (bold_portal.audit_database then lets the retention purge through);
    SQLite (laptops and the quick test run) refuses updates only, since Django empties SQLite
    tables between tests with DELETE."""
    trigger = f"{table}_append_only"

    def forward(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(refuse_changes_function_sql(trigger, AUDIT_ROW_REFUSED))
            schema_editor.execute(
                f"CREATE TRIGGER {trigger} BEFORE UPDATE OR DELETE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION {trigger}();"
            )
        elif schema_editor.connection.vendor == "sqlite":
            schema_editor.execute(
                f"CREATE TRIGGER {trigger} BEFORE UPDATE ON {table} FOR EACH ROW "
                f"BEGIN SELECT RAISE(ABORT, '{AUDIT_ROW_REFUSED}'); END;"
            )

    return TriggerInstall(table=table, trigger=trigger, code=forward)


def _drop_trigger(apps, schema_editor, *, table: str, trigger: str) -> None:
    """Undo a trigger made by forbid_column_updates or audit_append_only."""
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {trigger} ON {table};")
        schema_editor.execute(f"DROP FUNCTION IF EXISTS {trigger}();")
    elif schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {trigger};")
