"""The audit trail's guards in PostgreSQL: who may delete a row, and the purge function that is the
one way to do it (docs/audit-and-personal-data.md, "Only retention shortens the trail").

A DELETE on the audit table gets past its trigger only when it runs as the table's owner and the
row is older than the retention floor stored in the database (AuditRetention). The purge function
is SECURITY DEFINER, so whoever may execute it deletes as its owner, and it never asks for more
than the floor allows. Before `manage.py audit_lockdown` the portal's own role owns the table and
the function; afterwards an owner role the portal does not log in as owns both, and the portal may
only read, insert and call the function. Neither check trusts anything the caller can set: the
owner is read from the catalogue and the floor from a table only the owner can write."""

from django.db import migrations

from bold_portal.db import AUDIT_ROW_REFUSED, refuse_changes_function_sql

# Bandit's B608 (SQL built from strings) is silenced by a nosec comment where a statement below ends:
# only table names from the models and this module's own SQL fragments are formatted into the SQL;
# every value is a query parameter.

AUDIT_TABLE = "bold_portal_auditevent"
RETENTION_TABLE = "bold_portal_auditretention"
TRIGGER_FUNCTION = f"{AUDIT_TABLE}_append_only"  # made by bold_portal.db.audit_append_only
PURGE_FUNCTION = "bold_portal_audit_purge"
PURGE_SIGNATURE = f"{PURGE_FUNCTION}(timestamp with time zone)"
NO_FLOOR = f"The audit trail has no retention floor ({RETENTION_TABLE} is empty): nothing was purged."


def quote_identifier(name: str) -> str:
    """name as a PostgreSQL identifier, whatever characters it holds."""
    return '"' + name.replace('"', '""') + '"'


def audit_schema(cursor) -> str | None:
    """The quoted name of the schema the audit table is in (found on the connection's search path,
    as Django finds it); None before the table exists."""
    cursor.execute(
        "SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = to_regclass(%s)",
        [AUDIT_TABLE],
    )
    row = cursor.fetchone()
    return quote_identifier(row[0]) if row else None


def _floor_sql(schema: str) -> str:
    """The moment before which rows have outlived the stored retention floor (NULL without a floor,
    which lets nothing through)."""
    return f"now() - make_interval(days => (SELECT days FROM {schema}.{RETENTION_TABLE} WHERE id = 1))"  # nosec


def _create_guards(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return  # SQLite: audit_rows_purge applies the same floor in Python
    with schema_editor.connection.cursor() as cursor:
        schema = audit_schema(cursor)
    # Every name is qualified and the search path fixed, so that nobody running these functions can
    # put a table or function of their own (a temporary one, say) in the place of ours.
    schema_editor.execute(
        f"""
        CREATE OR REPLACE FUNCTION {schema}.{TRIGGER_FUNCTION}() RETURNS trigger
        LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
        BEGIN
            IF TG_OP = 'DELETE'
                AND current_user = (SELECT pg_get_userbyid(relowner) FROM pg_class WHERE oid = TG_RELID) THEN
                IF OLD.created_at < {_floor_sql(schema)} THEN
                    RETURN OLD;
                END IF;
            END IF;
            RAISE EXCEPTION '{AUDIT_ROW_REFUSED}' USING ERRCODE = 'integrity_constraint_violation';
        END $$;
        """  # nosec
    )
    # STRICT: a NULL cutoff deletes nothing. A cutoff later than the floor is clamped to it.
    schema_editor.execute(
        f"""
        CREATE OR REPLACE FUNCTION {schema}.{PURGE_FUNCTION}(cutoff timestamptz) RETURNS bigint
        LANGUAGE plpgsql STRICT SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
        DECLARE
            floor_cutoff timestamptz := {_floor_sql(schema)};
            deleted bigint;
        BEGIN
            IF floor_cutoff IS NULL THEN
                RAISE EXCEPTION '{NO_FLOOR}';
            END IF;
            DELETE FROM {schema}.{AUDIT_TABLE} WHERE created_at < LEAST(cutoff, floor_cutoff);
            GET DIAGNOSTICS deleted = ROW_COUNT;
            RETURN deleted;
        END $$;
        """  # nosec
    )
    schema_editor.execute(f"REVOKE ALL ON FUNCTION {schema}.{PURGE_SIGNATURE} FROM PUBLIC;")


def _drop_guards(apps, schema_editor) -> None:
    """Back to the trigger of bold_portal.0004, which refuses every UPDATE and DELETE."""
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        schema = audit_schema(cursor)
    schema_editor.execute(f"DROP FUNCTION IF EXISTS {schema}.{PURGE_SIGNATURE};")
    schema_editor.execute(refuse_changes_function_sql(f"{schema}.{TRIGGER_FUNCTION}", AUDIT_ROW_REFUSED))


def audit_retention_guards() -> migrations.RunPython:
    """A migration operation installing, on PostgreSQL, the trigger rule and the purge function
    described above (run after the retention table exists)."""
    return migrations.RunPython(_create_guards, _drop_guards)
