"""Periodic tasks of accounts and personal data."""

import logging

from celery import shared_task

from audiences import services

logger = logging.getLogger(__name__)


@shared_task
def personal_data_purge() -> None:
    """Nightly (the beat): delete personal data past its retention period."""
    purged = services.personal_data_purge()
    logger.info(
        "Personal data purged: %d invitations, %d sessions, %d sign-in records, %d audit rows.",
        purged.invitations,
        purged.sessions,
        purged.sign_in_records,
        purged.audit_rows,
    )
