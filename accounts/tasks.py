"""Periodic tasks of accounts and personal data."""

import logging

from celery import shared_task

from accounts.services.personal_data import personal_data_purge as purge

logger = logging.getLogger(__name__)


@shared_task
def personal_data_purge() -> None:
    """Nightly (the beat): delete personal data past its retention period."""
    purged = purge()
    logger.info(
        "Personal data purged: %s.", ", ".join(f"{count} {kind.replace('_', ' ')}" for kind, count in purged.items())
    )
