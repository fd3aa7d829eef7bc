"""The form that carries a reviewer's verdicts forward from an earlier version's review: one
checkbox per principle that may be carried, or every one at once. Any principle of the round may be
sent, so that a page tampered with reaches the service, which refuses a principle whose sections
changed and says why."""

from django import forms
from django.utils.translation import gettext_lazy as _

from bold_portal.forms import PortalForm

CARRY_ALL = "all"


class CarryForm(PortalForm):
    principles = forms.MultipleChoiceField(
        required=False,
        error_messages={"invalid_choice": _("Choose principles from the list. %(value)s is not one of this round's.")},
    )
    lock_version = forms.IntegerField(
        min_value=0,
        widget=forms.HiddenInput,
        error_messages=dict.fromkeys(
            ("required", "invalid", "min_value"), _("The form is out of date. Reload the page and try again.")
        ),
    )
    action = forms.CharField(required=False)

    def __init__(self, *args, principles, carryable, **kwargs):
        super().__init__(*args, **kwargs)
        self.by_slug = {p.slug: p for p in principles}
        self.carryable = [p.slug for p in carryable]
        self.fields["principles"].choices = [(p.slug, p.name) for p in principles]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("action") == CARRY_ALL:
            cleaned["principles"] = list(self.carryable)
        if "principles" in cleaned and not cleaned["principles"]:
            self.add_error(
                "principles",
                _("Choose at least one principle whose verdict you want to carry forward")
                if self.carryable
                else _("No verdict can be carried forward: the sections every principle reads changed"),
            )
        return cleaned

    def principle_ids(self) -> list[int]:
        return [self.by_slug[slug].pk for slug in self.cleaned_data["principles"]]
