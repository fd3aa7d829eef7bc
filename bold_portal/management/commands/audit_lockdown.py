"""Give the audit trail to an owner role the portal does not log in as, so that the portal can only
read and add audit rows and run the retention purge (PostgreSQL; docs/deployment.md)."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from bold_portal.services import AuditLockdownRefused, audit_trail_lock


class Command(BaseCommand):
    help = _(
        "Make the audit trail belong to OWNER, so that the portal's role may only read it, add to it and run the "
        "retention purge. Run as a database superuser; PostgreSQL only. Running it again is harmless."
    )

    def add_arguments(self, parser):
        parser.add_argument("--owner", required=True, help=_("An existing role the portal does not log in as."))
        parser.add_argument(
            "--portal-role",
            help=_("The role the portal logs in as (default: the owner of the django_migrations table)."),
        )
        parser.add_argument(
            "--retention-days",
            type=int,
            default=settings.RETENTION_AUDIT_DAYS,
            help=_("No audit row younger than this can ever be purged (default: RETENTION_AUDIT_DAYS, %(default)s)."),
        )

    def handle(self, *, owner, portal_role, retention_days, **options):
        try:
            done = audit_trail_lock(owner=owner, portal_role=portal_role, retention_days=retention_days)
        except AuditLockdownRefused as refusal:
            raise CommandError(str(refusal)) from refusal
        self.stdout.write(_("The audit trail now belongs to %(owner)s:") % {"owner": done.owner})
        for item in done.objects:
            was = (
                _("already its owner")
                if item.owner_before == done.owner
                else _("was %(before)s") % {"before": item.owner_before}
            )
            self.stdout.write(f"  {item.kind} {item.name}: {was}")
        self.stdout.write(
            _("The portal's role %(role)s may now do only this with them (and PUBLIC nothing):")
            % {"role": done.portal_role}
        )
        for item in done.objects:
            self.stdout.write(f"  {item.kind} {item.name}: {', '.join(item.portal_may) or _('nothing')}")
        if done.retention_days_before == done.retention_days:
            floor = _("Retention floor: %(days)s days, unchanged.") % {"days": done.retention_days}
        else:
            floor = _("Retention floor: %(days)s days (it was %(before)s).") % {
                "days": done.retention_days,
                "before": done.retention_days_before,
            }
        self.stdout.write(floor + " " + _("No purge can delete an audit row younger than that."))
