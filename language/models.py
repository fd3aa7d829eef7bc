"""The lexicon the language checker reads, as admins keep it, and the hits authors dismissed."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audiences.models import Audience
from bold_portal.text import refuse_control_characters, text_limit
from language.checker import terms
from language.lexicon_file import sources

TERM_MAX = 100
SUGGESTION_MAX = 500
SOURCE_MAX = 60
SUBJECT_MAX = 100
HIT_TEXT_MAX = 200
REASON_MAX = 1_000


def validate_source(value: str) -> None:
    if value not in sources():
        raise ValidationError(_("Choose a source from the list."), code="unknown_source")


class EntryKind(models.TextChoices):
    STIGMATISING = terms.STIGMATISING, _("Stigmatising or loaded term")
    DEFICIT = terms.DEFICIT, _("Deficit label")
    JARGON = terms.JARGON, _("Jargon")
    AUDIENCE_TERM = terms.AUDIENCE_TERM, _("Another audience's term")
    NAME = terms.NAME, _("Name of a programme or service (never flagged)")


class HitKind(models.TextChoices):
    """What the checker calls each kind of hit, in the pages' words."""

    STIGMATISING = terms.STIGMATISING, _("Stigmatising or loaded term")
    DEFICIT = terms.DEFICIT, _("Deficit label")
    JARGON = terms.JARGON, _("Jargon")
    PERSONAL_DATA = terms.PERSONAL_DATA, _("Looks like personal data")
    AUDIENCE_CONFLATION = terms.AUDIENCE_CONFLATION, _("Another audience's term")


class LexiconEntry(models.Model):
    """A word or phrase the checker looks for (or, for a name, never flags)."""

    term = models.CharField(_("term"), max_length=TERM_MAX, validators=[refuse_control_characters])
    kind = models.CharField(_("kind"), max_length=20, choices=EntryKind.choices)
    suggestion = models.TextField(
        _("suggestion"),
        blank=True,
        validators=[MaxLengthValidator(SUGGESTION_MAX), refuse_control_characters],
    )
    source = models.CharField(_("source"), max_length=SOURCE_MAX, validators=[validate_source])
    # Whose word it is, for another audience's term: a use case of any other audience is asked why it uses it.
    audience = models.ForeignKey(
        Audience, on_delete=models.PROTECT, null=True, blank=True, related_name="lexicon_entries"
    )
    is_active = models.BooleanField(_("checked"), default=True)

    class Meta:
        ordering = ["kind", Lower("term")]
        verbose_name = _("lexicon entry")
        verbose_name_plural = _("lexicon entries")
        constraints = [
            # A name may share its words with a term ("Substance Misuse", the pilot; "substance misuse" in prose).
            models.UniqueConstraint(
                Lower("term"),
                "kind",
                name="lexiconentry_unique_term",
                violation_error_message=_("The lexicon already has this term of this kind."),
            ),
            models.CheckConstraint(
                condition=Q(kind__in=EntryKind.values),
                name="lexiconentry_kind_known",
                violation_error_message=_("Choose a kind from the list."),
            ),
            models.CheckConstraint(
                condition=Q(kind=terms.NAME) | ~Q(suggestion=""),
                name="lexiconentry_suggestion_given",
                violation_error_message=_("Enter a suggestion: what to write instead, or what to do."),
            ),
            models.CheckConstraint(
                condition=Q(kind=terms.AUDIENCE_TERM, audience__isnull=False)
                | (~Q(kind=terms.AUDIENCE_TERM) & Q(audience__isnull=True)),
                name="lexiconentry_audience_for_audience_terms",
                violation_error_message=_("Choose the audience for another audience's term, and only for one."),
            ),
            text_limit("lexiconentry", "term", TERM_MAX, _("A term")),
            text_limit("lexiconentry", "suggestion", SUGGESTION_MAX, _("A suggestion")),
            text_limit("lexiconentry", "source", SOURCE_MAX, _("A source")),
        ]

    def __str__(self):
        return self.term


class HitDismissal(models.Model):
    """A hit an author dismissed, with the reason. subject names the text checked, such as a
    use-case version ("usecases.usecaseversion:12") or a draft; the hit is known by its kind, its
    text (in lower case) and which occurrence of that text it is, so that an edit elsewhere in the
    text does not bring it back, and fixing it makes the dismissal moot."""

    subject = models.CharField(_("subject"), max_length=SUBJECT_MAX)
    kind = models.CharField(_("kind"), max_length=20)
    text = models.CharField(_("text"), max_length=HIT_TEXT_MAX)
    occurrence = models.PositiveIntegerField(_("occurrence"), default=1)
    reason = models.TextField(_("reason"), validators=[MaxLengthValidator(REASON_MAX), refuse_control_characters])
    dismissed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )  # kept when the person's account is erased: the reason is about the text, not them
    dismissed_at = models.DateTimeField(_("dismissed"), default=timezone.now)

    class Meta:
        ordering = ["subject", "pk"]
        verbose_name = _("dismissed hit")
        verbose_name_plural = _("dismissed hits")
        constraints = [
            models.UniqueConstraint(
                fields=["subject", "kind", "text", "occurrence"],
                name="hitdismissal_unique_hit",
                violation_error_message=_("This hit is already dismissed."),
            ),
            models.CheckConstraint(
                condition=Q(occurrence__gte=1),
                name="hitdismissal_occurrence_positive",
                violation_error_message=_("An occurrence is 1 or more."),
            ),
            models.CheckConstraint(
                condition=~Q(reason=""),
                name="hitdismissal_reason_given",
                violation_error_message=_("Enter why this hit is not a problem here."),
            ),
            text_limit("hitdismissal", "subject", SUBJECT_MAX, _("A dismissal's subject")),
            text_limit("hitdismissal", "text", HIT_TEXT_MAX, _("A dismissed hit's text")),
            text_limit("hitdismissal", "reason", REASON_MAX, _("A reason")),
        ]

    def __str__(self):
        return f"{self.subject}: {self.text}"
