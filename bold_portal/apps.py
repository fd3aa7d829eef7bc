from django.apps import AppConfig
from django.apps import apps as global_apps
from django.conf import settings
from django.db.models.signals import post_migrate

from bold_portal.roles import GROUPS


def role_groups_and_retention_floor_ensure(sender, *, using, apps=global_apps, **kwargs) -> None:
    """The rows every database has from its migrations (bold_portal 0002 and 0005): the role groups
    and the audit trail's retention floor. Put back after `migrate` and after `flush` (which empties
    every table, then sends the same signal), and never changed when present: a floor that
    audit_lockdown set stays as it is. (`apps` is the migrations' state after `migrate`, the
    installed models after `flush`.)"""
    try:
        group, retention = apps.get_model("auth", "Group"), apps.get_model("bold_portal", "AuditRetention")
    except LookupError:  # migrated only part of the way, before the tables exist
        return
    for name in GROUPS:
        group.objects.using(using).get_or_create(name=name)
    retention.objects.using(using).get_or_create(pk=1, defaults={"days": settings.RETENTION_AUDIT_DAYS})


class BoldPortalConfig(AppConfig):
    name = "bold_portal"

    def ready(self):
        post_migrate.connect(role_groups_and_retention_floor_ensure, sender=self)
