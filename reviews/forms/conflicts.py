"""After a conflict, which version of each part of the review to keep (reviews.selectors.conflicts)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from bold_portal.forms import PortalForm

YOURS, SAVED = "yours", "saved"


class ConflictChoiceForm(PortalForm):
    """One choice for each part of the review that differs between the two versions, and the saved
    version's lock_version as the page showed it."""

    saved_lock_version = forms.IntegerField(min_value=0, widget=forms.HiddenInput)

    def __init__(self, *args, differences, **kwargs):
        super().__init__(*args, **kwargs)
        self.differences = [d for d in differences if not d.same]
        for difference in self.differences:
            part = difference.principle.name if difference.principle else _("the overall comment")
            self.fields[difference.key] = forms.ChoiceField(
                label=_("Which version of %(part)s do you want to keep?") % {"part": part},
                choices=[(YOURS, _("Keep yours")), (SAVED, _("Keep the saved one"))],
                widget=forms.RadioSelect,
                error_messages={
                    "required": _("Choose which version of %(part)s to keep") % {"part": part},
                    "invalid_choice": _("Choose which version of %(part)s to keep") % {"part": part},
                },
            )

    def parts_rows(self):
        """(difference, its choice's bound field) in page order."""
        return [(d, self[d.key]) for d in self.differences]

    def keep_yours(self) -> set[str]:
        return {d.key for d in self.differences if self.cleaned_data[d.key] == YOURS}
