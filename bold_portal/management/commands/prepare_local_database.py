"""Before `make run` migrates: a local SQLite database left by an older version of the portal,
whose migrations no longer exist, is set aside so a fresh one is built and the demo data loaded.
Any other database is never touched: the command stops with what to do instead."""

from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone
from django.utils.translation import gettext as _


def unknown_migrations() -> list[tuple[str, str]]:
    """Migrations recorded as applied in the database that this version of the portal does not
    have: the database was made by an older (or another) version."""
    loader = MigrationLoader(connection, ignore_no_migrations=True)
    local_apps = {config.label for config in _portal_apps()}
    return sorted(key for key in loader.applied_migrations if key[0] in local_apps and key not in loader.graph.nodes)


def _portal_apps():
    base = Path(settings.BASE_DIR).resolve()
    return [config for config in apps.get_app_configs() if Path(config.path).resolve().is_relative_to(base)]


class Command(BaseCommand):
    help = _("Set aside a local SQLite database made by an older version of the portal, so that it is built afresh.")

    def handle(self, **options):
        unknown = unknown_migrations()
        if not unknown:
            return
        names = ", ".join(f"{app}.{name}" for app, name in unknown)
        database = settings.DATABASES["default"]
        if database["ENGINE"] != "django.db.backends.sqlite3":
            raise CommandError(
                _(
                    "This database was made by an older version of the portal (it has the migrations %(names)s, "
                    "which this version no longer has). Nothing was changed. Restore a backup made by this "
                    "version, or migrate the data by hand."
                )
                % {"names": names}
            )
        path = Path(database["NAME"])
        connection.close()
        kept = path.with_name(f"{path.name}.older-{timezone.now():%Y%m%d-%H%M%S}")
        path.rename(kept)
        self.stdout.write(
            _(
                "The local database %(path)s was made by an older version of the portal, so it was set aside as "
                "%(kept)s and a new one will be built with the demo data. Delete %(kept)s once you no longer need it."
            )
            % {"path": path.name, "kept": kept.name}
        )
