"""The register's forms: withdrawing an entry, and a lead's agreement to be named."""

from crispy_forms_gds.layout import Field, Size
from django import forms
from django.utils.translation import gettext_lazy as _

from bold_portal.forms import PortalForm, gds_form_helper, limit_length
from register.models import WITHDRAWAL_REASON_MAX


class WithdrawForm(PortalForm):
    reason = limit_length(
        forms.CharField(
            label=_("Why is it withdrawn?"),
            widget=forms.Textarea(attrs={"rows": 3}),
            help_text=_("The public page says this instead of the use case, in a sentence or two."),
            error_messages={"required": _("Enter why the use case is withdrawn from the register")},
        ),
        WITHDRAWAL_REASON_MAX,
        _("The reason must be %(limit)s characters or fewer"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = gds_form_helper(Field.textarea("reason"), submit_label=_("Withdraw from the register"))


class NameConsentForm(PortalForm):
    agreed = forms.ChoiceField(
        label=_("May the public register name your organisation among those that reviewed a use case?"),
        choices=[("yes", _("Yes, name us")), ("no", _("No, do not name us"))],
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose whether the register may name your organisation"),
            "invalid_choice": _("Choose whether the register may name your organisation"),
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = gds_form_helper(Field.radios("agreed", legend_size=Size.MEDIUM), submit_label=_("Save"))
