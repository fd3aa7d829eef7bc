"""Forms for declining an assignment, asking for more time, and answering those requests
(docs/declined-and-interests.md). Each names the field to fix; the services check the rest and say
why."""

from crispy_forms_gds.layout import Field
from django import forms
from django.utils.translation import gettext_lazy as _

from audiences.models import Organisation
from bold_portal.forms import PortalDateField, PortalForm, gds_form_helper, limit_length
from reviews.models import REQUEST_TEXT_MAX
from reviews.selectors.requests import organisation_members


def reason_field(label, help_text, required_message, *, required=True) -> forms.CharField:
    field = forms.CharField(
        label=label,
        help_text=help_text,
        required=required,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": required_message},
    )
    return limit_length(field, REQUEST_TEXT_MAX, _("The reason must be %(limit)s characters or fewer"))


class DeclineForm(PortalForm):
    reason = reason_field(
        _("Why are you declining this use case?"),
        _("For example, nobody in your organisation works with this audience. The lead and the programme team see it."),
        _("Say why you are declining this use case"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = gds_form_helper(Field.textarea("reason"), submit_label=_("Decline this use case"))
        self.helper.form_tag = False


class MoreTimeForm(PortalForm):
    due_on = PortalDateField(label=_("New due date"), help_text=_("For example, 15 3 2027"))
    reason = reason_field(
        _("Why do you need more time?"),
        _("The lead and the programme team see it."),
        _("Say why you need more time"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = gds_form_helper(Field("due_on"), Field.textarea("reason"), submit_label=_("Ask for more time"))
        self.helper.form_tag = False


class MoreTimeDecisionForm(PortalForm):
    """Grant the date asked for, or refuse with a note the reviewer reads."""

    decision = forms.ChoiceField(
        label=_("Your decision"),
        choices=[("grant", _("Give the time asked for")), ("refuse", _("Refuse"))],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose whether to give the time asked for")},
    )
    note = reason_field(
        _("Note to the reviewer"),
        _("Needed when you refuse: say why, and what they should do instead."),
        "",
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = gds_form_helper(Field.radios("decision"), Field.textarea("note"), submit_label=_("Save decision"))
        self.helper.form_tag = False


class MemberChoiceForm(PortalForm):
    """A lead gives a declined use case to one of the organisation's active members."""

    member = forms.ModelChoiceField(
        label=_("Give it to"),
        queryset=None,
        empty_label=_("Choose a member"),
        error_messages={"required": _("Choose a member"), "invalid_choice": _("Choose a member from the list")},
    )

    def __init__(self, *args, organisation: Organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = organisation_members(organisation)
        self.fields["member"].label_from_instance = lambda user: user.get_full_name() or user.email
        self.helper = gds_form_helper(Field.select("member"), submit_label=_("Give it to this member"))
        self.helper.form_tag = False
