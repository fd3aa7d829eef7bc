"""The matrix page's filters: a GET form whose choices come from the round."""

from django import forms
from django.utils.translation import gettext_lazy as _

from matrix.selectors import (
    OUTCOME_ALL_TICKS,
    OUTCOME_CROSS,
    OUTCOME_INSUFFICIENT,
    MatrixFilterOptions,
    MatrixFilters,
)

OUTCOME_CHOICES = (
    ("", _("Any outcome")),
    (OUTCOME_CROSS, _("Has a cross (does not meet)")),
    (OUTCOME_INSUFFICIENT, _("Has not enough reviews")),
    (OUTCOME_ALL_TICKS, _("All ticks (meets)")),
)


class MatrixFilterForm(forms.Form):
    audience = forms.MultipleChoiceField(
        label=_("Audience"),
        required=False,
        error_messages={"invalid_choice": _("Choose audiences from the list")},
    )
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=OUTCOME_CHOICES,
        required=False,
        error_messages={"invalid_choice": _("Choose an outcome from the list")},
    )
    principle = forms.ChoiceField(
        label=_("For principle"),
        required=False,
        error_messages={"invalid_choice": _("Choose a principle from the list")},
    )

    def __init__(self, *args, options: MatrixFilterOptions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["audience"].choices = [(a.slug, a.name) for a in options.audiences]
        self.fields["principle"].choices = [("", _("Any principle")), *((p.slug, p.name) for p in options.principles)]

    def filters(self) -> MatrixFilters:
        """The valid filters; a field with a value that is not allowed filters nothing (and the
        page says so in the error summary)."""
        self.is_valid()
        data = self.cleaned_data
        return MatrixFilters(
            audiences=tuple(data.get("audience") or ()),
            outcome=data.get("outcome") or "",
            principle=data.get("principle") or "",
        )

    def error_items(self) -> list[tuple[str, str]]:
        """(anchor, message) pairs for the GOV.UK error summary."""
        return [(name, str(message)) for name, errors in self.errors.items() for message in errors]
