"""Every email the portal sends, rendered one way: a subject, a plain-text body and an HTML body.

An email is named by a template base, such as "reviews/email/reminder", with three templates:
<base>_subject.txt (one line), <base>.txt (plain text) and <base>.html (extends
email/base.html, the GOV.UK-style layout). Links use settings.PORTAL_URL, the address the portal
is served at, because most emails are sent outside any request (by a worker or by beat).

Every email is first a row of the outbox (OutboxMessage), written in the caller's transaction and
unique per kind, cause and recipient (docs/email.md#the-outbox). email_send then sends it at once:
for a sender that must know the email went (an invitation, a reminder whose record is already
written). email_send_on_commit hands the sending to the outbox_deliver task once the transaction
commits: nothing is sent for a change that was rolled back, and the request does not wait for the
mail server.
"""

import logging
import uuid
from collections.abc import Mapping, Sequence
from functools import partial

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import models, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _

from bold_portal.context_processors import site_context
from bold_portal.models import OutboxMessage, audit
from bold_portal.outbox import outbox_message_send
from bold_portal.queueing import queue_failure_log
from bold_portal.tasks import outbox_deliver

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


def _object_key(obj: models.Model | None, occasion: str) -> tuple[str, str]:
    """What caused the email, as the outbox stores it. An email sent for no object (and no
    occasion) is never taken for another: it gets a key of its own."""
    if obj is None:
        return "", occasion or uuid.uuid4().hex
    return obj._meta.label_lower, f"{obj.pk}:{occasion}" if occasion else str(obj.pk)


def email_queue(
    *,
    template: str,
    to: Sequence[str],
    context: Mapping,
    reply_to: Sequence[str] = (),
    kind: str = "",
    obj: models.Model | None = None,
    occasion: str = "",
    user=None,
    holds_secret: bool = False,
) -> list[OutboxMessage]:
    """Render the email now (in the caller's language, with its data) and store one outbox row per
    address, in the caller's transaction. kind names the email (the template base by default); obj
    and occasion say what caused it: a row that exists for the same kind, cause and address is
    left as it is, so nothing is queued twice. Returns the rows this call added."""
    email = email_message(template=template, to=to, context=context, reply_to=reply_to)
    html = next((content for content, mimetype in email.alternatives if mimetype == "text/html"), "")
    object_type, object_id = _object_key(obj, occasion)
    added = []
    for address in to:
        with transaction.atomic():  # a savepoint: a row already there is skipped, not an error
            message, created = OutboxMessage.objects.get_or_create(
                kind=kind or template,
                object_type=object_type,
                object_id=object_id,
                recipient=address,
                defaults={
                    "recipient_user": user if getattr(user, "pk", None) else None,
                    "reply_to": reply_to[0] if reply_to else "",
                    "subject": email.subject[:998],
                    "text": email.body,
                    "html": html,
                    "holds_secret": holds_secret,
                },
            )
        if created:
            added.append(message)
    return added


def email_send(*, template: str, to: Sequence[str], context: Mapping, reply_to: Sequence[str] = (), **cause) -> None:
    """Store the email in the outbox and send it now, in the caller's transaction: a failure to
    send raises (and rolls the caller's change back with the row). cause: as email_queue."""
    for message in email_queue(template=template, to=to, context=context, reply_to=reply_to, **cause):
        outbox_message_send(message_id=message.pk)


def email_send_on_commit(
    *, template: str, to: Sequence[str], context: Mapping, reply_to: Sequence[str] = (), **cause
) -> None:
    """Store the email in the outbox in the current transaction; the outbox_deliver task sends it
    once the transaction commits (at once when there is none). cause: as email_queue."""
    for message in email_queue(template=template, to=to, context=context, reply_to=reply_to, **cause):
        transaction.on_commit(partial(_deliver, message.pk))


def emails_send_on_commit(
    *, template: str, kind: str, emails: Sequence[tuple[models.Model, str, Mapping]], holds_secret: bool = False
) -> None:
    """As email_send_on_commit for many people at once, in a fixed number of queries: emails holds
    (object, address, context), the object being the account emailed. A row already there for the
    same kind, object and address is left as it is."""
    if not emails:
        return
    rows = []
    for obj, address, context in emails:
        email = email_message(template=template, to=[address], context=context)
        object_type, object_id = _object_key(obj, "")
        rows.append(
            OutboxMessage(
                kind=kind,
                object_type=object_type,
                object_id=object_id,
                recipient=address,
                recipient_user=obj if obj._meta.label_lower == settings.AUTH_USER_MODEL.lower() else None,
                subject=email.subject[:998],
                text=email.body,
                html=next((content for content, mimetype in email.alternatives if mimetype == "text/html"), ""),
                holds_secret=holds_secret,
            )
        )
    OutboxMessage.objects.bulk_create(rows, ignore_conflicts=True)
    waiting = OutboxMessage.objects.filter(
        kind=kind,
        object_type=rows[0].object_type,
        object_id__in=[row.object_id for row in rows],
        sent_at__isnull=True,
        attempts=0,
    ).values_list("pk", flat=True)
    for message_id in waiting:
        transaction.on_commit(partial(_deliver, message_id))


def outbox_message_resend(*, message: OutboxMessage, actor) -> OutboxMessage:
    """An admin sends a message that failed again, after the commit (with an audit row). Only a
    message not sent can be: one sent already stays sent."""
    with transaction.atomic():
        locked = OutboxMessage.objects.select_for_update(of=("self",)).get(pk=message.pk)
        if locked.sent_at is not None:
            raise ValidationError({"message": _("This email has been sent already. There is nothing to resend.")})
        if not locked.error:
            raise ValidationError(
                {"message": _("This email is still waiting to be sent. Resend only one that failed.")}
            )
        audit(actor=actor, action="outbox_message_resent", obj=locked, kind=locked.kind, attempts=locked.attempts)
        transaction.on_commit(partial(_deliver, locked.pk))
    return locked


def _deliver(message_id: int) -> None:
    # After the commit the change stands whatever happens here: a broker that cannot take the
    # message leaves it waiting in the outbox, logged, never costs the request.
    try:
        outbox_deliver.delay(message_id)
    except Exception as error:
        queue_failure_log(logger, error, "Could not queue outbox message %s; it waits in the outbox", message_id)
