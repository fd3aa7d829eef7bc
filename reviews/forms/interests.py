"""Forms for declaring an organisation's interest in a use case and for overriding a declaration
(docs/declined-and-interests.md). Each names the field to fix; the services check the rest and say
why."""

from crispy_forms_gds.layout import Field
from django import forms
from django.utils.translation import gettext_lazy as _

from audiences.models import Organisation
from bold_portal.forms import PortalForm, gds_form_helper
from reviews.forms.requests import reason_field
from reviews.selectors.interests import use_case_choices


def _use_case_field() -> forms.ModelChoiceField:
    field = forms.ModelChoiceField(
        label=_("Use case"),
        queryset=use_case_choices(),
        empty_label=_("Choose a use case"),
        error_messages={"required": _("Choose a use case"), "invalid_choice": _("Choose a use case from the list")},
    )
    field.label_from_instance = lambda use_case: f"{use_case.use_case_title or use_case.slug} ({use_case.audience})"
    return field


EXPECTED_PROBLEM = _("The list of assignments to take away was not understood. Check it again, then confirm.")


class InterestForm(PortalForm):
    """Declare an interest: a lead for their organisation, or an admin for any (with organisation)."""

    organisation = forms.ModelChoiceField(
        label=_("Organisation"),
        queryset=Organisation.objects.order_by("name"),
        empty_label=_("Choose an organisation"),
        error_messages={
            "required": _("Choose an organisation"),
            "invalid_choice": _("Choose an organisation from the list"),
        },
    )
    use_case = _use_case_field()
    reason = reason_field(
        _("What is the interest?"),
        _("For example, a contract with the Ministry of Justice, which would receive the data."),
        _("Say what the interest is"),
    )

    # Sent by the confirmation page: the person saw what declaring takes away (these assignments).
    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)
    expected = forms.CharField(required=False, widget=forms.HiddenInput, max_length=10_000)

    def __init__(self, *args, with_organisation: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["expected"].error_messages["max_length"] = EXPECTED_PROBLEM
        self.fields["use_case"].queryset = use_case_choices()
        fields = [Field.select("use_case"), Field.textarea("reason")]
        if with_organisation:
            fields.insert(0, Field.select("organisation"))
        else:
            del self.fields["organisation"]
        self.helper = gds_form_helper(*fields, submit_label=_("Continue"))

    def clean_expected(self) -> list[int] | None:
        """The assignments the confirmation page listed, as their numbers ("3,8"); None when the
        list came back garbled (clean says so for the whole form: the field is hidden)."""
        text = self.cleaned_data["expected"].strip()
        try:
            return [int(part) for part in text.split(",")] if text else []
        except ValueError:
            return None

    def clean(self):
        cleaned = super().clean()
        if "expected" in self.errors or ("expected" in cleaned and cleaned["expected"] is None):
            self.errors.pop("expected", None)
            cleaned.pop("expected", None)
            raise forms.ValidationError(EXPECTED_PROBLEM)
        return cleaned


class WithdrawForm(PortalForm):
    """Withdraw a declaration; a reason is needed once its organisation's reviews were counted in
    a closed round (an admin's decision), and the assignments declaring took away may be given back."""

    reason = reason_field(
        _("Why is the declaration withdrawn?"),
        _("Its organisation's reviews were counted in a closed round: your reason is recorded with your name."),
        _("Say why the declaration is withdrawn although its reviews were counted"),
    )
    restore = forms.BooleanField(label=_("Give back the assignments declaring took away"), required=False)

    def __init__(self, *args, reason_needed: bool, restorable: bool, **kwargs):
        super().__init__(*args, **kwargs)
        fields = []
        if reason_needed:
            fields.append(Field.textarea("reason"))
        else:
            del self.fields["reason"]
        if restorable:
            fields.append(Field.checkbox("restore"))
        else:
            del self.fields["restore"]
        self.helper = gds_form_helper(*fields, submit_label=_("Withdraw the declaration"))
        self.helper.form_tag = False  # the page's own form holds it


class OverrideForm(PortalForm):
    override_reason = reason_field(
        _("Why may the organisation review this use case all the same?"),
        _("Recorded with your name. The matrix still marks the cells its reviews count in."),
        _("Say why the organisation may review the use case"),
    )

    restore = forms.BooleanField(label=_("Give back the assignments declaring took away"), required=False)

    def __init__(self, *args, restorable: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        fields = [Field.textarea("override_reason")]
        if restorable:
            fields.append(Field.checkbox("restore"))
        else:
            del self.fields["restore"]
        self.helper = gds_form_helper(*fields, submit_label=_("Override the declaration"))
        self.helper.form_tag = False
