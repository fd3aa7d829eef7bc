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

    def __init__(self, *args, with_organisation: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["use_case"].queryset = use_case_choices()
        fields = [Field.select("use_case"), Field.textarea("reason")]
        if with_organisation:
            fields.insert(0, Field.select("organisation"))
        else:
            del self.fields["organisation"]
        self.helper = gds_form_helper(*fields, submit_label=_("Declare the interest"))


class OverrideForm(PortalForm):
    override_reason = reason_field(
        _("Why may the organisation review this use case all the same?"),
        _("Recorded with your name. The matrix still marks the cells its reviews count in."),
        _("Say why the organisation may review the use case"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = gds_form_helper(Field.textarea("override_reason"), submit_label=_("Override the declaration"))
        self.helper.form_tag = False
