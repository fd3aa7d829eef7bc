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


# The transaction-local PostgreSQL setting that lets the retention purge delete audit rows older
# than the moment it names (see audit_append_only and audit_purge_allowed).
AUDIT_PURGE_SETTING = "bold_portal.audit_purge_before"


def audit_append_only(table: str) -> migrations.RunPython:
    """A migration operation making the audit table append-only in the database: an UPDATE is
    always refused; a DELETE too, except of rows older than the cutoff the retention purge names
    for its own transaction (audit_purge_allowed). PostgreSQL refuses both; SQLite (laptops and the
    quick test run) refuses updates only, since Django empties SQLite tables between tests with
    DELETE. TRUNCATE, which needs the table owner's rights, is not a row change and is not caught."""
    trigger = f"{table}_append_only"
    message = "Audit rows cannot be changed or deleted: they are removed only by the retention purge."

    def forward(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(
                f"""
                CREATE OR REPLACE FUNCTION {trigger}() RETURNS trigger AS $$
                BEGIN
                    IF TG_OP = 'DELETE' AND OLD.created_at <
                        NULLIF(current_setting('{AUDIT_PURGE_SETTING}', true), '')::timestamptz THEN
                        RETURN OLD;
                    END IF;
                    RAISE EXCEPTION '{message}' USING ERRCODE = 'integrity_constraint_violation';
                END $$ LANGUAGE plpgsql;
                """
            )
            schema_editor.execute(
                f"CREATE TRIGGER {trigger} BEFORE UPDATE OR DELETE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION {trigger}();"
            )
        elif schema_editor.connection.vendor == "sqlite":
            schema_editor.execute(
                f"CREATE TRIGGER {trigger} BEFORE UPDATE ON {table} FOR EACH ROW "
                f"BEGIN SELECT RAISE(ABORT, '{message}'); END;"
            )

    return migrations.RunPython(forward, functools.partial(_drop_trigger, table=table, trigger=trigger))


def audit_purge_allowed(cutoff) -> None:
    """Let this transaction delete audit rows written before cutoff (PostgreSQL; call inside
    transaction.atomic: the setting ends with the transaction)."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config(%s, %s, true)", [AUDIT_PURGE_SETTING, cutoff.isoformat()])


def _drop_trigger(apps, schema_editor, *, table: str, trigger: str) -> None:
    """Undo a trigger made by forbid_column_updates or audit_append_only."""
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {trigger} ON {table};")
        schema_editor.execute(f"DROP FUNCTION IF EXISTS {trigger}();")
    elif schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {trigger};")
