"""Sending an email of the outbox (bold_portal.email) off the request; email_deliver sends a
rendered payload, as tasks queued before the outbox existed were."""

import logging
import smtplib
from collections.abc import Mapping

from celery import shared_task
from django.core.mail import EmailMultiAlternatives

from bold_portal.outbox import outbox_message_send

logger = logging.getLogger(__name__)


def message_payload(message: EmailMultiAlternatives) -> dict:
    """The email as plain JSON, for a Celery message."""
    return {
        "subject": message.subject,
        "text": message.body,
        "html": next((content for content, mimetype in message.alternatives if mimetype == "text/html"), ""),
        "to": list(message.to),
        "reply_to": list(message.reply_to),
    }


def message_from_payload(payload: Mapping) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        payload["subject"], payload["text"], None, payload["to"], reply_to=payload.get("reply_to") or None
    )
    if payload.get("html"):
        message.attach_alternative(payload["html"], "text/html")
    return message


# A mail server or GOV.UK Notify that is briefly unreachable is tried again, a few minutes apart.
# OSError covers refused and dropped connections; Notify's client raises its own errors, which the
# Notify backend turns into OSError when they are worth trying again (5xx, rate limits).
@shared_task(autoretry_for=(OSError, smtplib.SMTPException), retry_backoff=60, max_retries=5)
def email_deliver(payload: dict) -> None:
    message_from_payload(payload).send()
    logger.info("Sent the email %r to %s recipient(s).", payload["subject"], len(payload["to"]))


@shared_task(autoretry_for=(OSError, smtplib.SMTPException), retry_backoff=60, max_retries=5)
def outbox_deliver(message_id: int) -> None:
    """Send one outbox message (bold_portal.outbox.outbox_message_send): nothing when it has been
    sent, or is being sent, already."""
    outbox_message_send(message_id=message_id)
