"""The admins' forms for the programme's decision on a use case version and for checking off a
condition. Each names the field to fix; the services check the rest."""

from crispy_forms_gds.layout import Field, Fieldset, Size
from django import forms
from django.utils.translation import gettext_lazy as _

from bold_portal.forms import PortalForm, gds_form_helper, limit_length
from reviews.models import Decision, ReviewRound
from reviews.models.decisions import CONDITION_TEXT_MAX, DECISION_REASONS_MAX
from reviews.services.decisions import CONDITIONS_MAX, ConditionInput
from usecases.models import UseCaseVersion


class DecisionForm(PortalForm):
    outcome = forms.ChoiceField(
        label=_("What has the programme decided?"),
        choices=Decision.Outcome.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose the programme's decision"),
            "invalid_choice": _("Choose the programme's decision"),
        },
    )
    reasons = limit_length(
        forms.CharField(
            label=_("Why"),
            widget=forms.Textarea(attrs={"rows": 6}),
            help_text=_("Plain words the authors and the organisations that reviewed will read."),
            error_messages={"required": _("Enter the reasons for the decision")},
        ),
        DECISION_REASONS_MAX,
        _("The reasons must be %(limit)s characters or fewer"),
    )

    def __init__(self, *args, review_round: ReviewRound, **kwargs):
        super().__init__(*args, **kwargs)
        principles = review_round.principles.order_by("order", "name")
        condition_fields = []
        for n in range(1, CONDITIONS_MAX + 1):
            self.fields[f"principle_{n}"] = forms.ModelChoiceField(
                label=_("Principle of condition %(n)s") % {"n": n},
                queryset=principles,
                required=False,
                empty_label=_("No condition"),
                error_messages={
                    "invalid_choice": _("Choose one of the round's principles for condition %(n)s") % {"n": n}
                },
            )
            self.fields[f"condition_{n}"] = limit_length(
                forms.CharField(
                    label=_("Condition %(n)s") % {"n": n}, required=False, widget=forms.Textarea(attrs={"rows": 2})
                ),
                CONDITION_TEXT_MAX,
                _("A condition must be %(limit)s characters or fewer"),
            )
            condition_fields += [f"principle_{n}", Field.textarea(f"condition_{n}")]
        self.helper = gds_form_helper(
            Field.radios("outcome", legend_size=Size.MEDIUM),
            Field.textarea("reasons"),
            Fieldset(
                *condition_fields,
                legend=_("Conditions (only for go ahead with conditions)"),
                legend_size=Size.MEDIUM,
            ),
            submit_label=_("Record the decision"),
        )

    def clean(self):
        cleaned = super().clean()
        for n in range(1, CONDITIONS_MAX + 1):
            principle, text = cleaned.get(f"principle_{n}"), (cleaned.get(f"condition_{n}") or "").strip()
            if text and principle is None and f"principle_{n}" not in self.errors:
                self.add_error(f"principle_{n}", _("Choose the principle condition %(n)s is about") % {"n": n})
            if principle is not None and not text and f"condition_{n}" not in self.errors:
                self.add_error(f"condition_{n}", _("Enter what condition %(n)s asks for") % {"n": n})
        return cleaned

    def conditions(self) -> list[ConditionInput]:
        return [
            ConditionInput(principle=self.cleaned_data[f"principle_{n}"], text=self.cleaned_data[f"condition_{n}"])
            for n in range(1, CONDITIONS_MAX + 1)
            if self.cleaned_data.get(f"principle_{n}") is not None
        ]


class ConditionMetForm(PortalForm):
    version = forms.ModelChoiceField(
        label=_("Which version meets the condition?"),
        queryset=UseCaseVersion.objects.none(),
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={
            "required": _("Choose the version that meets the condition"),
            "invalid_choice": _("Choose a later version of this use case"),
        },
    )

    def __init__(self, *args, versions, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["version"]
        field.queryset = versions
        field.label_from_instance = lambda version: _("Version %(number)s: %(title)s") % {
            "number": version.number,
            "title": version.title,
        }
        self.helper = gds_form_helper(
            Field.radios("version", legend_size=Size.MEDIUM), submit_label=_("Check off the condition")
        )
