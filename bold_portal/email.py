"""Every email the portal sends, rendered one way: a subject, a plain-text body and an HTML body.

An email is named by a template base, such as "reviews/email/reminder", with three templates:
<base>_subject.txt (one line), <base>.txt (plain text) and <base>.html (extends
email/base.html, the GOV.UK-style layout). Links use settings.PORTAL_URL, the address the portal
is served at, because most emails are sent outside any request (by a worker or by beat).

email_send sends at once: for a sender that must know the email went (an invitation, a reminder
whose record is already written). email_send_on_commit renders now and hands the sending to a
Celery task once the transaction commits: nothing is sent for a change that was rolled back, and
the request does not wait for the mail server.
"""

import logging
from collections.abc import Mapping, Sequence
from functools import partial

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse

from bold_portal.context_processors import site_context
from bold_portal.tasks import email_deliver, message_payload

logger = logging.getLogger(__name__)


def portal_url(viewname: str, *args, **kwargs) -> str:
    """The full address of a page of the portal, for an email."""
    return settings.PORTAL_URL + reverse(viewname, args=args or None, kwargs=kwargs or None)


def email_message(
    *, template: str, to: Sequence[str], context: Mapping, reply_to: Sequence[str] = ()
) -> EmailMultiAlternatives:
    """The email built from the template base's three templates, not yet sent."""
    context = {**site_context(), **context}
    subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())
    message = EmailMultiAlternatives(
        subject, render_to_string(f"{template}.txt", context), None, list(to), reply_to=list(reply_to)
    )
    message.attach_alternative(render_to_string(f"{template}.html", context), "text/html")
    return message


def email_send(*, template: str, to: Sequence[str], context: Mapping, reply_to: Sequence[str] = ()) -> None:
    """Render and send now; a failure to send raises."""
    email_message(template=template, to=to, context=context, reply_to=reply_to).send()


def email_send_on_commit(*, template: str, to: Sequence[str], context: Mapping, reply_to: Sequence[str] = ()) -> None:
    """Render now (in the caller's language and with its data), send through the email_deliver
    task once the current transaction commits (at once when there is none)."""
    message = email_message(template=template, to=to, context=context, reply_to=reply_to)
    payload = message_payload(message)
    transaction.on_commit(partial(_deliver, payload))


def _deliver(payload: dict) -> None:
    # After the commit the change stands whatever happens here: a broker that cannot take the
    # message costs this email, logged, never the request.
    try:
        email_deliver.delay(payload)
    except Exception:
        logger.exception("Could not queue the email %r to %s.", payload["subject"], ", ".join(payload["to"]))
