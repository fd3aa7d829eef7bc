"""State changes of the core: the audit trail's own download record, and its retention purge."""

import datetime
import logging

from django.db import connection, transaction
from django.utils import timezone

from bold_portal.audit_database import PURGE_FUNCTION
from bold_portal.audit_selectors import AuditFilters
from bold_portal.models import AuditEvent, AuditRetention, audit

logger = logging.getLogger(__name__)


def audit_trail_download_record(*, actor, filters: AuditFilters, person_id: int | None) -> AuditEvent:
    """Record that actor downloaded the audit trail with these filters. The person filter is
    kept as the account's id (person_id, None when no account has that address), never as the
    address itself: audit rows hold no personal data."""
    with transaction.atomic():
        return audit(
            actor=actor,
            action="audit_downloaded",
            obj=None,
            filters={
                "person": person_id if filters.email else None,
                "object_type": filters.object_type,
                "object_id": filters.object_id,
                "action": filters.action,
                "date_from": filters.date_from.isoformat() if filters.date_from else None,
                "date_to": filters.date_to.isoformat() if filters.date_to else None,
            },
        )


def audit_rows_purge(*, before: datetime.datetime) -> int:
    """Delete the audit rows written before `before` (the retention period's start), but never one
    younger than the retention floor stored in the database: a later cutoff is clamped to now minus
    the floor, so `before` in the year 2999 deletes only what retention allows. Returns how many.
    On PostgreSQL the purge function does it, the only deletion the audit table's trigger lets
    through (bold_portal.audit_database); on SQLite the same rule is applied here."""
    with transaction.atomic():
        floor_days = AuditRetention.objects.values_list("days", flat=True).get()
        floor_cutoff = timezone.now() - datetime.timedelta(days=floor_days)
        if before > floor_cutoff:
            logger.warning(
                "Audit rows are kept for at least %s days (the retention floor in the database); "
                "the purge asked for rows before %s deletes only those before %s.",
                floor_days,
                before.isoformat(),
                floor_cutoff.isoformat(),
            )
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT {PURGE_FUNCTION}(%s)", [before])
                return cursor.fetchone()[0]
        deleted, _by_model = AuditEvent.objects.filter(created_at__lt=min(before, floor_cutoff)).delete()
    return deleted
