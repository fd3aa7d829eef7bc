from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audiences.models import Audience


class UseCase(models.Model):
    """A proposed use of linked data for one audience; its content lives in numbered versions."""

    audience = models.ForeignKey(Audience, on_delete=models.PROTECT, related_name="use_cases")
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    display_order = models.PositiveSmallIntegerField(_("order within audience"), default=0)
    is_illustrative = models.BooleanField(
        _("illustrative"), default=False, help_text=_("Demo text written for illustration, not a pilot's own.")
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["audience__display_order", "display_order", "slug"]
        verbose_name = _("use case")
        verbose_name_plural = _("use cases")

    def __str__(self):
        latest = self.latest_version
        return latest.title if latest else self.slug

    @property
    def latest_version(self):
        return self.versions.order_by("-number").first()


class UseCaseVersion(models.Model):
    """An immutable, numbered draft of a use case. Reviews attach to a version."""

    use_case = models.ForeignKey(UseCase, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    title = models.CharField(_("title"), max_length=200)
    impact_statement = models.TextField(
        _("why this matters"), help_text=_("Leads the use case: why this matters to the people concerned.")
    )
    research_questions = models.TextField(_("research questions"), help_text=_("One question per line."))
    data_flows = models.JSONField(
        _("data flows"),
        default=list,
        help_text=_('A list of {"information": ..., "from": ..., "to": ...}: what goes from whom to whom.'),
    )
    will_do = models.TextField(_("what BOLD will do"), help_text=_("One point per line."))
    wont_do = models.TextField(_("what BOLD will not do"), help_text=_("One point per line."))
    change_summary = models.TextField(_("what changed from the last version"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["use_case", "number"]
        verbose_name = _("use case version")
        verbose_name_plural = _("use case versions")
        constraints = [
            models.UniqueConstraint(
                fields=["use_case", "number"],
                name="usecaseversion_unique_number",
                violation_error_message=_("This use case already has a version with this number."),
            ),
            models.CheckConstraint(
                condition=Q(number__gte=1),
                name="usecaseversion_number_positive",
                violation_error_message=_("A version number is 1 or more."),
            ),
        ]

    def __str__(self):
        return f"{self.title} (v{self.number})"

    def save(self, *args, **kwargs):
        # Versions are immutable; the database refuses updates too (see migration 0002).
        if self.pk and not self._state.adding:
            raise ValidationError(_("A use case version cannot be changed. Create a new version instead."))
        super().save(*args, **kwargs)

    def clean(self):
        flows = self.data_flows
        if not isinstance(flows, list) or not all(
            isinstance(f, dict) and {"information", "from", "to"} <= f.keys() for f in flows
        ):
            raise ValidationError({"data_flows": _('Give a list of flows, each with "information", "from" and "to".')})

    @property
    def research_question_list(self):
        return [line.strip() for line in self.research_questions.splitlines() if line.strip()]

    @property
    def will_do_list(self):
        return [line.strip() for line in self.will_do.splitlines() if line.strip()]

    @property
    def wont_do_list(self):
        return [line.strip() for line in self.wont_do.splitlines() if line.strip()]
