from django.core.validators import MaxLengthValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from bold_portal.text import refuse_control_characters, text_limit
from principles.sections import validate_sections

# The longest text each free-text field takes, in characters. The fields, the database's checks
# and the forms all read them from here (docs/architecture.md, "Text the portal accepts").
PRINCIPLE_NAME_MAX = 100
PRINCIPLE_SLUG_MAX = 60
PRINCIPLE_QUESTION_MAX = 500  # one question, shown above every verdict
PRINCIPLE_GUIDANCE_MAX = 5_000  # what good looks like, shown beside the question
PRINCIPLE_SECTIONS_JSON_MAX = 500  # the sections it reads, as stored JSON text (every code fits)


class Principle(models.Model):
    """A principle a use case is judged against, with the question a reviewer answers."""

    name = models.CharField(
        _("name"),
        max_length=PRINCIPLE_NAME_MAX,
        unique=True,
        validators=[refuse_control_characters],
        error_messages={"unique": _("A principle with this name already exists.")},
    )
    slug = models.SlugField(
        _("slug"),
        max_length=PRINCIPLE_SLUG_MAX,
        unique=True,
        error_messages={"unique": _("A principle with this slug already exists.")},
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    question = models.TextField(
        _("question"),
        help_text=_("The question a reviewer answers."),
        validators=[MaxLengthValidator(PRINCIPLE_QUESTION_MAX), refuse_control_characters],
    )
    guidance = models.TextField(
        _("guidance"),
        blank=True,
        help_text=_("What good looks like."),
        validators=[MaxLengthValidator(PRINCIPLE_GUIDANCE_MAX), refuse_control_characters],
    )
    is_active = models.BooleanField(_("offered for new rounds"), default=True)
    # The codes of the use case's sections this principle asks about (principles.sections), in
    # the order a use case shows them: the pages that show the principle beside a use case show these.
    reads_sections = models.JSONField(
        _("sections of the use case it reads"),
        default=list,
        blank=True,
        validators=[validate_sections],
    )

    class Meta:
        ordering = ["order", "name"]
        verbose_name = _("principle")
        verbose_name_plural = _("principles")
        constraints = [
            text_limit("principle", "name", PRINCIPLE_NAME_MAX, _("A principle's name")),
            text_limit("principle", "slug", PRINCIPLE_SLUG_MAX, _("A principle's slug")),
            text_limit("principle", "question", PRINCIPLE_QUESTION_MAX, _("A principle's question")),
            text_limit("principle", "guidance", PRINCIPLE_GUIDANCE_MAX, _("A principle's guidance")),
            text_limit(
                "principle",
                "reads_sections",
                PRINCIPLE_SECTIONS_JSON_MAX,
                _("The sections a principle reads, stored as text,"),
                is_json=True,
            ),
        ]

    def __str__(self):
        return self.name
