from django.db import models
from django.utils.translation import gettext_lazy as _


class Principle(models.Model):
    """A principle a use case is judged against, with the question a reviewer answers."""

    name = models.CharField(
        _("name"),
        max_length=100,
        unique=True,
        error_messages={"unique": _("A principle with this name already exists.")},
    )
    slug = models.SlugField(
        _("slug"),
        max_length=60,
        unique=True,
        error_messages={"unique": _("A principle with this slug already exists.")},
    )
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
