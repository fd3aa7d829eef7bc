"""Database-level guards that the ORM cannot express as constraints."""

import functools

from django.db import migrations


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

    return migrations.RunPython(forward, functools.partial(_drop_trigger, table=table, trigger=trigger))


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

    return migrations.RunPython(forward, functools.partial(_drop_trigger, table=table, trigger=trigger))


def _drop_trigger(apps, schema_editor, *, table: str, trigger: str) -> None:
    """Undo a trigger made by forbid_column_updates or audit_append_only."""
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {trigger} ON {table};")
        schema_editor.execute(f"DROP FUNCTION IF EXISTS {trigger}();")
    elif schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {trigger};")
