"""Forms for giving a round's use cases to organisations and people, and for their due dates
(docs/admin-rounds.md). Each checks what a person typed and names the field to fix; the services
check the rest and say why."""

from crispy_forms_gds.layout import Field, Fluid
from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import EMAIL_MAX
from audiences.models import Organisation
from bold_portal.forms import PortalDateField, PortalForm, gds_form_helper, limit_length
from reviews.selectors.assignments import active_person


class DueDateForm(PortalForm):
    due_on = PortalDateField(label=_("Due date"), help_text=_("For example, 15 3 2027"))

    def __init__(self, *args, submit_label=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = gds_form_helper(Field("due_on"), submit_label=submit_label or _("Save due date"))


def _organisation_field(required: bool) -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        label=_("Organisation"),
        queryset=Organisation.objects.order_by("name"),
        required=required,
        empty_label=_("Choose an organisation"),
        error_messages={
            "required": _("Choose an organisation"),
            "invalid_choice": _("Choose an organisation from the list"),
        },
    )


def _person_field() -> forms.EmailField:
    field = forms.EmailField(
        label=_("Or a person, by email address"),
        required=False,
        help_text=_("They must already have an account in the portal."),
        error_messages={"invalid": _("Enter an email address in the correct format, like name@example.com")},
        widget=forms.EmailInput(attrs={"spellcheck": "false"}),
    )
    return limit_length(field, EMAIL_MAX, _("Email address must be %(limit)s characters or fewer"))


class RecipientForm(PortalForm):
    """Who a use case goes to: an organisation, or a person with an account (exactly one)."""

    organisation = _organisation_field(required=False)
    person = _person_field()

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        organisation, email = cleaned.get("organisation"), cleaned.get("person")
        if organisation and email:
            self.add_error("person", _("Choose an organisation or a person, not both"))
        elif not organisation and not email:
            self.add_error("organisation", _("Choose an organisation, or enter a person's email address"))
        elif email:
            cleaned["reviewer"] = active_person(email)
            if cleaned["reviewer"] is None:
                self.add_error("person", _("There is no active account with this email address. Invite them first"))
        return cleaned

    def recipient(self) -> dict:
        return {"organisation": self.cleaned_data.get("organisation"), "reviewer": self.cleaned_data.get("reviewer")}


class AssignmentAddForm(RecipientForm):
    due_on = PortalDateField(label=_("Due date"), required=False, help_text=_("For example, 15 3 2027"))

    def __init__(self, *args, organisations=None, **kwargs):
        super().__init__(*args, **kwargs)
        if organisations is not None:  # only those that do not have the use case yet
            self.fields["organisation"].queryset = organisations
        self.helper = gds_form_helper(
            Field.select("organisation"),
            Field.text("person", field_width=Fluid.TWO_THIRDS),
            Field("due_on"),
            submit_label=_("Add"),
        )


class ReassignForm(RecipientForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].label = _("Give it to an organisation")
        self.helper = gds_form_helper(
            Field.select("organisation"),
            Field.text("person", field_width=Fluid.TWO_THIRDS),
            submit_label=_("Reassign"),
        )
