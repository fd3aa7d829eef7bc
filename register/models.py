"""The public register of use cases the programme decided to go ahead with (docs/register.md).

An entry is what an admin published: a snapshot of the plain-English summary as it stood then, so
nothing changes on the public page until the next publish (an organisation's name, agreed or
withdrawn, included). Withdrawing keeps the row, so the page can answer 410 Gone with its reason."""

from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from bold_portal.text import refuse_control_characters, text_limit

WITHDRAWAL_REASON_MAX = 500


class NameConsent(models.Model):
    """Whether an organisation's lead agreed that the register may name the organisation among those
    that reviewed. No row, or agreed False: never named."""

    organisation = models.OneToOneField(
        "audiences.Organisation", on_delete=models.CASCADE, related_name="register_consent"
    )
    agreed = models.BooleanField(_("named on the public register"), default=False)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    changed_at = models.DateTimeField()

    class Meta:
        verbose_name = _("agreement to be named on the register")
        verbose_name_plural = _("agreements to be named on the register")

    def __str__(self):
        return f"{self.organisation}: {'agreed' if self.agreed else 'not agreed'}"


class RegisterEntry(models.Model):
    """One use case on the public register, as last published."""

    class Status(models.TextChoices):
        PUBLISHED = "published", _("Published")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    # One entry per use case: a later decision replaces the earlier one at the next publish.
    use_case = models.OneToOneField("usecases.UseCase", on_delete=models.PROTECT, related_name="register_entry")
    decision = models.ForeignKey("reviews.Decision", on_delete=models.PROTECT, related_name="register_entries")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PUBLISHED)
    # The page as published (register.selectors.entry_snapshot): never read live from the use case.
    snapshot = models.JSONField(editable=False)
    first_published_at = models.DateTimeField()
    published_at = models.DateTimeField()
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawal_reason = models.TextField(
        _("reason"),
        blank=True,
        validators=[MaxLengthValidator(WITHDRAWAL_REASON_MAX), refuse_control_characters],
    )

    class Meta:
        verbose_name = _("register entry")
        verbose_name_plural = _("register entries")
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["published", "withdrawn"]),
                name="registerentry_status_valid",
                violation_error_message=_("Choose published or withdrawn."),
            ),
            models.CheckConstraint(
                condition=Q(status="published", withdrawn_at__isnull=True)
                | (Q(status="withdrawn", withdrawn_at__isnull=False) & ~Q(withdrawal_reason="")),
                name="registerentry_withdrawn_has_time_and_reason",
                violation_error_message=_("A withdrawn entry says when and why."),
            ),
            text_limit("registerentry", "withdrawal_reason", WITHDRAWAL_REASON_MAX, _("The reason for withdrawing")),
        ]

    def __str__(self):
        return self.snapshot.get("title", str(self.use_case))

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED


class RegisterChange(models.Model):
    """One change to the register, for its Atom feed: published, updated or withdrawn. Holds only
    the title and a sentence, never the entry's content."""

    class Kind(models.TextChoices):
        PUBLISHED = "published", _("Published")
        UPDATED = "updated", _("Updated")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    entry = models.ForeignKey(RegisterEntry, on_delete=models.CASCADE, related_name="changes")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    title = models.CharField(max_length=300, editable=False)
    sentence = models.TextField(editable=False)
    at = models.DateTimeField()

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("change to the register")
        verbose_name_plural = _("changes to the register")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["published", "updated", "withdrawn"]),
                name="registerchange_kind_valid",
                violation_error_message=_("Choose published, updated or withdrawn."),
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.title}"
