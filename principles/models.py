from django.db import models
from django.utils.translation import gettext_lazy as _


class Principle(models.Model):
    """A principle a use case is judged against, with the question a reviewer answers."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    question = models.TextField(_("question"), help_text=_("The question a reviewer answers."))
    guidance = models.TextField(_("guidance"), blank=True, help_text=_("What good looks like."))
    is_active = models.BooleanField(_("offered for new rounds"), default=True)

    class Meta:
        ordering = ["order", "name"]
        verbose_name = _("principle")
        verbose_name_plural = _("principles")

    def __str__(self):
        return self.name


class MatrixSnapshot(models.Model):
    """The principle matrix of one round, as last computed from its submitted reviews."""

    round = models.OneToOneField("usecases.ReviewRound", on_delete=models.CASCADE, related_name="matrix_snapshot")
    data = models.JSONField(_("matrix"))
    computed_at = models.DateTimeField(_("computed at"))
    # The round's change stamp the matrix was computed from: older than the round's means stale.
    source_changed_at = models.DateTimeField(_("computed from changes up to"))
    submitted_reviews = models.PositiveIntegerField(_("submitted reviews counted"))

    class Meta:
        verbose_name = _("matrix snapshot")
        verbose_name_plural = _("matrix snapshots")

    def __str__(self):
        return f"{self.round} at {self.computed_at:%Y-%m-%d %H:%M}"

    @property
    def is_stale(self) -> bool:
        return self.source_changed_at < self.round.last_changed_at
