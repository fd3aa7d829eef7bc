"""Django's migrate, which first records accounts' first migration as applied on a database built
before the accounts app existed.

accounts.0001_initial changes nothing in the database (the user's table was made by
audiences.0001_initial), yet every migration that depends on the user model (the admin's,
django-otp's, the portal's own) now depends on it. On a database where those were applied before
accounts existed, Django's history check would find them applied before their dependency and stop
(InconsistentMigrationHistory). Recording accounts.0001 once the table it describes exists is what
running it would do, so this command does that, then migrates as Django's does."""

from django.core.management.commands.migrate import Command as DjangoMigrateCommand
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.recorder import MigrationRecorder

ACCOUNTS_FIRST = ("accounts", "0001_initial")
USER_TABLE_MADE = ("audiences", "0001_initial")


def accounts_first_migration_record(connection) -> bool:
    """Record accounts.0001_initial as applied where audiences.0001_initial (which made the table
    it describes) is and it is not. Returns whether it recorded it."""
    recorder = MigrationRecorder(connection)
    if not recorder.has_table():
        return False
    applied = recorder.applied_migrations()
    if ACCOUNTS_FIRST in applied or USER_TABLE_MADE not in applied:
        return False
    recorder.record_applied(*ACCOUNTS_FIRST)
    return True


class Command(DjangoMigrateCommand):
    def handle(self, *args, **options):
        connection = connections[options.get("database") or DEFAULT_DB_ALIAS]
        if accounts_first_migration_record(connection) and options["verbosity"] >= 1:
            self.stdout.write(
                f"Recorded {'.'.join(ACCOUNTS_FIRST)} as applied: it describes the user table "
                f"{'.'.join(USER_TABLE_MADE)} made, and changes nothing in the database."
            )
        return super().handle(*args, **options)
