"""A Django email backend that sends through GOV.UK Notify (docs/email.md).

Chosen by EMAIL_BACKEND=bold_portal.notify_backend.NotifyEmailBackend. Notify sends from one
template of its own, NOTIFY_EMAIL_TEMPLATE_ID, whose subject is ((subject)) and whose body is
((body)); the portal fills both from the plain-text email it rendered. Notify lays the email out
in its own GOV.UK style, so the portal's HTML version is not sent. Reply-to addresses are set in
Notify, not per email: NOTIFY_EMAIL_REPLY_TO_ID, when set, names one.
"""

import logging

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.mail.backends.base import BaseEmailBackend
from notifications_python_client.errors import APIError
from notifications_python_client.notifications import NotificationsAPIClient

logger = logging.getLogger(__name__)


class NotifyUnavailable(OSError):
    """Notify could not take the email now (a server error or too many requests): worth trying
    again later. An OSError, so the email task retries it as it does a mail server that is down."""


class NotifyEmailBackend(BaseEmailBackend):
    def __init__(self, fail_silently=False, **kwargs):
        super().__init__(fail_silently=fail_silently, **kwargs)
        api_key = getattr(settings, "NOTIFY_API_KEY", "")
        self.template_id = getattr(settings, "NOTIFY_EMAIL_TEMPLATE_ID", "")
        if not api_key or not self.template_id:
            raise ImproperlyConfigured(
                "The GOV.UK Notify email backend needs NOTIFY_API_KEY and NOTIFY_EMAIL_TEMPLATE_ID."
            )
        self.reply_to_id = getattr(settings, "NOTIFY_EMAIL_REPLY_TO_ID", "") or None
        self.client = NotificationsAPIClient(api_key)

    def send_messages(self, email_messages) -> int:
        """Send each message to each of its recipients; returns how many notifications Notify
        accepted. A refusal raises (NotifyUnavailable when trying again may help) unless
        fail_silently, when it is logged and the rest are still sent."""
        sent = 0
        for message in email_messages:
            for address in message.recipients():
                try:
                    self.client.send_email_notification(
                        email_address=address,
                        template_id=self.template_id,
                        personalisation={"subject": message.subject, "body": message.body},
                        email_reply_to_id=self.reply_to_id,
                    )
                except APIError as error:
                    logger.warning("GOV.UK Notify refused the email %r: %s", message.subject, error)
                    if self.fail_silently:
                        continue
                    if error.status_code >= 500 or error.status_code == 429:
                        raise NotifyUnavailable(str(error)) from error
                    raise
                sent += 1
        return sent
