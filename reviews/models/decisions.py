"""The programme's decision on a use case version reviewed in a closed round, and the conditions a
decision to go ahead may carry (docs/admin-rounds.md, "Decisions"). One decision per version in a
round: it names the round's RoundVersion row, so the version must have been in the round."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from bold_portal.text import refuse_control_characters, text_limit

DECISION_REASONS_MAX = 5_000
CONDITION_TEXT_MAX = 1_000


class Decision(models.Model):
    """What the programme decided about one use case version after a closed round, and why."""

    class Outcome(models.TextChoices):
        GO_AHEAD = "go_ahead", _("Go ahead")
        GO_AHEAD_WITH_CONDITIONS = "go_ahead_with_conditions", _("Go ahead with conditions")
        REVISE = "revise", _("Revise and review again")
        STOP = "stop", _("Stop")

    GOES_AHEAD = (Outcome.GO_AHEAD, Outcome.GO_AHEAD_WITH_CONDITIONS)

    # A decision is kept for the record: the round's version it is about cannot go while it does.
    round_version = models.OneToOneField(
        "reviews.RoundVersion", on_delete=models.PROTECT, related_name="decision", verbose_name=_("use case in round")
    )
    outcome = models.CharField(_("decision"), max_length=30, choices=Outcome.choices)
    reasons = models.TextField(
        _("reasons"), validators=[MaxLengthValidator(DECISION_REASONS_MAX), refuse_control_characters]
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided on"))

    class Meta:
        ordering = ["-decided_at", "-pk"]
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")
        constraints = [
            models.CheckConstraint(
                condition=Q(outcome__in=["go_ahead", "go_ahead_with_conditions", "revise", "stop"]),
                name="decision_outcome_valid",
                violation_error_message=_("Choose go ahead, go ahead with conditions, revise or stop."),
            ),
            models.CheckConstraint(
                condition=~Q(reasons=""),
                name="decision_has_reasons",
                violation_error_message=_("Enter the reasons for the decision."),
            ),
            text_limit("decision", "reasons", DECISION_REASONS_MAX, _("The reasons for a decision")),
        ]

    def __str__(self):
        return f"{self.get_outcome_display()}: {self.round_version}"

    @property
    def goes_ahead(self) -> bool:
        return self.outcome in self.GOES_AHEAD


class DecisionCondition(models.Model):
    """A condition of a decision to go ahead, tied to a principle, and checked off against a later
    version of the same use case that meets it."""

    decision = models.ForeignKey(Decision, on_delete=models.CASCADE, related_name="conditions")
    principle = models.ForeignKey("principles.Principle", on_delete=models.PROTECT, related_name="+")
    text = models.TextField(
        _("condition"), validators=[MaxLengthValidator(CONDITION_TEXT_MAX), refuse_control_characters]
    )
    met_in_version = models.ForeignKey(
        "usecases.UseCaseVersion",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("met in version"),
    )
    met_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    met_at = models.DateTimeField(_("checked off on"), null=True, blank=True)

    class Meta:
        ordering = ["decision", "pk"]
        verbose_name = _("condition of a decision")
        verbose_name_plural = _("conditions of decisions")
        constraints = [
            models.CheckConstraint(
                condition=~Q(text=""),
                name="decisioncondition_has_text",
                violation_error_message=_("Enter what the condition asks for."),
            ),
            models.CheckConstraint(
                condition=Q(met_in_version__isnull=True, met_at__isnull=True)
                | Q(met_in_version__isnull=False, met_at__isnull=False),
                name="decisioncondition_met_has_version_and_time",
                violation_error_message=_("A condition checked off names the version that meets it, and when."),
            ),
            text_limit("decisioncondition", "text", CONDITION_TEXT_MAX, _("A condition")),
        ]

    def __str__(self):
        return self.text

    @property
    def is_met(self) -> bool:
        return self.met_in_version_id is not None

    def clean(self):
        if self.met_in_version_id and self.decision_id:
            decided = self.decision.round_version.version
            later = self.met_in_version
            if later.use_case_id != decided.use_case_id or later.number <= decided.number:
                raise ValidationError(
                    {"met_in_version": _("Choose a later version of the same use case than the one decided on.")}
                )
