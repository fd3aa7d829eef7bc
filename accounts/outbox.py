"""The outbox's part of a person's personal data (accounts.personal_data_holders): the emails to
them, or replying to them, go when they are erased, and every stored email goes after
RETENTION_OUTBOX_DAYS. The outbox is the core's (bold_portal), which cannot import accounts."""

import datetime

from accounts.personal_data_holders import ErasedRows, eraser, purger
from bold_portal.outbox import outbox_erase, outbox_purge


@eraser("outbox")
def outbox_messages_erase(*, user, email: str) -> ErasedRows:
    return ErasedRows(details={"outbox_messages_deleted": outbox_erase(user=user, email=email)})


@purger("outbox_messages")
def outbox_messages_purge(now: datetime.datetime) -> int:
    return outbox_purge(now)
