"""State changes of the core: the audit trail's own download record, and its retention purge."""

import datetime

from django.db import transaction

from bold_portal.audit_selectors import AuditFilters
from bold_portal.db import audit_purge_allowed
from bold_portal.models import AuditEvent, audit


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
    """Delete the audit rows written before `before` (the retention period's start); returns how
    many. The only deletion the database lets through (bold_portal.db.audit_append_only)."""
    with transaction.atomic():
        audit_purge_allowed(before)
        deleted, _by_model = AuditEvent.objects.filter(created_at__lt=before).delete()
    return deleted
