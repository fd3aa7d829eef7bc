"""Sending one stored email of the outbox (bold_portal.models.OutboxMessage), and the outbox's part
of personal data: its retention purge and an account's erasure. Queuing and resending live in
bold_portal.email, which hands the sending to the outbox_deliver task."""

import datetime
import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from bold_portal.models import OutboxMessage

logger = logging.getLogger(__name__)

ERROR_LENGTH = 2000


def outbox_email(message: OutboxMessage) -> EmailMultiAlternatives:
    """The stored message as an email, ready to send."""
    email = EmailMultiAlternatives(
        message.subject,
        message.text,
        None,
        [message.recipient],
        reply_to=[message.reply_to] if message.reply_to else None,
    )
    if message.html:
        email.attach_alternative(message.html, "text/html")
    return email


def outbox_message_send(*, message_id: int) -> bool:
    """Send the message if nobody has sent it and nobody is sending it now: the row is claimed with
    SKIP LOCKED, so a task delivered twice (or redelivered while the first is still sending) finds
    nothing to do. Returns whether this call sent it. A failure is recorded on the row (error,
    attempts), committed, then raised, so the task may try again."""
    failure: Exception | None = None
    with transaction.atomic():
        claimed = OutboxMessage.objects.select_for_update(of=("self",), skip_locked=True).filter(
            pk=message_id, sent_at__isnull=True
        )
        message = next(iter(claimed), None)
        if message is None:
            return False
        message.attempts += 1
        try:
            outbox_email(message).send()
        except Exception as error:  # recorded on the row, then raised below
            failure = error
            message.error = f"{type(error).__name__}: {error}"[:ERROR_LENGTH]
        else:
            message.sent_at = timezone.now()
            message.error = ""
            if message.holds_secret:  # the link worked as a key: keep no copy once it has gone
                message.text = message.html = _("This email held a link that works only for its recipient.")
        message.save(update_fields=["attempts", "error", "sent_at", "text", "html"])
    if failure is not None:
        raise failure
    logger.info("Sent outbox message %s (%s).", message.pk, message.kind)
    return True


def outbox_erase(*, user, email: str) -> int:
    """Delete every stored email to or replying to this person; returns how many."""
    return OutboxMessage.objects.filter(
        Q(recipient_user=user) | Q(recipient__iexact=email) | Q(reply_to__iexact=email)
    ).delete()[0]


def outbox_purge(now: datetime.datetime) -> int:
    """Delete stored emails queued more than RETENTION_OUTBOX_DAYS ago, sent or not."""
    with transaction.atomic():
        cutoff = now - timedelta(days=settings.RETENTION_OUTBOX_DAYS)
        return OutboxMessage.objects.filter(queued_at__lt=cutoff).delete()[0]
