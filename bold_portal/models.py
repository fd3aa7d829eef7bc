from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bold_portal import audit_actions


class AuditEvent(models.Model):
    """One append-only row per state change made through a service: who did what to which object,
    when, and (in data) the values before and after. The database refuses to change a row, and to
    delete one except through the retention purge (bold_portal.audit_database)."""

    # An account with audit rows is never deleted (PROTECT): it is erased instead, keeping its id
    # here, so the trail still says which (now anonymous) account did what.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(_("action"), max_length=60)
    object_type = models.CharField(_("object type"), max_length=60, blank=True)
    object_id = models.CharField(_("object id"), max_length=40, blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        indexes = [
            models.Index(fields=["object_type", "object_id"], name="audit_object_idx"),
            models.Index(fields=["action", "created_at"], name="audit_action_idx"),
        ]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.object_type}:{self.object_id}"

    @property
    def action_label(self) -> str:
        return audit_actions.label(self.action)

    @property
    def shown(self) -> audit_actions.AuditData:
        """What of the row may be shown, as its action's registration says (a draft's text never
        is). The row itself is never rewritten: data keeps what was written."""
        return audit_actions.shown(
            self.action,
            audit_actions.AuditData(
                before=self.data.get("before") or {},
                after=self.data.get("after") or {},
                details={
                    key: value
                    for key, value in self.data.items()
                    if key not in {"before", "after", audit_actions.OBJECT_NAME}
                },
            ),
        )

    @property
    def object_name(self) -> str | None:
        """The name of the object the row is about, as it was when the row was written (rows
        written before names were stored, and rows about people, hold none)."""
        return self.data.get(audit_actions.OBJECT_NAME)

    @property
    def before(self) -> dict:
        return self.shown.before

    @property
    def after(self) -> dict:
        return self.shown.after

    @property
    def details(self) -> dict:
        """data without the values before and after."""
        return self.shown.details


class AuditRetention(models.Model):
    """The audit trail's retention floor as the database enforces it: no purge deletes a row younger
    than `days` (bold_portal.audit_database on PostgreSQL, audit_rows_purge on SQLite). One row,
    written by the migration that made it (from RETENTION_AUDIT_DAYS) and by audit_lockdown; after
    the lockdown only the audit table's owner can change it."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    days = models.PositiveIntegerField(_("days"), validators=[MinValueValidator(1)])

    class Meta:
        verbose_name = _("audit retention floor")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(id=1),
                name="audit_retention_one_row",
                violation_error_message=_("The audit trail has one retention floor: change it, do not add another."),
            ),
            models.CheckConstraint(
                condition=models.Q(days__gte=1),
                name="audit_retention_at_least_a_day",
                violation_error_message=_("Keep audit rows for at least 1 day."),
            ),
        ]

    def __str__(self):
        return f"{self.days} days"


def _event(*, actor, action: str, obj: models.Model | None, before, after, data) -> AuditEvent:
    if before is not None or after is not None:
        data = {**data, "before": before or {}, "after": after or {}}
    name = audit_actions.name_when_written(obj) if obj is not None else None
    if name is not None:  # as it was named then: the trail shows it so after a rename
        data = {**data, audit_actions.OBJECT_NAME: name}
    return AuditEvent(
        actor=actor if getattr(actor, "pk", None) else None,
        action=audit_actions.check(action),
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        data=data,
    )


def audit(
    *, actor, action: str, obj: models.Model | None, before: dict | None = None, after: dict | None = None, **data
) -> AuditEvent:
    """Record an audit row for obj (None: an action on no one object, such as a download of the
    trail); call inside the service's transaction. action must be registered (audit_actions).
    before and after hold the changed values; data, other details. The name of obj, where its
    kind registered one that is not personal (audit_actions.register_named), is stored with it.
    Never put a person's name or an email address in a row: rows outlive an erased account
    (docs/audit-and-personal-data.md)."""
    event = _event(actor=actor, action=action, obj=obj, before=before, after=after, data=data)
    event.save()
    return event


def audit_many(
    *, actor, action: str, objects: list[models.Model], before: dict | None = None, after: dict | None = None, **data
) -> None:
    """One audit row per object, written in one query (for bulk services)."""
    audit_actions.check(action)  # even when there is no object, a misspelt action fails
    AuditEvent.objects.bulk_create(
        [_event(actor=actor, action=action, obj=obj, before=before, after=after, data=data) for obj in objects]
    )


class OutboxMessage(models.Model):
    """One email to one person, stored before it is sent (docs/email.md#the-outbox): written in the
    transaction that causes it, sent after the commit by bold_portal.tasks.outbox_deliver. Unique per
    kind, object and recipient, so the same cause never emails the same person twice. Personal data:
    purged after RETENTION_OUTBOX_DAYS, and removed by an account's erasure."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting to be sent")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Not sent: failed")

    kind = models.CharField(_("kind"), max_length=60)
    object_type = models.CharField(_("object type"), max_length=60, blank=True)
    object_id = models.CharField(_("object id"), max_length=80, blank=True)
    recipient = models.EmailField(_("recipient"), max_length=254)
    # The account the email went to, where it has one (for erasure); None for an invited address.
    recipient_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reply_to = models.EmailField(_("reply to"), max_length=254, blank=True)
    subject = models.CharField(_("subject"), max_length=998)
    text = models.TextField(_("plain-text body"))
    html = models.TextField(_("HTML body"), blank=True)
    # The body holds a link that works as a key (an invitation, a password link): never shown on
    # the outbox pages, and replaced by a note once sent.
    holds_secret = models.BooleanField(_("holds a secret link"), default=False)
    queued_at = models.DateTimeField(_("queued at"), default=timezone.now, db_index=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)

    class Meta:
        ordering = ["-queued_at", "-pk"]
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "object_type", "object_id", "recipient"],
                name="outbox_once_per_cause_and_recipient",
                violation_error_message=_("This email has already been queued for this person."),
            )
        ]
        indexes = [models.Index(fields=["kind", "queued_at"], name="outbox_kind_idx")]

    def __str__(self):
        return f"{self.kind} {self.object_type}:{self.object_id}"

    @property
    def status(self) -> str:
        if self.sent_at is not None:
            return self.Status.SENT
        return self.Status.FAILED if self.error else self.Status.QUEUED

    @property
    def status_label(self) -> str:
        return self.Status(self.status).label
